/* app.h - the dashboard: what `hako` with no subcommand opens. */
#ifndef HAKO_APP_H
#define HAKO_APP_H

#include <stdbool.h>

struct hk_app_opts {
	const char *lxcpath; /* -P, NULL = default */
	const char *theme;   /* --theme, NULL = hako.conf [tui] theme */
	bool read_only;	     /* --read-only: shows everything, changes nothing */
	bool mouse;	     /* --mouse */
	const char *remote;  /* --remote NAME[,NAME...]|local|all, NULL: this host alone */
};

/* Runs until the user quits; returns the exit status for main(). */
int hk_app_run(const struct hk_app_opts *o);

#endif
