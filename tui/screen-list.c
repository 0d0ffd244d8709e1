/* screen-list.c - the home screen: the container list (rows from
 * core/list.c with who runs each, hako or LXC; usage from each running
 * container's cgroup, CPU% from the change in CPU time between two
 * refreshes; nested containers indented under their parent,
 * core/nest-list.c), the header line, and the
 * name filter (a POSIX extended regex; a leading '!' inverts it).
 * Over many hosts (--remote, app-remote.c) the rows of every host are
 * merged, a HOST column comes first, a remote row is keyed HOST:NAME and
 * the filter matches HOST:NAME too; a host that is down keeps its rows,
 * dimmed, with "?" for a state nobody can vouch for. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app-internal.h"
#include "sanitize.h"
#include "state.h"

enum col {
	C_HOST,
	C_NAME,
	C_STATE,
	C_IPV4,
	C_IPV6,
	C_UNPRIV,
	C_BACKEND,
	C_MEM,
	C_CPU,
	C_PIDS,
	C_IO,
	C_AUTO,
	C_RUNNER
};

/* Priority: 0 is never dropped; the highest number goes first. */
static const struct hkw_column columns[] = {
	[C_HOST] = { "HOST", 4, 20, 0, false, false },
	[C_NAME] = { "NAME", 12, 40, 0, false, false },
	[C_STATE] = { "STATE", 8, 0, 0, false, false },
	[C_IPV4] = { "IPV4", 15, 32, 2, false, false },
	[C_IPV6] = { "IPV6", 25, 40, 6, false, false },
	[C_UNPRIV] = { "UNPRIV", 6, 0, 5, false, false },
	[C_BACKEND] = { "BACKEND", 7, 0, 4, false, false },
	[C_MEM] = { "MEM", 8, 0, 1, true, true },
	[C_CPU] = { "CPU%", 6, 0, 1, true, true },
	[C_PIDS] = { "PIDS", 5, 0, 3, true, true },
	/* block I/O read + written since start, lxc-top's BlkIO */
	[C_IO] = { "IO", 7, 0, 5, true, true },
	[C_AUTO] = { "AUTOSTART", 9, 0, 7, false, false },
	/* who runs it: hako, or LXC (runner.h); kept as long as IPV4 */
	[C_RUNNER] = { "RUNNER", 6, 0, 2, false, false },
};

/* HOST shows with more than one host only. */
const struct hkw_column *hk_list_screen_columns(const struct hk_app *app, size_t *n)
{
	*n = HK_ARRAY_SIZE(columns) - (app->multi ? 0 : 1);
	return app->multi ? columns : columns + 1;
}

static size_t col(const struct hk_app *app, enum col c)
{
	return app->multi ? (size_t)c : (size_t)c - 1;
}

static int state_role(const struct hk_list_row *r)
{
	if (r->config_error)
		return HKW_ERROR;
	switch (r->state) {
	case HK_STATE_RUNNING:
		return HKW_RUNNING;
	case HK_STATE_STOPPED:
		return HKW_STOPPED;
	case HK_STATE_FROZEN:
		return HKW_FROZEN;
	case HK_STATE_ORPHANED:
	case HK_STATE_UNRESPONSIVE:
	case HK_STATE_ABORTING:
		return HKW_ERROR;
	default:
		return HKW_BUSY;
	}
}

/* What a listing costs is CPU time, not the wall clock's: on a busy
 * machine the wait for a CPU would make listings rarer for nothing. */
static int64_t cpu_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct hk_cpu_sample *sample_for(struct hk_app *app, const char *name)
{
	for (size_t i = 0; i < app->nsamples; i++)
		if (strcmp(app->samples[i].name, name) == 0)
			return &app->samples[i];
	app->samples = xrealloc(app->samples, (app->nsamples + 1) * sizeof(*app->samples));
	struct hk_cpu_sample *s = &app->samples[app->nsamples++];
	*s = (struct hk_cpu_sample){ .name = xstrdup(name), .cpu_usec = -1, .pct = -1 };
	return s;
}

/* Memory and pids as core's list filled them; CPU% from the change in
 * CPU time since the last refresh.  A remote's figures change only when
 * its stream sends them (every --interval there), while the rows are
 * merged more often: there an unchanged CPU time keeps the last CPU%
 * rather than showing 0 and then twice the truth. */
