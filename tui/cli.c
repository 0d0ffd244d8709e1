/* cli.c - shared helpers of the subcommands: error printing, store. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "util.h"
#include <unistd.h>

int hk_cli_fail(const struct hk_error *err)
{
	hk_autofree char *msg = hk_error_render(err);
	fprintf(stderr, "hako: error: %s\n", msg);
	return 1;
}

int hk_cli_usage(const struct hk_cmd *cmd)
{
	fprintf(stderr, "hako: error: usage: hako %s %s\n", cmd->name, cmd->usage);
	fprintf(stderr, "hako: see 'man hako' or 'hako help %s'\n", cmd->name);
	return 2;
}

struct hk_store *hk_cli_store(const struct hk_cli *cli)
{
	hk_autoerr err = NULL;
	struct hk_store *st = NULL;
	if (hk_store_open(cli->lxcpath, &st, &err) < 0) {
		hk_cli_fail(err);
		return NULL;
	}
	return st;
}

bool hk_cli_common_opt(struct hk_cli *cli, int opt, const char *arg)
{
	if (opt == 'P') {
		cli->lxcpath = arg;
		return true;
	}
	return false;
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
		fprintf(stderr, "hako: error: unknown log priority \"%s\" (use TRACE, DEBUG, INFO, NOTICE, WARN "
				"or ERROR)\n", arg);
		return -1;
	}
	hk_log_set_level((enum hk_log_level)lvl);
	return 0;
}

int hk_cli_name_args(struct hk_cli *cli, int argc, char **argv, const struct hk_cmd *cmd,
		     const char **name)
{
	static const struct option opts[] = {
		HK_CLI_COMMON_LONG,
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	*name = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, HK_CLI_COMMON_SHORT "n:", opts, NULL)) != -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		if (opt != 'n') {
			hk_cli_usage(cmd);
			return -1;
		}
		*name = optarg;
	}
	if (!*name && optind < argc)
		*name = argv[optind++];
	if (!*name) {
		hk_cli_usage(cmd);
		return -1;
	}
	return optind;
}
