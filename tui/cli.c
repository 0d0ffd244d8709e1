/* cli.c - shared helpers of the subcommands: error printing, store. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "util.h"

int hk_cli_fail(const struct hk_error *err)
{
	hk_autofree char *msg = hk_error_render(err);
	fprintf(stderr, "hako: error: %s\n", msg);
	return 1;
}

int hk_cli_usage(const struct hk_cmd *cmd)
{
	fprintf(stderr, "hako: error: usage: hako %s %s\n", cmd->name, cmd->usage);
	fprintf(stderr, "hako: see 'man hako' or 'hako help %s'\n", cmd->name);
	return 2;
}

struct hk_store *hk_cli_store(const struct hk_cli *cli)
{
	hk_autoerr err = NULL;
	struct hk_store *st = NULL;
	if (hk_store_open(cli->lxcpath, &st, &err) < 0) {
		hk_cli_fail(err);
		return NULL;
	}
	return st;
}

bool hk_cli_common_opt(struct hk_cli *cli, int opt, const char *arg)
{
	if (opt == 'P') {
		cli->lxcpath = arg;
		return true;
	}
	return false;
}
