/* cgroup-systemd.c - asking systemd for a delegated transient scope (see
 * cgroup-systemd.h), recording it for the container's other processes,
 * and saying which delegation applies. */
#include "cgroup-systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "log.h"
#include "sdbus.h"

#define SCOPE_FILE "cgroup2-scope"
/* systemd answers in milliseconds, but 32 starts at once on a busy host
 * (the systemd guest under TCG, every core looping) took over 10 s. */
#define SCOPE_TIMEOUT_MS 30000
#define SD_DEST		 "org.freedesktop.systemd1"
#define SD_PATH		 "/org/freedesktop/systemd1"
#define SD_MANAGER	 "org.freedesktop.systemd1.Manager"

/* ---- deciding ---- */

/* systemd marks the cgroups it delegates with this xattr (v251+; the user
 * manager, which cannot set trusted.*, uses user.delegate). */
static bool marked_delegated(const char *path)
{
	static const char *const names[] = { "trusted.delegate", "user.delegate" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(names); i++) {
		char v[4] = "";
		ssize_t n = getxattr(path, names[i], v, sizeof(v) - 1);
		if (n == 1 && v[0] == '1')
			return true;
	}
	return false;
}

static bool is_hako_scope(const char *component, size_t len)
{
	return len > strlen("hako-.scope") && strncmp(component, "hako-", 5) == 0 &&
	       strncmp(component + len - 6, ".scope", 6) == 0;
}

/* The scope of a monitor already inside SCOPE/monitor, or NULL. */
static char *own_scope(const char *dir)
{
	const char *leaf = strrchr(dir, '/');
	if (!leaf || strcmp(leaf, "/monitor") != 0)
		return NULL;
	hk_autofree char *parent = xstrndup(dir, (size_t)(leaf - dir));
	const char *base = strrchr(parent, '/');
	if (!base || !is_hako_scope(base + 1, strlen(base + 1)))
		return NULL;
	return hk_steal_ptr(&parent);
}

enum hk_cgroup_systemd_mode hk_cgroup_systemd_mode(const struct hk_cgroup_info *info, uid_t uid)
{
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	hk_autofree char *marker = hk_cgroup_path(info, "/run/systemd/system");
	if (!u || access(marker, F_OK) < 0)
		return HK_SD_NONE;
	if (u->dir) {
		hk_autofree char *scope = own_scope(u->dir);
		if (scope)
			return HK_SD_SCOPE;
		hk_autofree char *path = hk_cgroup_path(info, u->dir);
		struct stat st;
		if (marked_delegated(path) && stat(path, &st) == 0 &&
		    hk_cgroup_stat_writable(&st, uid, (gid_t)-1))
			return HK_SD_DELEGATED;
	}
	return HK_SD_SCOPE;
}

char *hk_cgroup_scope_unit(const char *cg_name, uint16_t salt, struct hk_error **err)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "hako-");
	for (const unsigned char *p = (const unsigned char *)cg_name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(":_.-", *p))
			hk_buf_append(&b, p, 1);
		else
			hk_buf_printf(&b, "\\x%02x", *p);
	}
	hk_buf_printf(&b, "-%04x.scope", (unsigned)salt);
	if (b.len > 255) {
		hk_error_set(err, ENAMETOOLONG,
			     "the systemd unit name for cgroup \"%s\" would be %zu bytes "
			     "(at most 255); use a shorter container name",
			     cg_name, b.len);
		hk_buf_free(&b);
		return NULL;
	}
	return hk_buf_steal(&b);
}

/* ---- the record ---- */

bool hk_cgroup_scope_path_valid(const char *path)
{
	if (path[0] != '/' || strstr(path, "//") || strstr(path, "/../") ||
	    hk_str_has_suffix(path, "/.."))
		return false;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	const char *base = strrchr(path, '/') + 1;
	return is_hako_scope(base, strlen(base));
}

static char *record_path(const char *run_dir)
{
	return xasprintf("%s/%s", run_dir, SCOPE_FILE);
}

