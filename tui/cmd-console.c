/* cmd-console.c - `hako console NAME [-e CHAR] [-t TTY] [--[no-]filter]
 * [--[no-]replay] [--log [--raw]]`, like lxc-console. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "sanitize.h"
#include "util.h"

/* --log: the buffer as plain text wherever it goes (a pipe is often a
 * terminal one hop away: ssh host hako console c1 --log, without -t):
 * complete escape sequences (colours, titles, a shell's cursor query)
 * dropped, other control bytes escaped, a line's closing CR gone.
 * --raw writes the bytes as the container wrote them. */
static int print_log(const struct hk_store *st, const char *name, bool raw)
{
	hk_autoerr struct hk_error *err = NULL;
	struct hk_buf log = { 0 };
	if (hk_console_log(st, name, &log, &err) < 0)
		return hk_cli_fail(err);
	if (!raw) {
		/* Line by line, so newlines stay and nothing else can act. */
		const char *p = log.data ? log.data : "", *end = p + log.len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			size_t shown = n;
			while (shown &&
			       p[shown - 1] == '\r') /* a tty's ONLCR and the program's own */
				shown--;
			hk_autofree char *safe = hk_sanitize_line_plain_n(p, shown);
			printf("%s\n", safe);
			p += n + (nl ? 1 : 0);
		}
	} else if (log.len) {
		fwrite(log.data, 1, log.len, stdout);
	}
	hk_buf_free(&log);
	return 0;
}

enum {
	OPT_LOG = HK_OPT_LONG_ONLY(0),
	OPT_RAW,
	OPT_FILTER,
	OPT_NO_FILTER,
	OPT_REPLAY,
	OPT_NO_REPLAY
};

static const struct hk_opt opts[] = {
	{ 'e', "escape", "CHAR", "escape character: ^b, b or a number (default ^a)" },
	{ 't', "tty", "TTY", "join tty TTY (default 0: the console)" },
	{ OPT_LOG, "log", NULL, "print the console buffer and exit" },
	{ OPT_RAW, "raw", NULL, "with --log: the bytes as written, unescaped" },
	{ OPT_FILTER, "filter", NULL, "filter escape sequences (hako.conf default)" },
	{ OPT_NO_FILTER, "no-filter", NULL, "pass escape sequences through" },
	{ OPT_REPLAY, "replay", NULL, "show the buffer first (hako.conf default)" },
	{ OPT_NO_REPLAY, "no-replay", NULL, "do not show the buffer first" },
	{ 0 },
};

struct console_args {
	int escape; /* 0: as hako.conf says */
	unsigned tty;
	int filter, replay; /* -1: as hako.conf says */
	bool log_only, raw;
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct console_args *a = ctx;
	hk_autoerr struct hk_error *err = NULL;
	switch (key) {
	case 'e':
		if (hk_escape_parse(arg, &a->escape, &err) < 0)
			return hk_cli_fail(err);
		return 0;
	case 't':
		return hk_cli_opt_uint("-t", arg, 0, 64, "a tty number (0 is the console)",
				       &a->tty);
	case OPT_LOG:
		a->log_only = true;
		return 0;
	case OPT_RAW:
		a->raw = true;
		return 0;
	case OPT_FILTER:
	case OPT_NO_FILTER:
		a->filter = key == OPT_FILTER;
		return 0;
	case OPT_REPLAY:
	case OPT_NO_REPLAY:
		a->replay = key == OPT_REPLAY;
		return 0;
	}
	return 2;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct console_args a = { .filter = -1, .replay = -1 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_console, argc, argv, &a, &status);
	if (rest < 0)
		return status;
	if (rest != argc)
		return hk_cli_usage(&hk_cmd_console);
	const char *name = cli->name;
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	if (a.log_only)
		return print_log(st, name, a.raw);
	struct hk_console_opts o;
	hk_console_opts_init(&o, st);
	if (a.escape)
		o.escape = a.escape;
	o.tty = a.tty;
	if (a.filter >= 0)
		o.filter = a.filter;
	if (a.replay >= 0)
		o.replay = a.replay;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_console_run(st, name, &o, NULL, &err) < 0)
		return hk_cli_fail(err);
	return 0;
}

const struct hk_cmd hk_cmd_console = {
	.name = "console",
	.summary = "join the container's console (Ctrl-a q detaches); --log prints its buffer",
	.opts = opts,
	.flags = HK_CMD_NAMED,
	.on_opt = on_opt,
	.run = run,
};
