/* screen-details.c - the details of one container, in tabs: Info,
 * Cgroups (the live tree of its cgroup directories in each hierarchy,
 * with memory, CPU and pids per node), ID maps (each range as a bar over
 * the host ids in use, checked against the user's sub-ids; for nested
 * containers the chain host <- parent <- child), Config (the
 * files as written, includes too) and Console log (the monitor's ring
 * buffer).  Everything a container controls is sanitised before it is
 * shown.  The open tab is rebuilt on every refresh. */
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app-internal.h"
#include "config.h"
#include "console.h"
#include "container.h"
#include "idmap.h"
#include "net.h"
#include "sanitize.h"
#include "state.h"

#define TREE_MAX_DEPTH 12
#define TREE_MAX_NODES 2000

/* Adds "LABEL: value" to the text view, the value sanitised. */
static void info_line(struct hk_app *app, const char *label, const char *value, int role)
{
	hk_autofree char *safe = hk_sanitize_line(value ? value : "-");
	hk_autofree char *line = xasprintf("  %-16s %s", label, safe);
	hkw_textview_add(app->text, role, line);
}

static char *join(const struct hk_strv *sv)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < sv->n; i++)
		hk_buf_printf(&b, "%s%s", i ? ", " : "", sv->v[i]);
	return b.len ? hk_buf_steal(&b) : xstrdup("-");
}

static char *uptime(long long started)
{
	if (started <= 0)
		return xstrdup("-");
	long long s = (long long)time(NULL) - started;
	if (s < 0)
		s = 0;
	return xasprintf("%lldd %02lld:%02lld:%02lld", s / 86400, s / 3600 % 24, s / 60 % 60,
			 s % 60);
}

/* The host end of a veth: lxc.net.N.veth.pair, else the name start gave
 * it (from init's pid), when that interface is there. */
static char *host_veth(const struct hk_net_spec *n, pid_t init_pid)
{
	if (!n->type || strcmp(n->type, "veth") != 0)
		return xstrdup("-");
	if (n->veth_pair && *n->veth_pair)
		return xstrdup(n->veth_pair);
	char name[HK_IFNAME_SIZE];
	if (init_pid <= 0)
		return xstrdup("-");
	hk_net_host_name(init_pid, n->index, name);
	return if_nametoindex(name) ? xstrdup(name) : xstrdup("-");
}

/* "lxc, monitor pid 123: LXC's tools act on it" for a container another
 * program runs; "hako" for this hako's; "-" when it does not run. */
static char *runner_text(const struct hk_list_row *r)
{
	if (r->runner != HK_RUNNER_LXC && r->runner != HK_RUNNER_OTHER)
		return xstrdup(hk_runner_kind_name(r->runner));
	hk_autofree char *mon =
		r->runner_pid > 0 ? xasprintf(", monitor pid %d", (int)r->runner_pid) : xstrdup("");
	return xasprintf("%s%s: only stop works here, %s", hk_runner_kind_name(r->runner), mon,
			 r->runner == HK_RUNNER_LXC ? "use lxc-attach, lxc-console ... for the rest"
						    : "use the program that runs it for the rest");
}

/* A nested container: what the host can see of it (nest-list.c). */
static void fill_info_nested(struct hk_app *app, const struct hk_list_row *r)
{
	hk_autofree char *pid = r->init_pid > 0 ? xasprintf("%d (host)", (int)r->init_pid) : NULL;
	hk_autofree char *v4 = join(&r->ipv4), *v6 = join(&r->ipv6);
	hk_autofree char *parent = xstrndup(r->name, (size_t)(strrchr(r->name, '/') - r->name));
	info_line(app, "Name", r->name, HKW_HEADER);
	info_line(app, "Nested in", parent, HKW_NORMAL);
	info_line(app, "State", hk_state_name(r->state), HKW_NORMAL);
	info_line(app, "Init PID", pid, HKW_NORMAL);
	info_line(app, "IPv4", v4, HKW_NORMAL);
	info_line(app, "IPv6", v6, HKW_NORMAL);
	info_line(app, "Id map (host)", r->idmap_host, HKW_NORMAL);
	info_line(app, "Cgroup", r->cgroup_host, HKW_NORMAL);
}

