/* doctor.c - the host checks behind `hako doctor`.
 *
 * One table lists the checks in the order they are shown; each check
 * function reads what it needs (below opts->root), decides OK / WARN /
 * FAIL / SKIP, and reports one or more lines through report(), always
 * with a fix when the result is not OK.  The two probes that prove a
 * feature by using it (creating a user namespace, mounting overlayfs in
 * one) run in a forked child, so the caller's namespaces never change.
 */
#include "doctor.h"
#include "doctor-internal.h"
#include "elf-static.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup-systemd.h"
#include "idmap.h"
#include "log.h"
#include "mountinfo.h"
#include "procfs.h"
#include "storage.h"
#include "util.h"

/* How many ids one container maps (container ids 0-65535). */
#define CONTAINER_IDS 65536UL

struct run {
	const struct hk_doctor_opts *o;
	const char *root; /* "" for the host */
	bool is_root;	  /* judging for uid 0 */
	hk_doctor_cb cb;
	void *ctx;
	int fails;
	bool have_cgroups;
	struct hk_cgroup_info cg;
};

static const char *const status_names[] = {
	[HK_DOCTOR_OK] = "OK",
	[HK_DOCTOR_WARN] = "WARN",
	[HK_DOCTOR_FAIL] = "FAIL",
	[HK_DOCTOR_SKIP] = "SKIP",
};

const char *hk_doctor_status_name(enum hk_doctor_status status)
{
	if ((size_t)status >= HK_ARRAY_SIZE(status_names))
		return "?";
	return status_names[status];
}

/* Hands one result to the callback; takes ownership of detail and fix. */
static void report(struct run *r, const char *name, enum hk_doctor_status st, char *detail,
		   char *fix)
{
	struct hk_doctor_check c = { .name = name, .status = st, .detail = detail, .fix = fix };
	r->cb(r->ctx, &c);
	if (st == HK_DOCTOR_FAIL)
		r->fails++;
	free(detail);
	free(fix);
}

/* FAIL for an ordinary user, WARN for root, for what only unprivileged
 * containers need. */
static enum hk_doctor_status user_fail(const struct run *r)
{
	return r->is_root ? HK_DOCTOR_WARN : HK_DOCTOR_FAIL;
}

static char *host_path(const struct run *r, const char *path)
{
	return xasprintf("%s%s", r->root, path);
}

/* A small file's content without trailing blanks, or NULL. */
static char *read_text(const struct run *r, const char *path)
{
	hk_autofree char *p = host_path(r, path);
	char *text = NULL;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_read_file_at(AT_FDCWD, p, &text, NULL, 1 << 20, &err) < 0)
		return NULL;
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\t'))
		text[--n] = '\0';
	return text;
}

static bool host_exists(const struct run *r, const char *path)
{
	hk_autofree char *p = host_path(r, path);
	struct stat st;
	return lstat(p, &st) == 0;
}

/* ---- kernel and namespaces -------------------------------------------- */

static void check_kernel(struct run *r)
{
	struct utsname u;
	unsigned major = 0, minor = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2) {
		report(r, "kernel", HK_DOCTOR_SKIP, xstrdup("cannot read the kernel version"),
		       NULL);
		return;
	}
	unsigned v = major * 1000 + minor;
	if (v < 3012)
		report(r, "kernel", HK_DOCTOR_FAIL,
		       xasprintf("Linux %s is too old: user namespaces need 3.12 or later",
				 u.release),
		       xstrdup("boot a newer kernel (5.11 or later)"));
	else if (v < 5011)
		report(r, "kernel", HK_DOCTOR_WARN,
		       xasprintf("Linux %s: overlayfs cannot be mounted in a user namespace before "
				 "5.11",
				 u.release),
		       xstrdup("boot Linux 5.11 or later, or use the dir or btrfs backend"));
	else
		report(r, "kernel", HK_DOCTOR_OK, xasprintf("Linux %s", u.release), NULL);
}

static const struct {
	const char *ns;
	const char *config;
} namespaces[] = {
	{ "mnt", "CONFIG_NAMESPACES" }, { "pid", "CONFIG_PID_NS" }, { "uts", "CONFIG_UTS_NS" },
	{ "ipc", "CONFIG_IPC_NS" },	{ "net", "CONFIG_NET_NS" }, { "user", "CONFIG_USER_NS" },
	{ "cgroup", "CONFIG_CGROUPS" },
};

static void check_namespaces(struct run *r)
{
	struct hk_buf have = { 0 }, missing = { 0 }, configs = { 0 };
	for (size_t i = 0; i < HK_ARRAY_SIZE(namespaces); i++) {
		hk_autofree char *p = xasprintf("/proc/self/ns/%s", namespaces[i].ns);
		bool ok = host_exists(r, p);
		struct hk_buf *b = ok ? &have : &missing;
		hk_buf_printf(b, "%s%s", b->len ? " " : "", namespaces[i].ns);
		if (!ok)
			hk_buf_printf(&configs, "%s%s=y", configs.len ? ", " : "",
				      namespaces[i].config);
	}
	if (!missing.len)
		report(r, "namespaces", HK_DOCTOR_OK, hk_buf_steal(&have), NULL);
	else
		report(r, "namespaces", HK_DOCTOR_FAIL,
		       xasprintf("missing: %s (no /proc/self/ns entry)", missing.data),
		       xasprintf("use a kernel built with %s", configs.data));
	hk_buf_free(&have);
	hk_buf_free(&missing);
	hk_buf_free(&configs);
}

