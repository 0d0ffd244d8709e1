/* store-sweep.c - run directories of containers that are gone.
 *
 * RUNDIR/s-HASH/NAME outlives its container when the container directory
 * is removed by anything but `hako destroy` (rm -rf, lxc-destroy, a test's
 * cleanup), and nothing names HASH's path again to clean it.  So each
 * s-HASH records its container path in .path (names never start with a
 * dot), and every store open sweeps RUNDIR: a NAME whose PATH/NAME/config
 * is gone and whose lock is free goes (removed while we hold its lock; an
 * acquirer that opened the old file sees it replaced and starts over, see
 * lock.c), then s-HASH itself when nothing else is left in it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store-internal.h"

#define PATH_FILE ".path"

void hk_store_note_run_path(const struct hk_store *st)
{
	hk_autofree char *file = xasprintf("%s/" PATH_FILE, st->run_dir);
	if (access(file, F_OK) == 0)
		return;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_write_run_file(file, st->path, strlen(st->path), 0600, &err) < 0)
		hk_log(HK_LOG_DEBUG, "cannot note the container path: %s", err->msg);
}

/* NAME's container is gone and nobody holds its lock: remove it.  Returns
 * whether NAME is still there. */
static bool sweep_name(int sfd, const char *sdir, const char *path, const char *name)
{
	hk_autofree char *config = xasprintf("%s/%s/config", path, name);
	if (access(config, F_OK) == 0 || errno != ENOENT)
		return true;
	hk_autofree char *lock = xasprintf("%s/lock", name);
	hk_autoclose int fd =
		openat(sfd, lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0)
		return true; /* running, being created, or not ours */
	if (access(config, F_OK) == 0 || errno != ENOENT)
		return true;
	hk_autofree char *dir = xasprintf("%s/%s", sdir, name);
	return hk_rm_rf(dir, NULL) < 0; /* while we hold its lock */
}

/* One s-HASH: its gone containers, then itself when empty. */
static void sweep_store(const char *run_base, int base, const char *sname)
{
	hk_autoclose int sfd = openat(base, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return;
	hk_autofree char *sdir = xasprintf("%s/%s", run_base, sname);
	hk_autofree char *path = NULL;
	size_t len = 0, kept = 0;
	if (hk_read_file_at(sfd, PATH_FILE, &path, &len, 4096, NULL) < 0 || !len ||
	    path[0] != '/') {
		unlinkat(base, sname, AT_REMOVEDIR); /* from before .path: only when empty */
		return;
	}
	hk_autoclose int dfd = dup(sfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d)
		return;
	dfd = -1; /* the DIR owns it */
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			kept += hk_name_validate(e->d_name, NULL) < 0 ||
				sweep_name(sfd, sdir, path, e->d_name);
	closedir(d);
	if (kept)
		return;
	unlinkat(sfd, PATH_FILE, 0);
	if (unlinkat(base, sname, AT_REMOVEDIR) == 0)
		return;
	/* Someone made a NAME meanwhile: put the note back. */
	hk_autoclose int pfd =
		openat(sfd, PATH_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (pfd >= 0 && write(pfd, path, len) < 0)
		hk_log(HK_LOG_DEBUG, "cannot put back %s/%s", sname, PATH_FILE);
}

void hk_store_sweep_run_dirs(const struct hk_store *st)
{
	DIR *d = opendir(st->run_base);
	if (!d)
		return;
	for (struct dirent *e; (e = readdir(d));)
		if (strncmp(e->d_name, "s-", 2) == 0)
			sweep_store(st->run_base, dirfd(d), e->d_name);
	closedir(d);
}

void hk_store_prune_run_dir(const struct hk_store *st)
{
	hk_autoclose int base = open(st->run_base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *slash = strrchr(st->run_dir, '/');
	if (base >= 0 && slash)
		sweep_store(st->run_base, base, slash + 1);
}
