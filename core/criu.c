/* criu.c - the words hako and CRIU exchange (criu.h): the command lines
 * of a dump and a restore, hako's record in a checkpoint directory, the
 * error lines of criu's log, and the criu program on PATH.  The options
 * are those LXC's lxc-checkpoint gives criu: TCP connections, file locks
 * and unlinked files are taken along, cgroups are managed by criu below
 * the container's own cgroup (--cgroup-root), bind mounts from the host
 * are external (restored from the same host paths), and the terminals
 * hako's monitor holds the other end of are external too (a restore gets
 * new ones, passed in with --inherit-fd). */
#include "criu.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sanitize.h"

char *hk_ckpt_info_format(const struct hk_ckpt_info *info)
{
	struct hk_buf b = { 0 };
	hk_buf_printf(&b, "%s\nname %s\n", HK_CKPT_MAGIC, info->name);
	for (size_t i = 0; i < info->n_ttys; i++)
		hk_buf_printf(&b, "tty %u %llx %llx\n", info->ttys[i].index, info->ttys[i].rdev,
			      info->ttys[i].dev);
	return hk_buf_steal(&b);
}

static bool parse_hex(const char *s, unsigned long long *out)
{
	if (!*s || strspn(s, "0123456789abcdef") != strlen(s) || strlen(s) > 16)
		return false;
	*out = strtoull(s, NULL, 16);
	return true;
}

/* "tty INDEX RDEV DEV" (the words after "tty"). */
static bool parse_tty(char *rest, struct hk_ckpt_info *out)
{
	char *save = NULL, *w[4];
	size_t n = 0;
	for (char *t = strtok_r(rest, " ", &save); t; t = strtok_r(NULL, " ", &save))
		if (n < 4)
			w[n++] = t;
		else
			return false;
	unsigned long index;
	struct hk_ckpt_tty tty;
	if (n != 3 || !hk_parse_ulong(w[0], &index) || index >= HK_CKPT_MAX_TTYS ||
	    !parse_hex(w[1], &tty.rdev) || !parse_hex(w[2], &tty.dev) ||
	    out->n_ttys >= HK_CKPT_MAX_TTYS)
		return false;
	for (size_t i = 0; i < out->n_ttys; i++)
		if (out->ttys[i].index == index)
			return false;
	tty.index = (unsigned)index;
	out->ttys[out->n_ttys++] = tty;
	return true;
}

int hk_ckpt_info_parse(const char *text, struct hk_ckpt_info *out, struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	hk_autofree char *copy = xstrdup(text);
	unsigned line = 0;
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		line++;
		bool good;
		if (line == 1)
			good = strcmp(l, HK_CKPT_MAGIC) == 0;
		else if (hk_str_has_prefix(l, "name "))
			good = !out->name[0] && strlen(l + 5) < sizeof(out->name) && l[5] &&
			       snprintf(out->name, sizeof(out->name), "%s", l + 5) > 0;
		else if (hk_str_has_prefix(l, "tty "))
			good = parse_tty(l + 4, out);
		else
			good = false;
		if (!good) {
			hk_autofree char *shown =
				hk_sanitize_line_plain_n(l, strlen(l) > 80 ? 80 : strlen(l));
			return hk_error_say(err, EINVAL,
					    "line %u \"%s\" is not what hako writes there", line,
					    shown);
		}
	}
	if (line == 0 || !out->name[0])
		return hk_error_say(err, EINVAL, "it names no container");
	return 0;
}

/* Appends line [p, p+len) as "\n  | LINE", safe to show. */
static void add_line(struct hk_buf *b, const char *p, size_t len)
{
	while (len && (p[len - 1] == '\r' || p[len - 1] == ' '))
		len--;
	hk_autofree char *safe = hk_sanitize_line_plain_n(p, len > 200 ? 200 : len);
	hk_buf_printf(b, "\n  | %s", safe);
}

/* Starts of the last max lines of text (into starts, oldest first) that
 * pass want (or every non-empty line when want is NULL). */
static size_t last_lines(const char *text, unsigned max, bool errors_only, const char **starts)
{
	size_t n = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		bool take = len > 0 && (!errors_only || memmem(p, len, "Error (", 7) != NULL);
		if (take && n == max) {
			memmove(starts, starts + 1, (max - 1) * sizeof(*starts));
			n--;
		}
		if (take)
			starts[n++] = p;
		p += len + (p[len] == '\n');
	}
	return n;
}

char *hk_criu_log_errors(const char *text, unsigned max)
{
	if (!text || max == 0)
		return xstrdup("");
	if (max > 32)
		max = 32;
	const char *starts[32];
	size_t n = last_lines(text, max, true, starts);
	if (n == 0)
		n = last_lines(text, max, false, starts);
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < n; i++)
		add_line(&b, starts[i], strcspn(starts[i], "\n"));
	return hk_buf_steal(&b);
}

