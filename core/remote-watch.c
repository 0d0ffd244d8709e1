/* remote-watch.c - reading a remote's ls --watch stream into a table of
 * rows (remote-watch.h).
 *
 * Data model: the bytes of an unfinished line (at most
 * HK_RWATCH_LINE_MAX), the hello line's fields, the rows sorted by name
 * (a struct hk_list, as the local list, so that the same formatter and
 * the same dashboard code show both), and the names changed since the
 * caller last asked.  Lines: hello, then "snapshot", then "changed",
 * "removed" and "heartbeat" (sent when asked for, --heartbeat, so that a
 * reader can tell a quiet host from one that stopped answering; counted,
 * nothing else); a line type this protocol does not know is skipped (the
 * protocol's version changes when one must be understood), which is why
 * a hako of the same protocol without heartbeats reads them fine. */
#include "remote-watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "store-internal.h"

#define NEST_MAX 5 /* PARENT/.../NAME: hk_list_add_nested goes 4 levels down */

struct hk_rwatch {
	char *remote;
	struct hk_buf line;
	bool skipping; /* the current line is too long: an error at its end */
	bool refused;  /* the hello named another protocol: the message says it all */
	char *version, *host, *path;
	bool ready;
	unsigned long beats;
	struct hk_list list;
	size_t cap;
	struct hk_strv changes;
};

struct hk_rwatch *hk_rwatch_new(const char *remote)
{
	struct hk_rwatch *w = xcalloc(1, sizeof(*w));
	w->remote = xstrdup(remote);
	return w;
}

void hk_rwatch_free(struct hk_rwatch *w)
{
	if (!w)
		return;
	free(w->remote);
	hk_buf_free(&w->line);
	free(w->version);
	free(w->host);
	free(w->path);
	hk_list_free(&w->list);
	hk_strv_clear(&w->changes);
	free(w);
}

bool hk_rwatch_ready(const struct hk_rwatch *w)
{
	return w->ready;
}

const char *hk_rwatch_version(const struct hk_rwatch *w)
{
	return w->version;
}

const char *hk_rwatch_host(const struct hk_rwatch *w)
{
	return w->host;
}

const char *hk_rwatch_path(const struct hk_rwatch *w)
{
	return w->path;
}

unsigned long hk_rwatch_beats(const struct hk_rwatch *w)
{
	return w->beats;
}

const struct hk_list *hk_rwatch_list(const struct hk_rwatch *w)
{
	return &w->list;
}

void hk_rwatch_steal_list(struct hk_rwatch *w, struct hk_list *out)
{
	*out = w->list;
	w->list = (struct hk_list){ 0 };
	w->cap = 0;
}

size_t hk_rwatch_take_changes(struct hk_rwatch *w, struct hk_strv *names)
{
	size_t n = w->changes.n;
	for (size_t i = 0; i < n; i++)
		hk_strv_push_owned(names, hk_steal_ptr(&w->changes.v[i]));
	hk_strv_clear(&w->changes);
	return n;
}

/* ---- one row -------------------------------------------------------- */

static int field_error(struct hk_error **err, const char *key, const char *want)
{
	return hk_error_set(err, EINVAL, "field \"%s\" is not %s", key, want);
}

/* A string or null (*out stays NULL); a missing key is null too. */
static int get_string(const struct hk_json *o, const char *key, char **out, struct hk_error **err)
{
	const struct hk_json *v = hk_json_get(o, key);
	if (!v || v->type == HK_JSON_NULL)
		return 0;
	if (v->type != HK_JSON_STRING)
		return field_error(err, key, "a string");
	*out = xstrdup(v->string);
	return 0;
}

static int get_bool(const struct hk_json *o, const char *key, bool *out, struct hk_error **err)
{
	const struct hk_json *v = hk_json_get(o, key);
	if (!v)
		return 0;
	if (v->type != HK_JSON_BOOL)
		return field_error(err, key, "true or false");
	*out = v->boolean;
	return 0;
}

/* A number >= 0 or null (then *out keeps its "unknown"). */
static int get_number(const struct hk_json *o, const char *key, double *out, struct hk_error **err)
{
	const struct hk_json *v = hk_json_get(o, key);
	if (!v || v->type == HK_JSON_NULL)
		return 0;
	if (v->type != HK_JSON_NUMBER || v->number < 0)
		return field_error(err, key, "a number of 0 or more, or null");
	*out = v->number;
	return 0;
}

