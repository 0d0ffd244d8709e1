/* cmd-ls.c - `hako ls`: the containers of a path, like lxc-ls.
 *
 * Plain: names (columns on a terminal, one per line in a pipe).  -f: a
 * table with a header and aligned columns, in a pipe too (like lxc-ls
 * -f).  -F COLUMNS: the same on a terminal; in a pipe, for scripts, no
 * header and TAB-separated fields.  --json: an array of objects with every
 * column under its lower-case name; with --watch, a stream of JSON lines
 * (ls-watch.c).  Rows come from core/list.c; all
 * container-controlled text is sanitised by table.c or hk_sanitize_json. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "list.h"
#include "ls-remote.h"
#include "ls-watch.h"
#include "sanitize.h"
#include "table.h"
#include "util.h"

enum json_kind { J_STRING, J_BOOL, J_NUMBER, J_ARRAY };

struct column {
	const char *name;
	enum json_kind kind;
	/* Text of the cell (owned), NULL for "-". */
	char *(*text)(const struct hk_list_row *row);
	/* J_NUMBER: the JSON number (owned) or NULL for null. */
	char *(*number)(const struct hk_list_row *row);
	/* J_ARRAY: the values. */
	const struct hk_strv *(*array)(const struct hk_list_row *row);
};

static char *join(const struct hk_strv *sv)
{
	if (sv->n == 0)
		return NULL;
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			hk_buf_puts(&b, ",");
		hk_buf_puts(&b, sv->v[i][0] ? sv->v[i] : "-");
	}
	return hk_buf_steal(&b);
}

static char *mib(long long bytes)
{
	return bytes < 0 ? NULL : xasprintf("%.2fMiB", (double)bytes / (1024.0 * 1024.0));
}

static char *t_name(const struct hk_list_row *r)
{
	return xstrdup(r->name);
}

static char *t_state(const struct hk_list_row *r)
{
	return xstrdup(hk_state_name(r->state));
}

static char *t_pid(const struct hk_list_row *r)
{
	return r->init_pid > 0 ? xasprintf("%d", (int)r->init_pid) : NULL;
}

static char *t_ram(const struct hk_list_row *r)
{
	return mib(r->mem_bytes);
}

static char *t_swap(const struct hk_list_row *r)
{
	return mib(r->swap_bytes);
}

static char *t_auto(const struct hk_list_row *r)
{
	return xstrdup(r->autostart ? "true" : "false");
}

static char *t_unpriv(const struct hk_list_row *r)
{
	return xstrdup(r->unprivileged ? "true" : "false");
}

static char *t_backend(const struct hk_list_row *r)
{
	return r->backend ? xstrdup(r->backend) : NULL;
}

static char *t_groups(const struct hk_list_row *r)
{
	return join(&r->groups);
}

static char *t_ifaces(const struct hk_list_row *r)
{
	return join(&r->interfaces);
}

static char *t_ipv4(const struct hk_list_row *r)
{
	return join(&r->ipv4);
}

static char *t_ipv6(const struct hk_list_row *r)
{
	return join(&r->ipv6);
}

static char *t_cpu(const struct hk_list_row *r)
{
	return r->cpu_seconds < 0 ? NULL : xasprintf("%.2fs", r->cpu_seconds);
}

static char *t_pids(const struct hk_list_row *r)
{
	return r->pids < 0 ? NULL : xasprintf("%lld", r->pids);
}

static char *t_io(const struct hk_list_row *r)
{
	return mib(r->io_bytes);
}

static char *n_io(const struct hk_list_row *r)
{
	return r->io_bytes < 0 ? NULL : xasprintf("%lld", r->io_bytes);
}

static char *t_idmap(const struct hk_list_row *r)
{
	return r->idmap_host ? xstrdup(r->idmap_host) : NULL;
}

/* "hako", "lxc", "other"; "-" when it does not run. */
static char *t_runner(const struct hk_list_row *r)
{
	return r->runner == HK_RUNNER_NONE ? NULL : xstrdup(hk_runner_kind_name(r->runner));
}

static char *t_depth(const struct hk_list_row *r)
{
	return xasprintf("%u", r->depth);
}

static char *n_ram(const struct hk_list_row *r)
{
	return r->mem_bytes < 0 ? NULL : xasprintf("%lld", r->mem_bytes);
}

static char *n_swap(const struct hk_list_row *r)
{
	return r->swap_bytes < 0 ? NULL : xasprintf("%lld", r->swap_bytes);
}

