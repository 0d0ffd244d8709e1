/* cgroup-detect.c - which cgroup layout a host has, where each hierarchy
 * is mounted, which controllers it carries, where the caller sits in it
 * and whether that place is delegated to the caller.
 *
 * Data model: struct hk_cgroup_info holds one struct hk_cgroup_hier per
 * distinct hierarchy (mounts of the same hierarchy share a device number;
 * the one under /sys/fs/cgroup wins).  A hierarchy is matched to its
 * /proc/self/cgroup line by id 0 (v2) or by its set of controllers and
 * name (v1).  Everything is read below a root prefix so that tests can
 * point it at a fixture tree.
 */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mountinfo.h"

/* ---- /proc/PID/cgroup ---------------------------------------------------- */

static void proc_entry_free(struct hk_proc_cgroup_entry *e)
{
	free(e->controllers);
	free(e->path);
}

void hk_proc_cgroup_free(struct hk_proc_cgroup *pc)
{
	for (size_t i = 0; i < pc->n; i++)
		proc_entry_free(&pc->e[i]);
	free(pc->e);
	pc->e = NULL;
	pc->n = 0;
}

static bool has_control_bytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/* Splits "ID:CONTROLLERS:PATH" (PATH may hold ':'); the complaint or NULL. */
static const char *parse_proc_line(const char *line, size_t len, struct hk_proc_cgroup_entry *e)
{
	const char *c1 = memchr(line, ':', len);
	const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
	if (!c2)
		return "not ID:CONTROLLERS:PATH";
	if (has_control_bytes(line, len))
		return "a control byte";
	hk_autofree char *id = xstrndup(line, (size_t)(c1 - line));
	unsigned long v;
	if (!hk_parse_ulong(id, &v) || v > 0xffffffffUL)
		return "a hierarchy id that is not a number";
	size_t clen = (size_t)(c2 - c1 - 1);
	if ((v == 0) != (clen == 0))
		return "controllers on hierarchy 0, or none on a v1 hierarchy";
	if (c2 + 1 >= line + len || c2[1] != '/')
		return "a path that does not start with '/'";
	e->id = (unsigned)v;
	e->controllers = xstrndup(c1 + 1, clen);
	e->path = xstrndup(c2 + 1, len - (size_t)(c2 + 1 - line));
	return NULL;
}

int hk_cgroup_parse_proc(const char *text, struct hk_proc_cgroup *out, struct hk_error **err)
{
	struct hk_proc_cgroup pc = { 0 };
	size_t cap = 0, lineno = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		if (pc.n == cap) {
			cap = cap ? cap * 2 : 16;
			pc.e = xrealloc(pc.e, cap * sizeof(*pc.e));
		}
		memset(&pc.e[pc.n], 0, sizeof(pc.e[pc.n]));
		const char *why = parse_proc_line(p, len, &pc.e[pc.n]);
		if (why) {
			hk_proc_cgroup_free(&pc);
			return hk_error_set(err, EINVAL, "cgroup membership line %zu: %s", lineno,
					    why);
		}
		pc.n++;
		p = nl ? nl + 1 : p + len;
	}
	*out = pc;
	return 0;
}

/* ---- hierarchies ------------------------------------------------------ */

static const char *const layout_names[] = {
	[HK_CGROUP_V1] = "legacy",
	[HK_CGROUP_HYBRID] = "hybrid",
	[HK_CGROUP_V2] = "unified",
};

const char *hk_cgroup_layout_name(enum hk_cgroup_layout layout)
{
	if ((size_t)layout >= HK_ARRAY_SIZE(layout_names))
		return "unknown";
	return layout_names[layout];
}

/* Super options of a v1 mount that are not controllers. */
static const char *const v1_non_controllers[] = {
	"rw",  "ro",	       "xattr",	 "noprefix", "clone_children", "cpuset_v2_mode", "none",
	"all", "favordynmods", "nosuid", "nodev",    "noexec",	       "relatime",
};

static bool is_v1_option(const char *word)
{
	if (strchr(word, '='))
		return true;
	for (size_t i = 0; i < HK_ARRAY_SIZE(v1_non_controllers); i++)
		if (strcmp(word, v1_non_controllers[i]) == 0)
			return true;
	return false;
}

/* Fills controllers and name from "rw,cpu,cpuacct" or "rw,xattr,name=systemd". */
static void v1_controllers(const char *super, struct hk_cgroup_hier *h)
{
	hk_autofree char *copy = xstrdup(super);
	char *save = NULL;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (hk_str_has_prefix(w, "name=") && w[5] && !h->name)
			h->name = xstrdup(w + 5);
		else if (!is_v1_option(w) && !hk_strv_contains(&h->controllers, w))
			hk_strv_push(&h->controllers, w);
	}
}