char *hk_criu_tty_mount_id(unsigned index)
{
	return index ? xasprintf("tty%u", index) : xstrdup("console");
}

char *hk_criu_tty_target(unsigned index)
{
	return index ? xasprintf("/dev/tty%u", index) : xstrdup("/dev/console");
}

/* What dump and restore share. */
static void common_argv(const char *criu, const char *action, const char *dir, bool verbose,
			const struct hk_strv *cgroup_roots, struct hk_strv *argv)
{
	hk_strv_push(argv, criu);
	hk_strv_push(argv, action);
	static const char *const always[] = {
		"--tcp-established",
		"--file-locks",
		"--link-remap",
		"--manage-cgroups=soft",
		"--ext-mount-map",
		"auto",
		"--enable-external-sharing",
		"--enable-external-masters",
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(always); i++)
		hk_strv_push(argv, always[i]);
	hk_strv_push(argv, "-D");
	hk_strv_push(argv, dir);
	hk_strv_push(argv, "-o");
	hk_strv_push_owned(argv, xasprintf("%s.log", action));
	if (verbose)
		hk_strv_push(argv, "-v4");
	for (size_t i = 0; cgroup_roots && i < cgroup_roots->n; i++) {
		hk_strv_push(argv, "--cgroup-root");
		hk_strv_push(argv, cgroup_roots->v[i]);
	}
}

void hk_criu_dump_argv(const struct hk_criu_dump *d, struct hk_strv *argv)
{
	common_argv(d->criu, "dump", d->dir, d->verbose, d->cgroup_roots, argv);
	hk_strv_push(argv, "-t");
	hk_strv_push_owned(argv, xasprintf("%d", (int)d->pid));
	hk_strv_push(argv, "--skip-in-flight");
	if (d->freeze_cgroup) {
		hk_strv_push(argv, "--freeze-cgroup");
		hk_strv_push(argv, d->freeze_cgroup);
	}
	for (size_t i = 0; i < d->n_mounts; i++) {
		hk_strv_push(argv, "--ext-mount-map");
		hk_strv_push_owned(argv, xasprintf("%s:%s", d->mounts[i].target, d->mounts[i].id));
	}
	for (size_t i = 0; d->ttys && i < d->ttys->n_ttys; i++) {
		const struct hk_ckpt_tty *t = &d->ttys->ttys[i];
		hk_autofree char *target = hk_criu_tty_target(t->index);
		hk_autofree char *id = hk_criu_tty_mount_id(t->index);
		hk_strv_push(argv, "--ext-mount-map");
		hk_strv_push_owned(argv, xasprintf("%s:%s", target, id));
		hk_strv_push(argv, "--external");
		hk_strv_push_owned(argv, xasprintf("tty[%llx:%llx]", t->rdev, t->dev));
	}
	if (d->leave_running)
		hk_strv_push(argv, "--leave-running");
}

void hk_criu_restore_argv(const struct hk_criu_restore *r, struct hk_strv *argv)
{
	common_argv(r->criu, "restore", r->dir, r->verbose, r->cgroup_roots, argv);
	static const char *const detached[] = { "--restore-detached", "--restore-sibling",
						"--root" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(detached); i++)
		hk_strv_push(argv, detached[i]);
	hk_strv_push(argv, r->root);
	hk_strv_push(argv, "--pidfile");
	hk_strv_push(argv, r->pidfile);
	for (size_t i = 0; i < r->n_mounts; i++) {
		hk_strv_push(argv, "--ext-mount-map");
		hk_strv_push_owned(argv, xasprintf("%s:%s", r->mounts[i].id, r->mounts[i].source));
	}
	for (size_t i = 0; r->ttys && i < r->ttys->n_ttys; i++) {
		const struct hk_ckpt_tty *t = &r->ttys->ttys[i];
		hk_autofree char *id = hk_criu_tty_mount_id(t->index);
		hk_strv_push(argv, "--ext-mount-map");
		hk_strv_push_owned(argv, xasprintf("%s:%s", id, r->tty_paths[i]));
		hk_strv_push(argv, "--inherit-fd");
		hk_strv_push_owned(
			argv, xasprintf("fd[%d]:tty[%llx:%llx]", r->tty_fds[i], t->rdev, t->dev));
	}
	for (size_t i = 0; r->veths && i < r->veths->n; i++) {
		hk_strv_push(argv, "--external");
		hk_strv_push(argv, r->veths->v[i]);
	}
}

char *hk_criu_find(struct hk_error **err)
{
	const char *path = getenv("PATH");
	hk_autofree char *copy = xstrdup(path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
	char *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/criu", d);
		if (*d == '/' && access(p, X_OK) == 0)
			return p;
		free(p);
	}
	hk_error_say(err, ENOENT,
		     "the criu program is not installed (not found on PATH): checkpoint and "
		     "restore run it; install the \"criu\" package (apt install criu)");
	return NULL;
}