static void fill_info(struct hk_app *app, const struct hk_list_row *r)
{
	if (r->depth) {
		fill_info_nested(app, r);
		return;
	}
	struct hk_state_file sf;
	enum hk_state state = hk_state_effective(app->st, r->name, &sf);
	if (r->runner == HK_RUNNER_LXC || r->runner == HK_RUNNER_OTHER) {
		state = r->state; /* another program runs it: as the list found it */
		sf.init_pid = r->init_pid;
		sf.started = 0;
	}
	hk_autofree char *pid = sf.init_pid > 0 ? xasprintf("%d", (int)sf.init_pid) : NULL;
	hk_autofree char *runner = runner_text(r);
	hk_autofree char *up = hk_state_is_active(state) ? uptime(sf.started) : xstrdup("-");
	hk_autofree char *v4 = join(&r->ipv4), *v6 = join(&r->ipv6);
	hk_autofree char *cfgpath = hk_store_config_path(app->st, r->name);
	info_line(app, "Name", r->name, HKW_HEADER);
	info_line(app, "State", hk_state_name(state), HKW_NORMAL);
	info_line(app, "Init PID", pid, HKW_NORMAL);
	info_line(app, "Runner", runner, HKW_NORMAL);
	info_line(app, "Uptime", up, HKW_NORMAL);
	info_line(app, "IPv4", v4, HKW_NORMAL);
	info_line(app, "IPv6", v6, HKW_NORMAL);
	info_line(app, "Unprivileged", r->unprivileged ? "yes" : "no", HKW_NORMAL);
	info_line(app, "Autostart", r->autostart ? "yes" : "no", HKW_NORMAL);
	info_line(app, "Backend", r->backend, HKW_NORMAL);
	info_line(app, "Rootfs", r->rootfs, HKW_NORMAL);
	info_line(app, "Config", cfgpath, HKW_NORMAL);
	if (r->config_error)
		info_line(app, "Config error", r->config_error, HKW_ERROR);
	const struct hk_config *cfg = r->cfg;
	if (!cfg)
		return;
	info_line(app, "Hostname", cfg->uts_name, HKW_NORMAL);
	info_line(app, "Init", cfg->init_cmd, HKW_NORMAL);
	for (size_t i = 0; i < cfg->n_nets; i++) {
		const struct hk_net_spec *n = &cfg->nets[i];
		hk_autofree char *label = xasprintf("Net %u", n->index);
		hk_autofree char *host = host_veth(n, hk_state_is_active(state) ? sf.init_pid : 0);
		hk_autofree char *v =
			xasprintf("%s link=%s host veth=%s name=%s", n->type ? n->type : "-",
				  n->link ? n->link : "-", host, n->name ? n->name : "-");
		info_line(app, label, v, HKW_NORMAL);
	}
	for (size_t i = 0; i < cfg->idmap.n; i++) {
		hk_autofree char *m = hk_idmap_format_range(&cfg->idmap.r[i]);
		info_line(app, i ? "" : "ID map", m, HKW_NORMAL);
	}
}

static long long read_num(int dfd, const char *file, const char *key)
{
	char *text = NULL;
	size_t len = 0;
	if (hk_read_file_at(dfd, file, &text, &len, 1 << 16, NULL) < 0)
		return -1;
	long long v = -1;
	const char *p = key ? strstr(text, key) : text;
	if (p)
		v = strtoll(p + (key ? strlen(key) : 0), NULL, 10);
	free(text);
	return v;
}