static void check_userns_limit(struct run *r)
{
	hk_autofree char *max = read_text(r, "/proc/sys/user/max_user_namespaces");
	unsigned long n;
	if (!max) {
		if (host_exists(r, "/proc/self/ns/user"))
			report(r, "user namespaces", HK_DOCTOR_OK,
			       xstrdup("enabled (no user.max_user_namespaces: kernel before 4.9)"),
			       NULL);
		else
			report(r, "user namespaces", HK_DOCTOR_FAIL,
			       xstrdup("the kernel has no user namespaces"),
			       xstrdup("use a kernel built with CONFIG_USER_NS=y"));
	} else if (!hk_parse_ulong(max, &n)) {
		report(r, "user namespaces", HK_DOCTOR_WARN,
		       xasprintf("cannot read user.max_user_namespaces (\"%s\")", max),
		       xstrdup("check /proc/sys/user/max_user_namespaces"));
	} else if (n == 0) {
		report(r, "user namespaces", HK_DOCTOR_FAIL,
		       xstrdup("disabled: user.max_user_namespaces = 0"),
		       xstrdup("sysctl -w user.max_user_namespaces=15000 (as root), and keep it in "
			       "/etc/sysctl.d/90-hako.conf"));
	} else {
		report(r, "user namespaces", HK_DOCTOR_OK, xasprintf("enabled (max %lu)", n), NULL);
	}
}

/* Distribution switches that stop ordinary users from making user
 * namespaces (Debian's and Ubuntu's). */
static const struct {
	const char *path;
	const char *sysctl;
	const char *blocking; /* the value that blocks */
	const char *why;
	const char *fix;
} userns_switches[] = {
	{ "/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone", "0",
	  "only root may create user namespaces",
	  "sysctl -w kernel.unprivileged_userns_clone=1 (as root), and keep it in "
	  "/etc/sysctl.d/90-hako.conf" },
	{ "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
	  "kernel.apparmor_restrict_unprivileged_userns", "1",
	  "AppArmor takes all capabilities from unprivileged user namespaces",
	  "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (as root), or give hako an "
	  "AppArmor profile that allows `userns,`" },
};

static void check_userns_switches(struct run *r)
{
	size_t seen = 0;
	for (size_t i = 0; i < HK_ARRAY_SIZE(userns_switches); i++) {
		hk_autofree char *v = read_text(r, userns_switches[i].path);
		if (!v)
			continue;
		seen++;
		if (strcmp(v, userns_switches[i].blocking) == 0)
			report(r, "unprivileged userns", user_fail(r),
			       xasprintf("%s = %s: %s", userns_switches[i].sysctl, v,
					 userns_switches[i].why),
			       xstrdup(userns_switches[i].fix));
		else
			report(r, "unprivileged userns", HK_DOCTOR_OK,
			       xasprintf("allowed (%s = %s)", userns_switches[i].sysctl, v), NULL);
	}
	if (!seen)
		report(r, "unprivileged userns", HK_DOCTOR_OK,
		       xstrdup("allowed (no distribution switch restricts them)"), NULL);
}

/* ---- probes in a child --------------------------------------------------- */

struct probe_result {
	int err;	/* errno of the failing step, 0 when it worked */
	char what[240]; /* the failing step, or a note on success */
};

/* Runs fn in a forked child and collects what it reported. */
static void probe(int (*fn)(void *arg, struct probe_result *res), void *arg,
		  struct probe_result *res)
{
	memset(res, 0, sizeof(*res));
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		res->err = errno;
		snprintf(res->what, sizeof(res->what), "pipe");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		struct probe_result mine = { 0 };
		int rc = fn(arg, &mine);
		if (write(p[1], &mine, sizeof(mine)) != (ssize_t)sizeof(mine))
			_exit(3);
		_exit(rc < 0 ? 1 : 0);
	}
	close(p[1]);
	if (pid < 0) {
		res->err = errno;
		snprintf(res->what, sizeof(res->what), "fork");
		close(p[0]);
		return;
	}
	ssize_t n = read(p[0], res, sizeof(*res));
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(*res)) {
		memset(res, 0, sizeof(*res));
		res->err = EIO;
		snprintf(res->what, sizeof(res->what), "the probe process died (status %d)",
			 status);
	}
	res->what[sizeof(res->what) - 1] = '\0';
}

static int step_failed(struct probe_result *res, const char *what)
{
	res->err = errno;
	snprintf(res->what, sizeof(res->what), "%s", what);
	return -1;
}

static int userns_child(void *arg, struct probe_result *res)
{
	(void)arg;
	if (unshare(CLONE_NEWUSER) < 0)
		return step_failed(res, "unshare(CLONE_NEWUSER)");
	return 0;
}

