/* cmd-create.c - `hako create NAME -t TEMPLATE [-B BACKEND] [-f CONFIG]
 * [-- TEMPLATE-ARGS]` (lxc-create's -n NAME works too), and
 * `hako create -t download -- --list`.  Draws the download progress bar
 * (progress-bar.c, on a terminal only) from core's progress callback. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "create.h"
#include "image.h"
#include "progress-bar.h"
#include "template.h"

static bool wants_list(char **args)
{
	for (size_t i = 0; args && args[i]; i++)
		if (!strcmp(args[i], "--list"))
			return true;
	return false;
}

/* `hako create -t download -- --list`: DIST RELEASE ARCH VARIANT BUILD. */
static int list_images(struct hk_cli *cli, const char *tpl, char **args)
{
	if (!tpl || strcmp(tpl, "download"))
		return fprintf(stderr, "hako: error: --list is an argument of the download "
				       "template: hako create -t download -- --list\n"),
		       2;
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_image_index ix = { 0 };
	if (hk_template_download_list(hk_store_conf_dir(st), args, &ix, &err) < 0)
		return hk_cli_fail(err);
	if (cli->stdout_tty)
		printf("%-12s %-12s %-8s %-10s %s\n", "DIST", "RELEASE", "ARCH", "VARIANT",
		       "BUILD");
	for (size_t i = 0; i < ix.n; i++) {
		const struct hk_image_entry *e = &ix.v[i];
		printf(cli->stdout_tty ? "%-12s %-12s %-8s %-10s %s\n" : "%s\t%s\t%s\t%s\t%s\n",
		       e->dist, e->release, e->arch, e->variant, e->build);
	}
	hk_image_index_free(&ix);
	return 0;
}

static int parse_backend(const char *arg, enum hk_backend *out)
{
	*out = hk_backend_from_name(arg);
	if (*out != HK_BACKEND_UNSET)
		return 0;
	fprintf(stderr,
		"hako: error: unknown backend \"%s\" (dir, btrfs, overlay, zfs, aufs, lvm)\n", arg);
	return -1;
}

static const struct hk_opt opts[] = {
	{ 't', "template", "TEMPLATE", "busybox, download, tar:FILE or dir:PATH" },
	{ 'B', "bdev", "BACKEND", "dir, btrfs, overlay, zfs, aufs or lvm" },
	{ 'f', "config", "FILE", "add FILE's lines to the container's config" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct hk_create_opts *o = ctx;
	switch (key) {
	case 't':
		o->template_name = arg;
		return 0;
	case 'B':
		return parse_backend(arg, &o->backend) < 0 ? 2 : 0;
	case 'f':
		o->extra_config = arg;
		return 0;
	}
	return 2;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct hk_create_opts o = { .backend = HK_BACKEND_UNSET };
	int status, rest = hk_cli_parse(cli, &hk_cmd_create, argc, argv, &o, &status);
	if (rest < 0)
		return status;
	/* getopt moved the name before what followed "--", and the layer took
	 * the first word as NAME: one that starts with '-' came after "--" and
	 * is the template's, as in `hako create -t download -- --list`. */
	if (cli->name && cli->name[0] == '-' && rest > 0 && cli->name == argv[rest - 1]) {
		rest--;
		if (wants_list(argv + rest))
			return list_images(cli, o.template_name, argv + rest); /* no NAME */
	}
	o.name = cli->name;
	o.template_args = argv + rest;
	struct hk_bar bar;
	o.progress = hk_bar_progress(&bar, cli->quiet);

	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_create(st, &o, &err) < 0) {
		hk_bar_end(&bar);
		return hk_cli_fail(err);
	}
	if (!cli->quiet)
		printf("Created container \"%s\" (%s, %s) in %s\n", o.name, o.template_name,
		       hk_backend_name(hk_create_backend(st, &o)), hk_store_path(st));
	return 0;
}

/* REMOTE:NAME: the remote hako makes the rootfs, so a template that
 * reads a file or directory here, or -f FILE, cannot go along. */
static const char *remote_refusal(const void *ctx)
{
	const struct hk_create_opts *o = ctx;
	const char *t = o->template_name ? o->template_name : "";
	if (hk_str_has_prefix(t, "tar:") || hk_str_has_prefix(t, "dir:"))
		return "the template reads a tarball or directory on this host, which the "
		       "remote cannot see; copy it to the remote and run hako create there, "
		       "or use -t busybox or -t download";
	if (o->extra_config)
		return "-f FILE names a file on this host, which the remote cannot see; copy "
		       "it to the remote and run hako create there, or leave -f out and use "
		       "hako config REMOTE:NAME KEY VALUE afterwards";
	return NULL;
}

const struct hk_cmd hk_cmd_create = {
	.name = "create",
	.summary = "make a container from a template (busybox, download, tar:FILE, dir:PATH)",
	.args = "-t TEMPLATE [-- TEMPLATE-ARGS]",
	.more = "-t download -- --list [-d DIST] [-r RELEASE] [-a ARCH]",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
	.remote_refusal = remote_refusal,
};
