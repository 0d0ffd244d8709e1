/* cmd-setup-user.c - `hako setup-user USER` (root). */
#include <getopt.h>
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

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { HK_CLI_COMMON_LONG,
					      { "nics", required_argument, NULL, 'n' },
					      { "bridge", required_argument, NULL, 'b' },
					      { "no-linger", no_argument, NULL, 'L' },
					      { NULL, 0, NULL, 0 } };
	struct hk_setup_user_opts o = { 0 };
	unsigned long n;
	int opt;
	while ((opt = getopt_long(argc, argv, HK_CLI_COMMON_SHORT "n:b:", opts, NULL)) != -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		if (opt == 'n' && hk_parse_ulong(optarg, &n) && n >= 1 && n <= 4096)
			o.nics = (unsigned)n;
		else if (opt == 'b')
			o.bridge = optarg;
		else if (opt == 'L')
			o.no_linger = true;
		else
			return hk_cli_usage(&hk_cmd_setup_user);
	}
	if (optind != argc - 1)
		return hk_cli_usage(&hk_cmd_setup_user);
	hk_autostore st = o.bridge ? NULL : hk_cli_store(cli);
	if (st)
		o.bridge = hk_store_settings(st)->bridge;
	hk_autoerr err = NULL;
	bool todo = false;
	if (hk_setup_user(argv[optind], &o, print_line, &todo, &err) < 0)
		return hk_cli_fail(err);
	if (todo)
		printf("User \"%s\" can now create unprivileged containers; starting them with cgroups "
		       "needs the step marked todo.\n", argv[optind]);
	else
		printf("User \"%s\" can now create and start unprivileged containers.\n", argv[optind]);
	return 0;
}

const struct hk_cmd hk_cmd_setup_user = {
	.name = "setup-user",
	.summary = "give an ordinary user sub-ids, delegated cgroups and veths (root)",
	.usage = "USER [-n COUNT] [-b BRIDGE] [--no-linger]",
	.run = run,
};
