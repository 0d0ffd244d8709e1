/* setup-user.c - sub-id ranges and delegated cgroups for an ordinary user
 * (see setup-user.h). */
#include "setup-user.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-manage.h"
#include "cgroup-systemd.h"
#include "idmap.h"
#include "nic/nic.h"
#include "nest.h"
#include "util.h"

unsigned long hk_setup_user_next_free(const char *text)
{
	return hk_setup_user_next_free_from(text, 100000);
}

unsigned long hk_setup_user_next_free_from(const char *text, unsigned long base)
{
	unsigned long next = base;
	hk_autofree char *copy = xstrdup(text ? text : "");
	for (char *save, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		unsigned long start, count;
		if (!c2 || l[0] == '#')
			continue;
		*c2 = '\0';
		if (hk_parse_ulong(c1 + 1, &start) && hk_parse_ulong(c2 + 1, &count) &&
		    start + count > next)
			next = start + count;
	}
	return next;
}

static void report_fmt(hk_setup_report report, void *ctx, int done, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report_fmt(hk_setup_report report, void *ctx, int done, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r >= 0 && report)
		report(ctx, done, msg);
	free(msg);
}

/* Gives the user a range in one sub-id file unless it has 65536 ids. */
static int ensure_subids(const char *path, char kind, const char *file_label,
			 const struct passwd *pw, hk_setup_report report, void *ctx,
			 struct hk_error **err)
{
	char *text = NULL;
	if (access(path, F_OK) == 0 && hk_read_file(path, &text, NULL, err) < 0)
		return -1;
	hk_autofree char *owned = text ? text : xstrdup("");
	struct hk_subids ids = { 0 };
	hk_subid_parse(owned, pw->pw_name, pw->pw_uid, &ids, NULL);
	unsigned long total = 0;
	for (size_t i = 0; i < ids.n; i++)
		total += ids.r[i].count;
	if (total >= 65536) {
		report_fmt(report, ctx, 0,
			   "%s: user \"%s\" already has %lu ids in %s (first %lu-%lu)", file_label,
			   pw->pw_name, total, path, ids.r[0].start,
			   ids.r[0].start + ids.r[0].count - 1);
		hk_subids_free(&ids);
		return 0;
	}
	hk_subids_free(&ids);
	unsigned long start = hk_setup_user_next_free(owned), count = HK_SETUP_USER_IDS;
	/* Inside a container only the ids its own map holds can be given. */
	struct hk_idmap window;
	if (hk_nest_window(&window)) {
		int rc = hk_nest_subid_slot(&window, kind, owned, HK_SETUP_USER_IDS, &start, &count,
					    err);
		hk_idmap_free(&window);
		if (rc < 0)
			return hk_error_prefix(err, "%s for user \"%s\"", file_label, pw->pw_name);
	}
	size_t len = strlen(owned);
	hk_autofree char *updated =
		xasprintf("%s%s%s:%lu:%lu\n", owned, len && owned[len - 1] != '\n' ? "\n" : "",
			  pw->pw_name, start, count);
	if (hk_write_file_atomic(path, updated, strlen(updated), 0644, err) < 0)
		return -1;
	report_fmt(report, ctx, 1, "%s: gave user \"%s\" ids %lu-%lu in %s", file_label,
		   pw->pw_name, start, start + count - 1, path);
	return 0;
}

static int chown_cgroup_dir(const char *dir, const struct passwd *pw, struct hk_error **err)
{
	static const char *const files[] = { "",
					     "/cgroup.procs",
					     "/tasks",
					     "/cgroup.clone_children",
					     "/cgroup.subtree_control",
					     "/cgroup.threads" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(files); i++) {
		hk_autofree char *p = xasprintf("%s%s", dir, files[i]);
		if (lchown(p, pw->pw_uid, pw->pw_gid) < 0 && !(i > 0 && errno == ENOENT))
			return hk_error_errno(err, "cannot give \"%s\" to user \"%s\"", p,
					      pw->pw_name);
	}
	return 0;
}

