/* autostart.c - which containers lxc.start.auto starts, and in what order
 * (autostart.h). */
#include "autostart.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

void hk_autostart_plan_free(struct hk_autostart_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i].name);
	free(p->v);
	hk_strv_clear(&p->bad);
	memset(p, 0, sizeof(*p));
}

void hk_autostart_add_groups(struct hk_autostart_sel *sel, const char *arg)
{
	const char *p = arg;
	for (;;) {
		size_t len = strcspn(p, ",");
		hk_strv_push_owned(&sel->groups, xstrndup(p, len));
		if (!p[len])
			return;
		p += len + 1;
	}
}

static bool in_group(const struct hk_config *cfg, const char *group)
{
	if (!*group)
		return cfg->groups.n == 0;
	return hk_strv_contains(&cfg->groups, group);
}

static int by_order(const void *a, const void *b)
{
	const struct hk_autostart_item *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool planned(const struct hk_autostart_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return true;
	return false;
}

/* Appends the containers of one group (every one with all), in order. */
static void add_group(struct hk_store *st, const struct hk_strv *names,
		      const struct hk_autostart_sel *sel, const char *group, unsigned index,
		      struct hk_autostart_plan *out)
{
	size_t first = out->n;
	for (size_t i = 0; i < names->n; i++) {
		const struct hk_config *cfg = hk_store_config(st, names->v[i], NULL);
		if (!cfg || planned(out, names->v[i]))
			continue;
		if (!sel->ignore_auto && !cfg->start_auto)
			continue;
		if (!sel->all && !in_group(cfg, group))
			continue;
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		out->v[out->n++] =
			(struct hk_autostart_item){ xstrdup(names->v[i]), cfg->start_order,
						    cfg->start_delay, index };
	}
	qsort(out->v + first, out->n - first, sizeof(*out->v), by_order);
}

int hk_autostart_plan(struct hk_store *st, const struct hk_autostart_sel *sel,
		      struct hk_autostart_plan *out, struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	hk_autostrv struct hk_strv names = { 0 };
	if (hk_store_list(st, &names, err) < 0)
		return -1;
	for (size_t i = 0; i < names.n; i++) {
		hk_autoerr struct hk_error *e = NULL;
		if (!hk_store_config(st, names.v[i], &e)) {
			hk_autofree char *msg = hk_error_render(e);
			hk_strv_push_owned(&out->bad, xasprintf("%s: %s", names.v[i], msg));
		}
	}
	if (sel->all)
		add_group(st, &names, sel, "", 0, out); /* (the group is not looked at) */
	else if (!sel->groups.n)
		add_group(st, &names, sel, "", 0, out);
	for (size_t g = 0; !sel->all && g < sel->groups.n; g++)
		add_group(st, &names, sel, sel->groups.v[g], (unsigned)g, out);
	return 0;
}
