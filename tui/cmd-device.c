/* cmd-device.c - `hako device NAME add|del DEV|IFACE [NAME-INSIDE]`, like
 * lxc-device: give a running container a host device node or network
 * interface, or take it back. */
#include <stdio.h>

#include "cli.h"
#include "device.h"
#include "util.h"

static int run(struct hk_cli *cli, int argc, char **argv)
{
	int status, rest = hk_cli_parse(cli, &hk_cmd_device, argc, argv, NULL, &status);
	if (rest < 0)
		return status;
	if (argc - rest < 2 || argc - rest > 3)
		return hk_cli_usage(&hk_cmd_device);
	hk_autoerr struct hk_error *err = NULL;
	struct hk_device_req req;
	if (hk_device_parse(argv[rest], argv[rest + 1], argc - rest == 3 ? argv[rest + 2] : NULL,
			    &req, &err) < 0) {
		fprintf(stderr, "hako: error: device \"%s\": %s\n", cli->name, err->msg);
		return 2;
	}
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	if (hk_device_run(st, cli->name, &req, &err) < 0)
		return hk_cli_fail(err);
	return 0;
}

const struct hk_cmd hk_cmd_device = {
	.name = "device",
	.summary = "give a running container a host device node or network interface (like "
		   "lxc-device)",
	.args = "add|del DEV|IFACE [NAME-INSIDE]",
	.flags = HK_CMD_NAMED,
	.run = run,
};
