/* cli.c - shared helpers of the subcommands: the option layer, error
 * printing, the store. */
#include "cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sanitize.h"
#include "timing.h"
#include "util.h"

int hk_cli_fail(const struct hk_error *err)
{
	hk_autofree char *msg = hk_error_render(err);
	fprintf(stderr, "hako: error: %s\n", msg);
	return 1;
}

void hk_cli_timing_print(const char *verb, const char *name)
{
	if (!hk_timing.on)
		return;
	int64_t end = hk_timing_clock();
	struct hk_buf b = { 0 };
	hk_autofree char *title = xasprintf("hako %s %s", verb, name ? name : "");
	hk_timing_format(&hk_timing, title, end, &b);
	fwrite(b.data, 1, b.len, stderr);
	hk_buf_free(&b);
}

int hk_cli_usage(const struct hk_cmd *cmd)
{
	fputs("hako: error: usage: ", stderr);
	hk_cli_print_synopsis(cmd, stderr);
	fprintf(stderr, "hako: 'hako %s --help' lists its options\n", cmd->name);
	return 2;
}

/* ---- the option layer ------------------------------------------------ */

/* The common options' getopt values: out of the way of any letter and of
 * HK_OPT_LONG_ONLY. */
#define COMMON(c)   (0x10000 + (c))
#define OPT_VERSION COMMON(1)

static const struct hk_opt name_opt = { COMMON('n'), "name", "NAME",
					"the container (or NAME as the first word)" };
static const struct hk_opt common_opts[] = {
	{ COMMON('P'), "lxcpath", "PATH", "the container path (default: /var/lib/hako)" },
	{ COMMON('q'), "quiet", NULL, "print errors only" },
	{ COMMON('o'), "logfile", "FILE", "append every log message to FILE" },
	{ COMMON('l'), "logpriority", "LEVEL", "TRACE, DEBUG, INFO, NOTICE, WARN or ERROR" },
	{ COMMON('h'), "help", NULL, "print this help and exit" },
	{ OPT_VERSION, "version", NULL, "print hako's version and exit" },
};

static bool verb_has_key(const struct hk_cmd *cmd, int key)
{
	for (const struct hk_opt *o = cmd->opts; o && o->key; o++)
		if (o->key == key)
			return true;
	return false;
}

/* The short letter an option answers to here: a common option's letter
 * unless the verb took it; 0 for none. */
static int short_letter(const struct hk_cmd *cmd, const struct hk_opt *o)
{
	int c = o->key >= COMMON(0) ? o->key - COMMON(0) : o->key;
	if (c <= 0 || c > 0xff || o->key == OPT_VERSION)
		return 0;
	if (o->key >= COMMON(0) && verb_has_key(cmd, c))
		return 0;
	return c;
}

/* Calls fn for every option cmd takes: its own, then the common ones. */
static void each_opt(const struct hk_cmd *cmd,
		     void (*fn)(const struct hk_cmd *, const struct hk_opt *, void *), void *arg)
{
	for (const struct hk_opt *o = cmd->opts; o && o->key; o++)
		fn(cmd, o, arg);
	if (cmd->flags & HK_CMD_NAMED)
		fn(cmd, &name_opt, arg);
	for (size_t i = 0; i < HK_ARRAY_SIZE(common_opts); i++)
		fn(cmd, &common_opts[i], arg);
}

struct getopt_spec {
	struct hk_buf shorts;
	struct option longs[64];
	size_t n;
};

static void add_to_spec(const struct hk_cmd *cmd, const struct hk_opt *o, void *arg)
{
	struct getopt_spec *g = arg;
	int c = short_letter(cmd, o);
	if (c) {
		char s[3] = { (char)c, o->arg ? ':' : 0, 0 };
		hk_buf_puts(&g->shorts, s);
	}
	if (o->name && g->n + 1 < HK_ARRAY_SIZE(g->longs))
		g->longs[g->n++] =
			(struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
					 o->key };
}

/* The option getopt named when it failed, for the message. */
static const char *bad_option(char **argv, int at)
{
	static char letter[3] = "-?";
	if (optopt > 0 && optopt < 0x100) {
		letter[1] = (char)optopt;
		return letter;
	}
	return at > 0 ? argv[at - 1] : "?";
}

/* A common option's work; 0 to go on, else the exit status (-1 after
 * --help/--version, which end with 0). */
