/* autostart.h - lxc-autostart's selection and order: the containers of a
 * path with lxc.start.auto set, by lxc.group, in lxc.start.order, with
 * lxc.start.delay after each start; `hako autostart` and the boot unit
 * (hako-autostart.service) act on the list this makes.
 *
 * Selection, as lxc-autostart's: groups are taken in the order given, ""
 * being the NULL group (containers without any lxc.group); no group given
 * means the NULL group; all ignores lxc.group; ignore_auto takes
 * containers without lxc.start.auto too.  Within a group: lower
 * lxc.start.order first, then by name; a container in several selected
 * groups comes once, with the first.  Shutting down and killing go group
 * by group in the same order, each group the other way round (as
 * lxc-autostart does); rebooting goes in start order. */
#ifndef HAKO_AUTOSTART_H
#define HAKO_AUTOSTART_H

#include <stdbool.h>

#include "error.h"
#include "store.h"
#include "util.h"

struct hk_autostart_sel {
	struct hk_strv groups; /* "" = the NULL group; none given: the NULL group */
	bool all;	       /* -a: every group */
	bool ignore_auto;      /* -A: lxc.start.auto not needed */
};

struct hk_autostart_item {
	char *name;
	long order;	/* lxc.start.order */
	unsigned delay; /* lxc.start.delay, seconds */
	unsigned group; /* which selected group brought it: 0, 1 ... */
};

struct hk_autostart_plan {
	struct hk_autostart_item *v;
	size_t n;
	struct hk_strv bad; /* "NAME: why" for configs that do not parse (skipped) */
};
void hk_autostart_plan_free(struct hk_autostart_plan *p);

/* The selected containers of st, in start order. */
int hk_autostart_plan(struct hk_store *st, const struct hk_autostart_sel *sel,
		      struct hk_autostart_plan *out, struct hk_error **err);

/* Adds the groups of a -g argument ("onboot,db" ; ",onboot" and "a,,b"
 * hold the NULL group, as does an empty argument). */
void hk_autostart_add_groups(struct hk_autostart_sel *sel, const char *arg);

#endif