static void read_usage(struct hk_app *app, size_t i)
{
	const struct hk_list_row *r = &app->list.rows[i];
	app->cpu_pct[i] = -1;
	app->mem[i] = hk_state_is_active(r->state) ? r->mem_bytes : -1;
	app->pids[i] = hk_state_is_active(r->state) ? r->pids : -1;
	if (!hk_state_is_active(r->state) || r->cpu_seconds < 0)
		return;
	int64_t cpu = (int64_t)(r->cpu_seconds * 1e6);
	struct hk_cpu_sample *prev = sample_for(app, r->name);
	/* the reading worked out last time: a row the tick left as listed */
	bool same = r->usage_at_us > 0 && r->usage_at_us == prev->at_usec;
	if (same || (prev->cpu_usec == cpu && strchr(r->name, ':'))) {
		app->cpu_pct[i] = prev->pct;
		return;
	}
	int64_t now = r->usage_at_us > 0 ? r->usage_at_us : hk_now_us();
	if (prev->cpu_usec >= 0 && now > prev->at_usec && cpu >= prev->cpu_usec)
		app->cpu_pct[i] =
			100.0 * (double)(cpu - prev->cpu_usec) / (double)(now - prev->at_usec);
	prev->cpu_usec = cpu;
	prev->at_usec = now;
	prev->pct = app->cpu_pct[i];
}

static char *join(const struct hk_strv *sv)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			hk_buf_puts(&b, ",");
		hk_buf_puts(&b, sv->v[i]);
	}
	return b.len ? hk_buf_steal(&b) : xstrdup("-");
}