static int get_count(const struct hk_json *o, const char *key, long long *out,
		     struct hk_error **err)
{
	const struct hk_json *v = hk_json_get(o, key);
	if (!v || v->type == HK_JSON_NULL)
		return 0;
	if (!hk_json_int(v, 0, (1LL << 53), out))
		return field_error(err, key, "a whole number of 0 or more, or null");
	return 0;
}

static int get_strings(const struct hk_json *o, const char *key, struct hk_strv *out,
		       struct hk_error **err)
{
	const struct hk_json *v = hk_json_get(o, key);
	if (!v || v->type == HK_JSON_NULL)
		return 0;
	if (v->type != HK_JSON_ARRAY)
		return field_error(err, key, "an array of strings");
	for (size_t i = 0; i < v->n; i++) {
		if (v->items[i].type != HK_JSON_STRING)
			return field_error(err, key, "an array of strings");
		hk_strv_push(out, v->items[i].string);
	}
	return 0;
}

/* NAME, or PARENT/NAME for a nested one, each part a container name. */
static int check_name(const char *name, struct hk_error **err)
{
	hk_autofree char *copy = xstrdup(name);
	unsigned parts = 0;
	char *save = NULL;
	if (!*name || name[strlen(name) - 1] == '/' || name[0] == '/')
		parts = NEST_MAX + 1;
	for (char *p = strtok_r(copy, "/", &save); p && parts <= NEST_MAX;
	     p = strtok_r(NULL, "/", &save), parts++)
		if (hk_name_validate(p, NULL) < 0 || strstr(name, "//"))
			parts = NEST_MAX + 1;
	if (parts == 0 || parts > NEST_MAX) {
		hk_autofree char *shown = hk_str_escape(name, 80);
		return hk_error_set(err, EINVAL, "\"%s\" is not a container name", shown);
	}
	return 0;
}

static enum hk_runner_kind runner_from_name(const char *s)
{
	static const enum hk_runner_kind kinds[] = { HK_RUNNER_HAKO, HK_RUNNER_LXC,
						     HK_RUNNER_OTHER };
	for (size_t i = 0; s && i < HK_ARRAY_SIZE(kinds); i++)
		if (strcmp(s, hk_runner_kind_name(kinds[i])) == 0)
			return kinds[i];
	return HK_RUNNER_NONE;
}

static int row_fields(const struct hk_json *o, struct hk_list_row *row, struct hk_error **err)
{
	hk_autofree char *state = NULL, *runner = NULL;
	long long pid = 0, depth = 0;
	double mem = -1, swap = -1, pids = -1, io = -1;
	if (get_string(o, "name", &row->name, err) < 0 || get_string(o, "state", &state, err) < 0)
		return -1;
	if (!row->name)
		return hk_error_set(err, EINVAL, "a container without a name");
	if (check_name(row->name, err) < 0)
		return -1;
	int st = state ? hk_state_from_name(state) : -1;
	if (st < 0)
		return field_error(err, "state", "a known state");
	row->state = (enum hk_state)st;
	if (get_count(o, "pid", &pid, err) < 0 || pid > (1LL << 22) ||
	    get_count(o, "depth", &depth, err) < 0 || depth >= NEST_MAX ||
	    get_number(o, "ram", &mem, err) < 0 || get_number(o, "swap", &swap, err) < 0 ||
	    get_number(o, "cpu", &row->cpu_seconds, err) < 0 ||
	    get_number(o, "pids", &pids, err) < 0 || get_number(o, "io", &io, err) < 0 ||
	    get_bool(o, "autostart", &row->autostart, err) < 0 ||
	    get_bool(o, "unprivileged", &row->unprivileged, err) < 0 ||
	    get_strings(o, "groups", &row->groups, err) < 0 ||
	    get_strings(o, "interface", &row->interfaces, err) < 0 ||
	    get_strings(o, "ipv4", &row->ipv4, err) < 0 ||
	    get_strings(o, "ipv6", &row->ipv6, err) < 0 ||
	    get_string(o, "backend", &row->backend, err) < 0 ||
	    get_string(o, "idmap", &row->idmap_host, err) < 0 ||
	    get_string(o, "runner", &runner, err) < 0 ||
	    get_string(o, "config_error", &row->config_error, err) < 0)
		return hk_error_set(err, EINVAL, "a bad value (pid or depth out of range)");
	row->init_pid = (pid_t)pid;
	row->depth = (unsigned)depth;
	row->mem_bytes = (long long)mem;
	row->swap_bytes = (long long)swap;
	row->pids = (long long)pids;
	row->io_bytes = (long long)io;
	row->runner = runner_from_name(runner);
	return 0;
}

