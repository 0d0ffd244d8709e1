/* cmd-clone.c - `hako clone SRC NEW [-s] [-B BACKEND] [-e] [-f] [-P PATH]`
 * (also `hako copy`; lxc-copy's -n SRC -N NEW work too). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "clone.h"
#include "cli.h"

static int parse_backend(const char *arg, enum hk_backend *out)
{
	*out = hk_backend_from_name(arg);
	if (*out != HK_BACKEND_UNSET)
		return 0;
	fprintf(stderr, "hako: error: unknown backend \"%s\" (dir, overlay, btrfs, zfs, aufs)\n",
		arg);
	return -1;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "orig", required_argument, NULL, 'o' },
		{ "newname", required_argument, NULL, 'N' },
		{ "snapshot", no_argument, NULL, 's' },
		{ "backingstorage", required_argument, NULL, 'B' },
		{ "ephemeral", no_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		HK_CLI_COMMON_LONG,
		{ NULL, 0, NULL, 0 },
	};
	struct hk_clone_opts o = { 0 };
	/* lxc-copy's -n SRC -N NEW, and old lxc-clone's -o SRC -n NEW. */
	const char *n_arg = NULL, *o_arg = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "n:N:o:sB:efqh" HK_CLI_COMMON_SHORT, opts, NULL)) !=
	       -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'n':
			n_arg = optarg;
			break;
		case 'o':
			o_arg = optarg;
			break;
		case 'N':
			o.dst = optarg;
			break;
		case 's':
			o.snapshot = true;
			break;
		case 'B':
			if (parse_backend(optarg, &o.backend) < 0)
				return 2;
			break;
		case 'e':
			o.ephemeral = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'q':
			cli->quiet = true;
			break;
		case 'h':
			printf("usage: hako clone %s\n", hk_cmd_clone.usage);
			return 0;
		default:
			return hk_cli_usage(&hk_cmd_clone);
		}
	}
	o.src = o_arg ? o_arg : n_arg;
	if (o_arg && n_arg && !o.dst)
		o.dst = n_arg;
	if (!o.src && optind < argc)
		o.src = argv[optind++];
	if (!o.dst && optind < argc)
		o.dst = argv[optind++];
	if (!o.src || (!o.dst && !o.ephemeral) || optind != argc)
		return hk_cli_usage(&hk_cmd_clone);

	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr err = NULL;
	char *made = NULL;
	if (hk_clone(st, &o, &made, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("Cloned \"%s\" to \"%s\"%s in %s\n", o.src, made,
		       o.ephemeral  ? " (ephemeral: destroyed when it stops)"
		       : o.snapshot ? " (snapshot clone)"
				    : "",
		       hk_store_path(st));
	else if (o.ephemeral && !o.dst)
		printf("%s\n", made);
	free(made);
	return 0;
}

const struct hk_cmd hk_cmd_clone = {
	.name = "clone",
	.alias = "copy",
	.summary = "copy a container, or make a snapshot clone of it",
	.usage = "SRC NEW [-s] [-B dir|overlay|btrfs|zfs|aufs] [-e] [-f] [-q] [-P PATH]\n"
		 "       hako clone -n SRC -N NEW ...   (lxc-copy), -o SRC -n NEW ...   (lxc-clone)\n"
		 "       hako clone -e SRC [NEW]   (ephemeral overlay clone)",
	.run = run,
};
