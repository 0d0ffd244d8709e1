/* config-edit.c - one key of a container's config file changed in place,
 * as `hako config NAME KEY VALUE` and the dashboard's autostart toggle do.
 * Normally under the container's lock (no start reads a half-made
 * change, no rename moves the file away).  The keys that only say how the
 * host starts it (lxc.start.*, lxc.group) can also change while hako runs
 * the container, as with LXC: the file is replaced atomically, and edits
 * are serialised on the container's directory instead. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "config-edit.h"
#include "config.h"
#include "container.h"
#include "list.h"
#include "runner.h"
#include "util.h"

static bool is_start_key(const char *key)
{
	static const char *const keys[] = { "lxc.start.auto", "lxc.start.delay", "lxc.start.order",
					    "lxc.group" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(keys); i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/* The edit itself, one at a time per container (flock on its directory:
 * the config file's inode changes with each atomic replacement). */
static int edit_file(const struct hk_ct *ct, const char *key, const char *value,
		     struct hk_error **err)
{
	const char *name = ct->name, *dir = ct->dir, *path = ct->config_path;
	hk_autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || flock(dfd, LOCK_EX) < 0)
		return hk_error_errno(err, "container \"%s\": cannot open \"%s\"", name, dir);
	int rc = value ? hk_config_file_set(path, key, value, err)
		       : hk_config_file_unset(path, key, err);
	if (rc < 0)
		return hk_error_prefix(err, "container \"%s\"", name);
	return 0;
}

int hk_config_edit(struct hk_store *st, const char *name, const char *key, const char *value,
		   struct hk_error **err)
{
	if (value && strpbrk(value, "\n\r"))
		return hk_error_set(err, 0, "a value for \"%s\" cannot hold a line break", key);
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0)
		return -1;
	name = ct->name;
	hk_autolock struct hk_lock *lock = NULL;
	if (hk_ct_lock(ct, HK_LOCK_TRY, 0, &lock, err) < 0) {
		enum hk_runner_kind runner = HK_RUNNER_NONE;
		enum hk_state state = hk_list_state_of(st, name, &runner);
		bool runs_here = (state == HK_STATE_RUNNING || state == HK_STATE_FROZEN) &&
				 runner == HK_RUNNER_HAKO;
		if (runs_here && !is_start_key(key)) {
			hk_error_freep(err);
			return hk_error_set(
				err, 0,
				"cannot change %s of \"%s\" while it runs: stop it first (only "
				"lxc.start.auto, lxc.start.delay, lxc.start.order and lxc.group "
				"change while it runs)",
				key, name);
		}
		if (!runs_here)
			return hk_error_prefix(err, "cannot change the config of \"%s\" now", name);
		hk_error_freep(err);
		return edit_file(ct, key, value, err);
	}
	hk_autoclose int claim = hk_runner_claim(st, name, HK_OP_CONFIG, err);
	if (claim == -1)
		return -1;
	return edit_file(ct, key, value, err);
}
