/* cmd-destroy.c - `hako destroy NAME [-P PATH] [-f]` (lxc-destroy's
 * -n NAME works too). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "create.h"

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'f'},
		{"snapshots", no_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		HK_CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	const char *name = NULL;
	unsigned flags = 0;
	int opt;
	while ((opt = getopt_long(argc, argv, "n:fsqh" HK_CLI_COMMON_SHORT, opts, NULL)) != -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'f':
			flags |= HK_DESTROY_FORCE;
			break;
		case 's':
			flags |= HK_DESTROY_SNAPSHOTS;
			break;
		case 'q':
			cli->quiet = true;
			break;
		case 'h':
			printf("usage: hako destroy %s\n", hk_cmd_destroy.usage);
			return 0;
		default:
			return hk_cli_usage(&hk_cmd_destroy);
		}
	}
	if (!name && optind < argc)
		name = argv[optind++];
	if (!name || optind != argc)
		return hk_cli_usage(&hk_cmd_destroy);

	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr err = NULL;
	if (hk_destroy(st, name, flags, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("Destroyed container \"%s\" in %s\n", name, hk_store_path(st));
	return 0;
}

const struct hk_cmd hk_cmd_destroy = {
	.name = "destroy",
	.alias = NULL,
	.summary = "remove a stopped container and its rootfs",
	.usage = "NAME [-P PATH] [-f] [-s] [-q]",
	.run = run,
};
