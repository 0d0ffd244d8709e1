/* cmd-start.c - `hako start NAME [-F] [-s KEY=VALUE]...` and `hako start
 * --ephemeral SRC [-n NAME]`, like lxc-start and lxc-copy -e. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "clone.h"
#include "create.h"
#include "console.h"
#include "lifecycle.h"
#include "timing.h"
#include "util.h"

enum { OPT_TIMING = HK_OPT_LONG_ONLY(0) };

static const struct hk_opt opts[] = {
	{ 'F', "foreground", NULL, "with this terminal as its console" },
	{ 'd', "daemon", NULL, "in the background (the default)" },
	{ 's', "define", "KEY=VALUE", "set a config key for this start only" },
	{ 'e', "ephemeral", NULL, "start an overlay clone of SRC, gone at stop" },
	{ OPT_TIMING, "timing", NULL, "print each step with its wall time (stderr)" },
	{ 0 },
};

struct start_args {
	struct hk_cli *cli;
	struct hk_strv overrides;
	bool foreground, ephemeral;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct start_args *a = ctx;
	switch (key) {
	case 'F':
	case 'd':
		a->foreground = key == 'F';
		return 0;
	case 's':
		hk_strv_push(&a->overrides, arg);
		return 0;
	case 'e':
		a->ephemeral = true;
		a->cli->name_not_first_word = true; /* the first word is SRC */
		return 0;
	case OPT_TIMING:
		hk_timing_enable();
		return 0;
	}
	return 2;
}

static int start(struct hk_cli *cli, int argc, char **argv, struct start_args *a)
{
	int status, rest = hk_cli_parse(cli, &hk_cmd_start, argc, argv, a, &status);
	if (rest < 0)
		return status;
	/* --ephemeral SRC [-n NAME]: an overlay clone that goes when it stops. */
	const char *name = cli->name, *src = NULL;
	if (a->ephemeral && rest < argc)
		src = argv[rest++];
	if ((!name && !src) || rest != argc)
		return hk_cli_usage(&hk_cmd_start);
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *made = NULL;
	if (src) {
		struct hk_clone_opts co = {
			.src = src, .dst = name, .ephemeral = true, .snapshot = true
		};
		if (hk_clone(st, &co, &made, &err) < 0)
			return hk_cli_fail(err);
		name = made;
	}
	struct hk_start_opts so = { .overrides = &a->overrides };
	pid_t pid = 0;
	hk_timing_add("store", hk_timing_last());
	int rc = hk_start(st, name, &so, &pid, &err);
	hk_cli_timing_print("start", name);
	if (rc < 0) {
		if (made)
			hk_destroy(st, made, 0, NULL);
		return hk_cli_fail(err);
	}
	if (made && !cli->quiet)
		printf("Started ephemeral container \"%s\" (destroyed when it stops)\n", made);
	if (!a->foreground)
		return 0;
	/* Foreground: this terminal becomes the console until the container
	 * stops or the escape sequence detaches; from its first byte (the
	 * replay is this start's own output), filtered as hako.conf says. */
	struct hk_console_opts co;
	hk_console_opts_init(&co, st);
	co.replay = true;
	int code = 0;
	if (hk_console_run(st, name, &co, &code, &err) < 0)
		return hk_cli_fail(err);
	return code;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct start_args a = { .cli = cli };
	int rc = start(cli, argc, argv, &a);
	hk_strv_clear(&a.overrides);
	return rc;
}

const struct hk_cmd hk_cmd_start = {
	.name = "start",
	.summary = "start a container (-F: with this terminal as its console)",
	.more = "--ephemeral SRC [-n NAME] [OPTION]...",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
