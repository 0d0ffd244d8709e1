/* cmd-setup-user.c - `hako setup-user USER` (root). */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "setup-user.h"
#include "util.h"

static void print_line(void *ctx, int done, const char *what)
{
	(void)ctx;
	printf("  [%s] %s\n", done ? "done" : " ok ", what);
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { HK_CLI_COMMON_LONG, { NULL, 0, NULL, 0 } };
	int opt;
	while ((opt = getopt_long(argc, argv, HK_CLI_COMMON_SHORT, opts, NULL)) != -1)
		if (!hk_cli_common_opt(cli, opt, optarg))
			return hk_cli_usage(&hk_cmd_setup_user);
	if (optind != argc - 1)
		return hk_cli_usage(&hk_cmd_setup_user);
	hk_autoerr err = NULL;
	if (hk_setup_user(argv[optind], NULL, print_line, NULL, &err) < 0)
		return hk_cli_fail(err);
	printf("User \"%s\" can now create and start unprivileged containers.\n", argv[optind]);
	return 0;
}

const struct hk_cmd hk_cmd_setup_user = {
	.name = "setup-user",
	.summary = "give an ordinary user sub-ids and delegated cgroups (root)",
	.usage = "USER",
	.run = run,
};