char *hk_cgroup_path(const struct hk_cgroup_info *info, const char *path)
{
	return xasprintf("%s%s", info->root, path);
}

/* cgroup.controllers of the hierarchy's root: what v2 carries. */
static void v2_controllers(const char *root, struct hk_cgroup_hier *h)
{
	hk_autofree char *path = xasprintf("%s%s/cgroup.controllers", root, h->mountpoint);
	hk_autofree char *text = NULL;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_read_file_at(AT_FDCWD, path, &text, NULL, 1 << 16, &err) < 0) {
		hk_log(HK_LOG_DEBUG, "cgroup2 at \"%s\": cannot read cgroup.controllers",
		       h->mountpoint);
		return;
	}
	char *save = NULL;
	for (char *w = strtok_r(text, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		hk_strv_push(&h->controllers, w);
}

static void hier_free(struct hk_cgroup_hier *h)
{
	free(h->mountpoint);
	free(h->mount_root);
	free(h->name);
	hk_strv_clear(&h->controllers);
	free(h->cgroup);
	free(h->dir);
}

void hk_cgroup_info_free(struct hk_cgroup_info *info)
{
	for (size_t i = 0; i < info->n; i++)
		hier_free(&info->h[i]);
	free(info->h);
	free(info->root);
	memset(info, 0, sizeof(*info));
}

/* A cgroup mount; the caller keeps one per device number. */
struct cg_mount {
	const struct hk_mountinfo_entry *m;
	int version;
};

static bool prefer_mount(const struct hk_mountinfo_entry *a, const struct hk_mountinfo_entry *b)
{
	return hk_str_has_prefix(a->mountpoint, "/sys/fs/cgroup") &&
	       !hk_str_has_prefix(b->mountpoint, "/sys/fs/cgroup");
}

/* Distinct cgroup hierarchies among the mounts, v2 first. */
static size_t collect_mounts(const struct hk_mountinfo *mi, struct cg_mount *out)
{
	size_t n = 0;
	for (int version = 2; version >= 1; version--) {
		const char *fstype = version == 2 ? "cgroup2" : "cgroup";
		for (size_t i = 0; i < mi->n; i++) {
			const struct hk_mountinfo_entry *m = &mi->e[i];
			if (strcmp(m->fstype, fstype) != 0)
				continue;
			size_t j = 0;
			while (j < n &&
			       (out[j].m->major != m->major || out[j].m->minor != m->minor))
				j++;
			if (j == n)
				out[n++] = (struct cg_mount){ m, version };
			else if (prefer_mount(m, out[j].m))
				out[j].m = m;
		}
	}
	return n;
}

/* Whether a v1 /proc/self/cgroup controller list names this hierarchy. */
static bool v1_matches(const struct hk_cgroup_hier *h, const char *list)
{
	hk_autofree char *copy = xstrdup(list);
	char *save = NULL;
	size_t seen = 0;
	bool named = false;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (hk_str_has_prefix(w, "name=")) {
			if (!h->name || strcmp(w + 5, h->name) != 0)
				return false;
			named = true;
		} else if (!hk_strv_contains(&h->controllers, w)) {
			return false;
		} else {
			seen++;
		}
	}
	return seen == h->controllers.n && named == (h->name != NULL);
}

static const struct hk_proc_cgroup_entry *find_membership(const struct hk_proc_cgroup *pc,
							  const struct hk_cgroup_hier *h)
{
	for (size_t i = 0; i < pc->n; i++) {
		const struct hk_proc_cgroup_entry *e = &pc->e[i];
		if (h->version == 2 ? e->id == 0 : (e->id != 0 && v1_matches(h, e->controllers)))
			return e;
	}
	return NULL;
}

/* The directory of cgroup `cg` seen through a mount of `mount_root` at
 * `mountpoint`; NULL when that cgroup lies outside what the mount shows. */
static char *cgroup_dir(const char *mountpoint, const char *mount_root, const char *cg)
{
	const char *rel = cg;
	if (strcmp(mount_root, "/") != 0) {
		size_t rl = strlen(mount_root);
		if (strncmp(cg, mount_root, rl) != 0 || (cg[rl] != '/' && cg[rl] != '\0'))
			return NULL;
		rel = cg + rl;
	}
	if (strstr(rel, "/..") || strstr(rel, "//"))
		return NULL;
	if (!*rel || strcmp(rel, "/") == 0)
		return xstrdup(mountpoint);
	return xasprintf("%s%s", mountpoint, rel);
}

