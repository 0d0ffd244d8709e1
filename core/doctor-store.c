/* doctor-store.c - the doctor's look at the container path: directories
 * that other host users can enter.  hako creates them closed (store.h,
 * hk_store_seal_container_dir); containers made by an older hako, by hand
 * or by another tool may be open, and their setuid binaries with them.
 */
#include "doctor-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define SHOWN 3 /* open directories named in the detail and the fix */

struct open_dirs {
	size_t n;
	struct hk_buf names; /* the first SHOWN, comma-separated */
	struct hk_buf fix;   /* their commands, "; "-separated */
};

/* The command that closes PATH/NAME: 0700 for a rootfs of host root's,
 * else 0710 and the group of the container's root (the rootfs's group). */
static void add_fix(struct open_dirs *d, const char *path, const char *name, int dfd)
{
	struct stat rs;
	bool mapped = fstatat(dfd, "rootfs", &rs, AT_SYMLINK_NOFOLLOW) == 0 && rs.st_uid != 0;
	if (d->fix.len)
		hk_buf_puts(&d->fix, "; ");
	if (mapped)
		hk_buf_printf(&d->fix, "chgrp %u %s/%s && chmod 0710 %s/%s", (unsigned)rs.st_gid,
			      path, name, path, name);
	else
		hk_buf_printf(&d->fix, "chmod 0700 %s/%s", path, name);
}

static void look_at(struct open_dirs *d, int pfd, const char *path, const char *name)
{
	struct stat sb;
	if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode) ||
	    (sb.st_mode & S_IXOTH) == 0)
		return;
	hk_autoclose int dfd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || faccessat(dfd, "config", F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return; /* not a container */
	if (d->n++ >= SHOWN)
		return;
	hk_buf_printf(&d->names, "%s%s (%04o)", d->names.len ? ", " : "", name,
		      (unsigned)(sb.st_mode & 07777));
	add_fix(d, path, name, dfd);
}

size_t hk_doctor_store_check(const struct hk_doctor_opts *o, struct hk_doctor_result *out)
{
	if (!o->store_path)
		return 0;
	*out = (struct hk_doctor_result){ .name = "container directories" };
	DIR *dir = opendir(o->store_path);
	if (!dir) {
		out->status = HK_DOCTOR_SKIP;
		out->detail = xasprintf("no container path \"%s\" yet", o->store_path);
		return 1;
	}
	struct open_dirs d = { 0 };
	for (struct dirent *e; (e = readdir(dir));)
		if (e->d_name[0] != '.')
			look_at(&d, dirfd(dir), o->store_path, e->d_name);
	closedir(dir);
	hk_autofree char *names = hk_buf_steal(&d.names);
	hk_autofree char *fix = hk_buf_steal(&d.fix);
	if (d.n == 0) {
		out->status = HK_DOCTOR_OK;
		out->detail = xasprintf("closed to other users in %s", o->store_path);
		return 1;
	}
	out->status = HK_DOCTOR_WARN;
	out->detail = xasprintf("%zu in %s can be entered by any user, who can then run their "
				"setuid binaries: %s%s",
				d.n, o->store_path, names, d.n > SHOWN ? ", ..." : "");
	out->fix = xasprintf("%s%s", fix, d.n > SHOWN ? "; and the same for the others" : "");
	return 1;
}
