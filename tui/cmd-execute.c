/* cmd-execute.c - `hako execute NAME [-d] [-s KEY=VALUE]... [-u UID]
 * [-g GID] [-- CMD [ARGS...]]`, like lxc-execute: CMD (or the words of
 * lxc.execute.cmd) runs in the stopped container NAME under hako's small
 * init, with this process's stdin, stdout and stderr, and its exit status
 * is CMD's (128+N when signal N killed it).  Options and words may mix
 * before `--`; everything after it is CMD's. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "execute.h"
#include "util.h"

static const struct hk_opt opts[] = {
	{ 'd', "daemon", NULL, "in the background, the console as stdio" },
	{ 's', "define", "KEY=VALUE", "set a config key for this run only" },
	{ 'u', "uid", "UID", "CMD's user id (default lxc.init.uid, else 0)" },
	{ 'g', "gid", "GID", "CMD's group id (default lxc.init.gid, else 0)" },
	{ 0 },
};

struct execute_args {
	struct hk_strv overrides;
	struct hk_execute_opts o;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct execute_args *a = ctx;
	unsigned id;
	switch (key) {
	case 'd':
		a->o.daemon = true;
		return 0;
	case 's':
		hk_strv_push(&a->overrides, arg);
		return 0;
	case 'u':
	case 'g':
		if (hk_cli_opt_uint(key == 'u' ? "-u" : "-g", arg, 0, 4294967294U,
				    "a numeric id inside the container", &id) != 0)
			return 2;
		*(key == 'u' ? &a->o.uid : &a->o.gid) = (long)id;
		return 0;
	}
	return 2;
}

static int execute(struct hk_cli *cli, int argc, char **argv, struct execute_args *a)
{
	int status, rest = hk_cli_parse(cli, &hk_cmd_execute, argc, argv, a, &status);
	if (rest < 0)
		return status;
	/* getopt skips the `--` before CMD; one left here (POSIXLY_CORRECT,
	 * or a second `--`) is not part of CMD either. */
	if (rest < argc && strcmp(argv[rest], "--") == 0)
		rest++;
	if (strcmp(cli->name, "--") == 0)
		return hk_cli_usage(&hk_cmd_execute);
	a->o.argv = rest < argc ? argv + rest : NULL; /* none: lxc.execute.cmd */
	a->o.overrides = &a->overrides;
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	int code = 0;
	if (hk_execute(st, cli->name, &a->o, &code, &err) < 0)
		return hk_cli_fail(err);
	return code;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct execute_args a = { .o = { .uid = -1, .gid = -1 } };
	int rc = execute(cli, argc, argv, &a);
	hk_strv_clear(&a.overrides);
	return rc;
}

const struct hk_cmd hk_cmd_execute = {
	.name = "execute",
	.summary =
		"run one command as a stopped container's application, under a small init, like lxc-execute",
	.args = "[-- CMD [ARGS...]]",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
