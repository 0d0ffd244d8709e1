/* nest-list.c - finding, from the host, the containers hako runs inside a
 * running container (hk_list_add_nested, list.h).
 *
 * Two sources, neither of which runs anything inside the parent:
 *   - the parent's cgroup tree on the host (kernel truth): a child of a
 *     root hako inside is PARENTCG/hako/NAME[@HASH], one of a user UID
 *     PARENTCG/hako.users/UID/hako/NAME[@HASH]; its processes, read from
 *     the host, are host pids and by construction in the parent's tree;
 *     its init is the one whose parent process is outside the tree;
 *   - the parent's stores, opened inside /proc/INIT/root with
 *     RESOLVE_IN_ROOT (safepath.c): /var/lib/hako/NAME/config and
 *     /home/USER/.local/share/hako/NAME/config, for stopped children and
 *     for their lxc.idmap lines.
 * Names pass the container-name check or are skipped; only lxc.idmap lines
 * are read from a config (no includes, nothing else), and maps are
 * composed with the parent's host map, so a child claiming ids its parent
 * does not have shows as such instead of being believed. */
#include "list.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "idmap.h"
#include "log.h"
#include "nest.h"
#include "net.h"
#include "safepath.h"

#define MAX_DEPTH  4
#define MAX_CONFIG (64 * 1024)

struct child {
	char *name;
	char *cgdir; /* host path, NULL when not running */
	pid_t init;
	bool frozen;
	struct hk_idmap map; /* from its config, in the parent's ids */
	bool have_map;
};

struct children {
	struct child *c;
	size_t n;
};

static struct child *child_get(struct children *cs, const char *name)
{
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->c[i].name, name) == 0)
			return &cs->c[i];
	cs->c = xrealloc(cs->c, (cs->n + 1) * sizeof(*cs->c));
	struct child *c = &cs->c[cs->n++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	return c;
}

static void children_free(struct children *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free(cs->c[i].name);
		free(cs->c[i].cgdir);
		hk_idmap_free(&cs->c[i].map);
	}
	free(cs->c);
}

/* "NAME" or "NAME@HASH" -> NAME when it is a valid container name. */
static char *name_of_cgroup(const char *entry)
{
	char *name = xstrndup(entry, strcspn(entry, "@"));
	if (hk_name_validate(name, NULL) < 0) {
		free(name);
		return NULL;
	}
	return name;
}

/* The host directory of pid's cgroup in one hierarchy: v1 freezer (or
 * pids), else the v2 one. */
static char *cgroup_dir_of(const struct hk_cgroup_info *info, pid_t pid)
{
	static const char *const prefer[] = { "freezer", "pids" };
	const struct hk_cgroup_hier *h = NULL;
	for (size_t i = 0; !h && i < HK_ARRAY_SIZE(prefer); i++)
		h = hk_cgroup_v1_for(info, prefer[i]);
	if (!h)
		h = hk_cgroup_unified(info);
	hk_autofree char *path = xasprintf("/proc/%d/cgroup", (int)pid);
	hk_autofree char *text = NULL;
	struct hk_proc_cgroup pc;
	if (!h || hk_read_file(path, &text, NULL, NULL) < 0 ||
	    hk_cgroup_parse_proc(text, &pc, NULL) < 0)
		return NULL;
	char *dir = NULL;
	for (size_t i = 0; i < pc.n && !dir; i++) {
		bool match = h->version == 2 ? pc.e[i].id == 0
			     : hk_strv_contains(&h->controllers, "freezer")
				     ? strstr(pc.e[i].controllers, "freezer") != NULL
				     : strstr(pc.e[i].controllers, "pids") != NULL;
		if (match && !strstr(pc.e[i].path, "/.."))
			dir = xasprintf("%s%s", h->mountpoint,
					strcmp(pc.e[i].path, "/") ? pc.e[i].path : "");
	}
	hk_proc_cgroup_free(&pc);
	/* On v2 a hako inside moved the parent's processes from its cgroup
	 * root into init.scope (systemd inside does the same): the root is
	 * the level above. */
	size_t n = dir ? strlen(dir) : 0, leaf = strlen("/" HK_CGROUP_INIT_LEAF);
	if (dir && h->version == 2 && n > leaf &&
	    strcmp(dir + n - leaf, "/" HK_CGROUP_INIT_LEAF) == 0)
		dir[n - leaf] = '\0';
	return dir;
}

static void read_pids(const char *dir, pid_t **pids, size_t *n)
{
	hk_autofree char *procs = xasprintf("%s/cgroup.procs", dir);
	hk_autofree char *text = NULL;
	if (hk_read_file(procs, &text, NULL, NULL) == 0) {
		for (char *save, *l = strtok_r(text, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			long v;
			if (hk_parse_long(l, &v) && v > 0) {
				*pids = xrealloc(*pids, (*n + 1) * sizeof(pid_t));
				(*pids)[(*n)++] = (pid_t)v;
			}
		}
	}
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			hk_autofree char *sub = xasprintf("%s/%s", dir, de->d_name);
			read_pids(sub, pids, n);
		}
	}
	if (d)
		closedir(d);
}

