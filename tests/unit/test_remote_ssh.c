/* test_remote_ssh.c - the ssh transport (core/remote-ssh.h): the argument
 * vector for every mode (options only when given, "--" before the host,
 * BatchMode, -t/-T, the control socket), the remote command line quoted
 * so that a POSIX shell gives back every hostile word unchanged (checked
 * by running /bin/sh), the private socket directory (made 0700, a
 * symlink or someone else's mode refused or fixed), and the
 * classification of ssh's failures into messages naming the remote, the
 * cause and the fix. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "remote-ssh.h"
#include "store-internal.h"

static struct hk_remote remote(const char *url, const char *path)
{
	struct hk_remote r;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_remote_parse("web1", url, path, &r, &err) < 0)
		fail_msg("%s", err->msg);
	return r;
}

static char *joined(const struct hk_strv *v)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < v->n; i++)
		hk_buf_printf(&b, "%s%s", i ? " " : "", v->v[i]);
	return hk_buf_steal(&b);
}

static void test_argv_minimal(void **state)
{
	(void)state;
	struct hk_remote r = remote("ssh://web1.example.org", NULL);
	struct hk_ssh s = { 0 };
	struct hk_strv v = { 0 };
	hk_ssh_argv(&s, &r, HK_SSH_RUN, "hako 'ls'", &v);
	hk_autofree char *j = joined(&v);
	assert_string_equal(j, "ssh -T -- web1.example.org hako 'ls'");
	assert_null(v.v[v.n]);
	hk_strv_clear(&v);
	hk_remote_clear(&r);
}

static void test_argv_full(void **state)
{
	(void)state;
	struct hk_remote r = remote("ssh://admin@[2001:db8::1]:2222", "/srv/ct");
	struct hk_ssh s = { .config = "/etc/hako/ssh_config",
			    .control_dir = "/run/hako/ssh",
			    .connect_timeout = 5,
			    .batch = true,
			    .tty = true };
	struct hk_strv v = { 0 };
	hk_ssh_argv(&s, &r, HK_SSH_RUN, "hako 'console' 'c1'", &v);
	hk_autofree char *j = joined(&v);
	assert_string_equal(j, "ssh -F /etc/hako/ssh_config -o ControlMaster=auto "
			       "-o ControlPath=/run/hako/ssh/%C -o ControlPersist=60 "
			       "-o BatchMode=yes -o ConnectTimeout=5 -p 2222 -l admin -t -- "
			       "2001:db8::1 hako 'console' 'c1'");
	hk_strv_clear(&v);

	hk_ssh_argv(&s, &r, HK_SSH_MASTER, "ignored", &v);
	hk_autofree char *m = joined(&v);
	assert_has(m, "-o ControlMaster=yes", "-f -N -- 2001:db8::1", NULL);
	assert_null(strstr(m, "ignored"));
	assert_string_equal(v.v[v.n - 1], "2001:db8::1");
	hk_strv_clear(&v);

	hk_ssh_argv(&s, &r, HK_SSH_CHECK, NULL, &v);
	hk_autofree char *c = joined(&v);
	assert_has(c, "-O check -- 2001:db8::1", NULL);
	hk_strv_clear(&v);
	/* never host-key checking switched off */
	assert_null(strstr(j, "StrictHostKeyChecking"));
	assert_null(strstr(j, "UserKnownHostsFile"));
	hk_remote_clear(&r);
}

/* Runs sh -c 'printf "%s\n" WORDS' with the quoted words and reads the
 * lines back. */
static char *through_shell(const char *quoted)
{
	hk_autofree char *script = xasprintf("printf '%%s\\0' %s", quoted);
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	struct hk_buf b = { 0 };
	char buf[4096];
	ssize_t n;
	while ((n = read(fd[0], buf, sizeof(buf))) > 0)
		hk_buf_append(&b, buf, (size_t)n);
	close(fd[0]);
	int ws;
	waitpid(pid, &ws, 0);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	hk_buf_append(&b, "", 1);
	return hk_buf_steal(&b);
}

