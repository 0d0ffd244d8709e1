/* nest.c - the nesting switch, the cgroup handed to an id-mapped container's
 * root, and the checks hako makes when it runs inside a container (see
 * nest.h).  The window is the caller's own user-namespace map, read from
 * /proc/self/{u,g}id_map: its NS side is what a child may map. */
#include "nest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mountinfo.h"
#include "setup-user.h"
#include "userns-exec.h"
#include "util.h"

bool hk_nest_enabled(const struct hk_config *cfg)
{
	if (cfg->apparmor_allow_nesting)
		return true;
	/* LXC's nesting.conf says so through its AppArmor profile's name. */
	return cfg->apparmor_profile && strstr(cfg->apparmor_profile, "nesting");
}

/* The group stays the user's, with write access, so that the monitor
 * and attach (run by that user) can still move processes in. */
static int chown_in_userns(void *arg, struct hk_error **err)
{
	return hk_cgroup_chown(arg, 0, (gid_t)-1, true, err);
}

int hk_cgroup_delegate_to_ct_root(struct hk_cgroup *cg, const struct hk_idmap *map,
				  struct hk_error **err)
{
	unsigned long uid, gid;
	if (!hk_idmap_to_host(map, 'u', 0, &uid) || !hk_idmap_to_host(map, 'g', 0, &gid))
		return hk_error_set(
			err, EINVAL,
			"its cgroup goes to the container's root, but the id map has no uid and "
			"gid 0; add \"lxc.idmap = u 0 START COUNT\" and a g line");
	if (geteuid() == 0)
		return hk_cgroup_chown(cg, (uid_t)uid, (gid_t)gid, false, err);
	/* The files are the caller's: root of a namespace mapping both the
	 * caller and the container's ids may chown them to its uid 0. */
	return hk_userns_run(map, HK_USERNS_MAP_SELF, chown_in_userns, cg, err);
}

static int remove_in_userns(void *arg, struct hk_error **err)
{
	return hk_cgroup_remove(arg, err);
}

int hk_cgroup_remove_as_ct(struct hk_cgroup *cg, const struct hk_config *cfg, struct hk_error **err)
{
	if (!cfg || !cfg->idmap.n || geteuid() == 0 || !hk_cgroup_exists(cg))
		return hk_cgroup_remove(cg, err);
	return hk_userns_run(&cfg->idmap, HK_USERNS_MAP_SELF, remove_in_userns, cg, err);
}

/* "NS PARENT COUNT": three decimal numbers (no sign), a range that fits
 * in 32 bits on both sides, as the kernel writes it. */
static bool parse_map_line(char *line, unsigned long v[3])
{
	size_t n = 0;
	for (char *save, *w = strtok_r(line, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (n == 3 || !hk_parse_ulong(w, &v[n++]))
			return false;
	const unsigned long limit = 4294967295UL; /* uid -1 is never an id */
	return n == 3 && v[2] > 0 && v[0] < limit && v[1] < limit && v[2] <= limit - v[0] &&
	       v[2] <= limit - v[1];
}

void hk_nest_parse_kernel_map(const char *text, char kind, struct hk_idmap *out)
{
	hk_autofree char *copy = xstrdup(text ? text : "");
	for (char *save, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long v[3];
		if (parse_map_line(l, v))
			hk_idmap_add(out, kind, v[0], v[1], v[2]);
	}
}

bool hk_nest_window_parse(const char *uid_map, const char *gid_map, struct hk_idmap *out)
{
	memset(out, 0, sizeof(*out));
	hk_nest_parse_kernel_map(uid_map, 'u', out);
	hk_nest_parse_kernel_map(gid_map, 'g', out);
	bool identity = out->n == 2;
	for (size_t i = 0; identity && i < out->n; i++)
		identity =
			out->r[i].ns == 0 && out->r[i].host == 0 && out->r[i].count == 4294967295UL;
	if (identity || !hk_idmap_has_kind(out, 'u')) {
		hk_idmap_free(out);
		return false;
	}
	return true;
}

bool hk_nest_window(struct hk_idmap *out)
{
	hk_autofree char *u = NULL;
	hk_autofree char *g = NULL;
	if (hk_read_file("/proc/self/uid_map", &u, NULL, NULL) < 0 ||
	    hk_read_file("/proc/self/gid_map", &g, NULL, NULL) < 0) {
		memset(out, 0, sizeof(*out));
		return false;
	}
	return hk_nest_window_parse(u, g, out);
}

/* The window range of kind holding id, or NULL. */
static const struct hk_idmap_range *window_range(const struct hk_idmap *w, char kind,
						 unsigned long id)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->r[i].kind == kind && id >= w->r[i].ns && id - w->r[i].ns < w->r[i].count)
			return &w->r[i];
	return NULL;
}