static pid_t ppid_of(pid_t pid)
{
	hk_autofree char *path = xasprintf("/proc/%d/status", (int)pid);
	hk_autofree char *text = NULL;
	if (hk_read_file(path, &text, NULL, NULL) < 0)
		return -1;
	const char *p = strstr(text, "\nPPid:");
	long v;
	if (!p)
		return -1;
	p += 6;
	while (*p == ' ' || *p == '\t')
		p++;
	hk_autofree char *num = xstrndup(p, strcspn(p, "\n"));
	return hk_parse_long(num, &v) ? (pid_t)v : -1;
}

/* The init of a cgroup tree: the process whose parent is outside it. */
static pid_t tree_init(const char *dir)
{
	pid_t *pids = NULL;
	size_t n = 0;
	read_pids(dir, &pids, &n);
	pid_t init = 0;
	for (size_t i = 0; i < n && !init; i++) {
		pid_t pp = ppid_of(pids[i]);
		bool inside = false;
		for (size_t j = 0; j < n && !inside; j++)
			inside = pids[j] == pp;
		if (pp > 0 && !inside)
			init = pids[i];
	}
	free(pids);
	return init;
}

/* Frozen by the v1 freezer, or by the v2 cgroup.freeze that hako prefers
 * on a hybrid host: dir is in the v1 freezer (or pids) hierarchy or the
 * v2 one; the same relative path is looked up in the other. */
static bool is_frozen(const struct hk_cgroup_info *info, const char *dir)
{
	const struct hk_cgroup_hier *f = hk_cgroup_v1_for(info, "freezer");
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	const char *rel = NULL;
	for (size_t i = 0; i < info->n && !rel; i++)
		if (hk_str_has_prefix(dir, info->h[i].mountpoint))
			rel = dir + strlen(info->h[i].mountpoint);
	if (!rel)
		return false;
	hk_autofree char *text = NULL;
	hk_autofree char *v1 = f ? xasprintf("%s%s/freezer.state", f->mountpoint, rel) : NULL;
	if (v1 && hk_read_file(v1, &text, NULL, NULL) == 0 && strncmp(text, "FROZEN", 6) == 0)
		return true;
	hk_autofree char *events = NULL;
	hk_autofree char *v2 = u ? xasprintf("%s%s/cgroup.events", u->mountpoint, rel) : NULL;
	return v2 && hk_read_file(v2, &events, NULL, NULL) == 0 && strstr(events, "\nfrozen 1");
}

/* PARENTCG/hako/ * as running children. */
static void scan_cgroup_level(const struct hk_cgroup_info *info, const char *hako_dir,
			      struct children *cs)
{
	DIR *d = opendir(hako_dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		hk_autofree char *name = name_of_cgroup(de->d_name);
		if (!name)
			continue;
		struct child *c = child_get(cs, name);
		free(c->cgdir);
		c->cgdir = xasprintf("%s/%s", hako_dir, de->d_name);
		c->init = tree_init(c->cgdir);
		c->frozen = is_frozen(info, c->cgdir);
	}
	if (d)
		closedir(d);
}

static void scan_cgroups(const struct hk_cgroup_info *info, const char *pcg, struct children *cs)
{
	hk_autofree char *root_level = xasprintf("%s/hako", pcg);
	scan_cgroup_level(info, root_level, cs);
	hk_autofree char *users = xasprintf("%s/%s", pcg, HK_CGROUP_USERS_DIR);
	DIR *d = opendir(users);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		unsigned long uid;
		if (de->d_type != DT_DIR || !hk_parse_ulong(de->d_name, &uid))
			continue;
		hk_autofree char *level = xasprintf("%s/%s/hako", users, de->d_name);
		scan_cgroup_level(info, level, cs);
	}
	if (d)
		closedir(d);
}

/* The lxc.idmap (and lxc.id_map) lines of a config, nothing else. */
static void parse_idmap_lines(char *text, struct hk_idmap *out)
{
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *t = hk_str_trim(l);
		const char *key = hk_str_has_prefix(t, "lxc.idmap") ? "lxc.idmap" : "lxc.id_map";
		if (!hk_str_has_prefix(t, key))
			continue;
		char *v = hk_str_trim(t + strlen(key));
		if (*v != '=')
			continue;
		hk_idmap_parse_line(hk_str_trim(v + 1), out, NULL);
	}
}

/* Each STORE/NAME/config inside the parent's root; *denied when a
 * container directory could not be searched. */
