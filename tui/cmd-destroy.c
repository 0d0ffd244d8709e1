/* cmd-destroy.c - `hako destroy NAME [-P PATH] [-f]` (lxc-destroy's
 * -n NAME works too). */
#include <stdio.h>

#include "cli.h"
#include "create.h"

static const struct hk_opt opts[] = {
	{ 'f', "force", NULL, "kill a running container first" },
	{ 's', "snapshots", NULL, "destroy its snapshot clones too" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	unsigned *flags = ctx;
	(void)arg;
	if (key == 'f')
		*flags |= HK_DESTROY_FORCE;
	else if (key == 's')
		*flags |= HK_DESTROY_SNAPSHOTS;
	else
		return 2;
	return 0;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	unsigned flags = 0;
	int status, rest = hk_cli_parse(cli, &hk_cmd_destroy, argc, argv, &flags, &status);
	if (rest < 0)
		return status;
	if (rest != argc)
		return hk_cli_usage(&hk_cmd_destroy);

	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_destroy(st, cli->name, flags, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("Destroyed container \"%s\" in %s\n", cli->name, hk_store_path(st));
	return 0;
}

const struct hk_cmd hk_cmd_destroy = {
	.name = "destroy",
	.summary = "remove a stopped container and its rootfs",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