static char *n_cpu(const struct hk_list_row *r)
{
	return r->cpu_seconds < 0 ? NULL : xasprintf("%.3f", r->cpu_seconds);
}

static const struct hk_strv *a_groups(const struct hk_list_row *r)
{
	return &r->groups;
}

static const struct hk_strv *a_ifaces(const struct hk_list_row *r)
{
	return &r->interfaces;
}

static const struct hk_strv *a_ipv4(const struct hk_list_row *r)
{
	return &r->ipv4;
}

static const struct hk_strv *a_ipv6(const struct hk_list_row *r)
{
	return &r->ipv6;
}

/* LXC's column names, then hako's own (BACKEND, CPU, PIDS, RUNNER ...). */
static const struct column columns[] = {
	{ "NAME", J_STRING, t_name, NULL, NULL },
	{ "STATE", J_STRING, t_state, NULL, NULL },
	{ "PID", J_NUMBER, t_pid, t_pid, NULL },
	{ "RAM", J_NUMBER, t_ram, n_ram, NULL },
	{ "SWAP", J_NUMBER, t_swap, n_swap, NULL },
	{ "AUTOSTART", J_BOOL, t_auto, NULL, NULL },
	{ "GROUPS", J_ARRAY, t_groups, NULL, a_groups },
	{ "INTERFACE", J_ARRAY, t_ifaces, NULL, a_ifaces },
	{ "IPV4", J_ARRAY, t_ipv4, NULL, a_ipv4 },
	{ "IPV6", J_ARRAY, t_ipv6, NULL, a_ipv6 },
	{ "UNPRIVILEGED", J_BOOL, t_unpriv, NULL, NULL },
	{ "BACKEND", J_STRING, t_backend, NULL, NULL },
	{ "CPU", J_NUMBER, t_cpu, n_cpu, NULL },
	{ "PIDS", J_NUMBER, t_pids, t_pids, NULL },
	{ "IO", J_NUMBER, t_io, n_io, NULL },
	{ "DEPTH", J_NUMBER, t_depth, t_depth, NULL },
	{ "IDMAP", J_STRING, t_idmap, NULL, NULL },
	{ "RUNNER", J_STRING, t_runner, NULL, NULL },
	/* The host of the row (local or a remote's name): no text of the
	 * row's own, filled in by print_table; first in a listing of more
	 * than one host. */
	{ "HOST", J_STRING, NULL, NULL, NULL },
};

static const char default_fancy[] = "NAME,STATE,IPV4,IPV6,UNPRIVILEGED,AUTOSTART,BACKEND";
/* --nested: nested containers are named PARENT/NAME; IDMAP in host ids. */
static const char nested_fancy[] = "NAME,STATE,IPV4,IPV6,UNPRIVILEGED,AUTOSTART,BACKEND,IDMAP";
/* The default table gains RUNNER when another program (LXC) runs one of
 * the containers listed, so that it is told apart from hako's own; a
 * path that only hako uses keeps its 7 columns. */
static const char default_fancy_runner[] =
	"NAME,STATE,IPV4,IPV6,UNPRIVILEGED,AUTOSTART,BACKEND,RUNNER";

static const struct column *find_column(const char *name)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(columns); i++)
		if (strcasecmp(columns[i].name, name) == 0)
			return &columns[i];
	return NULL;
}

static char *valid_columns(void)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < HK_ARRAY_SIZE(columns); i++)
		hk_buf_printf(&b, "%s%s", i ? " " : "", columns[i].name);
	return hk_buf_steal(&b);
}

/* "NAME,STATE,..." -> columns; prints the error itself. */
static int parse_columns(const char *spec, const struct column **out, size_t *n)
{
	hk_autofree char *copy = xstrdup(spec);
	char *save = NULL;
	*n = 0;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		const struct column *c = find_column(w);
		if (!c) {
			hk_autofree char *valid = valid_columns();
			hk_autofree char *safe = hk_sanitize_line(w);
			fprintf(stderr,
				"hako: error: unknown column \"%s\" for -F; valid columns: %s\n",
				safe, valid);
			return -1;
		}
		if (*n < HK_ARRAY_SIZE(columns) * 2)
			out[(*n)++] = c;
	}
	if (*n == 0) {
		hk_autofree char *valid = valid_columns();
		fprintf(stderr, "hako: error: -F needs at least one column of: %s\n", valid);
		return -1;
	}
	return 0;
}

