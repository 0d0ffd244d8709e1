/* test_stub.c - hako's sealed stub (core/stub.h): the memfd holds the
 * embedded stub and refuses every write, shrink and growth; the stub runs
 * a command in "exec" mode, reports a failed exec as one struct
 * hk_stub_msg with errno, and refuses to run without hako's magic (the
 * container running /proc/self/exe); its init mode (hako execute) runs
 * only as pid 1, passes the command's status on, kills what the command
 * leaves and passes signals to it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "stub.h"

static void test_sealed(void **state)
{
	(void)state;
	struct hk_error *err = NULL;
	int fd = hk_stub_open(&err);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((size_t)st.st_size, hk_stub_size());
	int seals = fcntl(fd, F_GET_SEALS);
	assert_int_equal(seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL),
			 F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	int w = open(link, O_RDWR | O_CLOEXEC);
	if (w >= 0) { /* root may open it; no write may land */
		unsigned char b = 0;
		assert_int_equal(pread(w, &b, 1, 0), 1);
		assert_int_equal(pwrite(w, &b, 1, 0), -1);
		assert_int_equal(errno, EPERM);
		assert_int_equal(ftruncate(w, 0), -1);
		close(w);
	}
	assert_int_equal(fcntl(fd, F_ADD_SEALS, 0), -1); /* F_SEAL_SEAL */
	close(fd);
}

/* Runs the stub with argv; returns its exit status, *msg what it sent. */
static int run(const char *const argv[], int sock, struct hk_stub_msg *msg, ssize_t *got)
{
	struct hk_error *err = NULL;
	int fd = hk_stub_open(&err);
	assert_true(fd >= 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		const char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		hk_stub_exec(fd, (char *const *)argv, (char *const *)envp);
		_exit(99);
	}
	close(fd);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	*got = recv(sock, msg, sizeof(*msg), MSG_DONTWAIT);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_exec(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	char fdarg[16];
	snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
	struct hk_stub_msg m;
	ssize_t got;
	const char *ok_argv[] = { "hako-stub", HK_STUB_MAGIC, "exec", fdarg,	"7",
				  "/bin/sh",   "sh",	      "-c",   "exit 3", NULL };
	assert_int_equal(run(ok_argv, sv[0], &m, &got), 3);
	assert_true(got < 0);
	const char *bad_argv[] = { "hako-stub", HK_STUB_MAGIC,	     "exec", fdarg,
				   "7",		"/nonexistent/init", "init", NULL };
	assert_int_equal(run(bad_argv, sv[0], &m, &got), 126);
	assert_int_equal(got, (ssize_t)sizeof(m));
	assert_int_equal(m.stage, 7);
	assert_int_equal(m.code, ENOENT);
	assert_non_null(strstr(m.text, "/nonexistent/init"));
	/* What a container gets by running /proc/self/exe: a refusal. */
	const char *login[] = { "-hkshell", NULL };
	assert_int_equal(run(login, sv[0], &m, &got), 127);
	const char *wrong[] = { "hako-stub", "hako-stub-0", "exec", fdarg,
				"7",	     "/bin/sh",	    "sh",   NULL };
	assert_int_equal(run(wrong, sv[0], &m, &got), 127);
	/* init (hako execute) not as pid 1: refused, never a kill(-1) among
	 * this user's processes. */
	const char *not_one[] = { "hako-stub", HK_STUB_MAGIC, "init", fdarg, "7",
				  "-1",	       "-1",	      "true", NULL };
	assert_int_equal(run(not_one, sv[0], &m, &got), 126);
	assert_int_equal(got, (ssize_t)sizeof(m));
	assert_int_equal(m.code, EPERM);
	assert_non_null(strstr(m.text, "only as pid 1"));
	close(sv[0]);
	close(sv[1]);
}

/* The stub's init mode (hako execute) as pid 1 of a new pid namespace
 * (in a new user namespace too when that is what this user may make):
 * script runs under it with its stdout on a pipe; once it printed a line,
 * sig (0: none) is sent to the stub.  Returns the stub's exit status, or
 * -1 when no pid namespace can be made here. */
static int run_init(const char *script, int sig)
{
	struct hk_error *err = NULL;
	int fd = hk_stub_open(&err);
	assert_true(fd >= 0);
	int out[2], sv[2];
	assert_int_equal(pipe(out), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	pid_t outer = fork();
	assert_true(outer >= 0);
	if (outer == 0) {
		if (unshare(CLONE_NEWPID) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWPID) < 0)
			_exit(200);
		pid_t one = fork();
		if (one == 0) {
			char fdarg[16];
			snprintf(fdarg, sizeof(fdarg), "%d", sv[1]);
			const char *argv[] = { "hako-stub", HK_STUB_MAGIC, "init", fdarg,
					       "7",	    "-1",	   "-1",   "sh",
					       "-c",	    script,	   NULL };
			const char *envp[] = { "PATH=/usr/bin:/bin", NULL };
			dup2(out[1], 1);
			hk_stub_exec(fd, (char *const *)argv, (char *const *)envp);
			_exit(99);
		}
		close(out[1]);
		char line[16];
		if (sig && read(out[0], line, sizeof(line)) > 0)
			kill(one, sig);
		int st;
		waitpid(one, &st, 0);
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	close(fd);
	close(out[0]);
	close(out[1]);
	close(sv[0]);
	close(sv[1]);
	int status;
	assert_int_equal(waitpid(outer, &status, 0), outer);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status) == 200 ? -1 : WEXITSTATUS(status);
}

static void test_init(void **state)
{
	(void)state;
	int rc = run_init("exit 3", 0);
	if (rc < 0) {
		skip(); /* no pid namespace for this user here */
		return;
	}
	assert_int_equal(rc, 3);
	assert_int_equal(run_init("kill -TERM $$", 0), 128 + SIGTERM);
	/* An orphan that would outlive the command is killed with it (or
	 * this would wait 1000 s), and the command's status stays. */
	assert_int_equal(run_init("sleep 1000 & exit 5", 0), 5);
	/* Signals to pid 1 reach the command; SIGPWR (hako's halt signal)
	 * as SIGTERM. */
	assert_int_equal(
		run_init("trap 'exit 7' USR1; echo ready; while :; do sleep 0.1; done", SIGUSR1),
		7);
	assert_int_equal(
		run_init("trap 'exit 9' TERM; echo ready; while :; do sleep 0.1; done", SIGPWR), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sealed),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