/* "mem 12.3M  cpu 1.23s  pids 4" of one cgroup directory. */
static char *node_stats(int dfd, int version)
{
	long long mem =
		read_num(dfd, version == 2 ? "memory.current" : "memory.usage_in_bytes", NULL);
	long long pids = read_num(dfd, "pids.current", NULL);
	long long cpu_us = version == 2 ? read_num(dfd, "cpu.stat", "usage_usec ")
					: read_num(dfd, "cpuacct.usage", NULL);
	if (version == 1 && cpu_us >= 0)
		cpu_us /= 1000; /* ns */
	struct hk_buf b = { 0 };
	if (mem >= 0)
		hk_buf_printf(&b, "  mem %.1fM", (double)mem / (1024.0 * 1024.0));
	if (cpu_us >= 0)
		hk_buf_printf(&b, "  cpu %.2fs", (double)cpu_us / 1e6);
	if (pids >= 0)
		hk_buf_printf(&b, "  pids %lld", pids);
	return b.len ? hk_buf_steal(&b) : xstrdup("");
}

/* "PID  COMMAND LINE" of one process, sanitised (the container writes
 * its processes' command lines); the name in brackets when it has none. */
static char *proc_line(pid_t pid)
{
	char path[64], *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (hk_read_file_at(AT_FDCWD, path, &text, &len, 512, NULL) < 0 || len == 0) {
		free(text);
		text = NULL;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		if (hk_read_file_at(AT_FDCWD, path, &text, &len, 64, NULL) < 0)
			return xasprintf("%d  (gone)", (int)pid);
		text[strcspn(text, "\n")] = 0;
		hk_autofree char *safe = hk_sanitize_line(text);
		free(text);
		return xasprintf("%d  [%s]", (int)pid, safe);
	}
	for (size_t i = 0; i + 1 < len; i++)
		if (text[i] == 0)
			text[i] = ' ';
	hk_autofree char *safe = hk_sanitize_line(text);
	free(text);
	return xasprintf("%d  %s", (int)pid, safe);
}

/* The processes of one cgroup directory as leaves under parent, at most
 * PROCS_MAX of them and a line saying how many more. */
#define PROCS_MAX 32
static void add_procs(struct hk_app *app, int dfd, ssize_t parent, const char *key)
{
	char *text = NULL;
	size_t len = 0;
	if (hk_read_file_at(dfd, "cgroup.procs", &text, &len, 1 << 16, NULL) < 0)
		return;
	unsigned n = 0, more = 0;
	for (char *save = NULL, *tok = strtok_r(text, "\n", &save); tok;
	     tok = strtok_r(NULL, "\n", &save)) {
		long pid = strtol(tok, NULL, 10);
		if (pid <= 0)
			continue;
		if (n++ >= PROCS_MAX || hkw_tree_count(app->tree) >= TREE_MAX_NODES) {
			more++;
			continue;
		}
		hk_autofree char *line = proc_line((pid_t)pid);
		hk_autofree char *k = xasprintf("%s/#%ld", key, pid);
		hkw_tree_add(app->tree, parent, k, line, HKW_DIM);
	}
	if (more) {
		hk_autofree char *line = xasprintf("... and %u more processes", more);
		hk_autofree char *k = xasprintf("%s/#more", key);
		hkw_tree_add(app->tree, parent, k, line, HKW_DIM);
	}
	free(text);
}

static void walk(struct hk_app *app, int dfd, ssize_t parent, const char *key, int depth,
		 int version)
{
	add_procs(app, dfd, parent, key);
	hk_autoclose int dup_fd = dup(dfd);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d)
		return;
	dup_fd = -1; /* owned by d */
	struct dirent *de;
	while ((de = readdir(d)) && hkw_tree_count(app->tree) < TREE_MAX_NODES) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR)
			continue;
		int sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		hk_autofree char *name = hk_sanitize_line(de->d_name);
		hk_autofree char *stats = node_stats(sub, version);
		/* hako inside puts a child container at .../hako/NAME */
		const char *last = strrchr(key, '/');
		bool nested = depth > 1 && strcmp(last ? last + 1 : key, "hako") == 0;
		hk_autofree char *text =
			xasprintf("%s%s%s", name, stats, nested ? "  [nested container]" : "");
		hk_autofree char *k = xasprintf("%s/%s", key, de->d_name);
		size_t idx =
			hkw_tree_add(app->tree, parent, k, text, nested ? HKW_RUNNING : HKW_NORMAL);
		if (depth < TREE_MAX_DEPTH)
			walk(app, sub, (ssize_t)idx, k, depth + 1, version);
		close(sub);
	}
	closedir(d);
}

