/* cmd-stop.c - `hako stop NAME [-t SECONDS] [-k] [-r]`, like lxc-stop. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "lifecycle.h"
#include "timing.h"

enum { OPT_TIMING = HK_OPT_LONG_ONLY(0) };
#include "util.h"

static const struct hk_opt opts[] = {
	{ 't', "timeout", "SECONDS", "wait for a clean halt this long (default 30)" },
	{ 'k', "kill", NULL, "kill at once: no halt signal" },
	{ 'r', "reboot", NULL, "reboot: a new init in the same container" },
	{ OPT_TIMING, "timing", NULL, "print each step with its wall time (stderr)" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct hk_stop_opts *so = ctx;
	switch (key) {
	case 't':
		return hk_cli_opt_uint("-t", arg, 1, 86400, "the timeout in seconds",
				       &so->timeout_s);
	case 'k':
		so->kill = true;
		return 0;
	case 'r':
		so->reboot = true;
		return 0;
	case OPT_TIMING:
		hk_timing_enable();
		return 0;
	}
	return 2;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct hk_stop_opts so = { .timeout_s = 30 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_stop, argc, argv, &so, &status);
	if (rest < 0)
		return status;
	if (rest != argc)
		return hk_cli_usage(&hk_cmd_stop);
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	hk_timing_add("store", hk_timing_last());
	int rc = hk_stop(st, cli->name, &so, &err);
	hk_cli_timing_print("stop", cli->name);
	if (rc < 0)
		return hk_cli_fail(err);
	return 0;
}

const struct hk_cmd hk_cmd_stop = {
	.name = "stop",
	.summary =
		"stop a container: halt signal, then kill after -t seconds (-k at once, -r reboot)",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