static bool window_covers(const struct hk_idmap *w, char kind, unsigned long start,
			  unsigned long count)
{
	unsigned long id = start, end = start + count;
	while (id < end) {
		const struct hk_idmap_range *r = window_range(w, kind, id);
		if (!r)
			return false;
		id = r->ns + r->count;
	}
	return true;
}

/* "0-131071 (host 165536-296607)" for the ranges of one kind. */
static char *describe_window(const struct hk_idmap *w, char kind)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < w->n; i++) {
		const struct hk_idmap_range *r = &w->r[i];
		if (r->kind == kind)
			hk_buf_printf(&b, "%s%lu-%lu (outside: %lu-%lu)", b.len ? ", " : "", r->ns,
				      r->ns + r->count - 1, r->host, r->host + r->count - 1);
	}
	return b.len ? hk_buf_steal(&b) : xstrdup("none");
}

int hk_nest_check_child_map(const struct hk_idmap *child, const struct hk_idmap *window,
			    struct hk_error **err)
{
	if (!window || window->n == 0)
		return 0;
	for (size_t i = 0; i < child->n; i++) {
		const struct hk_idmap_range *r = &child->r[i];
		if (window_covers(window, r->kind, r->host, r->count))
			continue;
		hk_autofree char *line = hk_idmap_format_range(r);
		hk_autofree char *have = describe_window(window, r->kind);
		const char *what = r->kind == 'u' ? "uids" : "gids";
		return hk_error_set(
			err, ERANGE,
			"lxc.idmap \"%s\" uses %s %lu-%lu, but this container maps only %s %s: "
			"on the host, give the parent container a map that holds its children "
			"too (one level of nesting: lxc.idmap = %c 0 START 131072, with 131072 "
			"sub-ids in /etc/sub%cid), or pick a range inside it here",
			line, what, r->host, r->host + r->count - 1, what, have, r->kind, r->kind);
	}
	return 0;
}

int hk_nest_subid_slot(const struct hk_idmap *window, char kind, const char *subid_text,
		       unsigned long want, unsigned long *start, unsigned long *count,
		       struct hk_error **err)
{
	/* Ids below 65536 are the container's own users. */
	unsigned long s = hk_setup_user_next_free_from(subid_text, 65536);
	const struct hk_idmap_range *r = window_range(window, kind, s);
	unsigned long room = r ? r->ns + r->count - s : 0;
	if (room < 65536) {
		hk_autofree char *have = describe_window(window, kind);
		return hk_error_set(
			err, ERANGE,
			"no room for 65536 sub-%cids from %lu: this container maps only %s; "
			"on the host, give it 65536 more ids per level of nesting (lxc.idmap = "
			"%c 0 START 131072 for one level, with those sub-ids in /etc/sub%cid)",
			kind, s, have, kind, kind);
	}
	*start = s;
	*count = room < want ? room : want;
	return 0;
}

/* Every v1 hierarchy with a controller (or name=systemd) and the v2 one,
 * as hako uses them, must be writable by root inside. */