/* The directory of cgroup path cg in hierarchy h (no root prefix). */
static char *cgroup_to_dir(const struct hk_cgroup_hier *h, const char *cg)
{
	const char *rel = cg;
	if (strcmp(h->mount_root, "/") != 0) {
		size_t n = strlen(h->mount_root);
		if (strncmp(cg, h->mount_root, n) != 0 || (cg[n] != '/' && cg[n]))
			return NULL;
		rel = cg + n;
	}
	return xasprintf("%s%s", h->mountpoint, strcmp(rel, "/") == 0 ? "" : rel);
}

char *hk_cgroup_scope_recorded(const struct hk_cgroup_info *info, const char *run_dir)
{
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	hk_autofree char *path = record_path(run_dir);
	hk_autofree char *text = NULL;
	if (!u || hk_read_file_at(AT_FDCWD, path, &text, NULL, 4096, NULL) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	if (!hk_cgroup_scope_path_valid(text)) {
		hk_log(HK_LOG_WARN, "ignoring \"%s\": \"%.100s\" is not a hako scope's cgroup",
		       path, text);
		return NULL;
	}
	char *dir = cgroup_to_dir(u, text);
	hk_autofree char *full = dir ? hk_cgroup_path(info, dir) : NULL;
	if (dir && access(full, F_OK) < 0) { /* the scope is gone: a stale record */
		free(dir);
		return NULL;
	}
	return dir;
}

void hk_cgroup_scope_forget(const struct hk_ct *ct)
{
	hk_autofree char *path = record_path(ct->run_dir);
	unlink(path);
}

static int record_scope(const struct hk_ct *ct, const char *cg, struct hk_error **err)
{
	hk_autofree char *path = record_path(ct->run_dir);
	hk_autofree char *text = xasprintf("%s\n", cg);
	if (hk_mkdir_p(ct->run_dir, 0700, err) < 0 ||
	    hk_write_run_file(path, text, strlen(text), 0600, err) < 0)
		return hk_error_prefix(err, "record the container's scope");
	return 0;
}

/* ---- talking to systemd ---- */

/* The caller's cgroup in the v2 hierarchy ("/user.slice/..."), or NULL. */
static char *self_v2_cgroup(const struct hk_cgroup_info *info)
{
	hk_autofree char *path = hk_cgroup_path(info, "/proc/self/cgroup");
	hk_autofree char *text = NULL;
	struct hk_proc_cgroup pc;
	if (hk_read_file(path, &text, NULL, NULL) < 0 || hk_cgroup_parse_proc(text, &pc, NULL) < 0)
		return NULL;
	char *cg = NULL;
	for (size_t i = 0; i < pc.n && !cg; i++)
		if (pc.e[i].id == 0)
			cg = xstrdup(pc.e[i].path);
	hk_proc_cgroup_free(&pc);
	return cg;
}

/* The JobRemoved(uoss) signals seen: job path and result. */
struct jobs_seen {
	char *job[8], *result[8];
	size_t n;
};

static void on_message(void *ctx, const struct hk_sdbus_msg *m)
{
	struct jobs_seen *js = ctx;
	struct hk_sdbus_reader r;
	uint32_t id;
	const char *job, *unit, *result;
	if (m->type != HK_SDBUS_SIGNAL || strcmp(m->member, "JobRemoved") != 0 ||
	    strcmp(m->iface, SD_MANAGER) != 0 || !m->sig || strcmp(m->sig, "uoss") != 0)
		return;
	hk_sdbus_reader_init(&r, m);
	if (hk_sdbus_read_u32(&r, &id) < 0 || hk_sdbus_read_string(&r, &job) < 0 ||
	    hk_sdbus_read_string(&r, &unit) < 0 || hk_sdbus_read_string(&r, &result) < 0)
		return;
	size_t i = js->n < HK_ARRAY_SIZE(js->job) ? js->n++ : HK_ARRAY_SIZE(js->job) - 1;
	free(js->job[i]);
	free(js->result[i]);
	js->job[i] = xstrdup(job);
	js->result[i] = xstrdup(result);
}

static const char *job_result(const struct jobs_seen *js, const char *job)
{
	for (size_t i = 0; i < js->n; i++)
		if (strcmp(js->job[i], job) == 0)
			return js->result[i];
	return NULL;
}

static void jobs_free(struct jobs_seen *js)
{
	for (size_t i = 0; i < js->n; i++) {
		free(js->job[i]);
		free(js->result[i]);
	}
}

/* What to do about an error systemd (or the bus) answered. */
static const struct {
	const char *name_part;
	const char *fix_root, *fix_user;
} sd_fixes[] = {
	{ "AccessDenied", "run hako as root, or allow it in the bus policy",
	  "the user manager must run as you: log in through a pam_systemd session, or let root run "
	  "\"loginctl enable-linger USER\"" },
	{ "ServiceUnknown", "systemd is not on the system bus: is this host booted with systemd?",
	  "no user manager answers on your bus: log in through a pam_systemd session, or let root "
	  "run \"loginctl enable-linger USER\"" },
	{ "NameHasNoOwner", "systemd is not on the system bus: is this host booted with systemd?",
	  "no user manager answers on your bus: log in through a pam_systemd session, or let root "
	  "run \"loginctl enable-linger USER\"" },
	{ "Error.Spawn", "systemd is not on the system bus: is this host booted with systemd?",
	  "no user manager answers on your bus: log in through a pam_systemd session, or let root "
	  "run \"loginctl enable-linger USER\"" },
	{ "UnitExists", "a unit of that name exists already: start the container again",
	  "a unit of that name exists already: start the container again" },
};

static const char *fix_for(const char *msg, bool root)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(sd_fixes); i++)
		if (strstr(msg, sd_fixes[i].name_part))
			return root ? sd_fixes[i].fix_root : sd_fixes[i].fix_user;
	return NULL;
}

