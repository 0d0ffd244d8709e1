/* nic-client.c - the monitor's side of hako-nic: an ordinary user's
 * monitor cannot make host interfaces, so for each veth it runs the
 * setuid helper (fork + execve of a fixed path, an empty environment,
 * stdin on /dev/null) and reads its one-line answer; at stop it asks it to
 * delete the container's nics.  hako-nic trusts nothing it is given, so
 * nothing here is a security boundary: it only has to be right. */
#include "nic-client.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sanitize.h"

#define OUTPUT_MAX 65536

char *hk_nic_helper_path(void)
{
	const char *e = getenv("HAKO_NIC");
	if (e && *e == '/')
		return xstrdup(e);
	return xstrdup(HAKO_PREFIX "/libexec/hako/hako-nic");
}

int hk_nic_check_plan(const struct hk_net_state *plan, struct hk_error **err)
{
	for (unsigned i = 0; i < plan->n; i++) {
		const struct hk_net_iface *ifc = &plan->ifs[i];
		if (ifc->kind != HK_NET_VETH)
			return hk_error_set(
				err, ENOTSUP,
				"lxc.net.%u: an ordinary user's container can only have "
				"veths (made by hako-nic); use lxc.net.%u.type = veth on a "
				"bridge listed for you in %s",
				ifc->index, ifc->index, HK_NIC_USERNET);
		if (!*ifc->link)
			return hk_error_set(
				err, EINVAL,
				"lxc.net.%u: an ordinary user's veth needs lxc.net.%u.link, "
				"a bridge listed for you in %s",
				ifc->index, ifc->index, HK_NIC_USERNET);
	}
	return 0;
}

/* hako-nic names every host end itself (hknXXXXXXXX, chosen under its
 * lock), so that no user can take, guess or squat a name another user's
 * or root's interface needs; LXC's unprivileged path does the same (it
 * passes lxc-user-nic the bridge and the container-side name only). */
unsigned hk_nic_plan_warn(const struct hk_net_state *plan, const char *name)
{
	unsigned n = 0;
	for (unsigned i = 0; i < plan->n; i++) {
		const struct hk_net_iface *ifc = &plan->ifs[i];
		if (!ifc->pair_set)
			continue;
		hk_log(HK_LOG_WARN,
		       "container \"%s\": lxc.net.%u.veth.pair = %s is ignored: hako-nic names an "
		       "ordinary user's host end itself (hknXXXXXXXX); remove the line to silence this",
		       name, ifc->index, ifc->host);
		n++;
	}
	return n;
}

static void child_exec(const char *path, const char *const *args, int out)
{
	const char *argv[12] = { path };
	for (size_t i = 0; i < 10 && args[i]; i++)
		argv[i + 1] = args[i];
	char *const envp[] = { NULL }; /* hako-nic starts itself again without one otherwise */
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	execve(path, (char *const *)argv, envp);
	dprintf(2, "hako-nic: cannot run \"%s\": %s\n", path, strerror(errno));
	_exit(127);
}

/* Runs hako-nic ARGS; *out gets what it wrote (stdout and stderr).
 * Returns its exit status (0 = done), -1 when it could not run. */
