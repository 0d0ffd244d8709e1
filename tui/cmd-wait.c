/* cmd-wait.c - `hako wait NAME -s STATE[|STATE]... [-t SECONDS]`, like
 * lxc-wait: exit 0 once the container is in one of the states, 1 when
 * the timeout comes first (or on an error). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sanitize.h"
#include "util.h"
#include "wait.h"

struct wait_opts {
	const char *states;
	unsigned mask;
	int timeout_s; /* -1: no limit */
};

static const struct hk_opt opts[] = {
	{ 's', "state", "STATES", "states to wait for, joined with '|': RUNNING|FROZEN" },
	{ 't', "timeout", "SECONDS", "give up after this long (exit 1); -1 (default): never" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct wait_opts *wo = ctx;
	switch (key) {
	case 's': {
		hk_autoerr struct hk_error *err = NULL;
		if (hk_wait_parse_states(arg, &wo->mask, &err) < 0) {
			fprintf(stderr, "hako: error: -s: %s\n", err->msg);
			return 2;
		}
		wo->states = arg;
		return 0;
	}
	case 't': {
		if (strcmp(arg, "-1") == 0) {
			wo->timeout_s = -1;
			return 0;
		}
		unsigned t;
		int rc = hk_cli_opt_uint("-t", arg, 0, 31536000, "the timeout in seconds, or -1",
					 &t);
		wo->timeout_s = (int)t;
		return rc;
	}
	}
	return 2;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct wait_opts wo = { .timeout_s = -1 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_wait, argc, argv, &wo, &status);
	if (rest < 0)
		return status;
	if (rest != argc)
		return hk_cli_usage(&hk_cmd_wait);
	if (!wo.states) {
		fprintf(stderr,
			"hako: error: wait \"%s\": say which states with -s (hako wait %s -s RUNNING)\n",
			cli->name, cli->name);
		return 2;
	}
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	enum hk_state last;
	int rc = hk_wait_for(st, cli->name, wo.mask, wo.timeout_s < 0 ? -1 : wo.timeout_s * 1000,
			     &last, &err);
	if (rc < 0)
		return hk_cli_fail(err);
	if (rc == 0 && !cli->quiet) {
		hk_autofree char *want = hk_wait_states_text(wo.mask);
		fprintf(stderr, "hako: wait \"%s\": still %s after %d s (waited for %s)\n",
			cli->name, hk_state_name(last), wo.timeout_s, want);
	}
	return rc == 1 ? 0 : 1;
}

const struct hk_cmd hk_cmd_wait = {
	.name = "wait",
	.summary =
		"wait until a container is in one of some states (-s RUNNING|STOPPED), like lxc-wait",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
