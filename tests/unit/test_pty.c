/* test_pty.c - pty pairs (TIOCGPTPEER and the by-name fallback, which
 * must refuse a node that is not the pts it names), window sizes, raw mode
 * with a restore from a signal handler, and the detach escape key. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "testutil.h"

#include "pty.h"
#include "util.h"

static void assert_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);
	assert_true(fl >= 0);
	assert_true(fl & FD_CLOEXEC);
}

/* Bytes written on one side of a pair come out of the other. */
static void assert_connected(int master, int peer)
{
	struct termios t;
	assert_int_equal(tcgetattr(peer, &t), 0);
	cfmakeraw(&t); /* no echo, no line buffering */
	assert_int_equal(tcsetattr(peer, TCSANOW, &t), 0);
	assert_int_equal(write(master, "ping", 4), 4);
	char buf[8];
	assert_int_equal(read(peer, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
}

static void test_open_pair(void **state)
{
	(void)state;
	struct hk_pty p;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_pty_open(&p, &err) < 0)
		fail_msg("hk_pty_open: %s", err->msg);
	assert_cloexec(p.master);
	assert_cloexec(p.peer);
	struct stat st;
	assert_int_equal(fstat(p.peer, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	char name[64], want[64];
	assert_int_equal(ptsname_r(p.master, name, sizeof(name)), 0);
	snprintf(want, sizeof(want), "/dev/pts/%u", p.index);
	assert_string_equal(name, want);
	assert_connected(p.master, p.peer);
	hk_pty_close(&p);
	assert_int_equal(p.master, -1);
	assert_int_equal(p.peer, -1);
}

/* Both ways to the peer land on the same pts. */
static void test_peer_ways(void **state)
{
	(void)state;
	hk_autoclose int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(m >= 0);
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	hk_autoerr struct hk_error *err = NULL;
	hk_autoclose int a = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (a < 0) {
		print_message("skip: no TIOCGPTPEER (kernel before 4.13)\n");
		skip();
	}
	hk_autoclose int b = hk_pty_peer(m, &err);
	hk_autoclose int c = hk_pty_peer_by_name(m, &err);
	assert_true(b >= 0);
	if (c < 0)
		fail_msg("by name: %s", err->msg);
	assert_cloexec(b);
	assert_cloexec(c);
	struct stat sa, sb, sc;
	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	assert_int_equal(fstat(c, &sc), 0);
	assert_true(sa.st_rdev == sb.st_rdev && sb.st_rdev == sc.st_rdev);
	assert_connected(m, c);
}

/* The peer of something that is not a pty master is an error. */
static void test_peer_not_master(void **state)
{
	(void)state;
	hk_autoclose int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_pty_peer(fd, &err), -1);
	assert_non_null(err);
	hk_error_freep(&err);
	assert_int_equal(hk_pty_peer_by_name(fd, &err), -1);
}

/* Run in a child in its own mount namespace: /dev/null bound over
 * /dev/pts/N must be refused by the by-name fallback. */
static int child_swapped_node(void)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 2;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return 3;
	char name[64];
	if (ptsname_r(m, name, sizeof(name)) != 0 ||
	    mount("/dev/null", name, NULL, MS_BIND, NULL) < 0)
		return 4;
	struct hk_error *err = NULL;
	int fd = hk_pty_peer_by_name(m, &err);
	if (fd >= 0)
		return 5;
	int ok = err && err->code == EPERM && strstr(err->msg, "not pty");
	hk_error_free(err);
	return ok ? 0 : 6;
}

static void test_peer_by_name_refuses_swapped_node(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		print_message("skip: needs root to bind-mount over /dev/pts/N\n");
		skip();
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_swapped_node());
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 2) {
		print_message("skip: cannot make a mount namespace here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Opening a pty in a session leader without a terminal must not make it
 * the controlling terminal (O_NOCTTY on both sides). */
static void test_no_controlling_tty(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setsid() < 0)
			_exit(2);
		struct hk_pty p;
		if (hk_pty_open(&p, NULL) < 0)
			_exit(3);
		int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
		_exit(fd < 0 && errno == ENXIO ? 0 : 4);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_winsize(void **state)
{
	(void)state;
	struct hk_pty p;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_pty_open(&p, &err), 0);
	assert_int_equal(hk_pty_set_winsize(p.master, 43, 132, &err), 0);
	struct winsize ws;
	assert_int_equal(hk_pty_get_winsize(p.peer, &ws, &err), 0);
	assert_int_equal(ws.ws_row, 43);
	assert_int_equal(ws.ws_col, 132);
	assert_int_equal(hk_pty_set_winsize(p.peer, 1, 2, &err), 0);
	assert_int_equal(hk_pty_get_winsize(p.master, &ws, &err), 0);
	assert_int_equal(ws.ws_row, 1);
	assert_int_equal(ws.ws_col, 2);
	hk_pty_close(&p);
	hk_autoclose int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_int_equal(hk_pty_get_winsize(fd, &ws, &err), -1);
	assert_int_equal(err->code, ENOTTY);
	hk_error_freep(&err);
	assert_int_equal(hk_pty_set_winsize(fd, 1, 1, &err), -1);
	assert_int_equal(err->code, ENOTTY);
}

static void on_usr1(int sig)
{
	(void)sig;
	hk_pty_raw_restore();
}

static void test_raw_mode(void **state)
{
	(void)state;
	struct hk_pty p;
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_pty_open(&p, &err), 0);
	struct termios before, t;
	assert_int_equal(tcgetattr(p.peer, &before), 0);
	assert_true(before.c_lflag & ICANON);
	hk_pty_raw_restore(); /* not raw: nothing happens */
	assert_false(hk_pty_is_raw());
	assert_int_equal(hk_pty_raw_enter(p.peer, &err), 0);
	assert_true(hk_pty_is_raw());
	assert_int_equal(tcgetattr(p.peer, &t), 0);
	assert_false(t.c_lflag & (ICANON | ECHO | ISIG));
	assert_int_equal(hk_pty_raw_enter(p.peer, &err), -1);
	assert_int_equal(err->code, EBUSY);
	hk_error_freep(&err);
	/* The restore runs from a signal handler. */
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	errno = 1234;
	raise(SIGUSR1);
	assert_int_equal(errno, 1234);
	sigaction(SIGUSR1, &old, NULL);
	assert_false(hk_pty_is_raw());
	assert_int_equal(tcgetattr(p.peer, &t), 0);
	assert_int_equal(t.c_lflag, before.c_lflag);
	assert_int_equal(t.c_iflag, before.c_iflag);
	assert_int_equal(t.c_oflag, before.c_oflag);
	/* Raw again after a restore; a plain call restores too. */
	assert_int_equal(hk_pty_raw_enter(p.peer, &err), 0);
	hk_pty_raw_restore();
	assert_int_equal(tcgetattr(p.peer, &t), 0);
	assert_int_equal(t.c_lflag, before.c_lflag);
	hk_pty_close(&p);
	hk_autoclose int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	assert_int_equal(hk_pty_raw_enter(fd, &err), -1);
	assert_false(hk_pty_is_raw());
}

