/* cmd-cgroup.c - `hako cgroup NAME KEY [VALUE]`, like lxc-cgroup: read or
 * set one cgroup file of a running container. */
#include <stdio.h>

#include "cgroup-manage.h"
#include "cli.h"
#include "container.h"
#include "runner.h"
#include "util.h"

static int run(struct hk_cli *cli, int argc, char **argv)
{
	int status, rest = hk_cli_parse(cli, &hk_cmd_cgroup, argc, argv, NULL, &status);
	if (rest < 0)
		return status;
	const char *name = cli->name;
	if (argc - rest < 1 || argc - rest > 2)
		return hk_cli_usage(&hk_cmd_cgroup);
	const char *key = argv[rest], *value = argc - rest == 2 ? argv[rest + 1] : NULL;
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	hk_autoerr struct hk_error *err = NULL;
	struct hk_ct_cgroup c;
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, &err) < 0 ||
	    hk_runner_refuse(ct, HK_OP_CGROUP, &err) < 0 || hk_ct_cgroup_open(ct, &c, &err) < 0)
		return hk_cli_fail(err);
	hk_autofree char *out = NULL;
	int rc = 0;
	if (!c.cg)
		rc = hk_error_set(
			&err, 0,
			"container \"%s\" has no cgroup of its own: you have no delegated "
			"cgroup; run \"hako setup-user\" as root",
			name);
	else
		rc = hk_cgroup_file_access(c.cg, key, value, &out, &err);
	hk_ct_cgroup_close(&c);
	if (rc < 0) {
		hk_error_prefix(&err, "cgroup \"%s\"", name);
		return hk_cli_fail(err);
	}
	if (out)
		fputs(out, stdout);
	return 0;
}

const struct hk_cmd hk_cmd_cgroup = {
	.name = "cgroup",
	.summary = "read or set a cgroup file of a running container (like lxc-cgroup)",
	.args = "KEY [VALUE]",
	.flags = HK_CMD_NAMED,
	.run = run,
};
