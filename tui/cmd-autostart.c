/* cmd-autostart.c - `hako autostart [-r|-s|-k|-L] [-t S] [-g GROUPS]...
 * [-a] [-A]`, like lxc-autostart: starts the containers with
 * lxc.start.auto in lxc.group / lxc.start.order / lxc.start.delay order
 * (core/autostart.h), or stops, kills or reboots them in the reverse
 * order; -L lists them.  The boot unit hako-autostart.service runs it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autostart.h"
#include "cli.h"
#include "lifecycle.h"
#include "list.h"
#include "state.h"

enum action { START, SHUTDOWN, KILL, REBOOT };

struct autostart_opts {
	struct hk_autostart_sel sel;
	enum action action;
	bool list;
	unsigned timeout_s;
};

static const struct hk_opt opts[] = {
	{ 's', "shutdown", NULL, "stop them (reverse order), killing after -t" },
	{ 'k', "kill", NULL, "kill them at once (reverse order)" },
	{ 'r', "reboot", NULL, "reboot them (reverse order)" },
	{ 'L', "list", NULL, "only list them, with each one's delay" },
	{ 't', "timeout", "SECONDS", "-s: wait this long for a halt (default 60)" },
	{ 'g', "groups", "GROUPS", "these lxc.group (comma separated, \"\" = none)" },
	{ 'a', "all", NULL, "every group" },
	{ 'A', "ignore-auto", NULL, "containers without lxc.start.auto too" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct autostart_opts *o = ctx;
	switch (key) {
	case 's':
		o->action = SHUTDOWN;
		return 0;
	case 'k':
		o->action = KILL;
		return 0;
	case 'r':
		o->action = REBOOT;
		return 0;
	case 'L':
		o->list = true;
		return 0;
	case 't':
		return hk_cli_opt_uint("-t", arg, 0, 86400, "the timeout in seconds",
				       &o->timeout_s);
	case 'g':
		hk_autostart_add_groups(&o->sel, arg);
		return 0;
	case 'a':
		o->sel.all = true;
		return 0;
	case 'A':
		o->sel.ignore_auto = true;
		return 0;
	}
	return 2;
}

static int start_one(struct hk_cli *cli, struct hk_store *st, const struct hk_autostart_item *it,
		     bool last)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_start(st, it->name, NULL, NULL, &err) < 0) {
		hk_error_prefix(&err, "autostart: start \"%s\"", it->name);
		hk_cli_fail(err);
		return -1;
	}
	if (!cli->quiet)
		printf("Started \"%s\"\n", it->name);
	fflush(stdout);
	if (it->delay && !last)
		sleep(it->delay); /* lxc.start.delay: before the next one */
	return 0;
}

static int stop_one(struct hk_cli *cli, struct hk_store *st, const struct hk_autostart_item *it,
		    const struct autostart_opts *o, bool last)
{
	struct hk_stop_opts so = { .timeout_s = o->timeout_s,
				   .kill = o->action == KILL,
				   .reboot = o->action == REBOOT };
	hk_autoerr struct hk_error *err = NULL;
	if (hk_stop(st, it->name, &so, &err) < 0) {
		hk_error_prefix(&err, "autostart: %s \"%s\"",
				o->action == REBOOT ? "reboot" : "stop", it->name);
		hk_cli_fail(err);
		return -1;
	}
	if (!cli->quiet)
		printf("%s \"%s\"\n",
		       o->action == REBOOT ? "Rebooted"
		       : o->action == KILL ? "Killed"
					   : "Stopped",
		       it->name);
	fflush(stdout);
	if (o->action == REBOOT && it->delay && !last)
		sleep(it->delay);
	return 0;
}

/* The k-th container to act on: starts and reboots in the plan's order;
 * shutdowns and kills group by group, each group backwards. */
static const struct hk_autostart_item *nth(const struct hk_autostart_plan *p, size_t k,
					   enum action a)
{
	if (a == START || a == REBOOT)
		return &p->v[k];
	size_t first = k, last = k; /* k's group: [first, last] */
	while (first > 0 && p->v[first - 1].group == p->v[k].group)
		first--;
	while (last + 1 < p->n && p->v[last + 1].group == p->v[k].group)
		last++;
	return &p->v[first + last - k];
}

/* Whether it is one to act on: not running for a start; for the rest,
 * running and hako's (another program's is left to it). */
static bool applies(struct hk_store *st, const char *name, enum action a)
{
	enum hk_runner_kind runner;
	bool active = hk_state_is_active(hk_list_state_of(st, name, &runner));
	if (a == START)
		return !active;
	return active && runner == HK_RUNNER_HAKO; /* another program's: left to it */
}

static int act(struct hk_cli *cli, struct hk_store *st, const struct hk_autostart_plan *p,
	       const struct autostart_opts *o)
{
	int failed = 0;
	for (size_t k = 0; k < p->n; k++) {
		const struct hk_autostart_item *it = nth(p, k, o->action);
		if (!applies(st, it->name, o->action))
			continue;
		bool last = k + 1 == p->n;
		if (o->list && (o->action == START || o->action == REBOOT))
			printf("%s %u\n", it->name, it->delay);
		else if (o->list)
			printf("%s\n", it->name); /* as lxc-autostart: no delay when stopping */
		else if (o->action == START)
			failed += start_one(cli, st, it, last) < 0;
		else
			failed += stop_one(cli, st, it, o, last) < 0;
	}
	return failed ? 1 : 0;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct autostart_opts o = { .timeout_s = 60 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_autostart, argc, argv, &o, &status);
	if (rest < 0 || rest != argc) {
		hk_strv_clear(&o.sel.groups);
		return rest < 0 ? status : hk_cli_usage(&hk_cmd_autostart);
	}
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st) {
		hk_strv_clear(&o.sel.groups);
		return 1;
	}
	hk_autoerr struct hk_error *err = NULL;
	struct hk_autostart_plan p;
	int rc = hk_autostart_plan(st, &o.sel, &p, &err);
	hk_strv_clear(&o.sel.groups);
	if (rc < 0)
		return hk_cli_fail(err);
	for (size_t i = 0; i < p.bad.n; i++)
		fprintf(stderr, "hako: warning: autostart: skipping %s\n", p.bad.v[i]);
	rc = act(cli, st, &p, &o);
	hk_autostart_plan_free(&p);
	return rc;
}

const struct hk_cmd hk_cmd_autostart = {
	.name = "autostart",
	.summary = "start (or -s stop) the lxc.start.auto containers in order, like lxc-autostart",
	.opts = opts,
	.on_opt = on_opt,
	.run = run,
};
