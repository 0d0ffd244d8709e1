/* cmd-create.c - `hako create NAME -t TEMPLATE [-B BACKEND] [-f CONFIG]
 * [-- TEMPLATE-ARGS]` (lxc-create's -n NAME works too). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "create.h"
#include "template.h"

static int parse_backend(const char *arg, enum hk_backend *out)
{
	*out = hk_backend_from_name(arg);
	if (*out != HK_BACKEND_UNSET)
		return 0;
	fprintf(stderr,
		"hako: error: unknown backend \"%s\" (dir, btrfs, overlay, zfs, aufs, lvm)\n", arg);
	return -1;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},
		{"template", required_argument, NULL, 't'},
		{"bdev", required_argument, NULL, 'B'},
		{"config", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		HK_CLI_COMMON_LONG,
		{NULL, 0, NULL, 0},
	};
	struct hk_create_opts o = {.backend = HK_BACKEND_UNSET};
	int opt;
	while ((opt = getopt_long(argc, argv, "n:t:B:f:qh" HK_CLI_COMMON_SHORT, opts, NULL)) !=
	       -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'n':
			o.name = optarg;
			break;
		case 't':
			o.template_name = optarg;
			break;
		case 'B':
			if (parse_backend(optarg, &o.backend) < 0)
				return 2;
			break;
		case 'f':
			o.extra_config = optarg;
			break;
		case 'q':
			cli->quiet = true;
			break;
		case 'h':
			printf("usage: hako create %s\n", hk_cmd_create.usage);
			return 0;
		default:
			return hk_cli_usage(&hk_cmd_create);
		}
	}
	/* getopt moved the name before what followed "--": NAME comes first
	 * unless -n gave it, the rest are the template's arguments. */
	if (!o.name && optind < argc)
		o.name = argv[optind++];
	o.template_args = argv + optind;
	if (!o.name) /* a missing -t is hk_create's to explain (it lists the templates) */
		return hk_cli_usage(&hk_cmd_create);

	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr err = NULL;
	if (hk_create(st, &o, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("Created container \"%s\" (%s, %s) in %s\n", o.name, o.template_name,
		       hk_backend_name(hk_create_backend(st, &o)), hk_store_path(st));
	return 0;
}

const struct hk_cmd hk_cmd_create = {
	.name = "create",
	.alias = NULL,
	.summary = "make a container from a template (busybox)",
	.usage = "NAME -t TEMPLATE [-B dir|btrfs] [-P PATH] [-f CONFIG] [-q] [-- TEMPLATE-ARGS]",
	.run = run,
};