static const char *userns_fix(int err)
{
	switch (err) {
	case EINVAL:
		return "use a kernel built with CONFIG_USER_NS=y";
	case ENOSPC:
		return "raise the limit: sysctl -w user.max_user_namespaces=15000 (as root)";
	default:
		return "allow them (see the user namespace checks above); inside a container, its "
		       "configuration must allow nesting";
	}
}

static void check_userns_probe(struct run *r)
{
	if (r->o->no_probes) {
		report(r, "userns creation", HK_DOCTOR_SKIP, xstrdup("not run (probes disabled)"),
		       NULL);
		return;
	}
	struct probe_result res;
	probe(userns_child, NULL, &res);
	if (!res.err)
		report(r, "userns creation", HK_DOCTOR_OK,
		       xstrdup("a child process created a user namespace"), NULL);
	else
		report(r, "userns creation", user_fail(r),
		       xasprintf("%s failed: %s", res.what, strerror(res.err)),
		       xstrdup(userns_fix(res.err)));
}

/* ---- newuidmap / newgidmap ------------------------------------------------ */

bool hk_doctor_fcaps_permit(const void *xattr, size_t len, unsigned cap)
{
	const unsigned char *b = xattr;
	if (len < 4 || cap >= 64)
		return false;
	uint32_t magic =
		(uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	uint32_t rev = magic & 0xff000000u;
	size_t need = rev == 0x01000000u   ? 12
		      : rev == 0x02000000u ? 20
		      : rev == 0x03000000u ? 24
					   : 0;
	if (!need || len < need || (rev == 0x01000000u && cap >= 32))
		return false;
	/* permitted words: data[0] at 4, data[1] at 12 (each data is 8 bytes) */
	size_t off = cap < 32 ? 4 : 12;
	uint32_t word = (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 | (uint32_t)b[off + 2] << 16 |
			(uint32_t)b[off + 3] << 24;
	return (word >> (cap % 32)) & 1u;
}

static const char *const bin_dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin",
					"/usr/local/bin" };

/* The first of bin_dirs holding `name` (a host path), or NULL. */
static char *find_binary(const struct run *r, const char *name)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(bin_dirs); i++) {
		hk_autofree char *p = xasprintf("%s/%s", bin_dirs[i], name);
		if (host_exists(r, p))
			return hk_steal_ptr(&p);
	}
	return NULL;
}

static void check_idmap_tool(struct run *r, const char *name, unsigned cap, const char *cap_name)
{
	hk_autofree char *path = find_binary(r, name);
	const char *who = r->is_root ? "root writes id maps itself, but ordinary users need it"
				     : "ordinary users need it to map their sub-ids";
	if (!path) {
		report(r, name, user_fail(r), xasprintf("not found (%s)", who),
		       xstrdup("apt-get install uidmap (as root)"));
		return;
	}
	hk_autofree char *hp = host_path(r, path);
	struct stat st;
	unsigned char caps[64];
	if (stat(hp, &st) == 0 && st.st_uid == 0 && (st.st_mode & S_ISUID)) {
		report(r, name, HK_DOCTOR_OK, xasprintf("%s is setuid root", path), NULL);
		return;
	}
	ssize_t n = getxattr(hp, "security.capability", caps, sizeof(caps));
	if (n > 0 && hk_doctor_fcaps_permit(caps, (size_t)n, cap)) {
		report(r, name, HK_DOCTOR_OK,
		       xasprintf("%s has the file capability %s", path, cap_name), NULL);
		return;
	}
	report(r, name, user_fail(r),
	       xasprintf("%s is neither setuid root nor has %s (%s)", path, cap_name, who),
	       xasprintf("chmod u+s %s (as root), or setcap %s+ep %s", path, cap_name, path));
}

static void check_newuidmap(struct run *r)
{
	check_idmap_tool(r, "newuidmap", CAP_SETUID, "cap_setuid");
}

static void check_newgidmap(struct run *r)
{
	check_idmap_tool(r, "newgidmap", CAP_SETGID, "cap_setgid");
}

/* ---- sub-ids ------------------------------------------------------------- */

static char *describe_ranges(const struct hk_subids *ids, unsigned long *total)
{
	struct hk_buf b = { 0 };
	*total = 0;
	for (size_t i = 0; i < ids->n; i++) {
		*total += ids->r[i].count;
		if (i < 4)
			hk_buf_printf(&b, "%s%lu-%lu", i ? ", " : "", ids->r[i].start,
				      ids->r[i].start + ids->r[i].count - 1);
	}
	if (ids->n > 4)
		hk_buf_printf(&b, ", ... (%zu ranges)", ids->n);
	return hk_buf_steal(&b);
}

/* One past the highest sub-id any user owns in path (0 if none). */
static unsigned long subid_end(const struct run *r, const char *path)
{
	hk_autofree char *text = read_text(r, path);
	unsigned long end = 0, start, count;
	char *save = NULL;
	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c = strchr(line, ':');
		if (c && sscanf(c, ":%lu:%lu", &start, &count) == 2 && start + count > end)
			end = start + count;
	}
	return end;
}