static const char *manager_name(bool root)
{
	return root ? "systemd's system manager" : "your systemd user manager";
}

/* StartTransientUnit, then waits until the job is done and the process
 * sits in the unit's cgroup; returns that cgroup. */
static char *start_scope(const struct hk_cgroup_info *info, struct hk_sdbus *bus, const char *unit,
			 const char *desc, struct hk_error **err)
{
	struct hk_buf body = { 0 };
	hk_sdbus_scope_body(&body, unit, desc, getpid());
	struct hk_sdbus_call add_match = { "org.freedesktop.DBus",
					   "/org/freedesktop/DBus",
					   "org.freedesktop.DBus",
					   "AddMatch",
					   "s",
					   NULL,
					   0 };
	struct hk_buf rule = { 0 };
	hk_sdbus_put_string(&rule, "type='signal',sender='" SD_DEST "',path='" SD_PATH
				   "',interface='" SD_MANAGER "',member='JobRemoved'");
	add_match.body = rule.data;
	add_match.body_len = rule.len;
	struct hk_sdbus_call call = {
		SD_DEST,   SD_PATH, SD_MANAGER, "StartTransientUnit", "ssa(sv)a(sa(sv))",
		body.data, body.len
	};
	struct jobs_seen js = { 0 };
	struct hk_sdbus_msg reply = { 0 }, ignored = { 0 };
	char *cg = NULL;
	const char *job = NULL;
	struct hk_sdbus_reader r;
	if (hk_sdbus_call(bus, &add_match, 5000, on_message, &js, &ignored, err) < 0 ||
	    hk_sdbus_call(bus, &call, SCOPE_TIMEOUT_MS, on_message, &js, &reply, err) < 0)
		goto out;
	hk_sdbus_reader_init(&r, &reply);
	if (!reply.sig || strcmp(reply.sig, "o") != 0 || hk_sdbus_read_string(&r, &job) < 0) {
		hk_error_set(err, EPROTO, "StartTransientUnit answered without a job");
		goto out;
	}
	for (int waited = 0; waited <= SCOPE_TIMEOUT_MS; waited += 50) {
		const char *res = job_result(&js, job);
		if (res && strcmp(res, "done") != 0) {
			hk_error_set(err, 0, "the start job ended with \"%s\"", res);
			goto out;
		}
		free(cg);
		cg = self_v2_cgroup(info);
		const char *base = cg ? strrchr(cg, '/') : NULL;
		if (res && base && strcmp(base + 1, unit) == 0)
			goto out; /* done, and the monitor is inside */
		if (hk_sdbus_poll(bus, 50, on_message, &js, err) < 0)
			break;
	}
	free(cg);
	cg = NULL;
	hk_error_set(err, ETIMEDOUT, "the scope did not start within %d ms", SCOPE_TIMEOUT_MS);
out:
	hk_sdbus_msg_free(&reply);
	hk_sdbus_msg_free(&ignored);
	hk_buf_free(&body);
	hk_buf_free(&rule);
	jobs_free(&js);
	if (*err)
		return free(cg), NULL;
	return cg;
}