static int run_helper(const char *const *args, char **out, struct hk_error **err)
{
	hk_autofree char *path = hk_nic_helper_path();
	if (access(path, X_OK) < 0)
		return hk_error_errno(
			err,
			"hako-nic \"%s\", which gives an ordinary user's container its veth, "
			"cannot be run; as root, run \"make install\" (it installs it setuid root)",
			path);
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return hk_error_errno(err, "cannot make a pipe for hako-nic");
	pid_t pid = fork();
	if (pid == 0)
		child_exec(path, args, pfd[1]);
	close(pfd[1]);
	struct hk_buf b = { 0 };
	char chunk[4096];
	ssize_t r;
	while (pid > 0 && (r = read(pfd[0], chunk, sizeof(chunk))) != 0)
		if (r > 0 && b.len < OUTPUT_MAX)
			hk_buf_append(&b, chunk, (size_t)r);
		else if (r < 0 && errno != EINTR)
			break;
	close(pfd[0]);
	*out = hk_buf_steal(&b);
	if (pid < 0)
		return hk_error_errno(err, "cannot fork for hako-nic");
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* hako-nic's message, without its "hako-nic: " and trailing newline. */
static int helper_failed(const char *out, struct hk_error **err)
{
	const char *msg = strstr(out, "hako-nic: ");
	msg = msg ? msg + strlen("hako-nic: ") : out;
	hk_autofree char *line = xstrndup(msg, strcspn(msg, "\n"));
	hk_autofree char *shown = hk_sanitize_line(line);
	return hk_error_set(err, 0, "hako-nic: %s", *shown ? shown : "failed without a message");
}

/* The last non-empty line (warnings may come before the answer). */
static const char *last_line(char *text)
{
	size_t len = strlen(text);
	while (len && text[len - 1] == '\n')
		text[--len] = '\0';
	char *nl = strrchr(text, '\n');
	return nl ? nl + 1 : text;
}

int hk_nic_client_make(struct hk_net_state *st, struct hk_net_iface *ifc, bool lease,
		       struct hk_error **err)
{
	char pid[24];
	snprintf(pid, sizeof(pid), "%d", (int)st->child);
	char mtu[24];
	snprintf(mtu, sizeof(mtu), "mtu=%u", ifc->mtu);
	const char *args[] = { "create", st->owner, pid,  "veth", ifc->link,
			       ifc->tmp, NULL,	    NULL, NULL };
	size_t n = 6;
	if (lease)
		args[n++] = "lease";
	if (ifc->mtu)
		args[n++] = mtu;
	hk_autofree char *out = NULL;
	int rc = run_helper(args, &out, err);
	if (rc < 0)
		return -1;
	st->helper = true; /* from now on teardown asks hako-nic */
	if (rc != 0)
		return helper_failed(out, err);
	struct hk_nic_reply rep;
	if (hk_nic_reply_parse(last_line(out), &rep, err) < 0)
		return -1;
	snprintf(ifc->host, sizeof(ifc->host), "%s", rep.host);
	ifc->host_made = true;
	if (rep.lease.family) {
		char ip[HK_NET_IP_STRLEN + 4];
		hk_net_ip_format(&rep.lease, false, ip);
		memcpy(ifc->lease, ip, sizeof(ifc->lease) - 1); /* an IPv4 text is short */
		ifc->lease[sizeof(ifc->lease) - 1] = '\0';
	}
	return 0;
}

/* Runs hako-nic ARGS; 0 when it succeeded (*out: its output), else -1. */
static int helper_call(const char *const *args, char **out, struct hk_error **err)
{
	int rc = run_helper(args, out, err);
	if (rc < 0)
		return -1;
	return rc == 0 ? 0 : helper_failed(*out, err);
}

int hk_nic_client_delete(const char *name, pid_t pid, struct hk_error **err)
{
	char p[24];
	snprintf(p, sizeof(p), "%d", (int)pid);
	const char *args[] = { "delete", name, p, NULL };
	hk_autofree char *out = NULL;
	if (helper_call(args, &out, err) < 0)
		return -1;
	hk_log(HK_LOG_DEBUG, "hako-nic: %s", last_line(out));
	return 0;
}

ssize_t hk_nic_client_list(struct hk_nic_record **out, struct hk_error **err)
{
	*out = NULL;
	const char *args[] = { "list", NULL };
	hk_autofree char *text = NULL;
	if (helper_call(args, &text, err) < 0)
		return -1;
	size_t n = 0;
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, "\n");
		hk_autofree char *line = xstrndup(p, len);
		p += len + (p[len] == '\n');
		if (!*line)
			continue;
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		if (hk_nic_listing_parse(line, &(*out)[n++], err) < 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	return (ssize_t)n;
}

ssize_t hk_nic_records_read(const char *db_dir, struct hk_nic_record **out, struct hk_error **err)
{
	*out = NULL;
	hk_autofree char *path = xasprintf("%s/nics", db_dir);
	hk_autofree char *text = NULL;
	hk_autoerr struct hk_error *rerr = NULL;
	if (hk_read_file(path, &text, NULL, &rerr) < 0) {
		if (rerr->code == ENOENT)
			return 0;
		hk_error_propagate(err, &rerr);
		return -1;
	}
	struct hk_nic_record *all = NULL;
	size_t n = hk_nic_records_parse(text, &all, NULL), kept = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i].ifindex && hk_net_pid_alive((pid_t)all[i].pid, all[i].start))
			all[kept++] = all[i];
	*out = all;
	return (ssize_t)kept;
}