/* A container this hako runs: its cgroup where its other commands find it. */
static struct hk_cgroup *open_own(struct hk_app *app, const char *name)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(app->st, name, HK_CT_MAY_BE_MISSING, &ct, NULL) < 0)
		return NULL;
	return hk_cgroup_open_container(&app->cg, hk_store_is_root(app->st) ? NULL : &app->deleg,
					ct->cgroup_name, ct->run_dir);
}

static void fill_cgroups(struct hk_app *app, const struct hk_list_row *r)
{
	bool foreign = r->runner == HK_RUNNER_LXC || r->runner == HK_RUNNER_OTHER;
	hkw_tree_clear(app->tree);
	if (r->depth && r->cgroup_host) { /* a nested one: its tree in one hierarchy */
		int dfd = open(r->cgroup_host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			hk_autofree char *dir = hk_sanitize_line(r->cgroup_host);
			size_t root = hkw_tree_add(app->tree, -1, "nested", dir, HKW_HEADER);
			walk(app, dfd, (ssize_t)root, "nested", 1,
			     strstr(r->cgroup_host, "/unified") ? 2 : 1);
			close(dfd);
		}
	}
	/* Where its other commands find it: below the systemd scope its
	 * monitor recorded (root's too, on a systemd host), the user's
	 * delegated cgroup, or the hierarchy's top; another program's
	 * container, where its init is. */
	hk_autocgroup struct hk_cgroup *cg = NULL;
	if (!r->depth && app->cg_ok && foreign)
		cg = r->init_pid > 0 ? hk_cgroup_open_proc(&app->cg, r->init_pid) : NULL;
	else if (!r->depth && app->cg_ok)
		cg = open_own(app, r->name);
	for (size_t i = 0; i < hk_cgroup_count(cg); i++) {
		const struct hk_cgroup_hier *h;
		const char *dir = hk_cgroup_dir_at(cg, i, &h);
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			continue;
		hk_autofree char *label = hk_cgroup_hier_label(h);
		hk_autofree char *stats = node_stats(dfd, h->version);
		hk_autofree char *text = xasprintf("%s: %s%s", label, dir, stats);
		size_t root = hkw_tree_add(app->tree, -1, label, text, HKW_HEADER);
		walk(app, dfd, (ssize_t)root, label, 1, h->version);
		close(dfd);
	}
	if (hkw_tree_count(app->tree) == 0)
		hkw_tree_add(app->tree, -1, "-", "No cgroup: the container is not running.",
			     HKW_DIM);
}

/* One range as a bar over [0, span). */
static void idmap_bar(struct hk_app *app, const struct hk_idmap_range *r, unsigned long span,
		      bool allowed)
{
	int w = app->canvas.base.w - 44;
	w = w < 10 ? 10 : w > 60 ? 60 : w;
	char bar[64 * 4];
	size_t off = 0;
	const char *full = hkw_glyph_str(&app->canvas.base, HKW_G_BLOCK);
	const char *empty = hkw_glyph_str(&app->canvas.base, HKW_G_SHADE);
	long a = (long)((double)r->host / (double)span * w);
	long b = (long)((double)(r->host + r->count) / (double)span * w);
	if (b == a)
		b = a + 1;
	for (long i = 0; i < w; i++) {
		const char *g = i >= a && i < b ? full : empty;
		size_t n = strlen(g);
		memcpy(bar + off, g, n);
		off += n;
	}
	bar[off] = '\0';
	hk_autofree char *line = xasprintf("  %c %10lu %10lu %8lu  %s %s", r->kind, r->ns, r->host,
					   r->count, bar, allowed ? "ok" : "NOT YOURS");
	hkw_textview_add(app->text, allowed ? HKW_BAR : HKW_ERROR, line);
}

/* "u 0 231072 65536; g 0 231072 65536" (list.h) back into ranges. */
static void parse_host_map(const char *text, struct hk_idmap *out)
{
	memset(out, 0, sizeof(*out));
	hk_autofree char *copy = xstrdup(text ? text : "");
	for (char *save, *l = strtok_r(copy, ";", &save); l; l = strtok_r(NULL, ";", &save))
		hk_idmap_parse_line(hk_str_trim(l), out, NULL);
}