/* A usermod line giving root a free range, past every range in use (so it
 * overlaps no other user's), aligned to 65536. */
static char *root_subid_fix(const struct run *r)
{
	unsigned long a = subid_end(r, "/etc/subuid"), b = subid_end(r, "/etc/subgid");
	unsigned long start = a > b ? a : b;
	if (start < 100000)
		start = 100000;
	else
		start = (start + CONTAINER_IDS - 1) / CONTAINER_IDS * CONTAINER_IDS;
	unsigned long last = start + CONTAINER_IDS - 1;
	return xasprintf("usermod --add-subuids %lu-%lu --add-subgids %lu-%lu root (as root)",
			 start, last, start, last);
}

static void check_subids(struct run *r, const char *name, const char *file)
{
	const char *user = r->o->user;
	hk_autofree char *path = host_path(r, file);
	struct hk_subids ids = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	if (hk_subid_load(path, user, r->o->uid, &ids, &err) < 0) {
		hk_autofree char *msg = hk_error_render(err);
		report(r, name, user_fail(r), xstrdup(msg), xasprintf("make %s readable", file));
		return;
	}
	unsigned long total;
	hk_autofree char *ranges = describe_ranges(&ids, &total);
	hk_subids_free(&ids);
	hk_autofree char *fix =
		r->is_root ? root_subid_fix(r) : xasprintf("hako setup-user %s (as root)", user);
	if (total == 0)
		report(r, name, user_fail(r),
		       xasprintf("user \"%s\" has no range in %s%s", user, file,
				 r->is_root ? " (root can run privileged containers, not "
					      "unprivileged ones)"
					    : ""),
		       hk_steal_ptr(&fix));
	else if (total < CONTAINER_IDS)
		report(r, name, user_fail(r),
		       xasprintf("user \"%s\" has only %lu ids in %s (%s); a container needs %lu",
				 user, total, file, ranges, CONTAINER_IDS),
		       hk_steal_ptr(&fix));
	else
		report(r, name, HK_DOCTOR_OK,
		       xasprintf("user \"%s\": %s (%lu ids)", user, ranges, total), NULL);
}

static void check_subuids(struct run *r)
{
	check_subids(r, "sub-uids", "/etc/subuid");
}

static void check_subgids(struct run *r)
{
	check_subids(r, "sub-gids", "/etc/subgid");
}

/* ---- cgroups ------------------------------------------------------------- */

static char *describe_layout(const struct hk_cgroup_info *info)
{
	struct hk_buf v1 = { 0 };
	for (size_t i = 0; i < info->n; i++) {
		if (info->h[i].version != 1)
			continue;
		hk_autofree char *label = hk_cgroup_hier_label(&info->h[i]);
		hk_buf_printf(&v1, "%s%s", v1.len ? " " : "", label);
	}
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, hk_cgroup_layout_name(info->layout));
	if (v1.len)
		hk_buf_printf(&b, ", v1: %s", v1.data);
	if (u) {
		hk_buf_printf(&b, ", cgroup2 at %s", u->mountpoint);
		if (u->controllers.n) {
			hk_buf_puts(&b, " (");
			for (size_t i = 0; i < u->controllers.n; i++)
				hk_buf_printf(&b, "%s%s", i ? " " : "", u->controllers.v[i]);
			hk_buf_puts(&b, ")");
		}
	}
	hk_buf_free(&v1);
	return hk_buf_steal(&b);
}

static void check_cgroup_layout(struct run *r)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_cgroup_detect(r->root, &r->cg, &err) < 0) {
		hk_autofree char *msg = hk_error_render(err);
		report(r, "cgroup layout", HK_DOCTOR_FAIL, xstrdup(msg),
		       xstrdup("mount cgroup2 (as root): mount -t cgroup2 none /sys/fs/cgroup"));
		return;
	}
	r->have_cgroups = true;
	report(r, "cgroup layout", HK_DOCTOR_OK, describe_layout(&r->cg), NULL);
}

/* Every start on a host with cgroup v1 hierarchies, and every attach,
 * moves a process between cgroups; the kernel's first move after a quiet
 * spell waits for an RCU grace period (2-18 ms measured) unless a
 * hierarchy is mounted with favordynmods (Linux 6.0), which makes moves
 * cheap and forks and exits a little dearer, for the whole host.  Said
 * here, never done: it is the host's choice. */
