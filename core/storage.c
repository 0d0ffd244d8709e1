/* storage.c - the backend resolver and what every backend shares (see
 * storage.h): kernel support probes, running a step in the container's
 * user namespace (or in a private mount namespace), sizes, and the two
 * store-wide questions: who depends on a container, and removing one.
 */
#include "storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "create.h"
#include "log.h"
#include "userns-exec.h"

static const struct hk_storage_ops *const backends[] = {
	&hk_storage_dir, &hk_storage_overlay, &hk_storage_btrfs, &hk_storage_zfs, &hk_storage_aufs,
};

size_t hk_storage_count(void)
{
	return HK_ARRAY_SIZE(backends);
}

const struct hk_storage_ops *hk_storage_at(size_t i)
{
	return i < HK_ARRAY_SIZE(backends) ? backends[i] : NULL;
}

const struct hk_storage_ops *hk_storage_find(enum hk_backend b, struct hk_error **err)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(backends); i++)
		if (backends[i]->backend == b)
			return backends[i];
	hk_error_set(err, EINVAL,
		     "backend \"%s\" is not supported; the backends are dir, overlay, btrfs, zfs "
		     "and aufs",
		     b == HK_BACKEND_UNSET ? "(unset)" : hk_backend_name(b));
	return NULL;
}

bool hk_storage_needs_mount(const struct hk_rootfs_spec *spec)
{
	const struct hk_storage_ops *ops = hk_storage_find(spec->backend, NULL);
	return ops && ops->needs_mount;
}

int hk_storage_mount_rootfs(const struct hk_rootfs_spec *spec, const char *target_dir,
			    struct hk_error **err)
{
	const struct hk_storage_ops *ops = hk_storage_find(spec->backend, err);
	if (!ops)
		return -1;
	if (!ops->needs_mount)
		return 0;
	if (ops->support(NULL, err) < 0 || ops->mount(spec, target_dir, err) < 0)
		return hk_error_prefix(err, "mount rootfs \"%s\"", spec->raw ? spec->raw : "");
	return 0;
}

char *hk_storage_rootfs_target(const struct hk_rootfs_spec *spec, const char *container_dir)
{
	if (hk_storage_needs_mount(spec))
		return xasprintf("%s/rootfs", container_dir);
	return xstrdup(spec->path ? spec->path : "");
}

int hk_storage_size(const struct hk_rootfs_spec *spec, uint64_t *bytes, struct hk_error **err)
{
	const struct hk_storage_ops *ops = hk_storage_find(spec->backend, err);
	*bytes = 0;
	return ops ? ops->size(spec, bytes, err) : -1;
}

/* ---- host probes ---- */

bool hk_storage_kernel_has(const char *fs, const char *filesystems, const char *sysmod)
{
	hk_autofree char *text = NULL;
	if (hk_read_file(filesystems ? filesystems : "/proc/filesystems", &text, NULL, NULL) == 0) {
		for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
			char *tab = strrchr(line, '\t');
			if (!strcmp(hk_str_trim(tab ? tab + 1 : line), fs))
				return true;
		}
	}
	hk_autofree char *mod = xasprintf("%s/%s", sysmod ? sysmod : "/sys/module", fs);
	return access(mod, F_OK) == 0;
}

char *hk_storage_fs_module(const char *fs, const char *modules_dep)
{
	hk_autofree char *dflt = NULL;
	if (!modules_dep) {
		struct utsname u;
		if (uname(&u) < 0)
			return NULL;
		modules_dep = dflt = xasprintf("/lib/modules/%s/modules.dep", u.release);
	}
	hk_autofree char *text = NULL;
	if (hk_read_file_at(AT_FDCWD, modules_dep, &text, NULL, 64u << 20, NULL) < 0)
		return NULL;
	hk_autofree char *want = xasprintf("%s.ko", fs);
	size_t wl = strlen(want);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, ":")] = '\0';
		const char *slash = strrchr(line, '/');
		const char *base = slash ? slash + 1 : line;
		if (strncmp(base, want, wl) == 0 && (base[wl] == '\0' || base[wl] == '.'))
			return xstrdup(line);
	}
	return NULL;
}

/* fsopen(2) makes the kernel look the type up, loading its module as the
 * first mount would; it needs CAP_SYS_ADMIN, so it only helps root. */
