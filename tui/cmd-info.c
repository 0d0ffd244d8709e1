/* cmd-info.c - `hako info NAME`: one container in detail, like lxc-info.
 * Lines are "Label:  value"; a list (IPs, id map ranges, interfaces) gives
 * one line per item.  Values are sanitised: a config or hostname may hold
 * anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "list.h"
#include "sanitize.h"
#include "util.h"

static void field(const char *label, const char *value)
{
	hk_autofree char *safe = hk_sanitize_line(value);
	hk_autofree char *lab = xasprintf("%s:", label);
	printf("%-16s%s\n", lab, safe[0] ? safe : "-");
}

static void field_list(const char *label, const struct hk_strv *sv)
{
	if (sv->n == 0)
		field(label, NULL);
	for (size_t i = 0; i < sv->n; i++)
		field(label, sv->v[i]);
}

static void print_nets(const struct hk_config *cfg)
{
	if (cfg->n_nets == 0)
		field("Interface", NULL);
	for (size_t i = 0; i < cfg->n_nets; i++) {
		const struct hk_net_spec *n = &cfg->nets[i];
		hk_autofree char *v = xasprintf("%u: type=%s link=%s hwaddr=%s", n->index,
						n->type ? n->type : "-", n->link ? n->link : "-",
						n->hwaddr ? n->hwaddr : "-");
		field("Interface", v);
	}
}

static void print_idmap(const struct hk_config *cfg)
{
	if (cfg->idmap.n == 0)
		field("Id map", "none (privileged: container root is host root)");
	for (size_t i = 0; i < cfg->idmap.n; i++) {
		hk_autofree char *r = hk_idmap_format_range(&cfg->idmap.r[i]);
		field("Id map", r);
	}
}

static void print_usage(const struct hk_list_row *row)
{
	if (!hk_state_is_active(row->state))
		return;
	hk_autofree char *mem =
		row->mem_bytes < 0
			? NULL
			: xasprintf("%.2f MiB", (double)row->mem_bytes / (1024.0 * 1024.0));
	hk_autofree char *cpu = row->cpu_seconds < 0 ? NULL : xasprintf("%.2f s", row->cpu_seconds);
	hk_autofree char *pids = row->pids < 0 ? NULL : xasprintf("%lld", row->pids);
	hk_autofree char *io =
		row->io_bytes < 0
			? NULL
			: xasprintf("%.2f MiB", (double)row->io_bytes / (1024.0 * 1024.0));
	field("Memory use", mem);
	field("CPU use", cpu);
	field("BlkIO use", io);
	field("Processes", pids);
}

/* "lxc (monitor pid 123)", "hako", "-": who runs it (runner.h). */
static char *runner_text(const struct hk_list_row *row)
{
	const char *kind = hk_runner_kind_name(row->runner);
	if (row->runner != HK_RUNNER_LXC && row->runner != HK_RUNNER_OTHER)
		return xstrdup(kind);
	hk_autofree char *uid =
		row->runner_uid ? xasprintf(", uid %u", (unsigned)row->runner_uid) : xstrdup("");
	if (row->runner_pid > 0)
		return xasprintf("%s (monitor pid %d%s)", kind, (int)row->runner_pid, uid);
	return xasprintf("%s (monitor not visible%s)", kind, uid);
}

static void print_info(struct hk_store *st, const struct hk_list_row *row)
{
	const struct hk_config *cfg = row->cfg;
	hk_autofree char *pid = row->init_pid > 0 ? xasprintf("%d", (int)row->init_pid) : NULL;
	hk_autofree char *groups = NULL;
	struct hk_buf gb = { 0 };
	for (size_t i = 0; i < row->groups.n; i++)
		hk_buf_printf(&gb, "%s%s", i ? "," : "", row->groups.v[i]);
	groups = hk_buf_steal(&gb);
	hk_autofree char *config = hk_store_config_path(st, row->name);

	field("Name", row->name);
	field("State", hk_state_name(row->state));
	field("PID", pid);
	hk_autofree char *runner = runner_text(row);
	field("Runner", runner);
	field_list("IP", &row->ipv4);
	if (row->ipv6.n)
		field_list("IP", &row->ipv6);
	field("Unprivileged", row->unprivileged ? "true" : "false");
	field("Backend", row->backend);
	field("Rootfs", cfg->rootfs.raw);
	field("Config", config);
	field("Autostart", row->autostart ? "true" : "false");
	field("Groups", groups);
	field("Hostname", cfg->uts_name ? cfg->uts_name : row->name);
	print_idmap(cfg);
	print_nets(cfg);
	print_usage(row);
	for (size_t i = 0; i < cfg->host_notes.n; i++)
		field("Note", cfg->host_notes.v[i]);
}

static int run_info(struct hk_cli *cli, int argc, char **argv)
{
	int status, rest = hk_cli_parse(cli, &hk_cmd_info, argc, argv, NULL, &status);
	if (rest < 0)
		return status;
	if (rest != argc)
		return hk_cli_usage(&hk_cmd_info);
	const char *name = cli->name;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_name_validate(name, &err) < 0)
		return hk_cli_fail(err);
	hk_autostore struct hk_store *st = hk_cli_store(cli);
	if (!st)
		return 1;
	if (!hk_store_exists(st, name)) {
		hk_error_set(&err, 0,
			     "container \"%s\" does not exist in \"%s\"; "
			     "'hako ls -P %s' lists the containers there",
			     name, hk_store_path(st), hk_store_path(st));
		return hk_cli_fail(err);
	}
	struct hk_list_row row;
	hk_list_row_fill(st, name, &row);
	int rc = 0;
	if (row.config_error) {
		hk_autofree char *safe = hk_sanitize_line(row.config_error);
		fprintf(stderr, "hako: error: container \"%s\": %s\n", name, safe);
		rc = 1;
	} else {
		print_info(st, &row);
	}
	hk_list_row_free(&row);
	return rc;
}

const struct hk_cmd hk_cmd_info = {
	.name = "info",
	.alias = NULL,
	.summary = "show one container in detail",
	.flags = HK_CMD_NAMED,
	.run = run_info,
};