static void check_cgroup_moves(struct run *r)
{
	hk_autofree char *features = NULL;
	hk_autofree char *fpath = host_path(r, "/sys/kernel/cgroup/features");
	if (!r->have_cgroups || hk_read_file(fpath, &features, NULL, NULL) < 0 ||
	    !strstr(features, "favordynmods"))
		return;
	hk_autofree char *mpath = host_path(r, "/proc/self/mountinfo");
	struct hk_mountinfo mi = { 0 };
	if (hk_mountinfo_load(mpath, &mi, NULL) < 0)
		return;
	const char *on = NULL, *v2 = NULL;
	for (size_t i = 0; i < mi.n && !on; i++) {
		const struct hk_mountinfo_entry *e = &mi.e[i];
		bool cg = strcmp(e->fstype, "cgroup") == 0 || strcmp(e->fstype, "cgroup2") == 0;
		if (cg && hk_mount_opt_has(e->super_options, "favordynmods"))
			on = e->mountpoint;
		if (cg && !v2 && strcmp(e->fstype, "cgroup2") == 0)
			v2 = e->mountpoint;
	}
	if (on)
		report(r, "cgroup moves", HK_DOCTOR_OK,
		       xasprintf("favordynmods on %s: moving a process "
				 "between cgroups does not wait",
				 on),
		       NULL);
	else
		report(r, "cgroup moves", HK_DOCTOR_WARN,
		       xstrdup("no cgroup hierarchy is mounted with favordynmods: a start or attach waits "
			       "2-18 ms for the kernel when it moves a process between cgroups"),
		       xasprintf(
			       "as root, if forks and exits may get a little slower for the whole host: "
			       "mount -o remount,favordynmods %s",
			       v2 ? v2 : "/sys/fs/cgroup"));
	hk_mountinfo_free(&mi);
}

/* Which delegation hako uses on the v2 tree: systemd's (a scope it asks
 * for, or a cgroup systemd delegated already), else nothing to say. */
static void check_systemd_delegation(struct run *r)
{
	hk_autofree char *how = hk_cgroup_systemd_describe(&r->cg, r->o->uid);
	if (!how)
		return;
	bool no_bus = strstr(how, "not there now") != NULL;
	report(r, "cgroup2 delegation", no_bus ? HK_DOCTOR_WARN : HK_DOCTOR_OK, xstrdup(how),
	       no_bus ? xstrdup(r->is_root
					? "start dbus (systemctl start dbus)"
					: "log in through a pam_systemd session, or as root: loginctl "
					  "enable-linger USER")
		      : NULL);
}

static void check_cgroup_delegation(struct run *r)
{
	if (!r->have_cgroups) {
		report(r, "cgroup delegation", HK_DOCTOR_SKIP, xstrdup("no cgroup layout detected"),
		       NULL);
		return;
	}
	check_systemd_delegation(r);
	struct hk_cgroup_verdict v;
	hk_cgroup_verdict_get(&r->cg, r->is_root ? 0 : r->o->uid, r->o->gid, r->o->user, &v);
	report(r, "cgroup delegation", v.usable ? HK_DOCTOR_OK : HK_DOCTOR_FAIL,
	       hk_steal_ptr(&v.what), hk_steal_ptr(&v.fix));
	hk_cgroup_verdict_free(&v);
}

/* ---- filesystems and storage backends ----------------------------------- */

/* Whether /proc/filesystems lists fs ("nodev\toverlay", "\tbtrfs"). */
static bool fs_in_kernel(const struct run *r, const char *fs)
{
	hk_autofree char *text = read_text(r, "/proc/filesystems");
	char *save = NULL;
	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strrchr(line, '\t');
		if (strcmp(tab ? tab + 1 : line, fs) == 0)
			return true;
	}
	return false;
}

/* The module of fs listed in modules.dep for the running kernel
 * ("kernel/fs/btrfs/btrfs.ko.xz"), or NULL. */
static char *fs_module(const struct run *r, const char *fs)
{
	struct utsname u;
	if (uname(&u) < 0)
		return NULL;
	hk_autofree char *path = xasprintf("%s/lib/modules/%s/modules.dep", r->root, u.release);
	return hk_storage_fs_module(fs, path);
}

/* OK when fs is built in or a module; else fills *why. */
static bool fs_supported(const struct run *r, const char *fs, char **detail)
{
	if (fs_in_kernel(r, fs)) {
		*detail = xasprintf("supported (%s is in /proc/filesystems)", fs);
		return true;
	}
	hk_autofree char *mod = fs_module(r, fs);
	if (mod) {
		*detail = xasprintf("available as a module (%s), loaded on first mount", mod);
		return true;
	}
	*detail =
		xasprintf("not available: the kernel has no %s support (no %s in /proc/filesystems "
			  "and no module)",
			  fs, fs);
	return false;
}

static const struct {
	const char *fs;
	const char *name;
	const char *fix;
} backends[] = {
	{ "btrfs", "btrfs backend",
	  "use the overlay or dir backend (or a kernel with CONFIG_BTRFS_FS)" },
	{ "aufs", "aufs backend", "use the overlay backend" },
	{ "zfs", "zfs backend", "use the overlay backend (or install ZFS on Linux: zfs-dkms)" },
};

static void check_backends(struct run *r)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(backends); i++) {
		char *detail = NULL;
		if (fs_supported(r, backends[i].fs, &detail))
			report(r, backends[i].name, HK_DOCTOR_OK, detail, NULL);
		else
			report(r, backends[i].name, HK_DOCTOR_WARN, detail,
			       xstrdup(backends[i].fix));
	}
}

/* ---- overlayfs inside a user namespace --------------------------------- */

struct overlay_probe {
	char *top, *lower, *upper, *work, *merged;
	uid_t uid; /* the process's own ids, mapped to 0 inside */
	gid_t gid;
};