static char *human_bytes(int64_t b)
{
	if (b < 0)
		return xstrdup("-");
	static const char units[] = "BKMGT";
	double v = (double)b;
	size_t u = 0;
	while (v >= 1024 && u < sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	return u == 0 ? xasprintf("%lldB", (long long)b) : xasprintf("%.1f%c", v, units[u]);
}

/* Sets a cell from text a container may control. */
static void set_safe(struct hkw_table *t, size_t row, size_t col, const char *text, double num)
{
	hk_autofree char *safe = hk_sanitize_line(text);
	hkw_table_set(t, row, col, safe, num);
}

/* The host of row i and whether it is down ("local" for this one's). */
static const char *row_host(const struct hk_app *app, const char *key, bool *down)
{
	const struct hk_app_host *h = hk_app_host_of(app, key, NULL);
	*down = h && !hk_app_host_up(h);
	return h ? h->name : HK_REMOTE_LOCAL;
}

/* The cells of table row `row` from list row i. */
static void set_cells(struct hk_app *app, size_t i, size_t row)
{
	const struct hk_list_row *r = &app->list.rows[i];
	struct hkw_table *t = app->table;
	bool down = false;
	const char *host = row_host(app, r->name, &down);
	const char *shown = strchr(r->name, ':') ? strchr(r->name, ':') + 1 : r->name;
	if (r->depth && strrchr(shown, '/'))
		shown = strrchr(shown, '/') + 1;
	hk_autofree char *v4 = join(&r->ipv4), *v6 = join(&r->ipv6);
	hk_autofree char *mem = human_bytes(app->mem[i]);
	hk_autofree char *cpu =
		app->cpu_pct[i] < 0 ? xstrdup("-") : xasprintf("%.1f", app->cpu_pct[i]);
	hk_autofree char *pids =
		app->pids[i] < 0 ? xstrdup("-") : xasprintf("%lld", (long long)app->pids[i]);
	long long io = hk_state_is_active(r->state) ? r->io_bytes : -1;
	hk_autofree char *io_text = human_bytes(io);
	if (app->multi)
		set_safe(t, row, C_HOST, host, NAN);
	set_safe(t, row, col(app, C_NAME), shown, NAN);
	hkw_table_set(t, row, col(app, C_STATE),
		      down		? "?"
		      : r->config_error ? "BADCONF"
					: hk_state_name(r->state),
		      NAN);
	hkw_table_set(t, row, col(app, C_RUNNER), hk_runner_kind_name(r->runner), NAN);
	set_safe(t, row, col(app, C_IPV4), v4, NAN);
	set_safe(t, row, col(app, C_IPV6), v6, NAN);
	hkw_table_set(t, row, col(app, C_UNPRIV), r->unprivileged ? "yes" : "no", NAN);
	set_safe(t, row, col(app, C_BACKEND), r->backend ? r->backend : "-", NAN);
	hkw_table_set(t, row, col(app, C_MEM), mem, app->mem[i] < 0 ? NAN : (double)app->mem[i]);
	hkw_table_set(t, row, col(app, C_CPU), cpu, app->cpu_pct[i] < 0 ? NAN : app->cpu_pct[i]);
	hkw_table_set(t, row, col(app, C_IO), io_text, io < 0 ? NAN : (double)io);
	hkw_table_set(t, row, col(app, C_PIDS), pids,
		      app->pids[i] < 0 ? NAN : (double)app->pids[i]);
	hkw_table_set(t, row, col(app, C_AUTO), r->autostart ? "yes" : "no", NAN);
}

/* A nested container's row sits under its parent's, indented, showing
 * its own name; its key stays the full PARENT/NAME (HOST:NAME for a
 * remote's row). */
static size_t add_row(struct hk_app *app, size_t i, size_t parent_row)
{
	const struct hk_list_row *r = &app->list.rows[i];
	bool down = false;
	row_host(app, r->name, &down);
	size_t row = hkw_table_add_row(app->table, r->name, down ? HKW_DIM : state_role(r),
				       (int)r->depth);
	if (r->depth && parent_row != SIZE_MAX)
		hkw_table_set_parent(app->table, row, parent_row);
	set_cells(app, i, row);
	app->table_row[i] = row;
	return row;
}

/* The filter sees NAME, and over many hosts HOST:NAME too ("local:"
 * for this one's, whose key is its plain name; a remote's key is
 * HOST:NAME already). */
static bool passes_filter(const struct hk_app *app, const char *key)
{
	if (app->filter_error)
		return false; /* not the whole list, as if nothing were typed */
	if (!app->filter_ok)
		return true;
	const char *colon = strchr(key, ':');
	bool match = regexec(&app->filter_re, colon ? colon + 1 : key, 0, NULL, 0) == 0;
	if (!match && colon)
		match = regexec(&app->filter_re, key, 0, NULL, 0) == 0;
	if (!match && app->multi && !colon) {
		hk_autofree char *full = xasprintf("%s:%s", HK_REMOTE_LOCAL, key);
		match = regexec(&app->filter_re, full, 0, NULL, 0) == 0;
	}
	return match != app->filter_invert;
}

int hk_list_screen_filter_set(struct hk_app *app, const char *text, struct hk_error **err)
{
	if (app->filter_ok)
		regfree(&app->filter_re);
	app->filter_ok = false;
	free(app->filter);
	app->filter = NULL;
	free(app->filter_error);
	app->filter_error = NULL;
	hkw_table_set_empty_text(app->table, app->empty_text);
	if (!text || !*text || strcmp(text, "!") == 0)
		return 0;
	app->filter_invert = text[0] == '!';
	const char *re = text + (app->filter_invert ? 1 : 0);
	int rc = regcomp(&app->filter_re, re, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[128];
		regerror(rc, &app->filter_re, why, sizeof(why));
		app->filter = xstrdup(text);
		hk_autofree char *safe = hk_sanitize_line(re);
		app->filter_error = xasprintf("The filter /%s/ is not a regular expression (%s); "
					      "Esc clears it, / edits it.",
					      safe, why);
		hkw_table_set_empty_text(app->table, app->filter_error);
		return hk_error_set(err, EINVAL, "filter \"%s\": %s", re, why);
	}
	app->filter_ok = true;
	app->filter = xstrdup(text);
	return 0;
}

/* The rows of every host into app->list: this host's as they are, a
 * remote's named HOST:NAME. */
static void merge_hosts(struct hk_app *app)
{
	hk_list_free(&app->list);
	size_t n = app->local.n;
	for (size_t i = 0; i < app->nhosts; i++)
		if (!app->hosts[i].local)
			n += hk_app_host_rows(&app->hosts[i])->n;
	app->list.rows = xcalloc(n ? n : 1, sizeof(*app->list.rows));
	for (size_t i = 0; i < app->local.n; i++)
		hk_list_row_copy(&app->local.rows[i], app->local.rows[i].name,
				 &app->list.rows[app->list.n++]);
	for (size_t h = 0; h < app->nhosts; h++) {
		const struct hk_app_host *host = &app->hosts[h];
		const struct hk_list *rows = host->local ? NULL : hk_app_host_rows(host);
		for (size_t i = 0; rows && i < rows->n; i++) {
			hk_autofree char *key = xasprintf("%s:%s", host->name, rows->rows[i].name);
			hk_list_row_copy(&rows->rows[i], key, &app->list.rows[app->list.n++]);
		}
	}
}

/* The table from app->list. */
static void fill_table(struct hk_app *app)
{
	size_t n = app->list.n ? app->list.n : 1;
	app->cpu_pct = xrealloc(app->cpu_pct, n * sizeof(*app->cpu_pct));
	app->mem = xrealloc(app->mem, n * sizeof(*app->mem));
	app->pids = xrealloc(app->pids, n * sizeof(*app->pids));
	app->table_row = xrealloc(app->table_row, n * sizeof(*app->table_row));
	app->running = app->stopped = 0;
	hkw_table_clear(app->table);
	size_t level_row[8]; /* the table row of the last container at each depth */
	for (size_t d = 0; d < 8; d++)
		level_row[d] = SIZE_MAX;
	for (size_t i = 0; i < app->list.n; i++) {
		const struct hk_list_row *r = &app->list.rows[i];
		if (hk_state_is_active(r->state))
			app->running++;
		else
			app->stopped++;
		read_usage(app, i);
		size_t d = r->depth < 8 ? r->depth : 7;
		size_t parent = d ? level_row[d - 1] : SIZE_MAX;
		app->table_row[i] = SIZE_MAX;
		level_row[d] = passes_filter(app, r->name) ? add_row(app, i, parent) : SIZE_MAX;
	}
	hkw_table_sort(app->table);
}

void hk_list_screen_merge(struct hk_app *app)
{
	if (app->nhosts)
		merge_hosts(app);
	fill_table(app);
	app->merge_pending = false;
	app->merged_ms = hk_now_ms();
}

void hk_list_screen_refresh(struct hk_app *app)
{
	if (app->nhosts && !app->show_local) {
		hk_list_screen_merge(app);
		return;
	}
	hk_autoerr struct hk_error *err = NULL;
	struct hk_list fresh = { 0 };
	int64_t t0 = cpu_usec();
	app->listed_ms = hk_now_ms();
	if (hk_list_build(app->st, NULL, &fresh, &err) < 0) {
		hk_autofree char *m = hk_error_render(err);
		hkw_status_set(app->status, HKW_ERROR, "%s", m);
		return;
	}
	hk_list_add_nested(&fresh);
	app->list_cost_us[app->list_costs++ % HK_ARRAY_SIZE(app->list_cost_us)] = cpu_usec() - t0;
	struct hk_list *to = app->nhosts ? &app->local : &app->list;
	hk_list_free(to);
	*to = fresh;
	hk_list_screen_merge(app);
}

/* The CPU time a full listing takes: the median of the last five. */
static long long list_cost_ms(const struct hk_app *app)
{
	size_t n = app->list_costs < HK_ARRAY_SIZE(app->list_cost_us)
			   ? app->list_costs
			   : HK_ARRAY_SIZE(app->list_cost_us);
	long long v[HK_ARRAY_SIZE(app->list_cost_us)];
	memcpy(v, app->list_cost_us, n * sizeof(*v));
	for (size_t i = 1; i < n; i++) /* insertion sort of five */
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			long long x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n ? v[n / 2] / 1000 : 0;
}

/* A full listing is due each tick while it is cheap (tens of containers
 * list in a few milliseconds); with hundreds it comes less often, so that
 * listing takes at most 1/LIST_CPU_SHARE of one CPU (0.25 %: a listing of
 * 1,000 containers that costs 35 ms comes every 14 s), never less often
 * than every LIST_MAX_MS; [tui] rescan = MS sets the interval instead.
 * Changes a watch sees (a start, a stop, a create, a destroy of hako's
 * own) list at once whatever the interval; what no watch sees (another
 * program starting a container, a config edited in place, a container
 * nested in another) waits for it.  With no watch, or while a row is
 * BUSY, every tick lists. */
#define LIST_CPU_SHARE 400
#define LIST_MAX_MS    30000
static bool list_due(const struct hk_app *app, const struct hk_list *l)
{
	if (!app->list_costs || hk_store_watch_fd(app->watch) < 0 ||
	    hk_store_watch_recheck_ms(l, INT_MAX) != INT_MAX)
		return true;
	long long every = app->rescan_ms >= 0 ? app->rescan_ms : list_cost_ms(app) * LIST_CPU_SHARE;
	if (app->rescan_ms < 0 && every > LIST_MAX_MS)
		every = LIST_MAX_MS;
	if (every < (long long)app->refresh_ms)
		every = app->refresh_ms;
	/* a tick comes a refresh after the last one ended: allow for that */
	return hk_now_ms() >= app->listed_ms + every - app->refresh_ms / 4;
}

/* Usage columns sort by figures the tick must read for every row. */
static bool usage_sorted(const struct hk_app *app)
{
	size_t n;
	const struct hkw_column *cols = hk_list_screen_columns(app, &n);
	size_t c = hkw_table_sort_col(app->table);
	return c < n && cols[c].desc;
}

void hk_list_screen_tick(struct hk_app *app)
{
	struct hk_list *l = app->nhosts ? &app->local : &app->list;
	if ((app->nhosts && !app->show_local) || list_due(app, l)) {
		hk_list_screen_refresh(app);
		return;
	}
	bool all = usage_sorted(app);
	/* the watch lists again at each state file rewrite it sees */
	bool watched = hk_store_watch_sees_states(app->watch);
	for (size_t i = 0; i < l->n; i++) {
		struct hk_list_row *r = &l->rows[i];
		if (r->depth || !hk_state_is_active(r->state) ||
		    (!all && !hkw_table_shown(app->table, r->name)))
			continue;
		if (hk_list_row_update(app->st, r, watched)) { /* stopped, or started again */
			hk_list_screen_refresh(app);
			return;
		}
		/* one host: the table's row of it, its cells set again */
		if (!app->nhosts && app->table_row[i] != SIZE_MAX) {
			read_usage(app, i);
			set_cells(app, i, app->table_row[i]);
		}
	}
	if (app->nhosts)
		hk_list_screen_merge(app); /* the other hosts' rows, copied again */
	else if (all)
		hkw_table_sort(app->table);
}

/* Where the rows come from: HOSTNAME:PATH, or over many hosts how many
 * and which are down ("3 hosts, down: web3"). */
static char *where(const struct hk_app *app)
{
	if (!app->nhosts) {
		hk_autofree char *host = hk_sanitize_line(app->hostname);
		hk_autofree char *path = hk_sanitize_line(hk_store_path(app->st));
		return xasprintf("%s:%s", host, path);
	}
	struct hk_buf down = { 0 }, first = { 0 };
	size_t nd = hk_app_hosts_down(app, false, &down);
	size_t nc = hk_app_hosts_down(app, true, &first);
	hk_buf_puts(&down, "");
	hk_buf_puts(&first, "");
	hk_autofree char *d = hk_sanitize_line(down.data), *c = hk_sanitize_line(first.data);
	hk_buf_free(&down);
	hk_buf_free(&first);
	return xasprintf("%zu host%s%s%s%s%s", app->nhosts, app->nhosts == 1 ? "" : "s",
			 nd ? ", down: " : "", nd ? d : "", nc ? ", connecting: " : "",
			 nc ? c : "");
}

void hk_list_screen_draw_header(struct hk_app *app, struct hkw_canvas *c)
{
	hk_autofree char *from = where(app);
	const char *layout = app->cg_ok ? hk_cgroup_layout_name(app->cg.layout) : "no cgroups";
	hk_autofree char *who = hk_store_is_root(app->st)
					? xstrdup("root")
					: xasprintf("user %s", hk_store_user(app->st));
	hk_autofree char *filter = app->filter ? hk_sanitize_line(app->filter) : NULL;
	size_t marked = hkw_table_mark_count(app->table);
	/* Marks show as a colour, which a monochrome terminal may not have. */
	hk_autofree char *marks = marked ? xasprintf("  %zu marked", marked) : xstrdup("");
	hk_autofree char *line =
		xasprintf(" hako  %s  cgroup:%s  %u running, %u stopped%s  %s  every %.1fs%s%s%s",
			  from, layout, app->running, app->stopped, marks, who,
			  app->refresh_ms / 1000.0, filter ? "  filter:/" : "",
			  filter ? filter : "", app->read_only ? "  [read-only]" : "");
	hkw_text_pad(c, 0, 0, c->w, HKW_HEADER, line);
}