/* Feeds each chunk and returns everything forwarded, as a string. */
static char *feed(struct hk_escape *e, const char *const *chunks)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; chunks[i]; i++) {
		size_t n = strlen(chunks[i]);
		char *out = xmalloc(n + 1);
		size_t k = hk_escape_feed(e, chunks[i], n, out);
		assert_true(k <= n + 1);
		hk_buf_append(&b, out, k);
		free(out);
	}
	hk_buf_append(&b, "", 0);
	return hk_buf_steal(&b);
}

#define FEED(e, ...) feed(e, (const char *const[]){ __VA_ARGS__, NULL })

static void test_escape_passthrough(void **state)
{
	(void)state;
	struct hk_escape e;
	hk_escape_init(&e, HK_ESCAPE_DEFAULT);
	hk_autofree char *s = FEED(&e, "ls -l\r", "q\x02x");
	assert_string_equal(s, "ls -l\rq\x02x");
	assert_false(e.detached);
}

static void test_escape_detach(void **state)
{
	(void)state;
	struct hk_escape e;
	hk_escape_init(&e, HK_ESCAPE_DEFAULT);
	hk_autofree char *s = FEED(&e, "ab\x01qcd", "more");
	assert_string_equal(s, "ab"); /* nothing after the detach goes out */
	assert_true(e.detached);
	/* Split across reads. */
	hk_escape_init(&e, HK_ESCAPE_DEFAULT);
	hk_autofree char *s2 = FEED(&e, "x\x01", "q", "y");
	assert_string_equal(s2, "x");
	assert_true(e.detached);
	/* The escape alone at the end of a read is held, not sent. */
	hk_escape_init(&e, HK_ESCAPE_DEFAULT);
	hk_autofree char *s3 = FEED(&e, "\x01");
	assert_string_equal(s3, "");
	assert_true(e.pending);
	assert_false(e.detached);
}