/* FILE of this process in /proc ("uid_map"), verified to be procfs. */
static int write_proc(const char *file, const char *text)
{
	hk_autofree char *path = xasprintf("/proc/%d/%s", (int)getpid(), file);
	hk_autoerr struct hk_error *err = NULL;
	hk_autoclose int fd = hk_procfs_open(path, O_WRONLY, &err);
	if (fd < 0) {
		errno = err->code;
		return -1;
	}
	ssize_t n = write(fd, text, strlen(text));
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int map_self(const struct overlay_probe *p, struct probe_result *res)
{
	char map[64];
	if (write_proc("setgroups", "deny") < 0 && errno != ENOENT)
		return step_failed(res, "writing /proc/self/setgroups");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)p->uid);
	if (write_proc("uid_map", map) < 0)
		return step_failed(res, "writing /proc/self/uid_map");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)p->gid);
	if (write_proc("gid_map", map) < 0)
		return step_failed(res, "writing /proc/self/gid_map");
	return 0;
}

/* Mounts overlay; retries with userxattr, which kernels want for an upper
 * layer whose trusted.* xattrs a user namespace cannot write. */
static int mount_overlay(const struct overlay_probe *p, struct probe_result *res)
{
	hk_autofree char *opts =
		xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", p->lower, p->upper, p->work);
	if (mount("overlay", p->merged, "overlay", 0, opts) == 0)
		return 0;
	int first = errno;
	hk_autofree char *ux = xasprintf("%s,userxattr", opts);
	if (mount("overlay", p->merged, "overlay", 0, ux) == 0) {
		snprintf(res->what, sizeof(res->what), " (with the userxattr option)");
		return 0;
	}
	errno = first;
	return step_failed(res, "mount -t overlay in a user namespace");
}