static void fill_hier(const char *root, const struct cg_mount *cm, const struct hk_proc_cgroup *pc,
		      struct hk_cgroup_hier *h)
{
	h->version = cm->version;
	h->mountpoint = xstrdup(cm->m->mountpoint);
	h->mount_root = xstrdup(cm->m->root);
	if (cm->version == 1)
		v1_controllers(cm->m->super_options, h);
	else
		v2_controllers(root, h);
	const struct hk_proc_cgroup_entry *e = find_membership(pc, h);
	if (!e)
		return;
	h->cgroup = xstrdup(e->path);
	h->dir = cgroup_dir(h->mountpoint, h->mount_root, e->path);
}

static enum hk_cgroup_layout decide_layout(const struct hk_cgroup_info *info)
{
	bool v2 = false, v1 = false;
	for (size_t i = 0; i < info->n; i++) {
		if (info->h[i].version == 2)
			v2 = true;
		else if (info->h[i].controllers.n > 0)
			v1 = true;
	}
	if (v2 && v1)
		return HK_CGROUP_HYBRID;
	return v2 ? HK_CGROUP_V2 : HK_CGROUP_V1;
}

static int load_inputs(const char *root, struct hk_mountinfo *mi, struct hk_proc_cgroup *pc,
		       struct hk_error **err)
{
	hk_autofree char *mpath = xasprintf("%s/proc/self/mountinfo", root);
	hk_autofree char *cpath = xasprintf("%s/proc/self/cgroup", root);
	hk_autofree char *text = NULL;
	if (hk_mountinfo_load(mpath, mi, err) < 0)
		return -1;
	if (hk_read_file(cpath, &text, NULL, err) < 0 || hk_cgroup_parse_proc(text, pc, err) < 0) {
		hk_mountinfo_free(mi);
		return hk_error_prefix(err, "\"%s\"", cpath);
	}
	return 0;
}

int hk_cgroup_detect(const char *root, struct hk_cgroup_info *out, struct hk_error **err)
{
	struct hk_cgroup_info info = { 0 };
	info.root = xstrdup(root && strcmp(root, "/") != 0 ? root : "");
	struct hk_mountinfo mi = { 0 };
	struct hk_proc_cgroup pc = { 0 };
	if (load_inputs(info.root, &mi, &pc, err) < 0) {
		free(info.root);
		return hk_error_prefix(err, "detect cgroup layout");
	}
	struct cg_mount *cms = xcalloc(mi.n + 1, sizeof(*cms));
	size_t n = collect_mounts(&mi, cms);
	info.h = xcalloc(n + 1, sizeof(*info.h));
	for (size_t i = 0; i < n; i++)
		fill_hier(info.root, &cms[i], &pc, &info.h[i]);
	info.n = n;
	free(cms);
	hk_mountinfo_free(&mi);
	hk_proc_cgroup_free(&pc);
	if (n == 0) {
		hk_cgroup_info_free(&info);
		return hk_error_set(
			err, ENOENT,
			"no cgroup filesystem is mounted (no cgroup or cgroup2 "
			"in mountinfo); mount one: mount -t cgroup2 none /sys/fs/cgroup");
	}
	info.layout = decide_layout(&info);
	*out = info;
	return 0;
}

const struct hk_cgroup_hier *hk_cgroup_unified(const struct hk_cgroup_info *info)
{
	for (size_t i = 0; i < info->n; i++)
		if (info->h[i].version == 2)
			return &info->h[i];
	return NULL;
}

const struct hk_cgroup_hier *hk_cgroup_v1_for(const struct hk_cgroup_info *info,
					      const char *controller)
{
	bool named = hk_str_has_prefix(controller, "name=");
	for (size_t i = 0; i < info->n; i++) {
		const struct hk_cgroup_hier *h = &info->h[i];
		if (h->version != 1)
			continue;
		if (named ? (h->name && strcmp(h->name, controller + 5) == 0)
			  : hk_strv_contains(&h->controllers, controller))
			return h;
	}
	return NULL;
}

char *hk_cgroup_hier_label(const struct hk_cgroup_hier *h)
{
	if (h->version == 2)
		return xstrdup("cgroup2");
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < h->controllers.n; i++)
		hk_buf_printf(&b, "%s%s", i ? "," : "", h->controllers.v[i]);
	if (h->name)
		hk_buf_printf(&b, "%sname=%s", b.len ? "," : "", h->name);
	return b.len ? hk_buf_steal(&b) : xstrdup("(none)");
}

