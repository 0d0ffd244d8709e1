/* test_init_probe.c - what the monitor reads about init in /proc: the
 * calls in which an init has settled (from /proc/PID/syscall text), the
 * halt signal chosen from /proc/PID/status and the executable (systemd's
 * SIGRTMIN+3, else SIGPWR), and both on real processes. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "init-probe.h"
#include "safepath.h"
#include "util.h"

static void test_settled_text(void **state)
{
	(void)state;
	char line[96];
	snprintf(line, sizeof(line), "%d 0x4 0x7ffd 0x1 0x0 0x0 0x0 0x7ffd 0x7f\n",
		 __NR_epoll_wait);
	assert_true(hk_init_syscall_settled(line));
	snprintf(line, sizeof(line), "%d 0xffffffff 0x7ffd 0x0 0x0 0x0 0x0 0x7ffd 0x7f\n",
		 __NR_wait4);
	assert_true(hk_init_syscall_settled(line));
	snprintf(line, sizeof(line), "%d 0x7ffd 0x7ffd 0x0 0x8 0x0 0x0 0x7ffd 0x7f\n",
		 __NR_rt_sigtimedwait);
	assert_true(hk_init_syscall_settled(line));
	snprintf(line, sizeof(line), "%d 0x3 0x7ffd 0x2000 0x0 0x0 0x0 0x7ffd 0x7f\n", __NR_read);
	assert_false(hk_init_syscall_settled(line)); /* systemd reads files while it sets up */
	assert_false(hk_init_syscall_settled("running\n"));
	assert_false(hk_init_syscall_settled("-1 0x7ffd 0x7f\n"));
	assert_false(hk_init_syscall_settled(""));
	assert_false(hk_init_syscall_settled(NULL));
	assert_false(hk_init_syscall_settled("61x"));
}

static void test_halt_signal_text(void **state)
{
	(void)state;
	/* systemd 252's masks: every signal blocked (it reads a signalfd) */
	static const char systemd[] = "Name:\tsystemd\nSigQ:\t0/15\nSigPnd:\t0000000000000000\n"
				      "SigBlk:\t7be3c0fe28014a03\nSigIgn:\t0000000000001000\n"
				      "SigCgt:\t00000001800004ec\n";
	static const char busybox[] =
		"Name:\tinit\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
		"SigCgt:\t000000000000fa1b\n";
	assert_int_equal(hk_init_halt_signal_for(systemd, "/usr/lib/systemd/systemd"),
			 SIGRTMIN + 3);
	assert_int_equal(hk_init_halt_signal_for(systemd, NULL),
			 SIGRTMIN + 3); /* by its mask alone */
	assert_int_equal(hk_init_halt_signal_for(NULL, "/lib/systemd/systemd"), SIGRTMIN + 3);
	assert_int_equal(hk_init_halt_signal_for(busybox, "/bin/busybox"), SIGPWR);
	assert_int_equal(hk_init_halt_signal_for(NULL, NULL), SIGPWR);
	assert_int_equal(hk_init_halt_signal_for(busybox, "/usr/bin/systemd-nspawn"), SIGPWR);
}

/* A child blocked in wait4 (as busybox's init waits for rcS), then one
 * that blocks SIGRTMIN+3 in a loop of pause(). */
static void test_real_processes(void **state)
{
	(void)state;
	pid_t waiter = fork();
	assert_true(waiter >= 0);
	if (waiter == 0) {
		setpgid(0, 0); /* its child goes with it */
		pid_t kid = fork();
		if (kid == 0) {
			pause();
			_exit(0);
		}
		waitpid(kid, NULL, 0);
		_exit(0);
	}
	setpgid(waiter, waiter); /* whichever of the two runs first */
	bool settled = false;
	for (int i = 0; i < 500 && !settled; i++) {
		settled = hk_init_settled(waiter);
		usleep(2000);
	}
	assert_true(settled || access("/proc/self/syscall", R_OK) < 0);
	assert_int_equal(hk_init_halt_signal(waiter), SIGPWR);
	kill(-waiter, SIGKILL);
	kill(waiter, SIGKILL);
	waitpid(waiter, NULL, 0);

	pid_t blocker = fork();
	assert_true(blocker >= 0);
	if (blocker == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGRTMIN + 3);
		sigprocmask(SIG_BLOCK, &set, NULL);
		for (;;)
			pause();
	}
	int sig = 0;
	for (int i = 0; i < 500 && sig != SIGRTMIN + 3; i++) {
		sig = hk_init_halt_signal(blocker);
		usleep(2000);
	}
	assert_int_equal(sig, SIGRTMIN + 3);
	kill(blocker, SIGKILL);
	waitpid(blocker, NULL, 0);
	assert_false(hk_init_settled(blocker)); /* gone */
}

/* The init a config names, resolved inside a rootfs: Debian's
 * /sbin/init -> /lib/systemd/systemd is systemd; busybox's init is not,
 * nor is a file that only has systemd in a directory's name. */
static void test_init_file_is_systemd(void **state)
{
	(void)state;
	char dir[] = "/tmp/hk-initprobe.XXXXXX";
	assert_non_null(mkdtemp(dir));
	hk_autofree char *cmd =
		xasprintf("cd %s && mkdir -p sbin bin lib/systemd usr/systemd && "
			  "touch lib/systemd/systemd bin/busybox usr/systemd/init && "
			  "ln -s /lib/systemd/systemd sbin/init && ln -s ../bin/busybox sbin/bb && "
			  "ln -s ../usr/systemd/init sbin/other",
			  dir);
	assert_int_equal(system(cmd), 0);
	int root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(root >= 0);
	static const struct {
		const char *path;
		bool systemd;
	} cases[] = { { "/sbin/init", true }, { "/sbin/bb", false }, { "/sbin/other", false } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = hk_safe_open(root, cases[i].path, O_PATH, 0, 0, NULL);
		assert_true(fd >= 0);
		assert_int_equal(hk_init_file_is_systemd(fd), cases[i].systemd);
		close(fd);
	}
	close(root);
	hk_autofree char *rm = xasprintf("rm -rf %s", dir);
	assert_int_equal(system(rm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_settled_text),
		cmocka_unit_test(test_halt_signal_text),
		cmocka_unit_test(test_real_processes),
		cmocka_unit_test(test_init_file_is_systemd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
