/* screen-details-remote.c - the details tabs of a remote's row
 * (HOST:NAME, `hako --remote`).  Info, Config and Console log are what
 * the remote hako prints for `hako info`, `hako config` and `hako
 * console --log`, fetched over the host's connection when the tab opens
 * and again at most every HK_APP_FETCH_MS; Cgroups and ID maps show what
 * the row's JSON carries (memory, CPU time, pids; the id map in host
 * ids), since the cgroup tree and the
 * sub-id files are the remote's own (hako(1) says so).  A host that is
 * down shows why, with the ssh command that fixes it, and the row as it
 * was last seen.  All remote text is sanitised. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-internal.h"
#include "sanitize.h"

#define FETCH_MS 3000u /* a tab is drawn in the loop: never wait long */

static void line(struct hk_app *app, int role, const char *text)
{
	hk_autofree char *safe = hk_sanitize_line(text);
	hkw_textview_add(app->text, role, safe);
}

static void kv(struct hk_app *app, const char *label, const char *value)
{
	hk_autofree char *l = xasprintf("  %-16s %s", label, value ? value : "-");
	line(app, HKW_NORMAL, l);
}

/* text in lines of at most the view's width, broken at spaces: a host's
 * reason ends with the command that fixes it, which must not be cut */
static void wrapped(struct hk_app *app, int role, const char *text)
{
	hk_autofree char *safe = hk_sanitize_line(text);
	size_t width = app->canvas.base.w > 24 ? (size_t)app->canvas.base.w - 4 : 20;
	const char *p = safe;
	while (*p) {
		size_t n = strlen(p);
		if (n > width) {
			n = width;
			while (n > width / 2 && p[n] != ' ')
				n--;
			if (p[n] != ' ')
				n = width;
		}
		hk_autofree char *l = xasprintf("  %.*s", (int)n, p);
		hkw_textview_add(app->text, role, l);
		p += n;
		while (*p == ' ')
			p++;
	}
}

static void host_lines(struct hk_app *app, const struct hk_app_host *h)
{
	hk_autofree char *url = hk_remote_url(&h->r);
	hk_autofree char *where = xasprintf("%s (%s%s%s)", h->name, url, h->r.path ? " path=" : "",
					    h->r.path ? h->r.path : "");
	kv(app, "Host", where);
	if (!hk_app_host_up(h)) {
		kv(app, "Reachable", "no: its rows are as last seen");
		wrapped(app, HKW_ERROR, h->why ? h->why : "not connected yet");
	} else {
		kv(app, "Remote hako", hk_rwatch_version(h->w));
	}
	hkw_textview_add(app->text, HKW_NORMAL, "");
}

/* `hako ARGS` on the host, its output as lines; false when it failed
 * (the error is shown).  The output is kept for HK_APP_FETCH_MS: the tab
 * is rebuilt on every refresh, and each fetch is a round trip the
 * screen waits for. */
static bool remote_text(struct hk_app *app, const char *key, const char *const *args)
{
	size_t tab = hkw_tabs_active(app->tabs);
	long long now = hk_now_ms();
	bool fresh = app->fetched && app->fetched_key && strcmp(app->fetched_key, key) == 0 &&
		     app->fetched_tab == tab && now - app->fetched_ms < HK_APP_FETCH_MS;
	if (!fresh) {
		hk_autoerr struct hk_error *err = NULL;
		char *out = NULL;
		free(app->fetched);
		app->fetched = NULL;
		if (hk_app_remote_run(app, key, args, FETCH_MS, &out, &err) < 0) {
			hk_autofree char *m = hk_error_render(err);
			line(app, HKW_ERROR, m);
			return false;
		}
		app->fetched = out ? out : xstrdup("");
		free(app->fetched_key);
		app->fetched_key = xstrdup(key);
		app->fetched_tab = tab;
		app->fetched_ms = now;
	}
	hk_autofree char *copy = xstrdup(app->fetched);
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		line(app, HKW_NORMAL, l);
	return true;
}

static void row_lines(struct hk_app *app, const struct hk_list_row *r)
{
	hk_autofree char *mem = r->mem_bytes >= 0 ? xasprintf("%lld bytes", r->mem_bytes) : NULL;
	hk_autofree char *cpu = r->cpu_seconds >= 0 ? xasprintf("%.2f s", r->cpu_seconds) : NULL;
	hk_autofree char *pids = r->pids >= 0 ? xasprintf("%lld", r->pids) : NULL;
	kv(app, "State (last seen)", hk_state_name(r->state));
	kv(app, "Memory", mem);
	kv(app, "CPU time", cpu);
	kv(app, "Pids", pids);
}

void hk_details_fill_remote(struct hk_app *app, const struct hk_list_row *r, size_t tab)
{
	const char *name = NULL;
	const struct hk_app_host *h = hk_app_host_of(app, r->name, &name);
	if (!h)
		return;
	host_lines(app, h);
	bool up = hk_app_host_up(h);
	switch (tab) {
	case HK_TAB_INFO:
		if (!up || !remote_text(app, r->name, (const char *[]){ "info", "{}", NULL }))
			row_lines(app, r);
		break;
	case HK_TAB_CGROUPS:
		line(app, HKW_HEADER,
		     "From the list (the cgroup tree is the remote's: run "
		     "`hako cgroup` there)");
		row_lines(app, r);
		break;
	case HK_TAB_IDMAPS:
		line(app, HKW_HEADER,
		     "The id map in the remote's host ids (its sub-id ranges "
		     "are the remote's)");
		kv(app, "ID map", r->idmap_host ? r->idmap_host : "none: ids as on the host");
		break;
	case HK_TAB_CONFIG:
		if (up)
			remote_text(app, r->name, (const char *[]){ "config", "{}", NULL });
		break;
	case HK_TAB_LOG:
		if (up)
			remote_text(app, r->name,
				    (const char *[]){ "console", "--log", "{}", NULL });
		break;
	default:
		break;
	}
}