/* Moves the calling process into SCOPE/monitor. */
static int enter_monitor_leaf(const struct hk_cgroup_info *info, const char *scope_dir,
			      struct hk_error **err)
{
	hk_autofree char *leaf = xasprintf("%s%s/monitor", info->root, scope_dir);
	hk_autofree char *procs = xasprintf("%s/cgroup.procs", leaf);
	char pid[24];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
		return hk_error_errno(err, "cannot create cgroup \"%s\"", leaf);
	hk_autoclose int fd = open(procs, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, strlen(pid)) != (ssize_t)strlen(pid))
		return hk_error_errno(err, "cannot move the monitor into cgroup \"%s\"", leaf);
	return 0;
}

char *hk_cgroup_systemd_bus_path(uid_t uid)
{
	if (uid == geteuid())
		return hk_sdbus_bus_path(uid == 0, uid);
	return uid == 0 ? xstrdup("/run/dbus/system_bus_socket")
			: xasprintf("/run/user/%u/bus", (unsigned)uid);
}

/* Connects to the manager's bus; NULL with *no_bus when nothing listens. */
static struct hk_sdbus *open_bus(const char *path, bool *no_bus, struct hk_error **err)
{
	struct stat st;
	*no_bus = false;
	if (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		*no_bus = true;
		return NULL;
	}
	struct hk_sdbus *bus = hk_sdbus_open(path, err);
	if (!bus && *err && ((*err)->code == ECONNREFUSED || (*err)->code == ENOENT))
		*no_bus = true;
	return bus;
}

static void warn_no_bus(const char *path)
{
	bool root = geteuid() == 0;
	hk_log(HK_LOG_WARN,
	       "systemd runs, but no D-Bus answers on \"%s\", so hako cannot ask %s for a "
	       "delegated scope and uses the cgroups it may write itself; %s",
	       path, manager_name(root),
	       root ? "start dbus (systemctl start dbus)"
		    : "log in through a pam_systemd session, or let root run \"loginctl "
		      "enable-linger USER\"");
}

void hk_cgroup_systemd_preflight(void)
{
	struct hk_cgroup_info info;
	if (access("/run/systemd/system", F_OK) < 0 || hk_cgroup_detect("", &info, NULL) < 0)
		return;
	bool no_bus = false;
	hk_autofree char *path = hk_cgroup_systemd_bus_path(geteuid());
	if (hk_cgroup_systemd_mode(&info, geteuid()) == HK_SD_SCOPE) {
		struct stat st;
		no_bus = stat(path, &st) < 0 || !S_ISSOCK(st.st_mode);
	}
	hk_cgroup_info_free(&info);
	if (no_bus)
		warn_no_bus(path);
}

/* Asks for the scope; returns its cgroup path, NULL (err set) on refusal,
 * NULL without err when there is no bus. */