static void scan_store(int rootfd, const char *store, struct children *cs, bool *denied)
{
	int dfd = hk_safe_open(rootfd, store, O_RDONLY | O_DIRECTORY, 0, 0, NULL);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || hk_name_validate(de->d_name, NULL) < 0)
			continue;
		hk_autofree char *cfg = xasprintf("%s/%s/config", store, de->d_name);
		/* O_PATH first: a FIFO or device planted as config is never opened. */
		hk_autoerr struct hk_error *err = NULL;
		hk_autoclose int fd =
			hk_safe_open(rootfd, cfg, O_PATH, 0, HK_SAFE_NOFOLLOW_LAST, &err);
		if (fd < 0 && err && err->code == EACCES)
			*denied = true;
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		hk_autofree char *text = NULL;
		hk_autofree char *self = xasprintf("/proc/self/fd/%d", fd);
		if (hk_read_file_at(AT_FDCWD, self, &text, NULL, MAX_CONFIG, NULL) < 0)
			continue;
		struct child *c = child_get(cs, de->d_name);
		hk_idmap_free(&c->map);
		parse_idmap_lines(text, &c->map);
		c->have_map = true;
	}
	closedir(d);
}

/* Returns whether a container directory could not be searched. */
static bool scan_stores(pid_t parent_init, struct children *cs)
{
	bool denied = false;
	hk_autofree char *root = xasprintf("/proc/%d/root", (int)parent_init);
	hk_autoclose int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return false;
	scan_store(rootfd, "var/lib/hako", cs, &denied);
	int hfd = hk_safe_open(rootfd, "home", O_RDONLY | O_DIRECTORY, 0, 0, NULL);
	DIR *d = hfd >= 0 ? fdopendir(hfd) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '/'))
			continue;
		hk_autofree char *store = xasprintf("home/%s/.local/share/hako", de->d_name);
		scan_store(rootfd, store, cs, &denied);
	}
	if (d)
		closedir(d);
	else if (hfd >= 0)
		close(hfd);
	return denied;
}

/* In a forked child that joined the parent's user namespace: its stores'
 * names and maps, one "NAME<tab>MAP" line each, on fd. */
static __attribute__((noreturn)) void scan_as_owner_child(pid_t parent_init, int fd)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)parent_init);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWUSER) < 0)
		_exit(1);
	struct children mine = { 0 };
	(void)scan_stores(parent_init, &mine);
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < mine.n; i++) {
		if (!mine.c[i].have_map)
			continue;
		hk_autofree char *map = hk_idmap_format_list(&mine.c[i].map);
		hk_buf_printf(&b, "%s\t%s\n", mine.c[i].name, map ? map : "");
	}
	_exit(b.len && write(fd, b.data, b.len) != (ssize_t)b.len);
}

/* "NAME<tab>u 0 1000 65536; g 0 1000 65536" lines into cs. */
static void take_owner_lines(char *text, struct children *cs)
{
	for (char *save, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(l, '\t');
		if (!tab)
			continue;
		*tab = '\0';
		if (hk_name_validate(l, NULL) < 0)
			continue;
		struct child *c = child_get(cs, l);
		hk_idmap_free(&c->map);
		for (char *s2, *r = strtok_r(tab + 1, ";", &s2); r; r = strtok_r(NULL, ";", &s2))
			hk_idmap_parse_line(hk_str_trim(r), &c->map, NULL);
		c->have_map = true;
	}
}

/* An ordinary caller cannot search the container directories of the
 * parent's stores (0710 with the group of each child's root, store.h),
 * but owns the parent's user namespace: joined, it holds every
 * capability over the files of the parent's ids, so the scan runs in a
 * child that joined it, and only names and maps come back. */
static void scan_stores_as_owner(pid_t parent_init, struct children *cs)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		scan_as_owner_child(parent_init, pfd[1]);
	}
	close(pfd[1]);
	struct hk_buf b = { 0 };
	char chunk[4096];
	for (ssize_t n; pid > 0 && (n = read(pfd[0], chunk, sizeof(chunk))) != 0;)
		if (n > 0 && b.len < (1u << 20))
			hk_buf_append(&b, chunk, (size_t)n);
		else if (n < 0 && errno != EINTR)
			break;
	close(pfd[0]);
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	hk_autofree char *text = hk_buf_steal(&b);
	take_owner_lines(text, cs);
}

/* The child's map in host ids: its config's map composed with its
 * parent's host map (no map: the parent's ids); the running child's
 * kernel map (read from the host, so in host ids) when no config was
 * readable. */