static int common_opt(struct hk_cli *cli, const struct hk_cmd *cmd, int key, const char *arg)
{
	switch (key) {
	case COMMON('n'):
		cli->name = arg;
		return 0;
	case COMMON('P'):
		cli->lxcpath = arg;
		return 0;
	case COMMON('q'):
		cli->quiet = true;
		if (hk_log_get_level() < HK_LOG_ERROR)
			hk_log_set_level(HK_LOG_ERROR);
		return 0;
	case COMMON('o'):
	case COMMON('l'):
		/* a log file that cannot be opened fails (1); a bad level is a usage error */
		if (hk_cli_log_opt(key - COMMON(0), arg) < 0)
			return key == COMMON('o') ? 1 : 2;
		return 0;
	case COMMON('h'):
		hk_cli_print_help(cmd, stdout);
		return -1;
	case OPT_VERSION:
		printf("hako %s\n", HAKO_VERSION);
		return -1;
	}
	return 2;
}

/* The key of a letter getopt returned: the verb's own, else the common
 * option that answers to it. */
static int key_of(const struct hk_cmd *cmd, int opt)
{
	if (opt > 0 && opt < 0x100 && !verb_has_key(cmd, opt))
		return COMMON(opt);
	return opt;
}

int hk_cli_parse(struct hk_cli *cli, const struct hk_cmd *cmd, int argc, char **argv, void *ctx,
		 int *status)
{
	struct getopt_spec g = { 0 };
	/* getopt reorders argv; a remote verb sends the words as typed */
	hk_autofree char **typed = xcalloc((size_t)argc + 1, sizeof(char *));
	memcpy(typed, argv, (size_t)argc * sizeof(char *));
	hk_buf_puts(&g.shorts, cmd->flags & HK_CMD_IN_ORDER ? "+:" : ":");
	each_opt(cmd, add_to_spec, &g);
	optind = 0; /* GNU getopt: start afresh */
	opterr = 0;
	int opt;
	*status = 0;
	while (*status == 0 &&
	       (opt = getopt_long(argc, argv, g.shorts.data, g.longs, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			fprintf(stderr, "hako: error: %s: %s \"%s\"\n", cmd->name,
				opt == '?' ? "unknown option" : "no value given to option",
				bad_option(argv, optind));
			*status = hk_cli_usage(cmd);
			break;
		}
		int key = key_of(cmd, opt);
		if (key >= COMMON(0))
			*status = common_opt(cli, cmd, key, optarg);
		else if (cmd->on_opt)
			*status = cmd->on_opt(ctx, key, optarg);
		else
			*status = hk_cli_usage(cmd);
	}
	hk_buf_free(&g.shorts);
	if (*status != 0) {
		if (*status < 0)
			*status = 0;
		return -1;
	}
	if (!(cmd->flags & HK_CMD_NAMED) || cli->name_not_first_word)
		return optind;
	if (!cli->name && optind < argc)
		cli->name = argv[optind++];
	if (!(cmd->flags & HK_CMD_NAME_OPTIONAL) && !cli->name) {
		fprintf(stderr, "hako: error: %s: which container? give its NAME\n", cmd->name);
		*status = hk_cli_usage(cmd);
		return -1;
	}
	if (cli->name && strchr(cli->name, ':')) {
		*status = hk_cli_remote_verb(cli, cmd, ctx, argc, typed);
		if (*status >= 0)
			return -1;
		*status = 0; /* local:NAME: go on here */
	}
	return optind;
}

int hk_cli_opt_uint(const char *option, const char *arg, unsigned min, unsigned max,
		    const char *what, unsigned *out)
{
	unsigned long n;
	if (hk_parse_ulong(arg, &n) && n >= min && n <= max) {
		*out = (unsigned)n;
		return 0;
	}
	hk_autofree char *safe = hk_sanitize_line(arg); /* it may be anything */
	fprintf(stderr, "hako: error: %s \"%s\": give %s (%u-%u)\n", option, safe, what, min, max);
	return 2;
}

void hk_cli_print_synopsis(const struct hk_cmd *cmd, FILE *out)
{
	const char *name = "";
	if (cmd->flags & HK_CMD_NAMED)
		name = cmd->flags & HK_CMD_NAME_OPTIONAL ? " [NAME]" : " NAME";
	fprintf(out, "hako %s [OPTION]...%s%s%s\n", cmd->name, name, cmd->args ? " " : "",
		cmd->args ? cmd->args : "");
	for (const char *m = cmd->more; m && *m;) {
		size_t n = strcspn(m, "\n");
		fprintf(out, "       hako %s %.*s\n", cmd->name, (int)n, m);
		m += n + (m[n] == '\n');
	}
}

static void print_opt(const struct hk_cmd *cmd, const struct hk_opt *o, void *arg)
{
	FILE *out = arg;
	char left[64];
	int c = short_letter(cmd, o);
	int n = c ? snprintf(left, sizeof(left), "-%c%s", c, o->name ? ", " : "")
		  : snprintf(left, sizeof(left), "    ");
	if (o->name)
		n += snprintf(left + n, sizeof(left) - (size_t)n, "--%s", o->name);
	if (o->arg)
		snprintf(left + n, sizeof(left) - (size_t)n, o->name ? "=%s" : " %s", o->arg);
	if (strlen(left) > 24) /* a long one: its help on the next line */
		fprintf(out, "  %s\n  %-24s %s\n", left, "", o->help);
	else
		fprintf(out, "  %-24s %s\n", left, o->help);
}

/* Prints text as lines of at most width columns, broken at spaces. */
static void print_wrapped(FILE *out, const char *text, size_t width)
{
	while (*text) {
		size_t n = strlen(text);
		if (n > width) {
			n = width;
			while (n > 0 && text[n] != ' ')
				n--;
			if (n == 0)
				n = strcspn(text, " ");
		}
		fprintf(out, "%.*s\n", (int)n, text);
		text += n;
		text += strspn(text, " ");
	}
}

void hk_cli_print_help(const struct hk_cmd *cmd, FILE *out)
{
	fputs("usage: ", out);
	hk_cli_print_synopsis(cmd, out);
	hk_autofree char *summary =
		xasprintf("%c%s.", toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	fputc('\n', out);
	print_wrapped(out, summary, 78);
	if (cmd->opts && cmd->opts[0].key) {
		fputs("\nOptions:\n", out);
		for (const struct hk_opt *o = cmd->opts; o->key; o++)
			print_opt(cmd, o, out);
	}
	fputs("\nCommon options:\n", out);
	if (cmd->flags & HK_CMD_NAMED)
		print_opt(cmd, &name_opt, out);
	for (size_t i = 0; i < HK_ARRAY_SIZE(common_opts); i++)
		print_opt(cmd, &common_opts[i], out);
	fprintf(out, "\nExit status: %s.\nSee hako-%s(1).\n",
		cmd->exit_status ? cmd->exit_status
				 : "0 on success, 1 when it fails, 2 for a usage error",
		cmd->name);
}

struct hk_store *hk_cli_store(const struct hk_cli *cli)
{
	hk_autoerr struct hk_error *err = NULL;
	struct hk_store *st = NULL;
	if (hk_store_open(cli->lxcpath, &st, &err) < 0) {
		hk_cli_fail(err);
		return NULL;
	}
	return st;
}

static FILE *log_file;

/* The --logfile sink: every message with its pid and level; warnings and
 * errors also on stderr. */
static void file_sink(void *ctx, enum hk_log_level level, const char *msg)
{
	(void)ctx;
	fprintf(log_file, "hako %d %s %s\n", (int)getpid(), hk_log_level_name(level), msg);
	fflush(log_file);
	if (level >= HK_LOG_WARN)
		hk_log_sink_stderr(NULL, level, msg);
}

int hk_cli_log_opt(int opt, const char *arg)
{
	if (opt == 'o') {
		FILE *f = fopen(arg, "ae");
		if (!f) {
			fprintf(stderr, "hako: error: cannot open log file \"%s\": %m\n", arg);
			return -1;
		}
		if (log_file)
			fclose(log_file);
		log_file = f;
		hk_log_set_sink(file_sink, NULL);
		if (hk_log_get_level() > HK_LOG_INFO)
			hk_log_set_level(HK_LOG_INFO);
		return 0;
	}
	int lvl = hk_log_level_parse(arg);
	if (lvl < 0) {
		fprintf(stderr,
			"hako: error: unknown log priority \"%s\" (use TRACE, DEBUG, INFO, NOTICE, WARN "
			"or ERROR)\n",
			arg);
		return -1;
	}
	hk_log_set_level((enum hk_log_level)lvl);
	return 0;
}
