/* cmd-freeze.c - `hako freeze NAME` and `hako unfreeze NAME`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lifecycle.h"
#include "util.h"

static int run_common(struct hk_cli *cli, int argc, char **argv, const struct hk_cmd *cmd, bool freeze)
{
	const char *name;
	int rest = hk_cli_name_args(cli, argc, argv, cmd, &name);
	if (rest < 0)
		return 2;
	if (rest != argc)
		return hk_cli_usage(cmd);
	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr err = NULL;
	if (hk_freeze(st, name, freeze, &err) < 0)
		return hk_cli_fail(err);
	return 0;
}

static int run_freeze(struct hk_cli *cli, int argc, char **argv)
{
	return run_common(cli, argc, argv, &hk_cmd_freeze, true);
}

static int run_unfreeze(struct hk_cli *cli, int argc, char **argv)
{
	return run_common(cli, argc, argv, &hk_cmd_unfreeze, false);
}

const struct hk_cmd hk_cmd_freeze = {
	.name = "freeze",
	.summary = "freeze every process of a running container (its cgroup)",
	.usage = "NAME [-P PATH]",
	.run = run_freeze,
};

const struct hk_cmd hk_cmd_unfreeze = {
	.name = "unfreeze",
	.alias = "thaw",
	.summary = "thaw a frozen container",
	.usage = "NAME [-P PATH]",
	.run = run_unfreeze,
};
