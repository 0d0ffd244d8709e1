/* cmd-rename.c - `hako rename OLD NEW` (also -n OLD -N NEW), like
 * lxc-copy -R; `hako clone -R` comes here too. */
#include <stdio.h>

#include "cli.h"
#include "rename.h"

static const struct hk_opt opts[] = {
	{ 'N', "newname", "NEW", "the new name (or NEW as the word after OLD)" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	if (key != 'N')
		return 2;
	*(const char **)ctx = arg;
	return 0;
}

int hk_cli_rename(struct hk_cli *cli, const char *old, const char *new_name)
{
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_rename(st, old, new_name, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("Renamed \"%s\" to \"%s\" in %s\n", old, new_name, hk_store_path(st));
	return 0;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	const char *new_name = NULL;
	int status, rest = hk_cli_parse(cli, &hk_cmd_rename, argc, argv, &new_name, &status);
	if (rest < 0)
		return status;
	if (!new_name && rest < argc)
		new_name = argv[rest++];
	if (!new_name || rest != argc)
		return hk_cli_usage(&hk_cmd_rename);
	return hk_cli_rename(cli, cli->name, new_name);
}

const struct hk_cmd hk_cmd_rename = {
	.name = "rename",
	.summary = "give a stopped container another name (like lxc-copy -R)",
	.args = "NEW",
	.more = "[OPTION]... -n OLD -N NEW   (lxc-copy -R)",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