/* The hosts of a listing: one (this host's, name NULL) unless remotes
 * were asked for. */
struct hosts {
	struct hk_ls_host *v;
	size_t n;
	bool show; /* a HOST column, and REMOTE:NAME as names */
};

static size_t host_rows(const struct hosts *h)
{
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++)
		n += h->v[i].list.n;
	return n;
}

static void print_table(const struct hosts *h, const struct column **cols, size_t ncols, bool tty)
{
	const char *headers[HK_ARRAY_SIZE(columns) * 2];
	for (size_t c = 0; c < ncols; c++)
		headers[c] = cols[c]->name;
	struct hk_table *t = hk_table_new(ncols, headers);
	for (size_t i = 0; i < h->n; i++) {
		const struct hk_list *l = &h->v[i].list;
		for (size_t r = 0; r < l->n; r++) {
			hk_table_add_row(t);
			for (size_t c = 0; c < ncols; c++) {
				hk_autofree char *s =
					cols[c]->text ? cols[c]->text(&l->rows[r])
						      : xstrdup(h->v[i].name ? h->v[i].name
									     : HK_REMOTE_LOCAL);
				hk_table_set(t, c, s);
			}
		}
	}
	hk_table_print(t, stdout, tty);
	hk_table_free(t);
}

static void json_value(struct hk_buf *b, const struct column *c, const struct hk_list_row *r)
{
	hk_autofree char *v = NULL;
	switch (c->kind) {
	case J_STRING: {
		v = c->text(r);
		hk_autofree char *q = hk_sanitize_json(v);
		hk_buf_puts(b, q);
		return;
	}
	case J_BOOL:
	case J_NUMBER:
		v = c->kind == J_BOOL ? c->text(r) : c->number(r);
		hk_buf_puts(b, v ? v : "null");
		return;
	case J_ARRAY: {
		const struct hk_strv *sv = c->array(r);
		hk_buf_puts(b, "[");
		for (size_t i = 0; i < sv->n; i++) {
			hk_autofree char *item = hk_sanitize_json(sv->v[i]);
			hk_buf_printf(b, "%s%s", i ? ", " : "", item);
		}
		hk_buf_puts(b, "]");
		return;
	}
	}
}

void hk_ls_row_json(struct hk_buf *b, const struct hk_list_row *r)
{
	hk_buf_puts(b, "{");
	for (size_t c = 0; c < HK_ARRAY_SIZE(columns); c++) {
		if (!columns[c].text)
			continue; /* HOST: not the row's own (print_json) */
		hk_autofree char *key = xstrdup(columns[c].name);
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		hk_buf_printf(b, "%s\"%s\": ", c ? ", " : "", key);
		json_value(b, &columns[c], r);
	}
	hk_autofree char *e = hk_sanitize_json(r->config_error);
	hk_buf_printf(b, ", \"config_error\": %s}", e);
}

/* With remotes, each object starts with "host". */
static void print_json(const struct hosts *h)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "[");
	size_t k = 0;
	for (size_t i = 0; i < h->n; i++) {
		const struct hk_list *l = &h->v[i].list;
		hk_autofree char *host =
			hk_sanitize_json(h->v[i].name ? h->v[i].name : HK_REMOTE_LOCAL);
		for (size_t r = 0; r < l->n; r++, k++) {
			hk_buf_puts(&b, k ? ",\n  " : "\n  ");
			if (h->show)
				hk_buf_printf(&b, "{\"host\": %s, ", host);
			struct hk_buf row = { 0 };
			hk_ls_row_json(&row, &l->rows[r]);
			hk_buf_puts(&b, h->show ? row.data + 1 : row.data);
			hk_buf_free(&row);
		}
	}
	hk_buf_puts(&b, k ? "\n]\n" : "]\n");
	fputs(b.data, stdout);
	hk_buf_free(&b);
}

static unsigned terminal_width(void)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	unsigned long n;
	const char *env = getenv("COLUMNS");
	if (env && hk_parse_ulong(env, &n) && n > 0 && n < 10000)
		return (unsigned)n;
	return 80;
}

/* A broken config is listed anyway; say why once, on stderr. */
static void warn_broken(const struct hk_list *l)
{
	for (size_t r = 0; l && r < l->n; r++) {
		if (!l->rows[r].config_error)
			continue;
		hk_autofree char *name = hk_sanitize_line(l->rows[r].name);
		hk_autofree char *why = hk_sanitize_line(l->rows[r].config_error);
		fprintf(stderr,
			"hako: warning: container \"%s\" is listed without its settings: %s\n",
			name, why);
	}
}

