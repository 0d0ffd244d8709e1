/* cmd-snapshot.c - `hako snapshot NAME [-c COMMENT]`, `-L` (list),
 * `-r SNAP [NEWNAME]` (restore), `-d SNAP` (destroy), like lxc-snapshot
 * (whose -n NAME, -N NEWNAME and -C work too). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "snapshot.h"

enum action { MAKE, LIST, RESTORE, DESTROY };

static int list(struct hk_cli *cli, struct hk_store *st, const char *name)
{
	struct hk_snapshot_list l = { 0 };
	hk_autoerr err = NULL;
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
	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr err = NULL;
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

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "comment", required_argument, NULL, 'c' },
		{ "list", no_argument, NULL, 'L' },
		{ "restore", required_argument, NULL, 'r' },
		{ "newname", required_argument, NULL, 'N' },
		{ "destroy", required_argument, NULL, 'd' },
		{ "showcomments", no_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		HK_CLI_COMMON_LONG,
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *snap = NULL, *newname = NULL, *comment = NULL;
	enum action a = MAKE;
	int opt, actions = 0;
	while ((opt = getopt_long(argc, argv, "n:c:Lr:N:d:Cqh" HK_CLI_COMMON_SHORT, opts, NULL)) !=
	       -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'c':
			comment = optarg;
			break;
		case 'L':
		case 'C':
			a = LIST;
			actions++;
			break;
		case 'r':
			a = RESTORE;
			snap = optarg;
			actions++;
			break;
		case 'N':
			newname = optarg;
			break;
		case 'd':
			a = DESTROY;
			snap = optarg;
			actions++;
			break;
		case 'q':
			cli->quiet = true;
			break;
		case 'h':
			printf("usage: hako snapshot %s\n", hk_cmd_snapshot.usage);
			return 0;
		default:
			return hk_cli_usage(&hk_cmd_snapshot);
		}
	}
	if (!name && optind < argc)
		name = argv[optind++];
	if (a == RESTORE && !newname && optind < argc)
		newname = argv[optind++];
	if (!name || optind != argc || actions > 1 || (comment && a != MAKE))
		return hk_cli_usage(&hk_cmd_snapshot);
	return act(cli, a, name, snap, newname, comment);
}

const struct hk_cmd hk_cmd_snapshot = {
	.name = "snapshot",
	.alias = NULL,
	.summary = "make, list, restore or destroy snapshots of a container",
	.usage = "NAME [-c COMMENT] | NAME -L | NAME -r SNAP [NEWNAME] | NAME -d SNAP  "
		 "[-P PATH] [-q]",
	.run = run,
};
