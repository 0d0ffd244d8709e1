/* cmd-snapshot.c - `hako snapshot NAME [-c COMMENT]`, `-L` (list),
 * `-r SNAP [NEWNAME]` (restore), `-d SNAP` (destroy), like lxc-snapshot
 * (whose -n NAME, -N NEWNAME and -C work too). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "snapshot.h"

enum action { MAKE, LIST, RESTORE, DESTROY };

static int list(struct hk_cli *cli, struct hk_store *st, const char *name)
{
	struct hk_snapshot_list l = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	if (hk_snapshot_list(st, name, &l, &err) < 0)
		return hk_cli_fail(err);
	if (cli->stdout_tty && l.n == 0)
		printf("No snapshots of \"%s\"\n", name);
	else if (cli->stdout_tty)
		printf("%-8s %-20s %-8s %s\n", "NAME", "DATE (UTC)", "BACKEND", "COMMENT");
	for (size_t i = 0; i < l.n; i++)
		printf(cli->stdout_tty ? "%-8s %-20s %-8s %s\n" : "%s\t%s\t%s\t%s\n", l.v[i].name,
		       l.v[i].date, l.v[i].backend, l.v[i].comment);
	hk_snapshot_list_free(&l);
	return 0;
}

static int act(struct hk_cli *cli, enum action a, const char *name, const char *snap,
	       const char *newname, const char *comment)
{
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	char *made = NULL;
	switch (a) {
	case LIST:
		return list(cli, st, name);
	case MAKE:
		if (hk_snapshot_create(st, name, comment, &made, &err) < 0)
			return hk_cli_fail(err);
		if (!cli->quiet)
			printf("Made snapshot %s of \"%s\"\n", made, name);
		free(made);
		return 0;
	case RESTORE:
		if (hk_snapshot_restore(st, name, snap, newname, &err) < 0)
			return hk_cli_fail(err);
		if (!cli->quiet)
			printf("Restored %s of \"%s\" %s \"%s\"\n", snap, name,
			       newname ? "as" : "into", newname ? newname : name);
		return 0;
	case DESTROY:
		if (hk_snapshot_destroy(st, name, snap, &err) < 0)
			return hk_cli_fail(err);
		if (!cli->quiet)
			printf("Destroyed snapshot %s of \"%s\"\n", snap, name);
		return 0;
	}
	return 1;
}

static const struct hk_opt opts[] = {
	{ 'c', "comment", "COMMENT", "note COMMENT with the new snapshot" },
	{ 'L', "list", NULL, "list the snapshots" },
	{ 'C', "showcomments", NULL, "list the snapshots (with comments)" },
	{ 'r', "restore", "SNAP", "restore SNAP into NAME (or as NEWNAME)" },
	{ 'N', "newname", "NEWNAME", "with -r: restore as a new container" },
	{ 'd', "destroy", "SNAP", "destroy SNAP" },
	{ 0 },
};

struct snap_args {
	enum action a;
	int actions;
	const char *snap, *newname, *comment;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct snap_args *s = ctx;
	switch (key) {
	case 'c':
		s->comment = arg;
		return 0;
	case 'L':
	case 'C':
		s->a = LIST;
		s->actions++;
		return 0;
	case 'r':
	case 'd':
		s->a = key == 'r' ? RESTORE : DESTROY;
		s->snap = arg;
		s->actions++;
		return 0;
	case 'N':
		s->newname = arg;
		return 0;
	}
	return 2;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct snap_args s = { .a = MAKE };
	int status, rest = hk_cli_parse(cli, &hk_cmd_snapshot, argc, argv, &s, &status);
	if (rest < 0)
		return status;
	if (s.a == RESTORE && !s.newname && rest < argc)
		s.newname = argv[rest++];
	if (rest != argc || s.actions > 1 || (s.comment && s.a != MAKE))
		return hk_cli_usage(&hk_cmd_snapshot);
	return act(cli, s.a, cli->name, s.snap, s.newname, s.comment);
}

const struct hk_cmd hk_cmd_snapshot = {
	.name = "snapshot",
	.summary = "make, list, restore or destroy snapshots of a container",
	.args = "[-c COMMENT]",
	.more = "[OPTION]... NAME -L\n"
		"[OPTION]... NAME -r SNAP [NEWNAME]\n"
		"[OPTION]... NAME -d SNAP",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
