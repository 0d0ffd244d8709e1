/* cli.h - what every `hako SUBCOMMAND` file shares: the command table
 * entry, global options, and printing an error once.
 *
 * Each subcommand is one tui/cmd-NAME.c exporting `const struct hk_cmd
 * hk_cmd_NAME`; it parses its own arguments (getopt_long, with "P:" for
 * --lxcpath like the lxc-* tools) and calls core functions. */
#ifndef HAKO_CLI_H
#define HAKO_CLI_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

struct hk_cli {
	const char *lxcpath; /* -P / --lxcpath, NULL = default */
	bool stdout_tty;     /* a table for people, lines for pipes */
	bool quiet;
};

struct hk_cmd {
	const char *name;
	const char *alias;   /* or NULL */
	const char *summary; /* one line for `hako help` */
	const char *usage;   /* "NAME [-f CONFIG] ..." */
	int (*run)(struct hk_cli *cli, int argc, char **argv);
};

/* Prints "hako: error: MSG" once and returns the exit status to use (1). */
int hk_cli_fail(const struct hk_error *err);
/* Prints "hako: error: usage: hako NAME USAGE" and returns 2. */
int hk_cli_usage(const struct hk_cmd *cmd);
/* Opens the store for cli->lxcpath; prints the error itself on failure. */
struct hk_store *hk_cli_store(const struct hk_cli *cli);
/* Handles the options every subcommand takes (-P PATH, --lxcpath PATH):
 * true if opt was one of them.  Use HK_CLI_COMMON_SHORT ("P:") in the
 * optstring and HK_CLI_COMMON_LONG in the long options. */
bool hk_cli_common_opt(struct hk_cli *cli, int opt, const char *arg);
/* For commands whose only options are -P/--lxcpath and -n/--name: parses
 * them and takes NAME (from -n or the first word); returns the index of
 * the first remaining argument, or -1 after printing the usage. */
int hk_cli_name_args(struct hk_cli *cli, int argc, char **argv, const struct hk_cmd *cmd,
		     const char **name);

/* --logfile FILE (opt 'o') and --logpriority LEVEL (opt 'l'), as global
 * options and on `start` (like lxc-start); -1 after printing an error. */
int hk_cli_log_opt(int opt, const char *arg);
#define HK_CLI_COMMON_SHORT "P:"
#define HK_CLI_COMMON_LONG { "lxcpath", required_argument, NULL, 'P' }

extern const struct hk_cmd hk_cmd_ls;
extern const struct hk_cmd hk_cmd_info;
extern const struct hk_cmd hk_cmd_create;
extern const struct hk_cmd hk_cmd_destroy;
extern const struct hk_cmd hk_cmd_config;
extern const struct hk_cmd hk_cmd_doctor;
extern const struct hk_cmd hk_cmd_start;
extern const struct hk_cmd hk_cmd_stop;
extern const struct hk_cmd hk_cmd_console;
extern const struct hk_cmd hk_cmd_freeze;
extern const struct hk_cmd hk_cmd_unfreeze;
extern const struct hk_cmd hk_cmd_attach;
extern const struct hk_cmd hk_cmd_setup_user;
extern const struct hk_cmd hk_cmd_cgroup;
extern const struct hk_cmd hk_cmd_net;

extern const struct hk_cmd hk_cmd_clone;
extern const struct hk_cmd hk_cmd_snapshot;

#endif
