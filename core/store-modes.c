/* store-modes.c - who may enter a container's directory (see store.h).
 *
 * Docker keeps its data root 0710 for the same reason: with 0755 any host
 * user reaches PATH/NAME/rootfs and runs a setuid-root binary that a
 * privileged container (or a downloaded image) left there, as root; for an
 * id-mapped container, as the container's root, which owns every file of
 * the rootfs.
 */
#include "store.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idmap.h"
#include "userns-exec.h"

static int set_mode(const char *dir, mode_t mode, struct hk_error **err)
{
	if (chmod(dir, mode) < 0)
		return hk_error_errno(err, "cannot set the mode of container directory \"%s\"",
				      dir);
	return 0;
}

/* Runs as root of a namespace that maps the caller and the container's
 * ids: the caller owns dir, and its gid 0 is the container's root group. */
static int chgrp_in_userns(void *arg, struct hk_error **err)
{
	const char *dir = arg;
	if (chown(dir, (uid_t)-1, 0) < 0)
		return hk_error_errno(err,
				      "cannot give container directory \"%s\" to the "
				      "container's root group",
				      dir);
	return 0;
}

static int give_to_group(const char *dir, const struct hk_idmap *map, unsigned long host_gid,
			 struct hk_error **err)
{
	if (geteuid() != 0)
		return hk_userns_run(map, HK_USERNS_MAP_SELF, chgrp_in_userns, (void *)dir, err);
	if (chown(dir, 0, (gid_t)host_gid) < 0)
		return hk_error_errno(err,
				      "cannot give container directory \"%s\" to group %lu "
				      "(the container's root)",
				      dir, host_gid);
	return 0;
}

int hk_store_seal_container_dir(const char *dir, const struct hk_idmap *map, struct hk_error **err)
{
	if (!map || map->n == 0)
		return set_mode(dir, 0700, err);
	unsigned long host_gid;
	if (!hk_idmap_to_host(map, 'g', 0, &host_gid)) /* no root group to let in */
		return set_mode(dir, 0711, err);
	if (give_to_group(dir, map, host_gid, err) < 0)
		return -1;
	return set_mode(dir, 0710, err);
}