/* ---- delegation ------------------------------------------------------- */

bool hk_cgroup_stat_writable(const struct stat *st, uid_t uid, gid_t gid)
{
	if (uid == 0)
		return true;
	bool dir = S_ISDIR(st->st_mode);
	mode_t w, x;
	if (st->st_uid == uid) {
		w = S_IWUSR;
		x = S_IXUSR;
	} else if (st->st_gid == gid) {
		w = S_IWGRP;
		x = S_IXGRP;
	} else {
		w = S_IWOTH;
		x = S_IXOTH;
	}
	return (st->st_mode & w) && (!dir || (st->st_mode & x));
}

/* Why ROOT+dir cannot serve as uid's cgroup, or NULL when it can. */
static char *dir_problem(const char *root, const char *dir, int version, uid_t uid, gid_t gid)
{
	static const char *const files[] = { "", "/cgroup.procs", "/cgroup.subtree_control" };
	size_t nfiles = version == 2 ? 3 : 2;
	for (size_t i = 0; i < nfiles; i++) {
		hk_autofree char *path = xasprintf("%s%s%s", root, dir, files[i]);
		struct stat st;
		if (stat(path, &st) < 0)
			return xasprintf("\"%s%s\" is missing", dir, files[i]);
		if (!hk_cgroup_stat_writable(&st, uid, gid))
			return xasprintf(
				"\"%s%s\" (owner uid %u, gid %u, mode %04o) is not writable "
				"for uid %u",
				dir, files[i], (unsigned)st.st_uid, (unsigned)st.st_gid,
				(unsigned)(st.st_mode & 07777), (unsigned)uid);
	}
	return NULL;
}

/* Walks from the current cgroup up to the mount point. */
static void check_hier(const struct hk_cgroup_info *info, const struct hk_cgroup_hier *h, uid_t uid,
		       gid_t gid, struct hk_cgroup_access *a)
{
	a->hier = h;
	/* what hako uses: on v2 the unified tree; otherwise the v1 controllers
	 * and systemd's named hierarchy (a hybrid's unified one carries none) */
	if (h->version == 2)
		a->required = info->layout == HK_CGROUP_V2;
	else
		a->required =
			info->layout != HK_CGROUP_V2 &&
			(h->controllers.n > 0 || (h->name && strcmp(h->name, "systemd") == 0));
	if (!h->dir) {
		a->missing =
			xasprintf("the caller's cgroup in the %s hierarchy at \"%s\" is unknown "
				  "or outside the mount",
				  h->version == 2 ? "cgroup2" : "v1", h->mountpoint);
		return;
	}
	a->dir = xstrdup(h->dir);
	char *first = NULL;
	hk_autofree char *d = xstrdup(h->dir);
	for (;;) {
		char *why = dir_problem(info->root, d, h->version, uid, gid);
		if (!why) {
			free(a->dir);
			a->dir = hk_steal_ptr(&d);
			a->writable = true;
			free(first);
			return;
		}
		if (!first)
			first = why;
		else
			free(why);
		char *slash = strrchr(d, '/');
		if (strlen(d) <= strlen(h->mountpoint) || !slash || slash == d)
			break;
		*slash = '\0';
	}
	/* v1: the cgroup `hako setup-user` made for this uid.  (v2 cannot use
	 * it: moving a process there needs write access to the common
	 * ancestor, which only systemd's own delegation gives a user.) */
	if (h->version == 1) {
		hk_autofree char *mine =
			xasprintf("%s/%s/%u", h->mountpoint, HK_CGROUP_USERS_DIR, (unsigned)uid);
		hk_autofree char *why = dir_problem(info->root, mine, 1, uid, gid);
		if (!why) {
			free(a->dir);
			a->dir = hk_steal_ptr(&mine);
			a->writable = true;
			free(first);
			return;
		}
	}
	a->missing = first;
}

void hk_cgroup_check_delegation(const struct hk_cgroup_info *info, uid_t uid, gid_t gid,
				struct hk_cgroup_delegation *out)
{
	struct hk_cgroup_delegation d = { .a = xcalloc(info->n + 1, sizeof(*d.a)), .ok = true };
	for (size_t i = 0; i < info->n; i++) {
		check_hier(info, &info->h[i], uid, gid, &d.a[i]);
		if (d.a[i].required && !d.a[i].writable)
			d.ok = false;
	}
	d.n = info->n;
	*out = d;
}

void hk_cgroup_delegation_free(struct hk_cgroup_delegation *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->a[i].dir);
		free(d->a[i].missing);
	}
	free(d->a);
	d->a = NULL;
	d->n = 0;
}
