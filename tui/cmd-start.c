/* cmd-start.c - `hako start NAME [-F] [-s KEY=VALUE]... [-P PATH]`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clone.h"
#include "create.h"
#include "console.h"
#include "lifecycle.h"
#include "util.h"

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		HK_CLI_COMMON_LONG,
		{ "foreground", no_argument, NULL, 'F' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "define", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "logfile", required_argument, NULL, 'o' },
		{ "logpriority", required_argument, NULL, 'l' },
		{ "ephemeral", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct hk_strv overrides = { 0 };
	const char *name = NULL, *src = NULL;
	bool foreground = false, ephemeral = false;
	int opt;
	while ((opt = getopt_long(argc, argv, HK_CLI_COMMON_SHORT "Fds:n:o:l:e", opts, NULL)) != -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'F':
			foreground = true;
			break;
		case 'd':
			foreground = false;
			break;
		case 's':
			hk_strv_push(&overrides, optarg);
			break;
		case 'n':
			name = optarg;
			break;
		case 'e':
			ephemeral = true;
			break;
		case 'o':
		case 'l':
			if (hk_cli_log_opt(opt, optarg) < 0) {
				hk_strv_clear(&overrides);
				return 2;
			}
			break;
		default:
			hk_strv_clear(&overrides);
			return hk_cli_usage(&hk_cmd_start);
		}
	}
	/* --ephemeral SRC [-n NAME]: an overlay clone that goes when it stops. */
	if (ephemeral && optind < argc)
		src = argv[optind++];
	if (!name && !ephemeral && optind < argc)
		name = argv[optind++];
	if ((!name && !src) || optind != argc) {
		hk_strv_clear(&overrides);
		return hk_cli_usage(&hk_cmd_start);
	}
	hk_autostore st = hk_cli_store(cli);
	if (!st) {
		hk_strv_clear(&overrides);
		return 1;
	}
	hk_autoerr err = NULL;
	hk_autofree char *made = NULL;
	if (src) {
		struct hk_clone_opts co = { .src = src, .dst = name, .ephemeral = true, .snapshot = true };
		if (hk_clone(st, &co, &made, &err) < 0) {
			hk_strv_clear(&overrides);
			return hk_cli_fail(err);
		}
		name = made;
	}
	struct hk_start_opts so = { .overrides = &overrides };
	pid_t pid = 0;
	int rc = hk_start(st, name, &so, &pid, &err);
	hk_strv_clear(&overrides);
	if (rc < 0) {
		if (made)
			hk_destroy(st, made, 0, NULL);
		return hk_cli_fail(err);
	}
	if (made && !cli->quiet)
		printf("Started ephemeral container \"%s\" (destroyed when it stops)\n", made);
	if (!foreground)
		return 0;
	/* Foreground: this terminal becomes the console until the container
	 * stops or the escape sequence detaches; from its first byte (the
	 * replay is this start's own output), filtered as hako.conf says. */
	struct hk_console_opts co;
	hk_console_opts_init(&co, st);
	co.replay = true;
	int status = 0;
	if (hk_console_run(st, name, &co, &status, &err) < 0)
		return hk_cli_fail(err);
	return status;
}

const struct hk_cmd hk_cmd_start = {
	.name = "start",
	.summary = "start a container (-F: with this terminal as its console)",
	.usage = "NAME [-F] [-s KEY=VALUE]... [--logfile FILE] [--logpriority LEVEL] [-P PATH]\n       hako start --ephemeral SRC [-n NAME] [-F] ...",
	.run = run,
};