static void test_escape_double_and_other(void **state)
{
	(void)state;
	struct hk_escape e;
	hk_escape_init(&e, HK_ESCAPE_DEFAULT);
	hk_autofree char *s = FEED(&e, "a\x01\x01z");
	assert_string_equal(s, "a\x01z"); /* one literal escape */
	hk_autofree char *s2 = FEED(&e, "\x01", "\x01", "\x01", "\x01");
	assert_string_equal(s2, "\x01\x01");
	/* Escape then another key: both go out, in a later read too. */
	hk_autofree char *s3 = FEED(&e,
				    "\x01"
				    "b",
				    "\x01", "c");
	assert_string_equal(s3, "\x01"
				"b\x01"
				"c");
	/* ESC ESC q: a literal escape, then q as a plain key. */
	hk_autofree char *s4 = FEED(&e, "\x01\x01q");
	assert_string_equal(s4, "\x01q");
	assert_false(e.detached);
}

static void test_escape_custom_char(void **state)
{
	(void)state;
	struct hk_escape e;
	hk_escape_init(&e, 0x1d); /* Ctrl-] */
	hk_autofree char *s = FEED(&e, "\x01q\x1d", "\x1d\x1dq");
	assert_string_equal(s, "\x01q\x1d");
	assert_true(e.detached);
	hk_escape_init(&e, 0); /* invalid: the default */
	assert_int_equal(e.ch, HK_ESCAPE_DEFAULT);
	hk_escape_init(&e, 300);
	assert_int_equal(e.ch, HK_ESCAPE_DEFAULT);
}

static void test_escape_parse(void **state)
{
	(void)state;
	const struct {
		const char *in;
		int want; /* -1: refused */
	} cases[] = {
		{ "^a", 1 },   { "^A", 1 },  { "a", 1 },     { "q", 17 },   { "^]", 29 },
		{ "1", 1 },    { "29", 29 }, { "255", 255 }, { "C-b", 2 },  { "Z", 26 },
		{ "", -1 },    { "^", -1 },  { "0", -1 },    { "256", -1 }, { "ab", -1 },
		{ "^ab", -1 }, { "-1", -1 }, { "^1", -1 },   { "^@", -1 },  { "C-", -1 },
		{ " a", -1 },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(cases); i++) {
		int ch = -7;
		hk_autoerr struct hk_error *err = NULL;
		int r = hk_escape_parse(cases[i].in, &ch, &err);
		if (cases[i].want < 0) {
			if (r != -1)
				fail_msg("\"%s\" accepted as %d", cases[i].in, ch);
			assert_int_equal(err->code, EINVAL);
			assert_int_equal(ch, -7);
		} else {
			if (r != 0)
				fail_msg("\"%s\" refused", cases[i].in);
			assert_int_equal(ch, cases[i].want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_pair),
		cmocka_unit_test(test_peer_ways),
		cmocka_unit_test(test_peer_not_master),
		cmocka_unit_test(test_peer_by_name_refuses_swapped_node),
		cmocka_unit_test(test_no_controlling_tty),
		cmocka_unit_test(test_winsize),
		cmocka_unit_test(test_raw_mode),
		cmocka_unit_test(test_escape_passthrough),
		cmocka_unit_test(test_escape_detach),
		cmocka_unit_test(test_escape_double_and_other),
		cmocka_unit_test(test_escape_custom_char),
		cmocka_unit_test(test_escape_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
