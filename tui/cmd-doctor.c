/* cmd-doctor.c - `hako doctor [-q] [--json]`: prints the host checks of
 * core/doctor.c, one line each ("  [ OK ] name: detail", with "-> fix: ..."
 * on lines that are not OK), or a JSON document.  The status tag is
 * coloured only on a terminal and never when NO_COLOR is set.  Exit status
 * 0 when nothing FAILs, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "doctor.h"
#include "log.h"
#include "sanitize.h"
#include "store.h"
#include "util.h"

struct out {
	bool json;
	bool quiet; /* only what is not OK */
	bool colour;
	unsigned n; /* checks printed (JSON: for the commas) */
	unsigned counts[4];
};

static const char *const tags[] = {
	[HK_DOCTOR_OK] = "[ OK ]",
	[HK_DOCTOR_WARN] = "[WARN]",
	[HK_DOCTOR_FAIL] = "[FAIL]",
	[HK_DOCTOR_SKIP] = "[SKIP]",
};

static const char *const colours[] = {
	[HK_DOCTOR_OK] = "\033[32m",
	[HK_DOCTOR_WARN] = "\033[33m",
	[HK_DOCTOR_FAIL] = "\033[1;31m",
	[HK_DOCTOR_SKIP] = "\033[2m",
};

static void print_json(struct out *o, const struct hk_doctor_check *c)
{
	hk_autofree char *name = hk_sanitize_json(c->name);
	hk_autofree char *detail = hk_sanitize_json(c->detail);
	hk_autofree char *fix = hk_sanitize_json(c->fix);
	hk_autofree char *status = xstrdup(hk_doctor_status_name(c->status));
	for (char *p = status; *p; p++)
		*p = (char)(*p | 0x20); /* "ok", "warn", "fail", "skip" */
	printf("%s\n    {\"name\": %s, \"status\": \"%s\", \"detail\": %s, \"fix\": %s}",
	       o->n ? "," : "", name, status, detail, fix);
}

static void print_line(struct out *o, const struct hk_doctor_check *c)
{
	hk_autofree char *detail = hk_sanitize_line(c->detail);
	const char *tag = tags[c->status];
	if (o->colour)
		printf("  %s%s\033[0m %s: %s", colours[c->status], tag, c->name, detail);
	else
		printf("  %s %s: %s", tag, c->name, detail);
	if (c->fix && c->status != HK_DOCTOR_OK) {
		hk_autofree char *fix = hk_sanitize_line(c->fix);
		printf(" -> fix: %s", fix);
	}
	putchar('\n');
}

static void on_check(void *ctx, const struct hk_doctor_check *c)
{
	struct out *o = ctx;
	if ((size_t)c->status < HK_ARRAY_SIZE(o->counts))
		o->counts[c->status]++;
	if (o->json)
		print_json(o, c);
	else if (!o->quiet || c->status == HK_DOCTOR_WARN || c->status == HK_DOCTOR_FAIL)
		print_line(o, c);
	o->n++;
	fflush(stdout);
}

/* hako.conf's bridge (NULL for the default) and the container path; a
 * broken hako.conf is not a reason to stop the doctor. */
static void store_facts(const struct hk_cli *cli, char **bridge, char **path)
{
	struct hk_store *st = NULL;
	hk_autoerr struct hk_error *err = NULL;
	*bridge = *path = NULL;
	if (hk_store_open(cli->lxcpath, &st, &err) < 0) {
		hk_autofree char *msg = hk_error_render(err);
		hk_log(HK_LOG_WARN, "%s; checking the default bridge", msg);
		return;
	}
	const struct hk_settings *s = hk_store_settings(st);
	*bridge = s && s->bridge ? xstrdup(s->bridge) : NULL;
	*path = xstrdup(hk_store_path(st));
	hk_store_free(st);
}

static const struct hk_opt doctor_opts[] = {
	{ HK_OPT_LONG_ONLY(1), "json", NULL, "print one JSON document" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct out *o = ctx;
	(void)arg;
	if (key != HK_OPT_LONG_ONLY(1))
		return 2;
	o->json = true;
	return 0;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct out o = { 0 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_doctor, argc, argv, &o, &status);
	if (rest < 0)
		return status;
	if (rest != argc)
		return hk_cli_usage(&hk_cmd_doctor);
	o.quiet = cli->quiet; /* -q: only what is not OK */
	o.colour = cli->stdout_tty && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	struct hk_doctor_opts opts;
	hk_doctor_opts_init(&opts);
	hk_autofree char *bridge = NULL;
	hk_autofree char *path = NULL;
	store_facts(cli, &bridge, &path);
	opts.bridge = bridge;
	opts.store_path = path;
	hk_autofree char *juser = hk_sanitize_json(opts.user);
	if (o.json)
		printf("{\"user\": %s, \"uid\": %u, \"checks\": [", juser, (unsigned)opts.uid);
	hk_autoerr struct hk_error *err = NULL;
	int fails = hk_doctor_run(&opts, on_check, &o, &err);
	if (fails < 0)
		return hk_cli_fail(err);
	if (o.json)
		printf("\n  ], \"failed\": %d, \"warnings\": %u}\n", fails,
		       o.counts[HK_DOCTOR_WARN]);
	else if (!o.quiet)
		printf("%u ok, %u warning%s, %d failed\n", o.counts[HK_DOCTOR_OK],
		       o.counts[HK_DOCTOR_WARN], o.counts[HK_DOCTOR_WARN] == 1 ? "" : "s", fails);
	return fails ? 1 : 0;
}

const struct hk_cmd hk_cmd_doctor = {
	.name = "doctor",
	.alias = "checkconfig",
	.summary = "check that this host can run containers, and say how to fix what is missing",
	.opts = doctor_opts,
	.flags = HK_CMD_IN_ORDER,
	.on_opt = on_opt,
	.run = run,
};
