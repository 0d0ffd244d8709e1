/* cmd-clone.c - `hako clone SRC NEW [-s] [-B BACKEND] [-e] [-f] [-P PATH]`
 * (also `hako copy`; lxc-copy's -n SRC -N NEW work too).  A full copy
 * draws a progress bar on a terminal (progress-bar.c). */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "clone.h"
#include "cli.h"
#include "progress-bar.h"
#include "timing.h"

enum { OPT_TIMING = HK_OPT_LONG_ONLY(0) };

static int parse_backend(const char *arg, enum hk_backend *out)
{
	*out = hk_backend_from_name(arg);
	if (*out != HK_BACKEND_UNSET)
		return 0;
	fprintf(stderr, "hako: error: unknown backend \"%s\" (dir, overlay, btrfs, zfs, aufs)\n",
		arg);
	return -1;
}

static const struct hk_opt opts[] = {
	{ 'n', "name", "NAME", "the source (with -o: the new container)" },
	{ 'o', "orig", "SRC", "the source, as lxc-clone spells it" },
	{ 'N', "newname", "NEW", "the new container" },
	{ 's', "snapshot", NULL, "a snapshot clone: copy-on-write where it can" },
	{ 'B', "backingstorage", "BACKEND", "dir, overlay, btrfs, zfs or aufs" },
	{ 'e', "ephemeral", NULL, "overlay clone destroyed when it stops" },
	{ 'f', "force", NULL, "clone a running container too" },
	{ 'R', "rename", NULL, "rename SRC to NEW instead (lxc-copy -R)" },
	{ OPT_TIMING, "timing", NULL, "print each step with its wall time (stderr)" },
	{ 0 },
};

/* lxc-copy's -n SRC -N NEW, and old lxc-clone's -o SRC -n NEW. */
struct clone_args {
	struct hk_clone_opts o;
	const char *n_arg, *o_arg;
	bool rename;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct clone_args *a = ctx;
	switch (key) {
	case 'n':
		a->n_arg = arg;
		return 0;
	case 'o':
		a->o_arg = arg;
		return 0;
	case 'N':
		a->o.dst = arg;
		return 0;
	case 's':
		a->o.snapshot = true;
		return 0;
	case 'B':
		return parse_backend(arg, &a->o.backend) < 0 ? 2 : 0;
	case 'e':
		a->o.ephemeral = true;
		return 0;
	case 'f':
		a->o.force = true;
		return 0;
	case 'R':
		a->rename = true;
		return 0;
	case OPT_TIMING:
		hk_timing_enable();
		return 0;
	}
	return 2;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct clone_args a = { 0 };
	struct hk_clone_opts *o = &a.o;
	int status, rest = hk_cli_parse(cli, &hk_cmd_clone, argc, argv, &a, &status);
	if (rest < 0)
		return status;
	o->src = a.o_arg ? a.o_arg : a.n_arg;
	if (a.o_arg && a.n_arg && !o->dst)
		o->dst = a.n_arg;
	if (!o->src && rest < argc)
		o->src = argv[rest++];
	if (!o->dst && rest < argc)
		o->dst = argv[rest++];
	if (!o->src || (!o->dst && !o->ephemeral) || rest != argc)
		return hk_cli_usage(&hk_cmd_clone);
	/* REMOTE:NAME (hako-remote(1)): a clone is made on one host from a
	 * container there; this verb does not go over ssh yet. */
	const char *remote = strchr(o->src, ':')	     ? o->src
			     : o->dst && strchr(o->dst, ':') ? o->dst
							     : NULL;
	if (remote) {
		fprintf(stderr,
			"hako: error: clone: \"%s\" is on a remote, and clone works on this host "
			"only; run it on that host (ssh HOST hako clone SRC NEW), or use a name "
			"here\n",
			remote);
		return 2;
	}
	if (a.rename &&
	    (o->snapshot || o->ephemeral || o->backend != HK_BACKEND_UNSET || o->force)) {
		fprintf(stderr,
			"hako: error: clone -R renames in place: it takes no -s, -e, -B or -f\n");
		return 2;
	}
	if (a.rename)
		return hk_cli_rename(cli, o->src, o->dst);

	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	char *made = NULL;
	struct hk_bar bar;
	o->progress = hk_bar_progress(&bar, cli->quiet);
	hk_timing_add("store", hk_timing_last());
	int rc = hk_clone(st, o, &made, &err);
	hk_bar_end(&bar);
	hk_cli_timing_print("clone", o->src);
	if (rc < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("Cloned \"%s\" to \"%s\"%s in %s\n", o->src, made,
		       o->ephemeral  ? " (ephemeral: destroyed when it stops)"
		       : o->snapshot ? " (snapshot clone)"
				     : "",
		       hk_store_path(st));
	else if (o->ephemeral && !o->dst)
		printf("%s\n", made);
	free(made);
	return 0;
}

const struct hk_cmd hk_cmd_clone = {
	.name = "clone",
	.alias = "copy",
	.summary = "copy a container, or make a snapshot clone of it",
	.args = "SRC NEW",
	.more = "[OPTION]... -n SRC -N NEW   (lxc-copy)\n"
		"[OPTION]... -o SRC -n NEW   (lxc-clone)\n"
		"[OPTION]... -e SRC [NEW]    (ephemeral overlay clone)",
	.opts = opts,
	.on_opt = on_opt,
	.run = run,
};