struct ls_opts {
	bool fancy, json, one, nested, watch;
	const char *remote;   /* --remote NAME|all */
	unsigned interval_s;  /* 0: not given */
	unsigned heartbeat_s; /* 0: none */
	const char *format;
	struct hk_list_filter filter;
};

enum {
	OPT_JSON = HK_OPT_LONG_ONLY(0),
	OPT_RUNNING,
	OPT_STOPPED,
	OPT_NESTED,
	OPT_WATCH,
	OPT_INTERVAL,
	OPT_REMOTE,
	OPT_HEARTBEAT
};

static const struct hk_opt opts[] = {
	{ '1', NULL, NULL, "one name a line, on a terminal too" },
	{ 'f', "fancy", NULL, "a table of the default columns" },
	{ 'F', "fancy-format", "COLUMNS", "a table of these columns (NAME,STATE,...)" },
	{ OPT_JSON, "json", NULL, "a JSON array of every column" },
	{ OPT_RUNNING, "running", NULL, "only containers that run" },
	{ OPT_STOPPED, "stopped", NULL, "only stopped containers" },
	{ OPT_NESTED, "nested", NULL, "also containers inside running ones" },
	{ OPT_NESTED, "nesting", NULL, "the same as --nested (lxc-ls)" },
	{ OPT_WATCH, "watch", NULL, "with --json: stay, one JSON line per change" },
	{ OPT_INTERVAL, "interval", "SECONDS",
	  "with --watch: recheck usage this often (default 2)" },
	{ OPT_HEARTBEAT, "heartbeat", "SECONDS",
	  "with --watch: a heartbeat line when idle this long" },
	{ OPT_REMOTE, "remote", "NAME", "a remote's containers (all: here and every remote)" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct ls_opts *o = ctx;
	switch (key) {
	case '1':
		o->one = true;
		return 0;
	case 'f':
		o->fancy = true;
		return 0;
	case 'F':
		o->fancy = true;
		o->format = arg;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_RUNNING:
		o->filter.running = true;
		return 0;
	case OPT_STOPPED:
		o->filter.stopped = true;
		return 0;
	case OPT_NESTED:
		o->nested = true;
		return 0;
	case OPT_WATCH:
		o->watch = true;
		return 0;
	case OPT_REMOTE:
		o->remote = arg;
		return 0;
	case OPT_INTERVAL:
		return hk_cli_opt_uint("--interval", arg, 1, 3600,
				       "the seconds between rechecks as a whole number",
				       &o->interval_s);
	case OPT_HEARTBEAT:
		return hk_cli_opt_uint("--heartbeat", arg, 1, 3600,
				       "the seconds between heartbeats as a whole number",
				       &o->heartbeat_s);
	}
	return 2;
}

static bool any_foreign(const struct hk_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->rows[i].runner == HK_RUNNER_LXC || l->rows[i].runner == HK_RUNNER_OTHER)
			return true;
	return false;
}

/* --watch is a stream of JSON lines; --interval only paces it. */
static int check_watch(const struct ls_opts *o)
{
	if (o->watch && (!o->json || o->fancy || o->one)) {
		fprintf(stderr, "hako: error: ls --watch streams JSON lines only; add --json "
				"and leave out -1, -f and -F\n");
		return -1;
	}
	if (o->heartbeat_s && !o->watch) {
		fprintf(stderr, "hako: error: ls --heartbeat paces --watch only; add --json "
				"--watch, or leave --heartbeat out\n");
		return -1;
	}
	if (o->interval_s && !o->watch) {
		fprintf(stderr, "hako: error: ls --interval paces --watch only; add --json "
				"--watch, or leave --interval out\n");
		return -1;
	}
	return 0;
}

/* "REMOTE:" or "REMOTE:REGEX" as the word after the options: the
 * remote (local, all or a valid remote name) and the regex (NULL when
 * none); a word whose part before ':' is no remote name is a regex. */
static bool split_target(const char *arg, char **remote, const char **regex)
{
	const char *colon = strchr(arg, ':');
	if (!colon)
		return false;
	hk_autofree char *r = xstrndup(arg, (size_t)(colon - arg));
	if (strcasecmp(r, HK_REMOTE_LOCAL) != 0 && strcasecmp(r, HK_REMOTE_ALL) != 0 &&
	    hk_remote_name_validate(r, NULL) < 0)
		return false;
	*remote = hk_steal_ptr(&r);
	*regex = colon[1] ? colon + 1 : NULL;
	return true;
}