/* cpuset.cpus and cpuset.mems of a new cpuset cgroup start empty. */
static void init_cpuset(const char *parent, const char *dir)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(files); i++) {
		hk_autofree char *from = xasprintf("%s/%s", parent, files[i]);
		hk_autofree char *to = xasprintf("%s/%s", dir, files[i]);
		hk_autofree char *value = NULL;
		if (hk_read_file(from, &value, NULL, NULL) < 0)
			continue;
		FILE *f = fopen(to, "we");
		if (f) {
			fputs(value, f);
			fclose(f);
		}
	}
}

static int ensure_v1(const struct hk_cgroup_info *info, const struct hk_cgroup_hier *h,
		     const struct passwd *pw, hk_setup_report report, void *ctx,
		     struct hk_error **err)
{
	hk_autofree char *top = hk_cgroup_path(info, h->mountpoint);
	hk_autofree char *users = xasprintf("%s/%s", top, HK_CGROUP_USERS_DIR);
	hk_autofree char *mine = xasprintf("%s/%u", users, (unsigned)pw->pw_uid);
	hk_autofree char *label = hk_cgroup_hier_label(h);
	bool cpuset = hk_strv_contains(&h->controllers, "cpuset");
	if (mkdir(users, 0755) == 0 && cpuset)
		init_cpuset(top, users);
	else if (errno != EEXIST && access(users, F_OK) < 0)
		return hk_error_errno(err, "cannot create cgroup \"%s\"", users);
	bool made = mkdir(mine, 0755) == 0;
	if (!made && errno != EEXIST)
		return hk_error_errno(err, "cannot create cgroup \"%s\"", mine);
	if (cpuset)
		init_cpuset(users, mine);
	if (chown_cgroup_dir(mine, pw, err) < 0)
		return -1;
	report_fmt(report, ctx, made,
		   "cgroup %s: %s \"%s\" for user \"%s\" (hako's own v1 delegation)", label,
		   made ? "delegated" : "already delegated", mine, pw->pw_name);
	return 0;
}

/* Controllers available at dir, enabled for its children (a failure is
 * left to the limits that need them, which then say so). */
