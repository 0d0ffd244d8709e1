/* cmd-stop.c - `hako stop NAME [-t SECONDS] [-k] [-r] [-P PATH]`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "lifecycle.h"
#include "util.h"

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		HK_CLI_COMMON_LONG,
		{ "timeout", required_argument, NULL, 't' },
		{ "kill", no_argument, NULL, 'k' },
		{ "reboot", no_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct hk_stop_opts so = { .timeout_s = 30 };
	const char *name = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, HK_CLI_COMMON_SHORT "t:krn:", opts, NULL)) != -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		unsigned long t;
		switch (opt) {
		case 't':
			if (!hk_parse_ulong(optarg, &t) || t == 0 || t > 86400) {
				fprintf(stderr, "hako: error: -t \"%s\": give the timeout in seconds (1-86400)\n",
					optarg);
				return 2;
			}
			so.timeout_s = (unsigned)t;
			break;
		case 'k':
			so.kill = true;
			break;
		case 'r':
			so.reboot = true;
			break;
		case 'n':
			name = optarg;
			break;
		default:
			return hk_cli_usage(&hk_cmd_stop);
		}
	}
	if (!name && optind < argc)
		name = argv[optind++];
	if (!name || optind != argc)
		return hk_cli_usage(&hk_cmd_stop);
	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr err = NULL;
	if (hk_stop(st, name, &so, &err) < 0)
		return hk_cli_fail(err);
	return 0;
}

const struct hk_cmd hk_cmd_stop = {
	.name = "stop",
	.summary = "stop a container: halt signal, then kill after -t seconds (-k at once, -r reboot)",
	.usage = "NAME [-t SECONDS] [-k] [-r] [-P PATH]",
	.run = run,
};
