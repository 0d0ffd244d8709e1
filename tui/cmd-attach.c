/* cmd-attach.c - `hako attach NAME [-u USER] [-g GROUP] [--keep-env]
 * [-v VAR=VALUE]... [-- CMD ARGS...]`, like lxc-attach: exits with CMD's
 * status.  Options and words may mix before `--`; everything after it is
 * CMD's, options included. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "timing.h"
#include "util.h"

enum { OPT_KEEP_ENV = HK_OPT_LONG_ONLY(0), OPT_TIMING = HK_OPT_LONG_ONLY(1) };

static const struct hk_opt opts[] = {
	{ 'u', "uid", "USER", "run as this user: a number or a name" },
	{ 'g', "gid", "GROUP", "run as this group: a number or a name" },
	{ OPT_KEEP_ENV, "keep-env", NULL, "keep this environment (default: only TERM)" },
	{ 'v', "set-var", "VAR=VALUE", "set VAR in CMD's environment (repeatable)" },
	{ OPT_TIMING, "timing", NULL, "print each step with its wall time (stderr)" },
	{ 0 },
};

struct attach_args {
	struct hk_attach_opts o;
	struct hk_strv env; /* -v */
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct attach_args *a = ctx;
	struct hk_attach_opts *o = &a->o;
	switch (key) {
	case 'u':
		o->user = arg;
		return 0;
	case 'g':
		o->group = arg;
		return 0;
	case OPT_KEEP_ENV:
		o->keep_env = true;
		return 0;
	case OPT_TIMING:
		hk_timing_enable();
		return 0;
	case 'v':
		if (!strchr(arg, '=') || arg[0] == '=') {
			fprintf(stderr, "hako: error: -v \"%s\": expected VAR=VALUE\n", arg);
			return 2;
		}
		hk_strv_push(&a->env, arg);
		return 0;
	}
	return 2;
}

/* Parses and attaches; run() owns the -v list. */
static int attach(struct hk_cli *cli, int argc, char **argv, struct attach_args *a)
{
	struct hk_attach_opts *o = &a->o;
	int status, rest = hk_cli_parse(cli, &hk_cmd_attach, argc, argv, a, &status);
	if (rest < 0)
		return status;
	/* getopt skips the `--` before CMD; one left here (POSIXLY_CORRECT,
	 * or a second `--`) is not part of CMD either. */
	if (rest < argc && strcmp(argv[rest], "--") == 0)
		rest++;
	if (strcmp(cli->name, "--") == 0)
		return hk_cli_usage(&hk_cmd_attach);
	o->argv = rest < argc ? argv + rest : NULL;
	o->pty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	int code = 0;
	hk_timing_add("store", hk_timing_last());
	int rc = hk_attach(st, cli->name, o, &code, &err);
	hk_cli_timing_print("attach", cli->name);
	if (rc < 0)
		return hk_cli_fail(err);
	return code;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct attach_args a = { 0 };
	a.o.env = &a.env;
	int rc = attach(cli, argc, argv, &a);
	hk_strv_clear(&a.env);
	return rc;
}

const struct hk_cmd hk_cmd_attach = {
	.name = "attach",
	.summary = "run a command (or a login shell) inside a running container",
	.args = "[-- CMD [ARGS...]]",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
