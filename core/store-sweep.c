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
 *
 * A sweep looks at every NAME: N accesses, paid by every command (4.5 ms
 * at 1,000 run directories here).  So a sweep that found every NAME's
 * container there notes what PATH looked like (.swept), and a store open
 * skips that s-HASH while PATH still looks the same: a container removed
 * (its directory, by rm -rf, lxc-destroy, a rename) changes PATH's mtime.
 * A config removed by hand from a directory that stays does not: its run
 * directory goes at the next change to PATH, or the next destroy.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store-internal.h"

#define PATH_FILE  ".path"
#define SWEPT_FILE ".swept"
/* PATH's timestamps have the granularity of a clock tick, or of a second
 * on some filesystems: a change that soon after a look could leave it
 * looking the same, so a PATH changed less than this ago is not noted. */
#define SWEPT_SETTLE_S 2

void hk_store_note_run_path(const struct hk_store *st)
{
	hk_autofree char *file = xasprintf("%s/" PATH_FILE, st->run_dir);
	if (access(file, F_OK) == 0)
		return;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_write_run_file(file, st->path, strlen(st->path), 0600, &err) < 0)
		hk_log(HK_LOG_DEBUG, "cannot note the container path: %s", err->msg);
}

/* What a sweep found of one NAME. */
enum swept_name {
	NAME_THERE, /* its container is there */
	NAME_GONE,  /* removed */
	NAME_HELD,  /* its container is gone, its run directory stays for now */
};

/* NAME's container is gone and nobody holds its lock: remove it. */
static enum swept_name sweep_name(int sfd, const char *sdir, const char *path, const char *name)
{
	hk_autofree char *config = xasprintf("%s/%s/config", path, name);
	if (access(config, F_OK) == 0)
		return NAME_THERE;
	if (errno != ENOENT)
		return NAME_HELD;
	hk_autofree char *lock = xasprintf("%s/lock", name);
	hk_autoclose int fd =
		openat(sfd, lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0)
		return NAME_HELD; /* running, being created, or not ours */
	if (access(config, F_OK) == 0)
		return NAME_THERE;
	if (errno != ENOENT)
		return NAME_HELD;
	hk_autofree char *dir = xasprintf("%s/%s", sdir, name);
	return hk_rm_rf(dir, NULL) == 0 ? NAME_GONE : NAME_HELD; /* while we hold its lock */
}

/* What PATH looks like now (device, inode, mtime, link count), or NULL
 * when it is gone or changed too recently to be noted. */
static char *path_look(const char *path)
{
	struct stat s;
	struct timespec now;
	if (stat(path, &s) < 0 || clock_gettime(CLOCK_REALTIME, &now) < 0 ||
	    now.tv_sec - s.st_mtim.tv_sec < SWEPT_SETTLE_S)
		return NULL;
	return xasprintf("%llu %llu %lld.%09ld %llu\n", (unsigned long long)s.st_dev,
			 (unsigned long long)s.st_ino, (long long)s.st_mtim.tv_sec,
			 s.st_mtim.tv_nsec, (unsigned long long)s.st_nlink);
}

/* PATH looks as it did when s-HASH was last swept whole. */
static bool path_unchanged(int sfd, const char *look)
{
	hk_autofree char *noted = NULL;
	return look && hk_read_file_at(sfd, SWEPT_FILE, &noted, NULL, 256, NULL) == 0 &&
	       strcmp(noted, look) == 0;
}

static void note_look(const char *sdir, const char *look)
{
	hk_autofree char *file = xasprintf("%s/" SWEPT_FILE, sdir);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_write_run_file(file, look, strlen(look), 0600, &err) < 0)
		hk_log(HK_LOG_DEBUG, "cannot note the sweep: %s", err->msg);
}

/* One s-HASH: its gone containers, then itself when empty.  always: even
 * when PATH looks as it did at the last sweep. */
static void sweep_store(const char *run_base, int base, const char *sname, bool always)
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
	/* looked at before the names: a change during the sweep shows next time */
	hk_autofree char *look = path_look(path);
	if (!always && path_unchanged(sfd, look))
		return;
	hk_autoclose int dfd = dup(sfd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d)
		return;
	dfd = -1; /* the DIR owns it */
	size_t held = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		enum swept_name n = hk_name_validate(e->d_name, NULL) < 0
					    ? NAME_THERE /* not a run directory of ours */
					    : sweep_name(sfd, sdir, path, e->d_name);
		kept += n != NAME_GONE;
		held += n == NAME_HELD;
	}
	closedir(d);
	if (kept) {
		/* noted only when nothing gone waits: a held one goes at a later look */
		if (look && !held)
			note_look(sdir, look);
		else
			unlinkat(sfd, SWEPT_FILE, 0);
		return;
	}
	unlinkat(sfd, SWEPT_FILE, 0);
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
			sweep_store(st->run_base, dirfd(d), e->d_name, false);
	closedir(d);
}

void hk_store_prune_run_dir(const struct hk_store *st)
{
	hk_autoclose int base = open(st->run_base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	const char *slash = strrchr(st->run_dir, '/');
	if (base >= 0 && slash)
		sweep_store(st->run_base, base, slash + 1, true);
}
