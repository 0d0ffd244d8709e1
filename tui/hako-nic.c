/* hako-nic.c - main of hako-nic, the setuid-root helper that gives an
 * ordinary user's container a veth on a bridge /etc/hako/usernet allows
 * (man hako-nic(8); the work is in core/nic-*.c).  Built alone, without
 * ncurses.  Before reading a single argument it trusts nothing of what the
 * caller handed over: descriptors above 2 are closed (0-2 opened on
 * /dev/null if missing), the environment is cleared (no locale, a fixed
 * PATH), it is never dumpable, and signals wait until it is done. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "nic.h"

static void harden(void)
{
	if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
		for (int fd = 3; fd < 65536; fd++)
			close(fd);
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(125);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(125);
	if (clearenv() != 0 || setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) < 0)
		_exit(125);
	umask(022);
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL); /* SIGKILL still works: see nic-ops.c */
}

static void log_sink(void *ctx, enum hk_log_level level, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "hako-nic: %s: %s\n", hk_log_level_name(level), msg);
}

static int fail(struct hk_error *err)
{
	hk_autofree char *msg = hk_error_render(err);
	fprintf(stderr, "hako-nic: %s\n", msg);
	hk_error_free(err);
	return 1;
}

int main(int argc, char **argv)
{
	harden();
	hk_log_set_sink(log_sink, NULL);
	hk_log_set_level(HK_LOG_WARN);
	struct hk_error *err = NULL;
	if (geteuid() != 0) {
		hk_error_set(&err, EPERM, "not running as root; as root, install it setuid root "
					  "(make install does: chown root:root and chmod 4755)");
		return fail(err);
	}
	/* What it creates (its directory, records, leases) is root:root. */
	if (setegid(0) < 0) {
		hk_error_errno(&err, "hako-nic cannot switch to group root");
		return fail(err);
	}
	struct hk_nic_request req;
	if (hk_nic_request_parse(argc - 1, argv + 1, &req, &err) < 0)
		return fail(err);
	struct hk_nic_caller c;
	if (hk_nic_caller_get(&c, &err) < 0)
		return fail(err);
	const struct hk_nic_paths paths = { .usernet = HK_NIC_USERNET, .db_dir = HK_NIC_DB_DIR };
	struct hk_buf out = { 0 };
	hk_buf_puts(&out, "");
	int rc = hk_nic_run(&paths, &req, &c, &out, &err);
	hk_nic_caller_free(&c);
	if (rc < 0) {
		hk_buf_free(&out);
		return fail(err);
	}
	fputs(out.data, stdout);
	hk_buf_free(&out);
	return fflush(stdout) == 0 ? 0 : 1;
}
