/* cmd-freeze.c - `hako freeze NAME` and `hako unfreeze NAME` (alias thaw),
 * like lxc-freeze and lxc-unfreeze. */
#include <stdio.h>

#include "cli.h"
#include "lifecycle.h"
#include "util.h"

static int run_common(struct hk_cli *cli, int argc, char **argv, const struct hk_cmd *cmd,
		      bool freeze)
{
	int status, rest = hk_cli_parse(cli, cmd, argc, argv, NULL, &status);
	if (rest < 0)
		return status;
	if (rest != argc)
		return hk_cli_usage(cmd);
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_freeze(st, cli->name, freeze, &err) < 0)
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
	.flags = HK_CMD_NAMED,
	.run = run_freeze,
};

const struct hk_cmd hk_cmd_unfreeze = {
	.name = "unfreeze",
	.alias = "thaw",
	.summary = "thaw a frozen container",
	.flags = HK_CMD_NAMED,
	.run = run_unfreeze,
};
