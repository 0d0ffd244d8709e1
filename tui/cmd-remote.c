/* cmd-remote.c - `hako remote add|remove|list`, like `incus remote`: the
 * [remotes] section of the caller's hako.conf (/etc/hako/hako.conf for
 * root, ~/.config/hako/hako.conf for a user; core/remote.h).
 *
 *   hako remote add NAME URL [path=LXCPATH]   a new line in [remotes]
 *   hako remote remove NAME                   its line goes
 *   hako remote list [--json]                 NAME URL PATH (a table on
 *                                             a terminal, TABs in a pipe)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "remote.h"
#include "sanitize.h"
#include "store.h"
#include "table.h"
#include "util.h"

#define OPT_JSON HK_OPT_LONG_ONLY(1)

static const struct hk_opt opts[] = {
	{ OPT_JSON, "json", NULL, "list: print a JSON array" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	bool *json = ctx;
	(void)arg;
	if (key != OPT_JSON)
		return 2;
	*json = true;
	return 0;
}

/* CONF_DIR/hako.conf of the caller, as hk_store_open reads it. */
static char *conf_path(const struct hk_cli *cli)
{
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	return st ? xasprintf("%s/hako.conf", hk_store_conf_dir(st)) : NULL;
}

static int do_add(struct hk_cli *cli, int argc, char **argv)
{
	if (argc < 2 || argc > 3)
		return hk_cli_usage(&hk_cmd_remote);
	const char *path = NULL;
	if (argc == 3) {
		if (strncmp(argv[2], "path=", 5) != 0) {
			fprintf(stderr,
				"hako: error: remote add: \"%s\" after the URL: only "
				"path=LXCPATH may follow it\n",
				argv[2]);
			return hk_cli_usage(&hk_cmd_remote);
		}
		path = argv[2] + 5;
	}
	hk_autoerr struct hk_error *err = NULL;
	struct hk_remote r;
	if (hk_remote_parse(argv[0], argv[1], path, &r, &err) < 0) {
		hk_error_prefix(&err, "remote add");
		return hk_cli_fail(err);
	}
	hk_autofree char *conf = conf_path(cli);
	int rc = conf ? hk_remote_conf_add(conf, &r, &err) : -1;
	hk_autofree char *url = hk_remote_url(&r);
	hk_remote_clear(&r);
	if (!conf)
		return 1;
	if (rc < 0) {
		hk_error_prefix(&err, "remote add");
		return hk_cli_fail(err);
	}
	if (!cli->quiet)
		printf("remote %s (%s) added to %s\n", argv[0], url, conf);
	return 0;
}

static int do_remove(struct hk_cli *cli, int argc, char **argv)
{
	if (argc != 1)
		return hk_cli_usage(&hk_cmd_remote);
	hk_autofree char *conf = conf_path(cli);
	if (!conf)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_remote_conf_remove(conf, argv[0], &err) < 0) {
		hk_error_prefix(&err, "remote remove");
		return hk_cli_fail(err);
	}
	if (!cli->quiet)
		printf("remote %s removed from %s\n", argv[0], conf);
	return 0;
}

static void print_json(const struct hk_settings *s)
{
	fputs("[", stdout);
	for (size_t i = 0; i < s->n_remotes; i++) {
		const struct hk_remote *r = &s->remotes[i];
		hk_autofree char *url = hk_remote_url(r);
		hk_autofree char *jname = hk_sanitize_json(r->name);
		hk_autofree char *jurl = hk_sanitize_json(url);
		hk_autofree char *juser = hk_sanitize_json(r->user);
		hk_autofree char *jhost = hk_sanitize_json(r->host);
		hk_autofree char *jpath = hk_sanitize_json(r->path);
		char port[16] = "null";
		if (r->port)
			snprintf(port, sizeof(port), "%u", r->port);
		printf("%s\n  {\"name\": %s, \"url\": %s, \"user\": %s, \"host\": %s, "
		       "\"port\": %s, \"path\": %s}",
		       i ? "," : "", jname, jurl, juser, jhost, port, jpath);
	}
	fputs(s->n_remotes ? "\n]\n" : "]\n", stdout);
}

static int do_list(struct hk_cli *cli, bool json)
{
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	const struct hk_settings *s = hk_store_settings(st);
	if (json) {
		print_json(s);
		return 0;
	}
	static const char *const headers[] = { "NAME", "URL", "PATH" };
	struct hk_table *t = hk_table_new(HK_ARRAY_SIZE(headers), headers);
	for (size_t i = 0; i < s->n_remotes; i++) {
		hk_autofree char *url = hk_remote_url(&s->remotes[i]);
		hk_table_add_row(t);
		hk_table_set(t, 0, s->remotes[i].name);
		hk_table_set(t, 1, url);
		hk_table_set(t, 2, s->remotes[i].path);
	}
	hk_table_print(t, stdout, cli->stdout_tty);
	hk_table_free(t);
	if (!s->n_remotes && cli->stdout_tty && !cli->quiet)
		printf("(no remotes: add one with hako remote add NAME "
		       "ssh://[USER@]HOST[:PORT])\n");
	return 0;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	bool json = false;
	int status, rest = hk_cli_parse(cli, &hk_cmd_remote, argc, argv, &json, &status);
	if (rest < 0)
		return status;
	if (rest == argc)
		return hk_cli_usage(&hk_cmd_remote);
	const char *verb = argv[rest++];
	int n = argc - rest;
	if (strcmp(verb, "list") == 0 && n == 0)
		return do_list(cli, json);
	if (json) {
		fprintf(stderr, "hako: error: remote %s: --json goes with list only\n", verb);
		return hk_cli_usage(&hk_cmd_remote);
	}
	if (strcmp(verb, "add") == 0)
		return do_add(cli, n, argv + rest);
	if (strcmp(verb, "remove") == 0)
		return do_remove(cli, n, argv + rest);
	return hk_cli_usage(&hk_cmd_remote);
}

const struct hk_cmd hk_cmd_remote = {
	.name = "remote",
	.summary =
		"list, add and remove the other hosts hako reaches over ssh (hako.conf [remotes])",
	.args = "add NAME URL [path=LXCPATH]",
	.more = "[OPTION]... remove NAME\n[OPTION]... list",
	.opts = opts,
	.on_opt = on_opt,
	.run = run,
};