static bool fs_loads(const char *fs)
{
	int fd = fsopen(fs, FSOPEN_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int hk_storage_need_fs(const char *backend, const char *fs, const char *fix, struct hk_error **err)
{
	if (hk_storage_kernel_has(fs, NULL, NULL))
		return 0;
	hk_autofree char *mod = hk_storage_fs_module(fs, NULL);
	if (mod || fs_loads(fs))
		return 0; /* the first mount loads it */
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	return hk_error_set(
		err, ENODEV,
		"backend %s: the kernel has no %s filesystem (not in /proc/filesystems, "
		"no module %s.ko in /lib/modules/%s); %s",
		backend, fs, fs, u.release, fix);
}

bool hk_storage_in_init_userns(void)
{
	hk_autofree char *map = NULL;
	if (hk_read_file("/proc/self/uid_map", &map, NULL, NULL) < 0)
		return true;
	unsigned long a, b, c;
	return sscanf(map, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295UL;
}

long hk_storage_fs_type(const char *path)
{
	hk_autofree char *p = xstrdup(path);
	struct statfs sfs;
	while (statfs(p, &sfs) < 0) {
		char *slash = strrchr(p, '/');
		if (errno != ENOENT || !slash)
			return -1;
		if (slash == p)
			return statfs("/", &sfs) == 0 ? (long)sfs.f_type : -1;
		*slash = '\0';
	}
	return (long)sfs.f_type;
}

char *hk_storage_workdir(const char *upper)
{
	const char *slash = strrchr(upper, '/');
	if (!slash)
		return xstrdup("olwork");
	return xasprintf("%.*s/olwork", (int)(slash - upper), upper);
}

int hk_storage_run(const struct hk_storage_req *req, int (*fn)(void *arg, struct hk_error **err),
		   void *arg, struct hk_error **err)
{
	if (!req->as_user)
		return fn(arg, err);
	return hk_userns_run(req->map, HK_USERNS_MAP_SELF, fn, arg, err);
}

struct ns_call {
	int (*fn)(void *arg, struct hk_error **err);
	void *arg;
};

static int private_ns(void *arg, struct hk_error **err)
{
	struct ns_call *c = arg;
	if (unshare(CLONE_NEWNS) < 0)
		return hk_error_errno(err, "cannot make a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return hk_error_errno(err, "cannot make the mounts private");
	return c->fn(c->arg, err);
}

/* Root's case: fork, run, send an error back as "code message". */
static int fork_private(struct ns_call *c, struct hk_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hk_error_errno(err, "cannot make a pipe");
	pid_t pid = fork();
	if (pid < 0)
		return hk_error_errno(err, "cannot fork");
	if (pid == 0) {
		close(p[0]);
		struct hk_error *e = NULL;
		if (private_ns(c, &e) == 0)
			_exit(0);
		dprintf(p[1], "%d %s", e->code, e->msg);
		_exit(1);
	}
	close(p[1]);
	struct hk_buf b = { 0 };
	char tmp[512];
	ssize_t n;
	while ((n = read(p[0], tmp, sizeof(tmp))) > 0)
		hk_buf_append(&b, tmp, (size_t)n);
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int rc = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int code = 0, off = 0;
		if (b.data && sscanf(b.data, "%d %n", &code, &off) >= 1)
			rc = hk_error_set(err, code, "%s", b.data + off);
		else
			rc = hk_error_set(err, 0, "the copy process died (status %d)", status);
	}
	hk_buf_free(&b);
	return rc;
}

int hk_storage_run_mountns(const struct hk_storage_req *req,
			   int (*fn)(void *arg, struct hk_error **err), void *arg,
			   struct hk_error **err)
{
	struct ns_call c = { fn, arg };
	if (req->as_user)
		return hk_userns_run(req->map, HK_USERNS_MAP_SELF, private_ns, &c, err);
	return fork_private(&c, err);
}

/* ---- sizes ---- */

static int size_at(int dfd, dev_t dev, uint64_t *bytes)
{
	int dup_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return -1;
	}
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		struct stat sb;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || sb.st_dev != dev)
			continue;
		*bytes += (uint64_t)sb.st_blocks * 512;
		if (!S_ISDIR(sb.st_mode))
			continue;
		hk_autoclose int sub =
			openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			rc = size_at(sub, dev, bytes);
	}
	closedir(d);
	return rc;
}

int hk_storage_tree_size(const char *path, uint64_t *bytes, struct hk_error **err)
{
	*bytes = 0;
	hk_autoclose int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return hk_error_errno(err, "cannot measure \"%s\"", path);
	*bytes = (uint64_t)sb.st_blocks * 512;
	if (size_at(fd, sb.st_dev, bytes) < 0)
		return hk_error_errno(err, "cannot measure \"%s\"", path);
	return 0;
}

/* ---- dependents ---- */

static bool path_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return path && !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

