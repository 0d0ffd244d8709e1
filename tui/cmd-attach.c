/* cmd-attach.c - `hako attach NAME [-u USER] [-g GROUP] [--keep-env]
 * [-v VAR=VALUE]... [-- CMD ARGS...]`: exits with CMD's status. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "util.h"

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		HK_CLI_COMMON_LONG,
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "keep-env", no_argument, NULL, 'K' },
		{ "set-var", required_argument, NULL, 'v' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct hk_strv env = { 0 };
	struct hk_attach_opts o = { .env = &env };
	const char *name = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, HK_CLI_COMMON_SHORT "u:g:v:n:", opts, NULL)) != -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'u':
			o.user = optarg;
			break;
		case 'g':
			o.group = optarg;
			break;
		case 'K':
			o.keep_env = true;
			break;
		case 'v':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr, "hako: error: -v \"%s\": expected VAR=VALUE\n", optarg);
				hk_strv_clear(&env);
				return 2;
			}
			hk_strv_push(&env, optarg);
			break;
		case 'n':
			name = optarg;
			break;
		default:
			hk_strv_clear(&env);
			return hk_cli_usage(&hk_cmd_attach);
		}
	}
	if (!name && optind < argc && strcmp(argv[optind], "--") != 0)
		name = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (!name) {
		hk_strv_clear(&env);
		return hk_cli_usage(&hk_cmd_attach);
	}
	o.argv = optind < argc ? argv + optind : NULL;
	o.pty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	hk_autostore st = hk_cli_store(cli);
	if (!st) {
		hk_strv_clear(&env);
		return 1;
	}
	hk_autoerr err = NULL;
	int code = 0;
	int rc = hk_attach(st, name, &o, &code, &err);
	hk_strv_clear(&env);
	if (rc < 0)
		return hk_cli_fail(err);
	return code;
}

const struct hk_cmd hk_cmd_attach = {
	.name = "attach",
	.summary = "run a command (or a login shell) inside a running container",
	.usage = "NAME [-u USER] [-g GROUP] [--keep-env] [-v VAR=VALUE]... [-- CMD [ARGS...]]",
	.run = run,
};