static char *host_map_of(const struct child *c, const struct hk_idmap *parent_host,
			 struct hk_idmap *out)
{
	memset(out, 0, sizeof(*out));
	if (c->have_map && c->map.n) {
		hk_autoerr struct hk_error *err = NULL;
		if (hk_idmap_compose(&c->map, parent_host, out, &err) < 0)
			return xasprintf("invalid: %s", err->msg);
	} else if (c->have_map) {
		hk_idmap_copy(out, parent_host);
	} else if (c->init > 0) {
		hk_autofree char *u = NULL;
		hk_autofree char *g = NULL;
		hk_autofree char *up = xasprintf("/proc/%d/uid_map", (int)c->init);
		hk_autofree char *gp = xasprintf("/proc/%d/gid_map", (int)c->init);
		if (hk_read_file(up, &u, NULL, NULL) == 0 &&
		    hk_read_file(gp, &g, NULL, NULL) == 0) {
			hk_nest_parse_kernel_map(u, 'u', out);
			hk_nest_parse_kernel_map(g, 'g', out);
		}
	}
	return hk_idmap_format_list(out);
}

static void add_row(struct hk_list *l, size_t at, struct hk_list_row *row)
{
	l->rows = xrealloc(l->rows, (l->n + 1) * sizeof(*l->rows));
	memmove(&l->rows[at + 1], &l->rows[at], (l->n - at) * sizeof(*l->rows));
	l->rows[at] = *row;
	l->n++;
}

static struct hk_list_row child_row(const char *parent_name, pid_t parent_init, unsigned depth,
				    const struct child *c)
{
	struct hk_list_row r = { 0 };
	r.name = xasprintf("%s/%s", parent_name, c->name);
	r.depth = depth;
	r.mem_bytes = r.swap_bytes = r.pids = r.io_bytes = -1;
	r.cpu_seconds = -1;
	r.state = c->init > 0 ? (c->frozen ? HK_STATE_FROZEN : HK_STATE_RUNNING) : HK_STATE_STOPPED;
	r.init_pid = c->init;
	r.runner = c->init > 0 ? HK_RUNNER_HAKO : HK_RUNNER_NONE; /* found by hako's cgroup names */
	r.unprivileged = !c->have_map || c->map.n > 0;
	r.cgroup_host = c->cgdir ? xstrdup(c->cgdir) : NULL;
	/* A child sharing its parent's network has no addresses of its own. */
	hk_autofree char *a = xasprintf("/proc/%d/ns/net", (int)c->init);
	hk_autofree char *b = xasprintf("/proc/%d/ns/net", (int)parent_init);
	struct stat sa, sb;
	if (c->init > 0 && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino != sb.st_ino &&
	    hk_netns_read_addrs(c->init, &r.ipv4, &r.ipv6, NULL) < 0)
		hk_log(HK_LOG_DEBUG, "addresses of nested \"%s\" unavailable", r.name);
	return r;
}

/* Inserts the children of rows[at] after it; returns how many rows. */
static size_t add_children(struct hk_list *l, size_t at, const struct hk_cgroup_info *info,
			   const struct hk_idmap *parent_host)
{
	struct hk_list_row *p = &l->rows[at];
	if (p->depth >= MAX_DEPTH || p->init_pid <= 0 || !hk_state_is_active(p->state))
		return 0;
	struct children cs = { 0 };
	hk_autofree char *pcg = cgroup_dir_of(info, p->init_pid);
	if (pcg)
		scan_cgroups(info, pcg, &cs);
	/* Only where a directory was closed to us: a fork per refresh would
	 * cost every dashboard user (tests/tui/refresh-cost.sh). */
	if (scan_stores(p->init_pid, &cs) && geteuid() != 0)
		scan_stores_as_owner(p->init_pid, &cs);
	size_t added = 0;
	hk_autofree char *pname = xstrdup(l->rows[at].name);
	unsigned depth = l->rows[at].depth + 1;
	for (size_t i = 0; i < cs.n; i++) {
		struct hk_list_row r = child_row(pname, l->rows[at].init_pid, depth, &cs.c[i]);
		struct hk_idmap host;
		r.idmap_host = host_map_of(&cs.c[i], parent_host, &host);
		size_t pos = at + 1 + added;
		add_row(l, pos, &r);
		added++;
		added += add_children(l, pos, info, &host);
		hk_idmap_free(&host);
	}
	children_free(&cs);
	return added;
}

void hk_list_add_nested(struct hk_list *l)
{
	struct hk_cgroup_info info;
	if (hk_cgroup_detect("", &info, NULL) < 0)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (l->rows[i].depth > 0)
			continue;
		struct hk_idmap host = { 0 };
		if (l->rows[i].cfg)
			hk_idmap_copy(&host, &l->rows[i].cfg->idmap);
		if (!l->rows[i].idmap_host)
			l->rows[i].idmap_host = hk_idmap_format_list(&host);
		i += add_children(l, i, &info, &host);
		hk_idmap_free(&host);
	}
	hk_cgroup_info_free(&info);
}
