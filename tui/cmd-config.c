/* cmd-config.c - `hako config`: show or edit a container's config file.
 *
 *   hako config NAME              the file (sanitised lines on a terminal,
 *                                 the exact bytes in a pipe)
 *   hako config NAME KEY          the key's values, one per line
 *   hako config NAME KEY VALUE    set (validated; comments kept)
 *   hako config NAME --unset KEY  remove every line of the key
 *   hako config -l                every key with its one-line doc
 *
 * Writes happen under the container's lock (TRY), so they never race a
 * start, a clone or a destroy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config-edit.h"
#include "config.h"
#include "runner.h"
#include "sanitize.h"
#include "util.h"

static void print_line(const char *s, size_t n)
{
	hk_autofree char *safe = hk_sanitize_line_n(s, n);
	puts(safe);
}

static int show_file(const struct hk_cli *cli, const char *path)
{
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *text = NULL;
	size_t len = 0;
	if (hk_read_file(path, &text, &len, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->stdout_tty) {
		fwrite(text, 1, len, stdout);
		return 0;
	}
	for (const char *p = text; p < text + len;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(text + len - p);
		print_line(p, n);
		p += n + (nl ? 1 : 0);
	}
	return 0;
}

static int show_key(struct hk_store *st, const char *name, const char *key)
{
	hk_autoerr struct hk_error *err = NULL;
	const struct hk_config *cfg = hk_store_config(st, name, &err);
	hk_autostrv struct hk_strv values = { 0 };
	if (!cfg || hk_config_get(cfg, key, &values, &err) < 0) {
		hk_error_prefix(&err, "container \"%s\"", name);
		return hk_cli_fail(err);
	}
	for (size_t i = 0; i < values.n; i++)
		print_line(values.v[i], strlen(values.v[i]));
	return 0;
}

static int edit(struct hk_store *st, const char *name, const char *key, const char *value)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_config_edit(st, name, key, value, &err) < 0)
		return hk_cli_fail(err);
	return 0;
}

static void list_keys(void)
{
	for (size_t i = 0; i < hk_config_key_count(); i++) {
		const struct hk_config_key_info *k = hk_config_key_at(i);
		printf("%-32s %s%s\n", k->name, k->doc, k->list ? " (repeatable)" : "");
	}
}

static const struct hk_opt opts[] = {
	{ 'u', "unset", "KEY", "remove every line of KEY" },
	{ 'l', "list-keys", NULL, "list every key with its one-line doc" },
	{ 0 },
};

struct config_args {
	const char *unset;
	bool list;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct config_args *a = ctx;
	if (key == 'u')
		a->unset = arg;
	else if (key == 'l')
		a->list = true;
	else
		return 2;
	return 0;
}

static int run_config(struct hk_cli *cli, int argc, char **argv)
{
	struct config_args a = { 0 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_config, argc, argv, &a, &status);
	if (rest < 0)
		return status;
	int nargs = argc - rest;
	char **args = argv + rest;
	const char *name = cli->name;
	if (a.list) {
		if (name || nargs != 0 || a.unset)
			return hk_cli_usage(&hk_cmd_config);
		list_keys();
		return 0;
	}
	if (!name || nargs > 2 || (a.unset && nargs != 0))
		return hk_cli_usage(&hk_cmd_config);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_name_validate(name, &err) < 0)
		return hk_cli_fail(err);
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	if (!hk_store_exists(st, name)) {
		hk_error_set(&err, 0,
			     "container \"%s\" does not exist in \"%s\"; "
			     "'hako ls -P %s' lists the containers there",
			     name, hk_store_path(st), hk_store_path(st));
		return hk_cli_fail(err);
	}
	if (a.unset)
		return edit(st, name, a.unset, NULL);
	if (nargs == 2)
		return edit(st, name, args[0], args[1]);
	if (nargs == 1)
		return show_key(st, name, args[0]);
	hk_autofree char *path = hk_store_config_path(st, name);
	return show_file(cli, path);
}

const struct hk_cmd hk_cmd_config = {
	.name = "config",
	.summary = "show or change a container's config",
	.args = "[KEY [VALUE]]",
	.more = "[OPTION]... NAME --unset KEY\n"
		"-l",
	.opts = opts,
	.flags = HK_CMD_NAMED | HK_CMD_NAME_OPTIONAL,
	.on_opt = on_opt,
	.run = run_config,
};
