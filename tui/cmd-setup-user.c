/* cmd-setup-user.c - `hako setup-user USER` (root). */
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "setup-user.h"
#include "store.h"
#include "util.h"

static void print_line(void *ctx, int done, const char *what)
{
	bool *todo = ctx;
	if (done == HK_SETUP_TODO)
		*todo = true;
	printf("  [%s] %s\n", done == HK_SETUP_TODO ? "todo" : done ? "done" : " ok ", what);
}

static const struct hk_opt opts[] = {
	{ 'n', "nics", "COUNT", "grant COUNT veths (1-4096) when none are granted" },
	{ 'b', "bridge", "BRIDGE", "the veths' bridge (default: hako.conf's)" },
	{ HK_OPT_LONG_ONLY(1), "no-linger", NULL, "leave logind's linger off" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct hk_setup_user_opts *o = ctx;
	switch (key) {
	case 'n':
		return hk_cli_opt_uint("-n", arg, 1, 4096, "the number of veths", &o->nics);
	case 'b':
		o->bridge = arg;
		return 0;
	case HK_OPT_LONG_ONLY(1):
		o->no_linger = true;
		return 0;
	}
	return 2;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct hk_setup_user_opts o = { 0 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_setup_user, argc, argv, &o, &status);
	if (rest < 0)
		return status;
	if (rest != argc - 1)
		return hk_cli_usage(&hk_cmd_setup_user);
	const char *user = argv[rest];
	hk_autostore struct hk_store *st = o.bridge ? NULL : hk_cli_store(cli);
	if (st)
		o.bridge = hk_store_settings(st)->bridge;
	hk_autoerr struct hk_error *err = NULL;
	bool todo = false;
	if (hk_setup_user(user, &o, print_line, &todo, &err) < 0)
		return hk_cli_fail(err);
	if (todo)
		printf("User \"%s\" can now create unprivileged containers; starting them with cgroups "
		       "needs the step marked todo.\n",
		       user);
	else
		printf("User \"%s\" can now create and start unprivileged containers.\n", user);
	return 0;
}

const struct hk_cmd hk_cmd_setup_user = {
	.name = "setup-user",
	.summary = "give an ordinary user sub-ids, delegated cgroups and veths (root)",
	.args = "USER",
	.opts = opts,
	.on_opt = on_opt,
	.run = run,
};
