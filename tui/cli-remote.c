/* cli-remote.c - a verb on another host: `hako VERB REMOTE:NAME ...`
 * runs `hako VERB ... NAME` there over ssh (core/remote-ssh.h) and
 * passes its output and exit status through.
 *
 * hk_cli_parse calls hk_cli_remote_verb when the container is written
 * REMOTE:NAME.  The command line sent is the verb's own, in the order it
 * was typed, with the address replaced by the name and, in front of the
 * other options, -P with the remote's path (path= in [remotes], or -P
 * given before the verb); -P given after the verb goes as it was typed.
 * The remote hako checks everything again: only the words move.
 * console, attach and execute get a terminal on the remote side (ssh -t) when
 * this one is on a terminal, so that the remote hako's detach key works
 * end to end; BatchMode whenever no one could answer a prompt. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "remote-ssh.h"
#include "util.h"

int hk_cli_remote_find(const char *name, struct hk_remote *out, struct hk_error **err)
{
	hk_autostore struct hk_store *st = NULL;
	if (hk_store_open(NULL, &st, err) < 0)
		return -1;
	const struct hk_remote *r = hk_settings_remote(hk_store_settings(st), name);
	if (!r) {
		hk_autofree char *conf = xasprintf("%s/hako.conf", hk_store_conf_dir(st));
		return hk_error_say(err, ENOENT,
				    "no remote \"%s\" in [remotes] of %s; add it with `hako remote "
				    "add %s ssh://[USER@]HOST[:PORT]`, or see `hako remote list`",
				    name, conf, name);
	}
	*out = (struct hk_remote){ .name = xstrdup(r->name),
				   .user = r->user ? xstrdup(r->user) : NULL,
				   .host = xstrdup(r->host),
				   .ipv6 = r->ipv6,
				   .port = r->port,
				   .path = r->path ? xstrdup(r->path) : NULL };
	return 0;
}

int hk_cli_ssh_init(struct hk_ssh *s, bool batch, bool tty, struct hk_error **err)
{
	hk_autostore struct hk_store *st = NULL;
	if (hk_store_open(NULL, &st, err) < 0)
		return -1;
	const struct hk_settings *set = hk_store_settings(st);
	char *dir = NULL;
	if (hk_ssh_control_dir(&dir, err) < 0)
		return -1;
	*s = (struct hk_ssh){ .config = set->ssh_config ? xstrdup(set->ssh_config) : NULL,
			      .control_dir = dir,
			      .connect_timeout = set->ssh_connect_timeout,
			      .batch = batch,
			      .tty = tty };
	return 0;
}

void hk_cli_ssh_clear(struct hk_ssh *s)
{
	free((char *)s->config);
	free((char *)s->control_dir);
	*s = (struct hk_ssh){ 0 };
}

/* The index of the word of argv that holds p, or -1. */
static int word_of(int argc, char *const *argv, const char *p)
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return i;
	return -1;
}

static bool interactive(const struct hk_cmd *cmd)
{
	return strcmp(cmd->name, "console") == 0 || strcmp(cmd->name, "attach") == 0 ||
	       strcmp(cmd->name, "execute") == 0;
}

/* The words for the remote hako: the verb, -P PATH, the rest as typed
 * with the address word's REMOTE: cut out. */
static void remote_words(const struct hk_cli *cli, const struct hk_remote *r, int argc,
			 char *const *argv, int at, const char *name, struct hk_strv *w)
{
	hk_strv_push(w, argv[0]);
	bool p_typed = cli->lxcpath && word_of(argc, argv, cli->lxcpath) >= 0;
	const char *path = p_typed ? NULL : cli->lxcpath ? cli->lxcpath : r->path;
	if (path) {
		hk_strv_push(w, "-P");
		hk_strv_push(w, path);
	}
	for (int i = 1; i < argc; i++) {
		if (i != at) {
			hk_strv_push(w, argv[i]);
			continue;
		}
		size_t keep = (size_t)(cli->name - argv[i]);
		hk_strv_push_owned(w, xasprintf("%.*s%s", (int)keep, argv[i], name));
	}
}

int hk_cli_remote_verb(struct hk_cli *cli, const struct hk_cmd *cmd, const void *ctx, int argc,
		       char *const *argv)
{
	hk_autoerr struct hk_error *err = NULL;
	struct hk_address a;
	if (hk_address_parse(cli->name, &a, &err) < 0)
		return hk_cli_fail(err);
	if (a.scope == HK_ADDRESS_LOCAL) { /* local:NAME is NAME here */
		cli->name = a.name ? hk_steal_ptr(&a.name) : NULL;
		hk_address_clear(&a);
		return -1;
	}
	if (a.scope == HK_ADDRESS_ALL || !a.name) {
		hk_address_clear(&a);
		fprintf(stderr, "hako: error: %s: \"%s\" names no container; write REMOTE:NAME\n",
			cmd->name, cli->name);
		return 2;
	}
	const char *refusal = cmd->remote_refusal ? cmd->remote_refusal(ctx) : NULL;
	if (refusal) {
		fprintf(stderr, "hako: error: %s %s: %s\n", cmd->name, cli->name, refusal);
		hk_address_clear(&a);
		return 2;
	}
	struct hk_remote r = { 0 };
	struct hk_ssh s = { 0 };
	int status = 1;
	bool on_tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (hk_cli_remote_find(a.remote, &r, &err) < 0 ||
	    hk_cli_ssh_init(&s, !isatty(STDIN_FILENO), interactive(cmd) && on_tty, &err) < 0 ||
	    hk_ssh_connect(&s, &r, &err) < 0) {
		status = hk_cli_fail(err);
	} else {
		hk_autostrv struct hk_strv words = { 0 };
		int at = word_of(argc, argv, cli->name);
		remote_words(cli, &r, argc, argv, at, a.name, &words);
		status = hk_ssh_run_foreground(&s, &r, words.v, words.n, &err);
		if (status < 0)
			status = hk_cli_fail(err);
	}
	hk_cli_ssh_clear(&s);
	hk_remote_clear(&r);
	hk_address_clear(&a);
	return status;
}