static bool inside_map(const struct hk_idmap_range *r, const struct hk_idmap *outer)
{
	for (size_t i = 0; i < outer->n; i++) {
		const struct hk_idmap_range *o = &outer->r[i];
		if (o->kind == r->kind && r->host >= o->host &&
		    r->host + r->count <= o->host + o->count)
			return true;
	}
	return false;
}

/* Host <- parent <- child: each level's map in host ids, as bars, and a
 * level using host ids its parent does not map shown as an error. */
static void fill_idmap_chain(struct hk_app *app, const struct hk_list_row *r)
{
	const struct hk_list_row *levels[8];
	size_t n = 0;
	for (size_t i = 0; i < app->list.n && n < 8; i++) {
		const struct hk_list_row *l = &app->list.rows[i];
		size_t len = strlen(l->name);
		if (strncmp(r->name, l->name, len) == 0 && (r->name[len] == '/' || !r->name[len]))
			levels[n++] = l;
	}
	struct hk_idmap maps[8];
	unsigned long span = 65536;
	struct hk_buf chain = { 0 };
	hk_buf_puts(&chain, "  host");
	for (size_t i = 0; i < n; i++) {
		parse_host_map(levels[i]->idmap_host, &maps[i]);
		for (size_t k = 0; k < maps[i].n; k++)
			if (maps[i].r[k].host + maps[i].r[k].count > span)
				span = maps[i].r[k].host + maps[i].r[k].count;
		const char *leaf = strrchr(levels[i]->name, '/');
		hk_buf_printf(&chain, " <- %s", leaf ? leaf + 1 : levels[i]->name);
	}
	span += span / 10 + 1;
	hk_autofree char *head = hk_buf_steal(&chain);
	hk_autofree char *safe = hk_sanitize_line(head);
	hkw_textview_add(app->text, HKW_NORMAL, "");
	hkw_textview_add(app->text, HKW_HEADER, safe);
	hkw_textview_add(app->text, HKW_COLHEAD,
			 "  kind       ns       host    count  host ids used by each level");
	for (size_t i = 0; i < n; i++) {
		hk_autofree char *name = hk_sanitize_line(levels[i]->name);
		hk_autofree char *title =
			xasprintf("  %s%s", name, maps[i].n ? "" : ": the host's own ids");
		hkw_textview_add(app->text, HKW_NORMAL, title);
		for (size_t k = 0; k < maps[i].n; k++)
			idmap_bar(app, &maps[i].r[k], span,
				  i == 0 || maps[i - 1].n == 0 ||
					  inside_map(&maps[i].r[k], &maps[i - 1]));
	}
	for (size_t i = 0; i < n; i++)
		hk_idmap_free(&maps[i]);
}

static bool has_nested(const struct hk_app *app, const struct hk_list_row *r)
{
	size_t len = strlen(r->name);
	for (size_t i = 0; i < app->list.n; i++)
		if (app->list.rows[i].depth > r->depth &&
		    strncmp(app->list.rows[i].name, r->name, len) == 0 &&
		    app->list.rows[i].name[len] == '/')
			return true;
	return false;
}