static void test_quote_hostile(void **state)
{
	(void)state;
	static const char *const words[] = {
		"plain",
		"",
		"it's",
		"'",
		"''",
		"a b\tc\nd",
		"$(touch /tmp/hk-pwned)",
		"`id`",
		"; rm -rf /",
		"\\",
		"\"$HOME\"",
		"*",
		"-P",
		"--",
		"!x",
		"~root",
		"a'\\''b",
	};
	size_t n = HK_ARRAY_SIZE(words);
	hk_autofree char *cmd = hk_ssh_remote_command((char *const *)words, n);
	assert_true(hk_str_has_prefix(cmd, "hako '"));
	hk_autofree char *out = through_shell(cmd + strlen("hako "));
	const char *p = out;
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(p, words[i]);
		p += strlen(p) + 1;
	}
	assert_int_equal(access("/tmp/hk-pwned", F_OK), -1);
	hk_autofree char *q = hk_shell_quote("it's");
	assert_string_equal(q, "'it'\\''s'");
}

static char tmp[] = "/tmp/hk-ssh-test.XXXXXX";

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/hk-ssh-test.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	setenv("HAKO_RUN_DIR", tmp, 1);
	return 0;
}

static int teardown_tmp(void **state)
{
	(void)state;
	unsetenv("HAKO_RUN_DIR");
	return hk_rm_rf(tmp, NULL);
}