int hk_storage_dependents(struct hk_store *st, const char *name, struct hk_strv *out,
			  struct hk_error **err)
{
	hk_autostrv struct hk_strv names = { 0 };
	if (hk_store_list(st, &names, err) < 0)
		return -1;
	hk_autofree char *dir = hk_store_container_dir(st, name);
	for (size_t i = 0; i < names.n; i++) {
		if (!strcmp(names.v[i], name))
			continue;
		hk_autoerr struct hk_error *e = NULL;
		const struct hk_config *cfg = hk_store_config(st, names.v[i], &e);
		if (!cfg) {
			hk_autofree char *msg = hk_error_render(e);
			hk_log(HK_LOG_WARN, "dependents of \"%s\": skipping \"%s\": %s", name,
			       names.v[i], msg);
			continue;
		}
		const struct hk_rootfs_spec *r = &cfg->rootfs;
		if ((r->backend == HK_BACKEND_OVERLAY || r->backend == HK_BACKEND_AUFS) &&
		    path_inside(r->path, dir))
			hk_strv_push(out, names.v[i]);
	}
	return 0;
}

/* ---- removing a container ---- */

struct destroy_arg {
	const struct hk_storage_ops *ops;
	const struct hk_rootfs_spec *spec;
};

static int destroy_in_ns(void *arg, struct hk_error **err)
{
	struct destroy_arg *a = arg;
	return a->ops->destroy(a->spec, err);
}

/* Removes the rootfs spec names when it lies inside dir (a lower outside
 * belongs to another container and stays). */
int hk_storage_destroy_rootfs(const char *value, const char *dir, const struct hk_idmap *map,
			      struct hk_error **err)
{
	struct hk_rootfs_spec spec = { 0 };
	if (hk_rootfs_spec_parse(value, &spec, err) < 0)
		return -1;
	int rc = 0;
	const struct hk_storage_ops *ops = hk_storage_find(spec.backend, err);
	const char *own = spec.upper ? spec.upper : spec.path;
	if (!ops)
		rc = -1;
	else if (spec.backend != HK_BACKEND_ZFS && !path_inside(own, dir))
		hk_log(HK_LOG_INFO, "rootfs \"%s\" is outside \"%s\"; left in place", own, dir);
	else {
		struct destroy_arg a = { ops, &spec };
		struct hk_storage_req req = { .map = map, .as_user = geteuid() != 0 && map->n };
		rc = hk_storage_run(&req, destroy_in_ns, &a, err);
	}
	hk_rootfs_spec_free(&spec);
	return rc;
}

/* The rootfs value written in a config file, parsed on its own. */
static char *config_rootfs(const char *config, struct hk_idmap *map, struct hk_error **err)
{
	struct hk_config c;
	hk_config_init(&c);
	char *v = NULL;
	if (hk_config_parse_file(&c, config, err) == 0) {
		v = xstrdup(c.rootfs.raw ? c.rootfs.raw : "");
		if (map)
			hk_idmap_copy(map, &c.idmap);
	}
	hk_config_free(&c);
	return v;
}

static int destroy_snaps(const char *dir, const struct hk_idmap *map, struct hk_error **err)
{
	hk_autofree char *snaps = xasprintf("%s/snaps", dir);
	DIR *d = opendir(snaps);
	if (!d)
		return 0;
	struct dirent *de;
	int rc = 0;
	while (rc == 0 && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		hk_autofree char *sdir = xasprintf("%s/%s", snaps, de->d_name);
		hk_autofree char *cfg = xasprintf("%s/config", sdir);
		hk_autofree char *v = config_rootfs(cfg, NULL, NULL);
		if (v && *v)
			rc = hk_storage_destroy_rootfs(v, sdir, map, err);
	}
	closedir(d);
	return rc;
}

int hk_storage_destroy_container(struct hk_store *st, const char *name, struct hk_error **err)
{
	hk_autofree char *dir = hk_store_container_dir(st, name);
	hk_autofree char *config = hk_store_config_path(st, name);
	struct hk_idmap map = { 0 };
	hk_autofree char *v = config_rootfs(config, &map, err);
	int rc = v ? 0 : -1;
	if (rc == 0)
		rc = destroy_snaps(dir, &map, err);
	if (rc == 0 && *v)
		rc = hk_storage_destroy_rootfs(v, dir, &map, err);
	if (rc == 0)
		rc = hk_destroy_tree(dir, &map, err);
	hk_idmap_free(&map);
	if (rc < 0)
		return hk_error_prefix(err, "destroy \"%s\"", name);
	return 0;
}