static void fill_idmaps(struct hk_app *app, const struct hk_list_row *r)
{
	if (r->depth) {
		fill_idmap_chain(app, r);
		return;
	}
	if (has_nested(app, r)) {
		for (size_t i = 0; i < app->list.n; i++) {
			const struct hk_list_row *c = &app->list.rows[i];
			size_t len = strlen(r->name);
			if (c->depth && strncmp(c->name, r->name, len) == 0 && c->name[len] == '/')
				fill_idmap_chain(app, c);
		}
		hkw_textview_add(app->text, HKW_NORMAL, "");
	}
	const struct hk_config *cfg = r->cfg;
	if (!cfg || cfg->idmap.n == 0) {
		hkw_textview_add(app->text, HKW_NORMAL,
				 cfg ? "  No id map: a privileged container (ids are the host's)."
				     : "  The config does not parse; see the Info tab.");
		return;
	}
	struct hk_subids su = { 0 }, sg = { 0 };
	bool root = hk_store_is_root(app->st);
	hk_subid_load("/etc/subuid", hk_store_user(app->st), hk_store_uid(app->st), &su, NULL);
	hk_subid_load("/etc/subgid", hk_store_user(app->st), hk_store_uid(app->st), &sg, NULL);
	unsigned long span = 0;
	for (size_t i = 0; i < cfg->idmap.n; i++)
		if (cfg->idmap.r[i].host + cfg->idmap.r[i].count > span)
			span = cfg->idmap.r[i].host + cfg->idmap.r[i].count;
	span += span / 10 + 1;
	hk_autofree char *head =
		xasprintf("  host ids 0..%lu; %s", span,
			  root ? "root may map any range"
			       : "ranges must lie in your /etc/subuid, /etc/subgid");
	hkw_textview_add(app->text, HKW_HEADER, head);
	hkw_textview_add(app->text, HKW_COLHEAD, "  kind       ns       host    count  host range");
	for (size_t i = 0; i < cfg->idmap.n; i++) {
		const struct hk_idmap_range *x = &cfg->idmap.r[i];
		bool own =
			!root && x->count == 1 &&
			x->host == (x->kind == 'u' ? hk_store_uid(app->st) : hk_store_gid(app->st));
		bool ok = root || own ||
			  hk_subids_cover(x->kind == 'u' ? &su : &sg, x->host, x->count);
		idmap_bar(app, x, span, ok);
	}
	hk_autoerr struct hk_error *err = NULL;
	if (hk_idmap_check_allowed(&cfg->idmap, hk_store_user(app->st), hk_store_uid(app->st),
				   hk_store_gid(app->st), &su, &sg, &err) < 0) {
		hk_autofree char *m = hk_error_render(err);
		hkw_textview_add(app->text, HKW_NORMAL, "");
		hkw_textview_add(app->text, HKW_ERROR, m);
	}
	hk_subids_free(&su);
	hk_subids_free(&sg);
}

#define CONFIG_MAX_FILES 32

/* Adds path (a file, or a directory's *.conf files) to files once. */
static void add_include(struct hk_strv *files, const char *path)
{
	struct stat sb;
	if (files->n >= CONFIG_MAX_FILES || stat(path, &sb) < 0 || hk_strv_contains(files, path))
		return;
	if (S_ISREG(sb.st_mode)) {
		hk_strv_push(files, path);
		return;
	}
	struct dirent **ents = NULL;
	int n = S_ISDIR(sb.st_mode) ? scandir(path, &ents, NULL, alphasort) : -1;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);
		if (len > 5 && strcmp(ents[i]->d_name + len - 5, ".conf") == 0) {
			hk_autofree char *f = xasprintf("%s/%s", path, ents[i]->d_name);
			add_include(files, f);
		}
		free(ents[i]);
	}
	free(ents);
}

/* A config that does not parse has no list of its files: the absolute
 * lxc.include lines of the text shown say which to show after it. */
static void scan_includes(char *text, struct hk_strv *files)
{
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		l += strspn(l, " \t");
		if (strncmp(l, "lxc.include", 11) != 0)
			continue;
		char *v = l + 11 + strspn(l + 11, " \t");
		if (*v != '=')
			continue;
		v += 1 + strspn(v + 1, " \t");
		size_t n = strlen(v);
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
			v[--n] = '\0';
		if (v[0] == '/')
			add_include(files, v);
	}
}