static void test_control_dir(void **state)
{
	(void)state;
	hk_autofree char *dir = NULL;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_ssh_control_dir(&dir, &err), 0);
	hk_autofree char *want = xasprintf("%s/ssh", tmp);
	assert_string_equal(dir, want);
	struct stat sb;
	assert_int_equal(lstat(dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* loosened by someone: made private again */
	chmod(dir, 0777);
	free(dir);
	dir = NULL;
	assert_int_equal(hk_ssh_control_dir(&dir, &err), 0);
	assert_int_equal(lstat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* a symlink in its place is refused, never followed */
	assert_int_equal(rmdir(want), 0);
	hk_autofree char *elsewhere = xasprintf("%s/elsewhere", tmp);
	assert_int_equal(mkdir(elsewhere, 0700), 0);
	assert_int_equal(symlink(elsewhere, want), 0);
	free(dir);
	dir = NULL;
	assert_int_equal(hk_ssh_control_dir(&dir, &err), -1);
	assert_has(err->msg, want, "symlink", "remove it", NULL);
}

static void test_control_dir_long(void **state)
{
	(void)state;
	/* a runtime directory too long for a socket path: /tmp/hako-ssh-UID */
	char long_dir[200];
	snprintf(long_dir, sizeof(long_dir), "%s/%0120d", tmp, 0);
	setenv("HAKO_RUN_DIR", long_dir, 1);
	hk_autofree char *dir = NULL;
	hk_autoerr struct hk_error *err = NULL;
	hk_autofree char *want = xasprintf("/tmp/hako-ssh-%u", (unsigned)geteuid());
	bool existed = access(want, F_OK) == 0;
	assert_int_equal(hk_ssh_control_dir(&dir, &err), 0);
	assert_string_equal(dir, want);
	assert_true(strlen(dir) + 41 < 108);
	if (!existed)
		rmdir(want);
}

struct fault_case {
	int status;
	const char *text;
	enum hk_ssh_fault fault;
	const char *msg[6];
};

static void test_classify(void **state)
{
	(void)state;
	static const struct fault_case cases[] = {
		{ 255,
		  "admin@10.1.1.2: Permission denied (publickey).\r\n",
		  HK_SSH_AUTH,
		  { "remote \"web1\"", "Permission denied (publickey)", "BatchMode",
		    "ssh-copy-id -F /c/ssh_config -p 2222 admin@10.1.1.2",
		    "`ssh -F '/c/ssh_config' -p 2222 admin@10.1.1.2`", NULL } },
		{ 255,
		  "@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
		  "Host key verification failed.\n",
		  HK_SSH_KEY_CHANGED,
		  { "remote \"web1\"", "CHANGED", "ssh-keygen -R '[10.1.1.2]:2222'",
		    "ssh -F '/c/ssh_config' -p 2222 admin@10.1.1.2", NULL } },
		{ 255,
		  "No ED25519 host key is known for [10.1.1.2]:2222 and you have requested "
		  "strict checking.\r\nHost key verification failed.\r\n",
		  HK_SSH_KEY_UNKNOWN,
		  { "not known", "Host key verification failed", "once", NULL } },
		{ 255,
		  "ssh: connect to host 10.1.1.2 port 2222: Connection refused\r\n",
		  HK_SSH_UNREACHABLE,
		  { "cannot be reached", "Connection refused", NULL } },
		{ 255,
		  "ssh: connect to host 10.1.1.2 port 2222: Connection timed out\r\n",
		  HK_SSH_UNREACHABLE,
		  { "cannot be reached", "timed out", NULL } },
		{ 255,
		  "ssh: Could not resolve hostname web9: Name or service not known\r\n",
		  HK_SSH_UNREACHABLE,
		  { "cannot be reached", "web9", NULL } },
		{ 127,
		  "sh: 1: hako: not found\n",
		  HK_SSH_NO_HAKO,
		  { "no hako on the PATH", "hako: not found", "install hako", NULL } },
		{ 255,
		  "mux_client_request_session: weird\n",
		  HK_SSH_SSH_FAILED,
		  { "ssh failed", "weird", NULL } },
		{ 1,
		  "hako: error: container \"c1\" does not exist\n",
		  HK_SSH_REMOTE_FAILED,
		  { "status 1", "does not exist", NULL } },
	};
	struct hk_remote r = remote("ssh://admin@10.1.1.2:2222", NULL);
	struct hk_ssh s = { .config = "/c/ssh_config", .batch = true };
	for (size_t i = 0; i < HK_ARRAY_SIZE(cases); i++) {
		const struct fault_case *c = &cases[i];
		assert_int_equal(hk_ssh_classify(c->status, c->text), c->fault);
		hk_autoerr struct hk_error *err = NULL;
		assert_int_equal(hk_ssh_fail(&s, &r, "ls", c->status, c->text, &err), -1);
		assert_true(hk_str_has_prefix(err->msg, "ls: remote \"web1\""));
		for (size_t k = 0; c->msg[k]; k++)
			assert_contains(err->msg, c->msg[k]);
	}
	assert_int_equal(hk_ssh_classify(0, "Permission denied"), HK_SSH_OK);
	hk_remote_clear(&r);
}

/* ssh's stderr may hold anything the network sent: a control byte
 * never reaches the message. */
static void test_fail_escapes(void **state)
{
	(void)state;
	struct hk_remote r = remote("ssh://h1", NULL);
	struct hk_ssh s = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	hk_ssh_fail(&s, &r, "ls", 255, "Connection closed by \x1b]0;owned\x07 port 22\n", &err);
	for (const char *p = err->msg; *p; p++)
		assert_true((unsigned char)*p >= 0x20);
	hk_remote_clear(&r);
}

/* A real run: ssh's stand-in is a missing program; the spawn reports
 * 127 and the message is read back from the memfd. */
static void test_spawn_missing(void **state)
{
	(void)state;
	char *argv[] = { (char *)"/nonexistent/ssh", (char *)"x", NULL };
	struct hk_ssh_proc p;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_ssh_spawn(argv, HK_SSH_PIPE_OUT, &p, &err), 0);
	int status;
	hk_autofree char *text = NULL;
	hk_ssh_proc_wait(&p, &status, &text);
	assert_int_equal(status, 127);
	assert_has(text, "cannot run /nonexistent/ssh", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argv_minimal),
		cmocka_unit_test(test_argv_full),
		cmocka_unit_test(test_quote_hostile),
		cmocka_unit_test_setup_teardown(test_control_dir, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_control_dir_long, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_fail_escapes),
		cmocka_unit_test(test_spawn_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
