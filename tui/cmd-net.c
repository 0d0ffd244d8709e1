/* cmd-net.c - `hako net setup|leases|list|cleanup|remove`: the host's side
 * of container networking (core/net.h).  setup makes the bridge named in
 * hako.conf ([net] bridge, subnet) or on the command line, idempotently,
 * and says what it did or found; list shows the veths hako-nic made (an
 * ordinary user's own, through `hako-nic list`; root sees every user's). */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "net.h"
#include "nic-client.h"
#include "store.h"
#include "table.h"
#include "util.h"

struct net_opts {
	const char *bridge, *subnet;
};

static int do_setup(struct hk_cli *cli, const struct net_opts *o)
{
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	const struct hk_settings *s = hk_store_settings(st);
	const char *bridge = o->bridge ? o->bridge : s->bridge;
	const char *subnet = o->subnet ? o->subnet : s->subnet;
	hk_autoerr struct hk_error *err = NULL;
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
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *text = hk_net_lease_list(&err);
	if (!text)
		return hk_cli_fail(err);
	fputs(text, stdout);
	return 0;
}

/* An ordinary user's veths through hako-nic; root's view: every user's. */
static int do_list(struct hk_cli *cli)
{
	bool root = geteuid() == 0;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_nic_record *r = NULL;
	ssize_t n =
		root ? hk_nic_records_read(HK_NIC_DB_DIR, &r, &err) : hk_nic_client_list(&r, &err);
	if (n < 0)
		return hk_cli_fail(err);
	static const char *const headers[] = { "USER", "NAME", "BRIDGE", "HOST", "ADDRESS", "PID" };
	size_t skip = root ? 0 : 1; /* a user's list is the user's own */
	struct hk_table *t = hk_table_new(HK_ARRAY_SIZE(headers) - skip, headers + skip);
	for (ssize_t i = 0; i < n; i++) {
		char pid[24], uid[24];
		snprintf(pid, sizeof(pid), "%ld", r[i].pid);
		snprintf(uid, sizeof(uid), "%lu", r[i].uid);
		const struct passwd *pw = root ? getpwuid((uid_t)r[i].uid) : NULL;
		const char *cells[] = { pw ? pw->pw_name : uid,
					r[i].name,
					r[i].bridge,
					r[i].host,
					strcmp(r[i].lease, "-") ? r[i].lease : NULL,
					pid };
		hk_table_add_row(t);
		for (size_t c = skip; c < HK_ARRAY_SIZE(cells); c++)
			hk_table_set(t, c - skip, cells[c]);
	}
	hk_table_print(t, stdout, cli->stdout_tty);
	hk_table_free(t);
	free(r);
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
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	const char *bridge = o->bridge ? o->bridge : hk_store_settings(st)->bridge;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_net_bridge_delete(bridge, &err) < 0)
		return hk_cli_fail(err);
	if (!cli->quiet)
		printf("bridge %s: removed\n", bridge);
	return 0;
}

static const struct hk_opt opts[] = {
	{ 'b', "bridge", "BRIDGE", "setup, remove: this bridge, not hako.conf's" },
	{ 's', "subnet", "ADDR/PREFIX", "setup: the bridge's address, not hako.conf's" },
	{ 0 },
};

static int on_opt(void *ctx, int key, const char *arg)
{
	struct net_opts *o = ctx;
	if (key == 'b')
		o->bridge = arg;
	else if (key == 's')
		o->subnet = arg;
	else
		return 2;
	return 0;
}

static int run(struct hk_cli *cli, int argc, char **argv)
{
	struct net_opts o = { 0 };
	int status, rest = hk_cli_parse(cli, &hk_cmd_net, argc, argv, &o, &status);
	if (rest < 0)
		return status;
	if (rest + 1 != argc)
		return hk_cli_usage(&hk_cmd_net);
	const char *verb = argv[rest];
	if (!strcmp(verb, "leases"))
		return do_leases();
	if (!strcmp(verb, "list"))
		return do_list(cli);
	if (geteuid() != 0) {
		fprintf(stderr,
			"hako: error: \"hako net %s\" changes the host's network: run it as root\n",
			verb);
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
	.summary =
		"host networking: make the containers' bridge, show leases and veths, clean leases",
	.args = "setup|leases|list|cleanup|remove",
	.opts = opts,
	.on_opt = on_opt,
	.run = run,
};