/* This host's store; NULL after saying why.  A typo in -P must not look
 * like an empty container path (or an empty stream). */
static struct hk_store *local_store(const struct hk_cli *cli)
{
	struct hk_store *st = hk_cli_store(cli);
	if (st && cli->lxcpath && access(hk_store_path(st), F_OK) < 0 && errno == ENOENT) {
		hk_autoerr struct hk_error *err = NULL;
		hk_error_set(&err, 0,
			     "container path \"%s\" (-P) does not exist; check the "
			     "spelling, or create a container there first",
			     hk_store_path(st));
		hk_cli_fail(err);
		hk_store_free(st);
		return NULL;
	}
	return st;
}

/* The store a listing read, kept until the process exits: freeing its
 * parsed configs (a thousand of them at scale) was 7 % of an `ls -f`.
 * Reachable from here, it is no leak to a leak checker. */
static struct hk_store *listed_store;

/* This host's rows into h (name NULL: shown as local); 0 or exit status. */
static int local_rows(struct hk_cli *cli, const struct ls_opts *o, struct hk_ls_host *h)
{
	struct hk_store *st = local_store(cli);
	if (!st)
		return 1;
	hk_store_free(listed_store);
	listed_store = st;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_list_build(st, &o->filter, &h->list, &err) < 0)
		return hk_cli_fail(err);
	if (o->nested)
		hk_list_add_nested(&h->list);
	return 0;
}

/* The hosts remote names: this one (NULL), one remote, or (all) this one
 * and every remote of hako.conf; 0 or exit status. */
static int pick_hosts(const char *remote, struct hosts *h)
{
	h->v = xcalloc(1, sizeof(*h->v));
	h->n = 1;
	if (!remote || strcasecmp(remote, HK_REMOTE_LOCAL) == 0)
		return 0;
	if (strcasecmp(remote, HK_REMOTE_ALL) != 0) {
		h->v[0].name = remote;
		return 0;
	}
	hk_autostore struct hk_store *st = NULL;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_store_open(NULL, &st, &err) < 0)
		return hk_cli_fail(err);
	const struct hk_settings *set = hk_store_settings(st);
	h->v = xrealloc(h->v, (set->n_remotes + 1) * sizeof(*h->v));
	for (size_t i = 0; i < set->n_remotes; i++)
		h->v[1 + i] = (struct hk_ls_host){ .name = xstrdup(set->remotes[i].name) };
	h->n = set->n_remotes + 1;
	return 0;
}

static void hosts_free(struct hosts *h, bool all)
{
	for (size_t i = 0; i < h->n; i++) {
		hk_list_free(&h->v[i].list);
		if (all && i > 0)
			free((char *)h->v[i].name);
	}
	free(h->v);
}

/* Every host's rows: this one's here, the remotes' over ssh, at once. */
static int fetch(struct hk_cli *cli, const struct ls_opts *o, struct hosts *h)
{
	int status = 0;
	size_t first_remote = h->v[0].name ? 0 : 1;
	if (!h->v[0].name)
		status = local_rows(cli, o, &h->v[0]);
	if (status == 0)
		warn_broken(&h->v[0].list);
	struct hk_ls_remote_opts ro = { .filter = o->filter, .nested = o->nested };
	if (h->n > first_remote &&
	    hk_ls_remote_fetch(h->v + first_remote, h->n - first_remote, &ro) != 0)
		status = 1;
	for (size_t i = first_remote; i < h->n; i++)
		warn_broken(&h->v[i].list);
	return status;
}

static bool any_foreign_host(const struct hosts *h)
{
	for (size_t i = 0; i < h->n; i++)
		if (any_foreign(&h->v[i].list))
			return true;
	return false;
}

static void print_names(const struct hk_cli *cli, const struct ls_opts *o, const struct hosts *h)
{
	size_t n = host_rows(h), k = 0;
	char **names = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < h->n; i++)
		for (size_t r = 0; r < h->v[i].list.n; r++, k++)
			names[k] = h->show && h->v[i].name ? xasprintf("%s:%s", h->v[i].name,
								       h->v[i].list.rows[r].name)
							   : xstrdup(h->v[i].list.rows[r].name);
	hk_table_print_names(names, n, stdout, cli->stdout_tty && !o->one, terminal_width());
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Any of the columns that a container's cgroup fills (RAM ... IO)? */
static bool shows_usage(const struct column *const *cols, size_t n)
{
	static const char *const usage[] = { "RAM", "SWAP", "CPU", "PIDS", "IO" };
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < HK_ARRAY_SIZE(usage); k++)
			if (!strcmp(cols[i]->name, usage[k]))
				return true;
	return false;
}

