/* cmd-console.c - `hako console NAME [-e CHAR] [-t TTY] [--[no-]filter]
 * [--[no-]replay] [--log [--raw]] [-P PATH]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "console.h"
#include "sanitize.h"
#include "util.h"

/* --log: the buffer as text; on a terminal with escape sequences made
 * harmless, in a pipe byte for byte. */
/* The buffer as text, escaped, wherever it goes: a pipe is often a
 * terminal one hop away (ssh host hako console c1 --log, without -t).
 * --raw writes the bytes as the container wrote them. */
static int print_log(const struct hk_store *st, const char *name, bool raw)
{
	hk_autoerr err = NULL;
	struct hk_buf log = { 0 };
	if (hk_console_log(st, name, &log, &err) < 0)
		return hk_cli_fail(err);
	if (!raw) {
		/* Line by line, so newlines stay and nothing else can act. */
		const char *p = log.data ? log.data : "", *end = p + log.len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			size_t shown = n && p[n - 1] == '\r' ? n - 1 : n;
			hk_autofree char *safe = hk_sanitize_line_n(p, shown);
			printf("%s\n", safe);
			p += n + (nl ? 1 : 0);
		}
	} else if (log.len) {
		fwrite(log.data, 1, log.len, stdout);
	}
	hk_buf_free(&log);
	return 0;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		HK_CLI_COMMON_LONG,
		{ "escape", required_argument, NULL, 'e' },
		{ "tty", required_argument, NULL, 't' },
		{ "log", no_argument, NULL, 'L' },
		{ "raw", no_argument, NULL, 'W' },
		{ "name", required_argument, NULL, 'n' },
		{ "filter", no_argument, NULL, 'F' },
		{ "no-filter", no_argument, NULL, 'f' },
		{ "replay", no_argument, NULL, 'R' },
		{ "no-replay", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct hk_console_opts o = { .escape = 0 }; /* 0: as hako.conf says */
	int filter = -1, replay = -1; /* -1: as hako.conf says */
	const char *name = NULL;
	bool log_only = false, raw = false;
	int opt;
	while ((opt = getopt_long(argc, argv, HK_CLI_COMMON_SHORT "e:t:n:", opts, NULL)) != -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		hk_autoerr err = NULL;
		unsigned long t;
		switch (opt) {
		case 'e':
			if (hk_escape_parse(optarg, &o.escape, &err) < 0)
				return hk_cli_fail(err);
			break;
		case 't':
			if (!hk_parse_ulong(optarg, &t) || t > 64) {
				fprintf(stderr, "hako: error: -t \"%s\": give a tty number (0 is the console)\n", optarg);
				return 2;
			}
			o.tty = (unsigned)t;
			break;
		case 'L':
			log_only = true;
			break;
		case 'W':
			raw = true;
			break;
		case 'n':
			name = optarg;
			break;
		case 'F':
		case 'f':
			filter = opt == 'F';
			break;
		case 'R':
		case 'r':
			replay = opt == 'R';
			break;
		default:
			return hk_cli_usage(&hk_cmd_console);
		}
	}
	if (!name && optind < argc)
		name = argv[optind++];
	if (!name || optind != argc)
		return hk_cli_usage(&hk_cmd_console);
	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	if (log_only)
		return print_log(st, name, raw);
	int escape = o.escape;
	unsigned tty = o.tty;
	hk_console_opts_init(&o, st);
	if (escape)
		o.escape = escape;
	o.tty = tty;
	if (filter >= 0)
		o.filter = filter;
	if (replay >= 0)
		o.replay = replay;
	hk_autoerr err = NULL;
	if (hk_console_run(st, name, &o, NULL, &err) < 0)
		return hk_cli_fail(err);
	return 0;
}

const struct hk_cmd hk_cmd_console = {
	.name = "console",
	.summary = "join the container's console (Ctrl-a q detaches); --log prints its buffer",
	.usage = "NAME [-e CHAR] [-t TTY] [--[no-]filter] [--[no-]replay] [--log [--raw]] [-P PATH]",
	.run = run,
};
