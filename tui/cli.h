/* cli.h - what every `hako SUBCOMMAND` file shares: the command table
 * entry, global options, and printing an error once.
 *
 * Each subcommand is one tui/cmd-NAME.c exporting `const struct hk_cmd
 * hk_cmd_NAME`: a table of its own options and the function that does its
 * work.  hk_cli_parse reads the command line for it from that table plus
 * the options every verb takes, the way the lxc-* tools share theirs
 * (-n/--name for a verb that takes a container, -P/--lxcpath, -q/--quiet,
 * -o/--logfile, -l/--logpriority, -h/--help, --version); --help and the
 * usage line are made from the same table. */
#ifndef HAKO_CLI_H
#define HAKO_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "store.h"

struct hk_cli {
	const char *lxcpath; /* -P / --lxcpath, NULL = default */
	const char *name;    /* -n / --name or the first word (HK_CMD_NAMED) */
	/* Set by a verb's on_opt when an option gives the first word another
	 * meaning (start --ephemeral SRC): the name then comes from -n only
	 * and may be absent. */
	bool name_not_first_word;
	bool stdout_tty; /* a table for people, lines for pipes */
	bool quiet;
};

/* One option of a verb.  key is its short letter, or HK_OPT_LONG_ONLY(n)
 * for one with only a long name; a verb's letter wins over a common
 * option's (clone -o ORIG, config -l): the common one keeps its long name. */
struct hk_opt {
	int key;
	const char *name; /* long name, or NULL */
	const char *arg;  /* the argument's name in --help ("SECONDS"), NULL for a flag */
	const char *help; /* one line */
};
#define HK_OPT_LONG_ONLY(n) (0x100 + (n))

enum {
	HK_CMD_NAMED = 1 << 0,	       /* takes a container: -n NAME or the first word */
	HK_CMD_NAME_OPTIONAL = 1 << 1, /* ... which it may go without */
	HK_CMD_IN_ORDER = 1 << 2,      /* options end at the first other word */
};

struct hk_cmd {
	const char *name;
	const char *alias;	   /* or NULL */
	const char *summary;	   /* one line for `hako help` */
	const char *args;	   /* the words after the options ("KEY [VALUE]"), or NULL */
	const char *more;	   /* more usage lines (other forms of the verb), or NULL */
	const struct hk_opt *opts; /* its own options, ending with { 0 } */
	unsigned flags;		   /* HK_CMD_* */
	/* Called by hk_cli_parse for each of the verb's own options (optarg
	 * in arg); 0, or the exit status after printing why (2: usage). */
	int (*on_opt)(void *ctx, int key, const char *arg);
	int (*run)(struct hk_cli *cli, int argc, char **argv);
	/* Why the verb, with these options (its on_opt ctx), cannot run on
	 * a remote (REMOTE:NAME): it reads a file on this host.  NULL: it
	 * can. */
	const char *(*remote_refusal)(const void *ctx);
	/* The "Exit status:" line of --help when it is not the usual one
	 * (0, 1 on failure, 2 on a usage error), or NULL. */
	const char *exit_status;
};

/* Parses argv (argv[0] is the verb) against cmd's table and the common
 * options, calling cmd->on_opt(ctx, ...) for the verb's own, and takes
 * the container name of an HK_CMD_NAMED verb.  Returns the index of the
 * first word left, or -1 with *status the exit status to return: 0 after
 * --help or --version, 2 after a usage error (printed), 1 after another
 * error (printed). */
int hk_cli_parse(struct hk_cli *cli, const struct hk_cmd *cmd, int argc, char **argv, void *ctx,
		 int *status);
/* A numeric option's value in [min, max] into *out: 0, or 2 (a usage
 * error) after saying "OPTION \"ARG\": give WHAT (MIN-MAX)". */
int hk_cli_opt_uint(const char *option, const char *arg, unsigned min, unsigned max,
		    const char *what, unsigned *out);
/* --help of a verb, made from its table. */
void hk_cli_print_help(const struct hk_cmd *cmd, FILE *out);
/* "hako NAME [OPTION]... ARGS" as --help and usage errors show it. */
void hk_cli_print_synopsis(const struct hk_cmd *cmd, FILE *out);

/* Prints "hako: error: MSG" once and returns the exit status to use (1). */
int hk_cli_fail(const struct hk_error *err);
/* --timing: the timeline of VERB on NAME so far, on stderr (nothing
 * while it is off). */
void hk_cli_timing_print(const char *verb, const char *name);
/* Prints "hako: error: usage: hako NAME USAGE" and returns 2. */
int hk_cli_usage(const struct hk_cmd *cmd);
/* Opens the store for cli->lxcpath; prints the error itself on failure. */
struct hk_store *hk_cli_store(const struct hk_cli *cli);
/* --logfile FILE (opt 'o') and --logpriority LEVEL (opt 'l'), before the
 * verb and on every verb (like the lxc-* tools); -1 after printing an
 * error. */
int hk_cli_log_opt(int opt, const char *arg);

/* cli-remote.c: a verb on REMOTE:NAME runs there over ssh.  Returns its
 * exit status, or -1 when the address names this host (local:NAME:
 * cli->name is then NAME). */
struct hk_ssh;
int hk_cli_remote_verb(struct hk_cli *cli, const struct hk_cmd *cmd, const void *ctx, int argc,
		       char *const *argv);
/* The remote called name in hako.conf (a copy), or an error saying how
 * to add it. */
int hk_cli_remote_find(const char *name, struct hk_remote *out, struct hk_error **err);
/* The transport's settings from hako.conf [ssh] and the control
 * directory; hk_cli_ssh_clear frees them. */
int hk_cli_ssh_init(struct hk_ssh *s, bool batch, bool tty, struct hk_error **err);
void hk_cli_ssh_clear(struct hk_ssh *s);

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
extern const struct hk_cmd hk_cmd_execute;
extern const struct hk_cmd hk_cmd_setup_user;
extern const struct hk_cmd hk_cmd_cgroup;
extern const struct hk_cmd hk_cmd_net;
extern const struct hk_cmd hk_cmd_remote;
extern const struct hk_cmd hk_cmd_wait;
extern const struct hk_cmd hk_cmd_autostart;
extern const struct hk_cmd hk_cmd_rename;
extern const struct hk_cmd hk_cmd_device;
extern const struct hk_cmd hk_cmd_checkpoint;
extern const struct hk_cmd hk_cmd_restore;

/* rename OLD to NEW and say so (hako rename, hako clone -R). */
int hk_cli_rename(struct hk_cli *cli, const char *old, const char *new_name);

extern const struct hk_cmd hk_cmd_clone;
extern const struct hk_cmd hk_cmd_snapshot;

#endif