static int run_ls(struct hk_cli *cli, int argc, char **argv)
{
	struct ls_opts o = { 0 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_ls, argc, argv, &o, &status);
	if (rest < 0)
		return status;
	hk_autofree char *target = NULL;
	if (rest < argc && !split_target(argv[rest], &target, &o.filter.regex))
		o.filter.regex = argv[rest];
	rest += rest < argc;
	if (rest != argc || (target && o.remote))
		return hk_cli_usage(&hk_cmd_ls);
	const char *remote = o.remote ? o.remote : target;
	if (check_watch(&o) < 0)
		return 2;
	if (o.watch && remote && strcasecmp(remote, HK_REMOTE_LOCAL) != 0) {
		fprintf(stderr,
			"hako: error: ls --watch streams this host's containers; run it on "
			"the remote (ssh HOST hako ls --json --watch), or use the dashboard\n");
		return 2;
	}
	if (remote && strcasecmp(remote, HK_REMOTE_LOCAL) != 0 &&
	    strcasecmp(remote, HK_REMOTE_ALL) != 0) {
		hk_autoerr struct hk_error *err = NULL;
		if (hk_remote_name_validate(remote, &err) < 0)
			return hk_cli_fail(err);
	}
	struct hosts h = { 0 };
	bool all = remote && strcasecmp(remote, HK_REMOTE_ALL) == 0;
	status = pick_hosts(remote, &h);
	if (status != 0) {
		hosts_free(&h, false);
		return status;
	}
	h.show = h.n > 1 || (o.remote && strcasecmp(o.remote, HK_REMOTE_LOCAL) != 0);
	if (o.watch) {
		hosts_free(&h, all);
		hk_autostore struct hk_store *st = local_store(cli);
		if (!st)
			return 1;
		struct hk_ls_watch_opts wo = { .filter = o.filter,
					       .nested = o.nested,
					       .interval_s = o.interval_s ? o.interval_s : 2,
					       .heartbeat_s = o.heartbeat_s };
		return hk_ls_watch(st, &wo);
	}
	const struct column *cols[HK_ARRAY_SIZE(columns) * 2];
	size_t ncols = 0;
	/* a bad -F before any host is asked */
	if (o.format && parse_columns(o.format, cols, &ncols) < 0) {
		hosts_free(&h, all);
		return 2;
	}
	/* The cgroup reads only for a column that shows them (no default
	 * table has one). */
	o.filter.no_usage = !o.json && !o.nested && !(o.format && shows_usage(cols, ncols));
	status = fetch(cli, &o, &h);
	if (status != 0 && h.n == 1 && !h.v[0].name) { /* this host alone: nothing to show */
		hosts_free(&h, all);
		return status;
	}
	hk_autofree char *spec = NULL;
	if (!o.format) {
		const char *base = o.nested		  ? nested_fancy
				   : any_foreign_host(&h) ? default_fancy_runner
							  : default_fancy;
		spec = h.show ? xasprintf("HOST,%s", base) : xstrdup(base);
	}
	if (o.fancy && parse_columns(o.format ? o.format : spec, cols, &ncols) < 0) {
		hosts_free(&h, all);
		return 2;
	}
	if (o.json) {
		print_json(&h);
	} else if (o.fancy && (cli->stdout_tty || host_rows(&h) > 0)) {
		/* -f keeps its header and columns in a pipe too, as lxc-ls -f
		 * does; -F COLUMNS is for scripts: TAB-separated, no header. */
		print_table(&h, cols, ncols, cli->stdout_tty || !o.format);
	} else {
		print_names(cli, &o, &h);
	}
	hosts_free(&h, all);
	return fflush(stdout) == 0 ? status : 1;
}

const struct hk_cmd hk_cmd_ls = {
	.name = "ls",
	.alias = "list",
	.summary = "list containers (names, or a table with -f)",
	.args = "[REGEX]",
	.opts = opts,
	.on_opt = on_opt,
	.run = run_ls,
};