int hk_list_row_from_json(const struct hk_json *o, struct hk_list_row *row, struct hk_error **err)
{
	*row = (struct hk_list_row){
		.mem_bytes = -1, .swap_bytes = -1, .cpu_seconds = -1, .pids = -1, .io_bytes = -1
	};
	if (!o || o->type != HK_JSON_OBJECT)
		return hk_error_set(err, EINVAL, "a container that is not a JSON object");
	if (row_fields(o, row, err) < 0) {
		hk_list_row_free(row);
		*row = (struct hk_list_row){ 0 };
		return -1;
	}
	return 0;
}

/* ---- the table --------------------------------------------------------- */

/* The index of name, or where it would go (*found false). */
static size_t find(const struct hk_list *l, const char *name, bool *found)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->rows[mid].name, name);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static void put_row(struct hk_rwatch *w, struct hk_list_row *row)
{
	bool found;
	size_t i = find(&w->list, row->name, &found);
	hk_strv_push(&w->changes, row->name);
	if (found) {
		hk_list_row_free(&w->list.rows[i]);
		w->list.rows[i] = *row;
		return;
	}
	if (w->list.n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->list.rows = xrealloc(w->list.rows, w->cap * sizeof(*w->list.rows));
	}
	memmove(&w->list.rows[i + 1], &w->list.rows[i], (w->list.n - i) * sizeof(*row));
	w->list.rows[i] = *row;
	w->list.n++;
}

static void drop_row(struct hk_rwatch *w, const char *name)
{
	bool found;
	size_t i = find(&w->list, name, &found);
	if (!found)
		return;
	hk_strv_push(&w->changes, name);
	hk_list_row_free(&w->list.rows[i]);
	w->list.n--;
	memmove(&w->list.rows[i], &w->list.rows[i + 1], (w->list.n - i) * sizeof(w->list.rows[0]));
}

static int add_row(struct hk_rwatch *w, const struct hk_json *o, struct hk_error **err)
{
	struct hk_list_row row;
	if (hk_list_row_from_json(o, &row, err) < 0)
		return -1;
	put_row(w, &row);
	return 0;
}

/* ---- lines --------------------------------------------------------------- */

static int hello(struct hk_rwatch *w, const struct hk_json *o, struct hk_error **err)
{
	const char *version = hk_json_string(hk_json_get(o, "hako"));
	const struct hk_json *proto = hk_json_get(o, "protocol");
	long long p = 0;
	if (!version || !hk_json_int(proto, 0, 1LL << 31, &p))
		return hk_error_set(err, EPROTO,
				    "the stream does not start with hako's hello line "
				    "({\"hako\": VERSION, \"protocol\": N, ...})");
	hk_autofree char *v = hk_sanitize_line(version);
	w->refused = p != HK_WATCH_PROTOCOL;
	if (w->refused)
		return hk_error_say(err, EPROTO,
				    "remote \"%s\" runs hako %s speaking protocol %lld; this hako "
				    "(%s) speaks %d: install the same hako version on both hosts",
				    w->remote, v, p, HAKO_VERSION, HK_WATCH_PROTOCOL);
	w->version = hk_steal_ptr(&v);
	const char *host = hk_json_string(hk_json_get(o, "host"));
	const char *path = hk_json_string(hk_json_get(o, "path"));
	w->host = host ? hk_sanitize_line(host) : NULL;
	w->path = path ? hk_sanitize_line(path) : NULL;
	return 0;
}