static char *ask_systemd(const struct hk_cgroup_info *info, const char *cg_name,
			 struct hk_error **err)
{
	bool root = geteuid() == 0;
	hk_autofree char *path = hk_cgroup_systemd_bus_path(geteuid());
	uint16_t salt = 0;
	while (getrandom(&salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
		;
	hk_autofree char *unit = hk_cgroup_scope_unit(cg_name, salt, err);
	if (!unit)
		return NULL;
	bool no_bus;
	hk_autoerr struct hk_error *berr = NULL;
	struct hk_sdbus *bus = open_bus(path, &no_bus, &berr);
	if (!bus && no_bus) {
		warn_no_bus(path);
		return NULL;
	}
	hk_autofree char *desc = xasprintf("hako container %s", cg_name);
	char *cg = bus ? start_scope(info, bus, unit, desc, &berr) : NULL;
	hk_sdbus_close(bus);
	if (cg)
		return cg;
	const char *fix = fix_for(berr->msg, root);
	hk_error_set(
		err, berr->code, "%s (bus \"%s\") did not give transient scope \"%s\": %s; %s%s%s",
		manager_name(root), path, unit, berr->msg, fix ? fix : "see ",
		fix ? "" : (root ? "journalctl -u " : "journalctl --user -u "), fix ? "" : unit);
	return NULL;
}

int hk_cgroup_systemd_prepare(const struct hk_cgroup_info *info, const struct hk_ct *ct,
			      char **scope_dir, struct hk_error **err)
{
	*scope_dir = NULL;
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	if (hk_cgroup_systemd_mode(info, geteuid()) != HK_SD_SCOPE)
		return 0;
	hk_autofree char *dir = u->dir ? own_scope(u->dir) : NULL; /* a reboot: still inside */
	if (!dir) {
		hk_autofree char *cg = ask_systemd(info, ct->cgroup_name, err);
		if (!cg)
			return *err ? -1 : 0;
		dir = cgroup_to_dir(u, cg);
		if (!dir)
			return hk_error_set(
				err, ENOENT,
				"systemd's scope \"%s\" lies outside the cgroup2 mount \"%s\"", cg,
				u->mountpoint);
		if (enter_monitor_leaf(info, dir, err) < 0)
			return -1;
		hk_log(HK_LOG_INFO, "\"%s\" runs in systemd's transient scope \"%s\"", ct->name,
		       dir);
	}
	hk_autofree char *rel = xstrdup(dir + strlen(u->mountpoint));
	hk_autofree char *cg = strcmp(u->mount_root, "/") == 0
				       ? hk_steal_ptr(&rel)
				       : xasprintf("%s%s", u->mount_root, rel);
	if (record_scope(ct, cg, err) < 0)
		return -1;
	*scope_dir = hk_steal_ptr(&dir);
	return 0;
}

/* ---- moving a process into a delegated unit ---- */

/* One method call on the bus at path; its reply is not needed. */
static int call_once(const char *path, const struct hk_sdbus_call *call, struct hk_error **err)
{
	bool no_bus;
	struct hk_sdbus *bus = open_bus(path, &no_bus, err);
	if (!bus) {
		hk_error_free(*err);
		*err = NULL;
		return hk_error_set(err, EHOSTDOWN, "no D-Bus answers on \"%s\"", path);
	}
	struct hk_sdbus_msg reply = { 0 };
	int rc = hk_sdbus_call(bus, call, SCOPE_TIMEOUT_MS, NULL, NULL, &reply, err);
	hk_sdbus_msg_free(&reply);
	hk_sdbus_close(bus);
	return rc;
}

/* Splits cgroup path cg at its deepest systemd unit component (".scope" or
 * ".service"): the unit's name and the rest ("/hako/NAME/payload"). */
static bool split_unit(const char *cg, char **unit, char **sub)
{
	const char *best = NULL, *end = NULL;
	for (const char *p = cg; (p = strchr(p, '/'));) {
		const char *c = p + 1, *e = c + strcspn(c, "/");
		size_t len = (size_t)(e - c);
		if ((len > 6 && !strncmp(e - 6, ".scope", 6)) ||
		    (len > 8 && !strncmp(e - 8, ".service", 8)))
			best = c, end = e;
		p = e;
	}
	if (!best || !*end)
		return false;
	*unit = xstrndup(best, (size_t)(end - best));
	*sub = xstrdup(end);
	return true;
}

int hk_cgroup_systemd_attach(const struct hk_cgroup_info *info, const char *dir, pid_t pid,
			     struct hk_error **err)
{
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	size_t mlen = u ? strlen(u->mountpoint) : 0;
	if (!u || strncmp(dir, u->mountpoint, mlen) != 0 || dir[mlen] != '/')
		return hk_error_set(err, EINVAL, "\"%s\" is not in the cgroup2 tree", dir);
	hk_autofree char *cg = strcmp(u->mount_root, "/") == 0
				       ? xstrdup(dir + mlen)
				       : xasprintf("%s%s", u->mount_root, dir + mlen);
	hk_autofree char *unit = NULL, *sub = NULL;
	if (!split_unit(cg, &unit, &sub))
		return hk_error_set(err, ENOENT, "no systemd unit owns cgroup \"%s\"", cg);
	bool root = geteuid() == 0;
	hk_autofree char *path = hk_cgroup_systemd_bus_path(geteuid());
	hk_autoerr struct hk_error *berr = NULL;
	struct hk_buf body = { 0 };
	hk_sdbus_attach_body(&body, unit, sub, pid);
	struct hk_sdbus_call call = { SD_DEST, SD_PATH,	  SD_MANAGER, "AttachProcessesToUnit",
				      "ssau",  body.data, body.len };
	int rc = call_once(path, &call, &berr);
	hk_buf_free(&body);
	if (rc < 0)
		return hk_error_set(
			err, berr->code ? berr->code : EACCES,
			"%s (bus \"%s\") did not move process %d into unit \"%s\" at \"%s\": %s",
			manager_name(root), path, (int)pid, unit, sub, berr->msg);
	return 0;
}

/* ---- linger ---- */

int hk_cgroup_systemd_linger(uid_t uid, struct hk_error **err)
{
	hk_autoerr struct hk_error *berr = NULL;
	struct hk_buf body = { 0 };
	hk_sdbus_put_u32(&body, (uint32_t)uid);
	hk_sdbus_put_bool(&body, true);
	hk_sdbus_put_bool(&body, false); /* not interactive */
	struct hk_sdbus_call call = { "org.freedesktop.login1",
				      "/org/freedesktop/login1",
				      "org.freedesktop.login1.Manager",
				      "SetUserLinger",
				      "ubb",
				      body.data,
				      body.len };
	int rc = call_once("/run/dbus/system_bus_socket", &call, &berr);
	hk_buf_free(&body);
	if (rc < 0)
		return hk_error_set(err, berr->code, "logind did not turn linger on: %s",
				    berr->msg);
	/* logind starts user@UID.service now; its bus comes up shortly. */
	hk_autofree char *user_bus = xasprintf("/run/user/%u/bus", (unsigned)uid);
	struct stat st;
	for (long long end = hk_now_ms() + SCOPE_TIMEOUT_MS; hk_now_ms() < end;) {
		if (stat(user_bus, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		struct timespec ts = { 0, 50 * 1000000L };
		nanosleep(&ts, NULL);
	}
	return hk_error_set(err, ETIMEDOUT,
			    "linger is on, but no user manager answered on \"%s\" within "
			    "%d ms (see systemctl status user@%u.service)",
			    user_bus, SCOPE_TIMEOUT_MS, (unsigned)uid);
}

/* ---- describing ---- */

char *hk_cgroup_systemd_describe(const struct hk_cgroup_info *info, uid_t uid)
{
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	if (!u)
		return NULL;
	switch (hk_cgroup_systemd_mode(info, uid)) {
	case HK_SD_DELEGATED:
		return xasprintf("cgroup2: systemd delegated \"%s\" to uid %u; hako makes "
				 "containers' cgroups "
				 "inside it",
				 u->dir, (unsigned)uid);
	case HK_SD_SCOPE: {
		hk_autofree char *bus = hk_cgroup_systemd_bus_path(uid);
		struct stat st;
		bool there = stat(bus, &st) == 0 && S_ISSOCK(st.st_mode);
		if (uid == 0)
			return xasprintf(
				"cgroup2: systemd owns the tree; hako asks the system manager (bus "
				"\"%s\"%s) "
				"for a transient scope hako-NAME-XXXX.scope with Delegate=yes per "
				"container",
				bus, there ? "" : ", not there now");
		return xasprintf("cgroup2: systemd delegates the user@%u.service subtree to uid "
				 "%u; hako asks "
				 "that user manager (bus \"%s\"%s) for a transient scope "
				 "hako-NAME-XXXX.scope with Delegate=yes per container",
				 (unsigned)uid, (unsigned)uid, bus,
				 there ? ""
				       : ", not there now: it comes with a pam_systemd login or "
					 "\"loginctl enable-linger\"");
	}
	case HK_SD_NONE:
	default:
		return NULL;
	}
}
