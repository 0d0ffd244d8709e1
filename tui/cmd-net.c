/* cmd-net.c - `hako net setup|leases|cleanup|remove`: the host's side of
 * container networking (core/net.h).  setup makes the bridge named in
 * hako.conf ([net] bridge, subnet) or on the command line, idempotently,
 * and says what it did or found. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "net.h"
#include "store.h"
#include "util.h"

struct net_opts {
	const char *bridge, *subnet;
};

static int do_setup(struct hk_cli *cli, const struct net_opts *o)
{
	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	const struct hk_settings *s = hk_store_settings(st);
	const char *bridge = o->bridge ? o->bridge : s->bridge;
	const char *subnet = o->subnet ? o->subnet : s->subnet;
	hk_autoerr err = NULL;
	struct hk_net_bridge_report rep;
	if (hk_net_bridge_setup(bridge, subnet, &rep, &err) < 0)
		return hk_cli_fail(err);
	if (cli->quiet)
		return 0;
	printf("bridge %s: %s\n", bridge, rep.created ? "created" : "exists");
	printf("address %s: %s\n", subnet, rep.addr_added ? "added" : "present");
	printf("link: %s\n", rep.brought_up ? "brought up" : "up");
	return 0;
}

static int do_leases(void)
{
	hk_autoerr err = NULL;
	hk_autofree char *text = hk_net_lease_list(&err);
	if (!text)
		return hk_cli_fail(err);
	fputs(text, stdout);
	return 0;
}

static int do_cleanup(struct hk_cli *cli)
{
	int n = hk_net_cleanup_stale();
	if (n < 0) {
		hk_autofree char *dir = hk_net_lease_dir();
		fprintf(stderr, "hako: error: cannot clean the leases in \"%s\"\n", dir);
		return 1;
	}
	if (!cli->quiet)
		printf("%d stale lease%s dropped\n", n, n == 1 ? "" : "s");
	return 0;
}

static int do_remove(struct hk_cli *cli, const struct net_opts *o)
{
	hk_autostore st = hk_cli_store(cli);
	if (!st)
		return 1;
	const char *bridge = o->bridge ? o->bridge : hk_store_settings(st)->bridge;
	hk_autoerr err = NULL;
	if (hk_net_bridge_delete(bridge, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("bridge %s: removed\n", bridge);
	return 0;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		HK_CLI_COMMON_LONG,
		{ "bridge", required_argument, NULL, 'b' },
		{ "subnet", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct net_opts o = { 0 };
	int opt;
	while ((opt = getopt_long(argc, argv, HK_CLI_COMMON_SHORT "b:s:q", opts, NULL)) != -1) {
		if (hk_cli_common_opt(cli, opt, optarg))
			continue;
		if (opt == 'b')
			o.bridge = optarg;
		else if (opt == 's')
			o.subnet = optarg;
		else if (opt == 'q')
			cli->quiet = true;
		else
			return hk_cli_usage(&hk_cmd_net);
	}
	if (optind + 1 != argc)
		return hk_cli_usage(&hk_cmd_net);
	const char *verb = argv[optind];
	if (!strcmp(verb, "leases"))
		return do_leases();
	if (geteuid() != 0) {
		fprintf(stderr, "hako: error: \"hako net %s\" changes the host's network: run it as root\n", verb);
		return 1;
	}
	if (!strcmp(verb, "setup"))
		return do_setup(cli, &o);
	if (!strcmp(verb, "cleanup"))
		return do_cleanup(cli);
	if (!strcmp(verb, "remove"))
		return do_remove(cli, &o);
	return hk_cli_usage(&hk_cmd_net);
}

const struct hk_cmd hk_cmd_net = {
	.name = "net",
	.summary = "host networking: make the containers' bridge, show or clean address leases",
	.usage = "setup|leases|cleanup|remove [-b BRIDGE] [-s ADDRESS/PREFIX] [-q]",
	.run = run,
};