static int snapshot(struct hk_rwatch *w, const struct hk_json *o, struct hk_error **err)
{
	const struct hk_json *rows = hk_json_get(o, "containers");
	if (!rows || rows->type != HK_JSON_ARRAY)
		return hk_error_set(err, EPROTO, "a snapshot without its \"containers\" array");
	hk_list_free(&w->list);
	w->list = (struct hk_list){ 0 };
	w->cap = 0;
	for (size_t i = 0; i < rows->n; i++)
		if (add_row(w, &rows->items[i], err) < 0)
			return -1;
	w->ready = true;
	return 0;
}

static int apply(struct hk_rwatch *w, const struct hk_json *o, struct hk_error **err)
{
	if (!o || o->type != HK_JSON_OBJECT)
		return hk_error_set(err, EPROTO, "a line that is not a JSON object");
	if (!w->version)
		return hello(w, o, err);
	const char *type = hk_json_string(hk_json_get(o, "type"));
	if (!type)
		return hk_error_set(err, EPROTO, "a line without a \"type\"");
	if (strcmp(type, "snapshot") == 0)
		return snapshot(w, o, err);
	if (strcmp(type, "heartbeat") == 0) {
		w->beats++;
		return 0;
	}
	bool changed = strcmp(type, "changed") == 0, removed = strcmp(type, "removed") == 0;
	if ((changed || removed) && !w->ready)
		return hk_error_set(err, EPROTO, "a \"%s\" line before the snapshot", type);
	if (changed)
		return add_row(w, hk_json_get(o, "container"), err);
	if (removed) {
		const char *name = hk_json_string(hk_json_get(o, "name"));
		if (!name || check_name(name, err) < 0)
			return hk_error_set(err, EPROTO, "a \"removed\" line without a good name");
		drop_row(w, name);
	}
	return 0; /* a type a newer hako may add without a new protocol */
}

static int line(struct hk_rwatch *w, struct hk_error **err)
{
	hk_autojson struct hk_json *v = NULL;
	int rc = hk_json_parse(w->line.data, w->line.len, &v, err);
	if (rc == 0)
		rc = apply(w, v, err);
	w->line.len = 0;
	return rc;
}

int hk_rwatch_feed(struct hk_rwatch *w, const char *buf, size_t n, struct hk_error **err)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t take = nl ? (size_t)(nl - buf) : n;
		if (!w->skipping && w->line.len + take > HK_RWATCH_LINE_MAX) {
			w->skipping = true;
			w->line.len = 0;
		}
		if (!w->skipping)
			hk_buf_append(&w->line, buf, take);
		buf += take;
		n -= take;
		if (!nl)
			break;
		buf++;
		n--;
		if (w->skipping)
			return hk_error_set(err, EPROTO,
					    "remote \"%s\": a line of the ls --watch stream is "
					    "longer than %u bytes",
					    w->remote, HK_RWATCH_LINE_MAX);
		if (line(w, err) < 0)
			return w->refused ? -1
					  : hk_error_prefix(err, "remote \"%s\": ls --watch stream",
							    w->remote);
	}
	return 0;
}

int hk_rwatch_explain_end(const struct hk_rwatch *w, int status, const char *err_text,
			  const char *version_text, bool *need_version, struct hk_error **err)
{
	*need_version = false;
	bool old = err_text && strstr(err_text, "unknown option") &&
		   (strstr(err_text, "--watch") || strstr(err_text, "--json"));
	if (old && !version_text) {
		*need_version = true;
		return -1;
	}
	if (old) {
		hk_autofree char *v = hk_sanitize_line_n(version_text, strcspn(version_text, "\n"));
		return hk_error_say(err, EPROTO,
				    "remote \"%s\" runs %s, which has no `ls --json --watch` "
				    "(protocol %d, hako %s): install hako %s there",
				    w->remote, *hk_str_trim(v) ? hk_str_trim(v) : "an old hako",
				    HK_WATCH_PROTOCOL, HAKO_VERSION, HAKO_VERSION);
	}
	/* its last line: what the remote said before it ended */
	const char *t = err_text ? err_text : "";
	size_t n = strlen(t);
	while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
		n--;
	const char *start = t + n;
	while (start > t && start[-1] != '\n')
		start--;
	hk_autofree char *why = hk_sanitize_line_n(start, (size_t)(t + n - start));
	return hk_error_say(err, EPROTO,
			    "remote \"%s\": the ls --watch stream ended (status %d) before its "
			    "snapshot%s%s",
			    w->remote, status, *why ? ": " : "", why);
}