static int check_cgroups_writable(const struct hk_cgroup_info *info, struct hk_error **err)
{
	for (size_t i = 0; i < info->n; i++) {
		const struct hk_cgroup_hier *h = &info->h[i];
		if (h->version == 1 && !h->controllers.n &&
		    !(h->name && strcmp(h->name, "systemd") == 0))
			continue;
		if (h->version == 2 && info->layout != HK_CGROUP_V2)
			continue; /* a hybrid's v2 tree has no controllers: optional */
		hk_autofree char *dir = hk_cgroup_path(info, h->mountpoint);
		hk_autofree char *procs = xasprintf("%s/cgroup.procs", dir);
		if (access(dir, W_OK) == 0 && access(procs, W_OK) == 0)
			continue;
		hk_autofree char *label = hk_cgroup_hier_label(h);
		return hk_error_set(
			err, EACCES,
			"cgroup \"%s\" (%s) is not writable inside this container, so hako cannot "
			"make a child's cgroup here: the parent container was started without "
			"nesting; on the host add \"lxc.include = %s/nesting.conf\" to the "
			"parent's "
			"config and restart it",
			dir, label, HK_NEST_PROFILE_DIR);
	}
	return 0;
}

static int check_controllers(const struct hk_config *cfg, const struct hk_cgroup_info *info,
			     struct hk_error **err)
{
	for (size_t i = 0; i < cfg->cgroup_v1.n; i++) {
		const char *key = cfg->cgroup_v1.v[i].key;
		hk_autofree char *controller = xstrndup(key, strcspn(key, "."));
		if (hk_cgroup_v1_for(info, controller))
			continue;
		return hk_error_set(
			err, ENOENT,
			"lxc.cgroup.%s: the \"%s\" controller is not mounted in this container; "
			"the parent needs its cgroups mounted (lxc.mount.auto = cgroup:rw, in the "
			"nesting profile) and the host the controller, or drop the line",
			key, controller);
	}
	return 0;
}

/* A child may mount proc and sysfs from a user namespace other than the
 * host's only when a mount of each is fully visible here (no mounts over
 * parts of it): the nesting profile's dev/.lxc/proc and dev/.lxc/sys. */
static bool uncovered_mount(const struct hk_mountinfo *mi, const char *fstype)
{
	for (size_t i = 0; i < mi->n; i++) {
		/* A whole one: binds of parts (proc:mixed's /proc/sys) do not count. */
		if (strcmp(mi->e[i].fstype, fstype) != 0 || strcmp(mi->e[i].root, "/") != 0)
			continue;
		bool covered = false;
		for (size_t j = 0; j < mi->n && !covered; j++)
			covered = mi->e[j].parent == mi->e[i].id;
		if (!covered)
			return true;
	}
	return false;
}

static int check_visible_fs(struct hk_error **err)
{
	struct hk_mountinfo mi;
	if (hk_mountinfo_load("/proc/self/mountinfo", &mi, NULL) < 0)
		return 0; /* the mount itself will say */
	const char *missing = !uncovered_mount(&mi, "proc")    ? "proc"
			      : !uncovered_mount(&mi, "sysfs") ? "sysfs"
							       : NULL;
	hk_mountinfo_free(&mi);
	if (!missing)
		return 0;
	return hk_error_set(
		err, EPERM,
		"this container has no uncovered %s mount, so a child container cannot "
		"mount one: the parent container was started without "
		"nesting; on the host add \"lxc.include = %s/nesting.conf\" to the parent's "
		"config (it mounts proc at /dev/.lxc/proc and sysfs at /dev/.lxc/sys) and "
		"restart it",
		missing, HK_NEST_PROFILE_DIR);
}

int hk_nest_preflight(const struct hk_config *cfg, bool root, struct hk_error **err)
{
	/* First what only the nesting profile gives: every container in a
	 * user namespace owns its cgroup, but a child of any kind mounts its
	 * proc and sysfs from this user namespace too. */
	if (check_visible_fs(err) < 0)
		return -1;
	struct hk_cgroup_info info;
	if (hk_cgroup_detect("", &info, err) < 0)
		return hk_error_prefix(err, "inside a container (the parent needs lxc.mount.auto = "
					    "cgroup:rw, in the nesting profile)");
	int rc = root ? check_cgroups_writable(&info, err) : 0;
	if (rc == 0)
		rc = check_controllers(cfg, &info, err);
	hk_cgroup_info_free(&info);
	return rc;
}