static int overlay_child(void *arg, struct probe_result *res)
{
	const struct overlay_probe *p = arg;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return step_failed(res, "unshare(CLONE_NEWUSER|CLONE_NEWNS)");
	if (map_self(p, res) < 0)
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return step_failed(res, "making / private");
	if (mount_overlay(p, res) < 0)
		return -1;
	hk_autofree char *in = xasprintf("%s/lower-file", p->merged);
	hk_autofree char *out = xasprintf("%s/new-file", p->merged);
	hk_autofree char *up = xasprintf("%s/new-file", p->upper);
	struct stat st;
	if (stat(in, &st) < 0)
		return step_failed(res, "reading a lower file through the overlay");
	hk_autoclose int fd = open(out, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return step_failed(res, "creating a file in the overlay");
	if (stat(up, &st) < 0)
		return step_failed(res, "finding the new file in the upper layer");
	return 0;
}

/* Makes TOP/{lower,upper,work,merged} and a lower file; NULL top on failure. */
static int overlay_setup(const struct hk_doctor_opts *o, struct overlay_probe *p,
			 struct hk_error **err)
{
	const char *base = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
	if (!base || !*base || strpbrk(base, ",:\\ "))
		base = "/tmp"; /* overlay options cannot carry these characters */
	hk_autofree char *tmpl = xasprintf("%s/hako-doctor-XXXXXX", base);
	if (!mkdtemp(tmpl))
		return hk_error_errno(err, "cannot make a directory in \"%s\"", base);
	p->top = hk_steal_ptr(&tmpl);
	p->lower = xasprintf("%s/lower", p->top);
	p->upper = xasprintf("%s/upper", p->top);
	p->work = xasprintf("%s/work", p->top);
	p->merged = xasprintf("%s/merged", p->top);
	p->uid = getuid();
	p->gid = getgid();
	const char *dirs[] = { p->lower, p->upper, p->work, p->merged };
	for (size_t i = 0; i < HK_ARRAY_SIZE(dirs); i++)
		if (mkdir(dirs[i], 0755) < 0)
			return hk_error_errno(err, "cannot make \"%s\"", dirs[i]);
	hk_autofree char *f = xasprintf("%s/lower-file", p->lower);
	return hk_write_file_atomic(f, "hako\n", 5, 0644, err);
}

static void overlay_cleanup(struct overlay_probe *p)
{
	if (p->top) {
		/* overlay leaves work/work with mode 0, which stops a user's rm */
		hk_autofree char *ww = xasprintf("%s/work", p->work);
		(void)chmod(ww, 0700);
		hk_autoerr struct hk_error *err = NULL;
		if (hk_rm_rf(p->top, &err) < 0)
			hk_log(HK_LOG_WARN, "doctor: cannot remove \"%s\"", p->top);
	}
	free(p->top);
	free(p->lower);
	free(p->upper);
	free(p->work);
	free(p->merged);
}

static const char overlay_fix[] =
	"Linux 5.11 or later mounts overlayfs in user namespaces; otherwise use the dir or btrfs "
	"backend";

static void check_overlay(struct run *r)
{
	char *support = NULL;
	if (!fs_supported(r, "overlay", &support)) {
		report(r, "overlay in userns", HK_DOCTOR_WARN, support,
		       xstrdup("modprobe overlay (as root), or use the dir or btrfs backend"));
		return;
	}
	free(support);
	if (r->o->no_probes) {
		report(r, "overlay in userns", HK_DOCTOR_SKIP, xstrdup("not run (probes disabled)"),
		       NULL);
		return;
	}
	struct overlay_probe p = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	struct probe_result res;
	if (overlay_setup(r->o, &p, &err) < 0) {
		hk_autofree char *msg = hk_error_render(err);
		report(r, "overlay in userns", HK_DOCTOR_SKIP, xasprintf("not run: %s", msg), NULL);
		overlay_cleanup(&p);
		return;
	}
	probe(overlay_child, &p, &res);
	overlay_cleanup(&p);
	if (!res.err)
		report(r, "overlay in userns", HK_DOCTOR_OK,
		       xasprintf("overlayfs mounts inside a user namespace%s", res.what), NULL);
	else
		report(r, "overlay in userns", HK_DOCTOR_WARN,
		       xasprintf("%s failed: %s", res.what, strerror(res.err)),
		       xstrdup(overlay_fix));
}

/* ---- network ------------------------------------------------------------- */

static void check_bridge(struct run *r)
{
	const char *br = r->o->bridge && *r->o->bridge ? r->o->bridge : "hakobr0";
	if (strlen(br) > 15 || strchr(br, '/') || strcmp(br, ".") == 0 || strcmp(br, "..") == 0) {
		report(r, "bridge", HK_DOCTOR_FAIL,
		       xasprintf("\"%s\" is not a valid interface name", br),
		       xstrdup("set [net] bridge in hako.conf to a name of at most 15 characters"));
		return;
	}
	hk_autofree char *dev = xasprintf("/sys/class/net/%s", br);
	hk_autofree char *brdir = xasprintf("/sys/class/net/%s/bridge", br);
	hk_autofree char *opstate = xasprintf("/sys/class/net/%s/operstate", br);
	if (!host_exists(r, dev)) {
		report(r, "bridge", HK_DOCTOR_WARN,
		       xasprintf("bridge \"%s\" does not exist: containers get no network", br),
		       xstrdup("hako net setup (as root)"));
	} else if (!host_exists(r, brdir)) {
		report(r, "bridge", HK_DOCTOR_FAIL,
		       xasprintf("\"%s\" exists but is not a bridge", br),
		       xasprintf("set [net] bridge in hako.conf to a bridge, or remove \"%s\" and "
				 "run "
				 "hako net setup (as root)",
				 br));
	} else {
		hk_autofree char *state = read_text(r, opstate);
		report(r, "bridge", HK_DOCTOR_OK,
		       xasprintf("bridge \"%s\" exists (%s)", br, state ? state : "state unknown"),
		       NULL);
	}
}

/* hako-nic, /etc/hako/usernet and the user's allowance (doctor-nic.c). */
static void check_nic(struct run *r)
{
	struct hk_doctor_result res[HK_DOCTOR_NIC_CHECKS];
	size_t n = hk_doctor_nic_checks(r->o, r->root, res);
	for (size_t i = 0; i < n; i++)
		report(r, res[i].name, res[i].status, res[i].detail, res[i].fix);
}

/* Container directories closed to other users (doctor-store.c). */
static void check_store(struct run *r)
{
	struct hk_doctor_result res;
	if (hk_doctor_store_check(r->o, &res))
		report(r, res.name, res.status, res.detail, res.fix);
}

/* ---- seccomp, capabilities ---------------------------------------------- */

/* The value of "Field:\tVALUE" in /proc/self/status, or NULL. */
static char *status_field(const struct run *r, const char *field)
{
	hk_autofree char *text = read_text(r, "/proc/self/status");
	hk_autofree char *key = xasprintf("%s:", field);
	char *save = NULL;
	for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (hk_str_has_prefix(line, key))
			return xstrdup(hk_str_trim(line + strlen(key)));
	return NULL;
}

static void check_seccomp(struct run *r)
{
	hk_autofree char *mode = status_field(r, "Seccomp");
	if (!mode && !*r->root && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0)
		mode = xstrdup("?");
	if (!mode) {
		report(r, "seccomp", HK_DOCTOR_FAIL, xstrdup("the kernel has no seccomp"),
		       xstrdup("use a kernel built with CONFIG_SECCOMP=y and "
			       "CONFIG_SECCOMP_FILTER=y"));
		return;
	}
	hk_autofree char *actions = read_text(r, "/proc/sys/kernel/seccomp/actions_avail");
	const char *nested =
		strcmp(mode, "2") == 0 ? "; hako itself runs under a filter (nested)" : "";
	report(r, "seccomp", HK_DOCTOR_OK,
	       xasprintf("supported%s%s%s%s", actions ? " (actions: " : "", actions ? actions : "",
			 actions ? ")" : "", nested),
	       NULL);
}

static void check_capabilities(struct run *r)
{
	hk_autofree char *last = read_text(r, "/proc/sys/kernel/cap_last_cap");
	unsigned long n;
	if (!last || !hk_parse_ulong(last, &n) || n > 63) {
		report(r, "capabilities", HK_DOCTOR_WARN,
		       xstrdup("cannot read /proc/sys/kernel/cap_last_cap"),
		       xstrdup("mount /proc, or use a kernel of 3.2 or later"));
		return;
	}
	char *name = cap_to_name((cap_value_t)n);
	hk_autofree char *cap = xstrdup(name ? name : "?");
	cap_free(name);
	hk_autofree char *bnd = status_field(r, "CapBnd");
	unsigned long long set = bnd ? strtoull(bnd, NULL, 16) : ~0ULL;
	if (r->is_root && !(set & (1ULL << CAP_SYS_ADMIN)))
		report(r, "capabilities", HK_DOCTOR_WARN,
		       xasprintf("the bounding set (%s) lacks cap_sys_admin: hako runs in a "
				 "restricted "
				 "container",
				 bnd),
		       xstrdup("run hako on the host, or in a container whose configuration allows "
			       "nesting"));
	else
		report(r, "capabilities", HK_DOCTOR_OK,
		       xasprintf("supported (last capability %lu, %s)", n, cap), NULL);
}

/* ---- busybox -------------------------------------------------------------- */

static void check_busybox(struct run *r)
{
	hk_autofree char *path = find_binary(r, "busybox");
	const char *fix = "apt-get install busybox-static (as root)";
	if (!path) {
		report(r, "busybox", HK_DOCTOR_WARN,
		       xstrdup("no busybox found: the busybox template cannot make a rootfs"),
		       xstrdup(fix));
		return;
	}
	hk_autofree char *hp = host_path(r, path);
	hk_autoerr struct hk_error *err = NULL;
	hk_autoclose int fd = open(hp, O_RDONLY | O_CLOEXEC);
	int is_static = fd < 0 ? hk_error_errno(&err, "cannot open \"%s\"", hp)
			       : hk_elf_is_static(fd, hp, &err);
	if (is_static < 0) {
		hk_autofree char *msg = hk_error_render(err);
		report(r, "busybox", HK_DOCTOR_WARN, xstrdup(msg), xstrdup(fix));
	} else if (!is_static) {
		report(r, "busybox", HK_DOCTOR_WARN,
		       xasprintf(
			       "%s is dynamically linked: the busybox template needs a static one",
			       path),
		       xstrdup(fix));
	} else {
		report(r, "busybox", HK_DOCTOR_OK,
		       xasprintf("%s is statically linked (for the busybox template)", path), NULL);
	}
}

/* ---- the table ----------------------------------------------------------- */

/* In the order shown: the kernel first, then what unprivileged
 * containers need, then cgroups, storage, network and confinement. */
static void (*const checks[])(struct run *r) = {
	check_kernel,		 /* version */
	check_namespaces,	 /* /proc/self/ns */
	check_userns_limit,	 /* user.max_user_namespaces */
	check_userns_switches,	 /* Debian/Ubuntu sysctls */
	check_userns_probe,	 /* unshare(CLONE_NEWUSER) in a child */
	check_newuidmap,	 /* setuid or cap_setuid */
	check_newgidmap,	 /* setuid or cap_setgid */
	check_subuids,		 /* /etc/subuid */
	check_subgids,		 /* /etc/subgid */
	check_cgroup_layout,	 /* legacy, hybrid, unified */
	check_cgroup_moves,	 /* favordynmods */
	check_cgroup_delegation, /* a writable cgroup for the user */
	check_overlay,		 /* overlay mounted in a user namespace */
	check_backends,		 /* btrfs, aufs, zfs */
	check_bridge,		 /* hako.conf [net] bridge */
	check_nic,		 /* hako-nic, usernet, the user's veths */
	check_store,		 /* container directories closed to others */
	check_seccomp,		 /* Seccomp: in /proc/self/status */
	check_capabilities,	 /* cap_last_cap, bounding set */
	check_busybox,		 /* a static busybox for the template */
};

void hk_doctor_opts_init(struct hk_doctor_opts *opts)
{
	static char name[256];
	memset(opts, 0, sizeof(*opts));
	opts->uid = getuid();
	opts->gid = getgid();
	struct passwd *pw = getpwuid(opts->uid);
	if (pw)
		snprintf(name, sizeof(name), "%s", pw->pw_name);
	else
		snprintf(name, sizeof(name), "%u", (unsigned)opts->uid);
	opts->user = name;
	opts->root = "";
}

int hk_doctor_run(const struct hk_doctor_opts *opts, hk_doctor_cb cb, void *ctx,
		  struct hk_error **err)
{
	if (!opts->user || !*opts->user)
		return hk_error_set(err, EINVAL, "doctor: no user name to check the host for");
	struct run r = {
		.o = opts,
		.root = opts->root && strcmp(opts->root, "/") != 0 ? opts->root : "",
		.is_root = opts->uid == 0,
		.cb = cb,
		.ctx = ctx,
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(checks); i++)
		checks[i](&r);
	if (r.have_cgroups)
		hk_cgroup_info_free(&r.cg);
	return r.fails;
}
