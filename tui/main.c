/* main.c - `hako`: dispatch to a subcommand from the command table, or
 * open the dashboard when there is none.  Global options (-P, --logfile,
 * --logpriority, -q) may come before the subcommand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "cli.h"
#include "log.h"
#include "util.h"

static const struct hk_cmd *const commands[] = {
	&hk_cmd_ls,	    &hk_cmd_info,    &hk_cmd_create,	&hk_cmd_destroy,    &hk_cmd_start,
	&hk_cmd_stop,	    &hk_cmd_console, &hk_cmd_attach,	&hk_cmd_execute,    &hk_cmd_freeze,
	&hk_cmd_unfreeze,   &hk_cmd_wait,    &hk_cmd_autostart, &hk_cmd_cgroup,	    &hk_cmd_device,
	&hk_cmd_checkpoint, &hk_cmd_restore, &hk_cmd_config,	&hk_cmd_setup_user, &hk_cmd_doctor,
	&hk_cmd_clone,	    &hk_cmd_rename,  &hk_cmd_snapshot,	&hk_cmd_net,	    &hk_cmd_remote,
};

static const struct hk_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(commands); i++) {
		const struct hk_cmd *c = commands[i];
		if (strcmp(c->name, name) == 0 || (c->alias && strcmp(c->alias, name) == 0))
			return c;
	}
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out,
		"usage: hako [-P PATH] [--logfile FILE] [--logpriority LEVEL] [COMMAND [ARGS]]\n"
		"       hako [-P PATH] [--read-only] [--theme NAME] [--mouse]   (the dashboard)\n"
		"       hako -r|--remote NAME[,NAME...]|all   (the dashboard over those hosts)\n\n"
		"With no command, hako opens the dashboard.  Commands:\n");
	for (size_t i = 0; i < HK_ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out,
		"\nhako COMMAND --help (or hako help COMMAND) lists its options; its manual is\nhako-COMMAND(1), and hako(1) tells the whole story.\n");
}

static int help_command(int argc, char **argv)
{
	if (argc < 2) {
		print_help(stdout);
		return 0;
	}
	const struct hk_cmd *c = find_command(argv[1]);
	if (!c) {
		fprintf(stderr, "hako: error: no command \"%s\"; 'hako help' lists them\n",
			argv[1]);
		return 2;
	}
	hk_cli_print_help(c, stdout);
	return 0;
}

/* Options of the dashboard (--read-only, --theme, --mouse). */
static struct hk_app_opts dash_opts;

/* Parses the options before the subcommand; returns the index of the
 * subcommand in argv, or -1 after printing an error. */
static int parse_global(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lxcpath", required_argument, NULL, 'P' },
		{ "logfile", required_argument, NULL, 'o' },
		{ "logpriority", required_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "read-only", no_argument, NULL, 'R' },
		{ "theme", required_argument, NULL, 'T' },
		{ "mouse", no_argument, NULL, 'M' },
		{ "remote", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "+P:o:l:qhVr:", opts, NULL)) != -1) {
		switch (opt) {
		case 'P':
			cli->lxcpath = optarg;
			break;
		case 'o':
		case 'l':
			if (hk_cli_log_opt(opt, optarg) < 0)
				return -1;
			break;
		case 'q':
			cli->quiet = true;
			break;
		case 'R':
			dash_opts.read_only = true;
			break;
		case 'T':
			dash_opts.theme = optarg;
			break;
		case 'M':
			dash_opts.mouse = true;
			break;
		case 'r':
			dash_opts.remote = optarg;
			break;
		case 'h':
			print_help(stdout);
			exit(0);
		case 'V':
			printf("hako %s\n", HAKO_VERSION);
			exit(0);
		default:
			print_help(stderr);
			return -1;
		}
	}
	return optind;
}

int main(int argc, char **argv)
{
	hk_proctitle_init(argc, argv);
	struct hk_cli cli = { .stdout_tty = isatty(STDOUT_FILENO) };
	int first = parse_global(&cli, argc, argv);
	if (first < 0)
		return 2;
	if (first >= argc) {
		dash_opts.lxcpath = cli.lxcpath;
		return hk_app_run(&dash_opts);
	}
	const char *name = argv[first];
	if (dash_opts.remote) {
		fprintf(stderr,
			"hako: error: --remote before a command is for the dashboard; "
			"write it after the command (hako %s --remote %s ...) or address "
			"the container as REMOTE:NAME\n",
			name, dash_opts.remote);
		return 2;
	}
	if (strcmp(name, "help") == 0)
		return help_command(argc - first, argv + first);
	const struct hk_cmd *c = find_command(name);
	if (!c) {
		fprintf(stderr, "hako: error: no command \"%s\"; 'hako help' lists them\n", name);
		return 2;
	}
	optind = 0; /* reset getopt for the subcommand (GNU: also reinitialises) */
	return c->run(&cli, argc - first, argv + first);
}