static void enable_controllers(const char *dir)
{
	hk_autofree char *avail_path = xasprintf("%s/cgroup.controllers", dir);
	hk_autofree char *ctl = xasprintf("%s/cgroup.subtree_control", dir);
	hk_autofree char *avail = NULL;
	if (hk_read_file(avail_path, &avail, NULL, NULL) < 0)
		return;
	for (char *save, *c = strtok_r(avail, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		hk_autoclose int fd = open(ctl, O_WRONLY | O_CLOEXEC);
		hk_autofree char *word = xasprintf("+%s", c);
		if (fd < 0 || write(fd, word, strlen(word)) < 0)
			continue;
	}
}

/* A pure v2 host without systemd: HK_CGROUP_USERS_DIR/UID owned by the
 * user, and the root-owned leaf HK_CGROUP_LOGIN_LEAF below it where the
 * user's logins must start (cgroup.h says why). */
static int ensure_v2_plain(const struct hk_cgroup_info *info, const struct hk_cgroup_hier *h,
			   const struct passwd *pw, hk_setup_report report, void *ctx,
			   struct hk_error **err)
{
	hk_autofree char *top = hk_cgroup_path(info, h->mountpoint);
	hk_autofree char *users = xasprintf("%s/%s", top, HK_CGROUP_USERS_DIR);
	hk_autofree char *mine = xasprintf("%s/%u", users, (unsigned)pw->pw_uid);
	hk_autofree char *login = xasprintf("%s/%s", mine, HK_CGROUP_LOGIN_LEAF);
	if (hk_cgroup_v2_make_room(top, err) < 0)
		return -1;
	enable_controllers(top);
	if (mkdir(users, 0755) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create cgroup \"%s\"", users);
	enable_controllers(users);
	bool made = mkdir(mine, 0755) == 0;
	if (!made && errno != EEXIST)
		return hk_error_errno(err, "cannot create cgroup \"%s\"", mine);
	if (chown_cgroup_dir(mine, pw, err) < 0)
		return -1;
	if (mkdir(login, 0755) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create cgroup \"%s\"", login);
	report_fmt(report, ctx, made,
		   "cgroup2: %s \"%s\" for user \"%s\" (no systemd here: hako's own "
		   "delegation)",
		   made ? "delegated" : "already delegated", mine, pw->pw_name);
	report_fmt(
		report, ctx, HK_SETUP_TODO,
		"cgroup2: \"%s\" starts hako from a process inside \"%s\", or gets no cgroup (a v2 process "
		"may only move between cgroups whose common ancestor its user owns): a login through "
		"pam_cgfs puts the session there; for one shell, as root: echo $$ > %s/cgroup.procs; su %s",
		pw->pw_name, login, login, pw->pw_name);
	return 0;
}

/* A systemd host: the user's manager delegates; linger keeps it running
 * without a login, so the user's containers get scopes from setpriv,
 * cron or a reboot too. */
static int ensure_linger(const struct hk_setup_user_opts *o, const struct hk_cgroup_info *info,
			 const struct passwd *pw, hk_setup_report report, void *ctx)
{
	hk_autofree char *how = hk_cgroup_systemd_describe(info, pw->pw_uid);
	if (how)
		report_fmt(report, ctx, 0, "%s", how);
	hk_autofree char *flag = xasprintf("/var/lib/systemd/linger/%s", pw->pw_name);
	if (access(flag, F_OK) == 0) {
		report_fmt(report, ctx, 0,
			   "linger: already on for user \"%s\": the user manager runs "
			   "without a login",
			   pw->pw_name);
		return 0;
	}
	if (o && o->no_linger) {
		report_fmt(
			report, ctx, HK_SETUP_TODO,
			"linger: off (--no-linger): \"%s\" gets cgroups only while logged in through a "
			"pam_systemd session; without one, containers run without a cgroup (or do not start "
			"with limits); \"loginctl enable-linger %s\" changes that",
			pw->pw_name, pw->pw_name);
		return 0;
	}
	hk_autoerr struct hk_error *lerr = NULL;
	if (hk_cgroup_systemd_linger(pw->pw_uid, &lerr) < 0) {
		report_fmt(
			report, ctx, HK_SETUP_TODO,
			"linger: cannot enable it for \"%s\" (%s); as root: loginctl enable-linger %s",
			pw->pw_name, lerr->msg, pw->pw_name);
		return 0;
	}
	report_fmt(report, ctx, 1,
		   "linger: enabled for user \"%s\" (loginctl enable-linger): the user "
		   "manager runs without a login and delegates a scope per container",
		   pw->pw_name);
	return 0;
}

static int ensure_cgroups(const struct hk_setup_user_opts *o, const struct passwd *pw,
			  hk_setup_report report, void *ctx, struct hk_error **err)
{
	struct hk_cgroup_info info;
	if (hk_cgroup_detect(o && o->cgroup_root ? o->cgroup_root : "", &info, err) < 0)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < info.n && rc == 0; i++) {
		const struct hk_cgroup_hier *h = &info.h[i];
		if (h->version == 2) {
			if (hk_cgroup_systemd_mode(&info, pw->pw_uid) != HK_SD_NONE)
				rc = ensure_linger(o, &info, pw, report, ctx);
			else if (info.layout == HK_CGROUP_V2)
				rc = ensure_v2_plain(&info, h, pw, report, ctx, err);
			continue;
		}
		if (h->controllers.n > 0 || (h->name && strcmp(h->name, "systemd") == 0))
			rc = ensure_v1(&info, h, pw, report, ctx, err);
	}
	hk_cgroup_info_free(&info);
	return rc;
}

/* hako-nic's policy for the user on the bridge: reported, and granted when
 * asked (o->nics) and there is none. */
