/* cmd-checkpoint.c - `hako checkpoint NAME -D DIR [-s] [-v]` and `hako
 * restore NAME -D DIR [-F|-d] [-v]`, like lxc-checkpoint (whose
 * `-r` restores: `hako checkpoint NAME -r -D DIR` is a restore too).  As
 * lxc-checkpoint, every failure exits 1, a wrong command line included. */
#include <stdio.h>
#include <string.h>

#include "checkpoint.h"
#include "cli.h"
#include "console.h"
#include "util.h"

struct ckpt_args {
	const char *dir;
	bool restore, stop, verbose, foreground, daemon;
};

static const struct hk_opt ckpt_opts[] = {
	{ 'D', "checkpoint-dir", "DIR", "the checkpoint's directory (made when missing; empty)" },
	{ 's', "stop", NULL, "stop the container after the dump" },
	{ 'v', "verbose", NULL, "criu logs in detail (DIR/dump.log, DIR/restore.log)" },
	{ 'r', "restore", NULL, "restore from DIR instead (as hako restore)" },
	{ 'F', "foreground", NULL, "with -r: this terminal as its console" },
	{ 'd', "daemon", NULL, "with -r: in the background (the default)" },
	{ 0 },
};

static const struct hk_opt restore_opts[] = {
	{ 'D', "checkpoint-dir", "DIR", "the directory hako checkpoint wrote" },
	{ 'F', "foreground", NULL, "with this terminal as its console" },
	{ 'd', "daemon", NULL, "in the background (the default)" },
	{ 'v', "verbose", NULL, "criu logs in detail (DIR/restore.log)" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct ckpt_args *a = ctx;
	switch (key) {
	case 'D':
		a->dir = arg;
		return 0;
	case 's':
		a->stop = true;
		return 0;
	case 'v':
		a->verbose = true;
		return 0;
	case 'r':
		a->restore = true;
		return 0;
	case 'F':
		a->foreground = true;
		return 0;
	case 'd':
		a->daemon = true;
		return 0;
	}
	return 2;
}

/* What lxc-checkpoint refuses on its command line, in its words' spirit. */
static const char *bad_combination(const struct ckpt_args *a)
{
	if (!a->dir)
		return "say where the checkpoint is with -D DIR";
	if (a->restore && a->stop)
		return "-s (stop after the dump) does not go with a restore";
	if (!a->restore && (a->foreground || a->daemon))
		return "-F and -d are for a restore (hako restore, or -r)";
	if (a->foreground && a->daemon)
		return "-F and -d exclude each other";
	return NULL;
}

static int do_restore(struct hk_cli *cli, struct hk_store *st, const struct ckpt_args *a)
{
	hk_autoerr struct hk_error *err = NULL;
	struct hk_restore_opts ro = { .dir = a->dir, .verbose = a->verbose };
	pid_t pid = 0;
	if (hk_restore(st, cli->name, &ro, &pid, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("Restored \"%s\" from \"%s\" (init pid %d)\n", cli->name, a->dir, (int)pid);
	if (!a->foreground)
		return 0;
	struct hk_console_opts co;
	hk_console_opts_init(&co, st);
	int code = 0;
	if (hk_console_run(st, cli->name, &co, &code, &err) < 0)
		return hk_cli_fail(err);
	return code;
}

static int do_checkpoint(struct hk_cli *cli, struct hk_store *st, const struct ckpt_args *a)
{
	hk_autoerr struct hk_error *err = NULL;
	struct hk_checkpoint_opts o = { .dir = a->dir, .stop = a->stop, .verbose = a->verbose };
	if (hk_checkpoint(st, cli->name, &o, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("Checkpointed \"%s\" into \"%s\"%s\n", cli->name, a->dir,
		       a->stop ? "; it is stopped" : "");
	return 0;
}

static int run_verb(struct hk_cli *cli, const struct hk_cmd *cmd, int argc, char **argv,
		    bool restore)
{
	struct ckpt_args a = { .restore = restore };
	int status, rest = hk_cli_parse(cli, cmd, argc, argv, &a, &status);
	if (rest < 0)
		return status;
	if (rest != argc)
		return hk_cli_usage(cmd);
	const char *bad = bad_combination(&a);
	if (bad) {
		fprintf(stderr, "hako: error: %s \"%s\": %s\n",
			a.restore ? "restore" : "checkpoint", cli->name, bad);
		return 2;
	}
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	return a.restore ? do_restore(cli, st, &a) : do_checkpoint(cli, st, &a);
}

static int run_checkpoint(struct hk_cli *cli, int argc, char **argv)
{
	return run_verb(cli, &hk_cmd_checkpoint, argc, argv, false);
}

static int run_restore(struct hk_cli *cli, int argc, char **argv)
{
	return run_verb(cli, &hk_cmd_restore, argc, argv, true);
}

static const char *local_only(const void *ctx)
{
	(void)ctx;
	return "the checkpoint directory is on this host";
}

const struct hk_cmd hk_cmd_checkpoint = {
	.name = "checkpoint",
	.summary = "dump a running container's processes into a directory with CRIU (-s: then stop "
		   "it), like lxc-checkpoint",
	.more = "-r -D DIR [-F|-d] NAME   (a restore: lxc-checkpoint -r)",
	.opts = ckpt_opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run_checkpoint,
	.remote_refusal = local_only,
};

const struct hk_cmd hk_cmd_restore = {
	.name = "restore",
	.summary = "bring a container back running from a directory hako checkpoint wrote "
		   "(lxc-checkpoint -r)",
	.opts = restore_opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run_restore,
	.remote_refusal = local_only,
};