static void fill_config(struct hk_app *app, const struct hk_list_row *r)
{
	hk_autofree char *top = hk_store_config_path(app->st, r->name);
	struct hk_strv files = { 0 };
	if (r->cfg)
		hk_strv_copy(&files, &r->cfg->files);
	else
		hk_strv_push(&files, top);
	for (size_t i = 0; i < files.n; i++) {
		hk_autofree char *fname = hk_sanitize_line(files.v[i]);
		hk_autofree char *head = xasprintf("# %s", fname);
		hkw_textview_add(app->text, HKW_HEADER, head);
		char *text = NULL;
		size_t len;
		hk_autoerr struct hk_error *err = NULL;
		if (hk_read_file(files.v[i], &text, &len, &err) < 0) {
			hk_autofree char *m = hk_error_render(err);
			hkw_textview_add(app->text, HKW_ERROR, m);
			continue;
		}
		hk_autofree char *copy = r->cfg ? NULL : xstrdup(text);
		for (char *save = NULL, *l = strtok_r(text, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			hk_autofree char *safe = hk_sanitize_line(l);
			hkw_textview_add(app->text, l[0] == '#' ? HKW_DIM : HKW_NORMAL, safe);
		}
		free(text);
		if (copy)
			scan_includes(copy, &files);
	}
	if (r->config_error) {
		hk_autofree char *safe = hk_sanitize_line(r->config_error);
		hkw_textview_add(app->text, HKW_ERROR, safe);
	}
	hkw_textview_add(app->text, HKW_DIM, app->read_only ? "" : "(E edits it in $EDITOR)");
	hk_strv_clear(&files);
}

static void fill_log(struct hk_app *app, const struct hk_list_row *r)
{
	if (!hk_state_is_active(r->state)) {
		hkw_textview_add(app->text, HKW_DIM,
				 "The container is not running: no console log.");
		return;
	}
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	if (hk_console_log(app->st, r->name, &b, &err) < 0) {
		hk_autofree char *m = hk_error_render(err);
		hkw_textview_add(app->text, HKW_ERROR, m);
		hk_buf_free(&b);
		return;
	}
	const char *p = b.data, *end = b.data + b.len;
	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		while (n && p[n - 1] == '\r')
			n--; /* CRLF from the pty (CR CR LF when the program wrote CR LF) */
		const char *cr = memrchr(p, '\r', n);
		const char *line = cr && cr + 1 < p + n ? cr + 1 : p; /* what the terminal kept */
		/* Without the escape sequences (a shell's cursor-position
		 * request after each prompt, colours): this is text, not a
		 * terminal; hako console shows the real thing. */
		hk_autofree char *safe = hk_sanitize_line_plain_n(line, (size_t)(p + n - line));
		hkw_textview_add(app->text, HKW_NORMAL, safe);
		p = nl ? nl + 1 : NULL;
	}
	hk_buf_free(&b);
}

void hk_details_refresh(struct hk_app *app)
{
	const struct hk_list_row *r = hk_app_row(app, app->details_name);
	size_t tab = hkw_tabs_active(app->tabs);
	hkw_textview_clear(app->text);
	if (!r) {
		hkw_textview_add(app->text, HKW_ERROR, "The container is gone.");
		return;
	}
	if (hk_app_host_of(app, r->name, NULL)) {
		hk_details_fill_remote(app, r, tab);
		return;
	}
	switch (tab) {
	case HK_TAB_INFO:
		fill_info(app, r);
		break;
	case HK_TAB_CGROUPS:
		fill_cgroups(app, r);
		break;
	case HK_TAB_IDMAPS:
		fill_idmaps(app, r);
		break;
	case HK_TAB_CONFIG:
		fill_config(app, r);
		break;
	case HK_TAB_LOG:
		fill_log(app, r);
		break;
	}
}

void hk_details_open(struct hk_app *app, const char *name)
{
	free(app->fetched); /* a remote row's tab is fetched anew */
	app->fetched = NULL;
	free(app->details_name);
	app->details_name = xstrdup(name);
	app->screen = HK_SCREEN_DETAILS;
	hkw_tabs_set_active(app->tabs, HK_TAB_INFO);
	hkw_textview_follow(app->text, false);
	hkw_textview_set_top(app->text, 0);
	hk_details_refresh(app);
}

struct hkw_widget *hk_details_body(struct hk_app *app)
{
	if (hkw_tabs_active(app->tabs) == HK_TAB_CGROUPS &&
	    !hk_app_host_of(app, app->details_name, NULL))
		return hkw_tree_widget(app->tree);
	return hkw_textview_widget(app->text);
}