static int ensure_usernet(const struct hk_setup_user_opts *o, const struct passwd *pw,
			  hk_setup_report report, void *ctx, struct hk_error **err)
{
	const char *path = o && o->usernet_path ? o->usernet_path : HK_NIC_USERNET;
	const char *bridge = o && o->bridge ? o->bridge : "hakobr0";
	unsigned want = o ? o->nics : 0;
	char *text = NULL;
	if (access(path, F_OK) == 0 && hk_read_file(path, &text, NULL, err) < 0)
		return hk_error_prefix(err, "usernet");
	hk_autofree char *owned = text ? text : xstrdup("");
	hk_autostrv struct hk_strv groups = { 0 };
	hk_nic_user_groups(pw->pw_name, pw->pw_gid, &groups);
	unsigned q = hk_nic_usernet_quota(owned, pw->pw_name, &groups, "veth", bridge, NULL);
	if (q > 0 || want == 0) {
		if (q > 0)
			report_fmt(report, ctx, 0,
				   "usernet: user \"%s\" may have %u veth%s on bridge \"%s\" (%s)",
				   pw->pw_name, q, q == 1 ? "" : "s", bridge, path);
		else
			report_fmt(
				report, ctx, 0,
				"usernet: %s grants user \"%s\" no veth on bridge \"%s\", so its "
				"containers get no network; \"hako setup-user %s -n 1\" adds one "
				"(see hako-nic(8))",
				path, pw->pw_name, bridge, pw->pw_name);
		return 0;
	}
	if (hk_net_ifname_validate(bridge, "bridge", err) < 0)
		return -1;
	hk_autofree char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	if (slash && slash != dir && mkdir(dir, 0755) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create \"%s\"", dir);
	size_t len = strlen(owned);
	hk_autofree char *updated =
		xasprintf("%s%s%s veth %s %u\n", owned, len && owned[len - 1] != '\n' ? "\n" : "",
			  pw->pw_name, bridge, want);
	if (hk_write_file_atomic(path, updated, strlen(updated), 0644, err) < 0)
		return -1;
	report_fmt(report, ctx, 1,
		   "usernet: user \"%s\" may now have %u veth%s on bridge \"%s\" (added to %s)",
		   pw->pw_name, want, want == 1 ? "" : "s", bridge, path);
	return 0;
}

/* Inside a container, delegating needs the container's own cgroup to be
 * its root's (a parent started with nesting): say so instead of EACCES. */
static int check_inside(const struct hk_setup_user_opts *o, struct hk_error **err)
{
	struct hk_idmap window;
	if ((o && o->cgroup_root && *o->cgroup_root) || !hk_nest_window(&window))
		return 0;
	hk_idmap_free(&window);
	struct hk_config none;
	hk_config_init(&none);
	int rc = hk_nest_preflight(&none, true, err);
	hk_config_free(&none);
	return rc;
}

int hk_setup_user(const char *user, const struct hk_setup_user_opts *o, hk_setup_report report,
		  void *ctx, struct hk_error **err)
{
	if (geteuid() != 0)
		return hk_error_set(err, EPERM,
				    "setup-user changes /etc/subuid, /etc/subgid and the cgroup "
				    "tree: run it as root");
	struct passwd *pwp = getpwnam(user);
	if (!pwp)
		return hk_error_set(err, ENOENT,
				    "there is no user \"%s\" on this host; create it first "
				    "(useradd -m %s)",
				    user, user);
	struct passwd pw = *pwp;
	pw.pw_name = xstrdup(pwp->pw_name);
	int rc = check_inside(o, err);
	if (rc == 0)
		rc = ensure_subids(o && o->subuid_path ? o->subuid_path : "/etc/subuid", 'u',
				   "sub-uids", &pw, report, ctx, err);
	if (rc == 0)
		rc = ensure_subids(o && o->subgid_path ? o->subgid_path : "/etc/subgid", 'g',
				   "sub-gids", &pw, report, ctx, err);
	if (rc == 0)
		rc = ensure_cgroups(o, &pw, report, ctx, err);
	if (rc == 0)
		rc = ensure_usernet(o, &pw, report, ctx, err);
	free(pw.pw_name);
	if (rc < 0)
		return hk_error_prefix(err, "setup-user \"%s\"", user);
	return 0;
}
