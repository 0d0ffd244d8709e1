/* test_sdbus.c - the minimal D-Bus client: marshalling compared byte for
 * byte with messages worked out by hand from the D-Bus specification;
 * parsing of real messages captured from dbus-daemon and from systemd
 * (tests/fixtures/sdbus, see its README); refusal of malformed input; and
 * the whole client (auth, Hello, calls, errors, signals) against a real
 * dbus-daemon started for the test. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "sdbus.h"
#include "util.h"

static void assert_bytes(const struct hk_buf *b, const char *want, size_t len)
{
	if (b->len != len || memcmp(b->data, want, len) != 0) {
		for (size_t i = 0; i < b->len || i < len; i++) {
			int got = i < b->len ? (unsigned char)b->data[i] : -1;
			int exp = i < len ? (unsigned char)want[i] : -1;
			if (got != exp)
				fprintf(stderr, "offset %zu: got %d, want %d\n", i, got, exp);
		}
		fail_msg("%zu bytes built, %zu expected", b->len, len);
	}
}

/* ---- marshalling ---- */

static void test_put_alignment(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_sdbus_put_byte(&b, 7);
	hk_sdbus_put_u32(&b, 0x01020304); /* 3 padding bytes, little-endian */
	hk_sdbus_put_signature(&b, "au"); /* no alignment */
	hk_sdbus_put_string(&b, "ab");	  /* to 4 */
	hk_sdbus_put_u32(&b, 5);
	size_t at = hk_sdbus_array_begin(&b, 8); /* an empty array of structs */
	hk_sdbus_array_end(&b, at, 8);
	hk_sdbus_put_bool(&b, true);
	static const char want[] = "\x07\0\0\0"
				   "\x04\x03\x02\x01"
				   "\x02"
				   "au\0" /* 8 */
				   "\x02\0\0\0"
				   "ab\0"	 /* 12 */
				   "\0"		 /* 19: pad */
				   "\x05\0\0\0"	 /* 20 */
				   "\0\0\0\0"	 /* 24: array length 0 */
				   "\0\0\0\0"	 /* 28: padding to 8 although empty */
				   "\x01\0\0\0"; /* 32: the boolean */
	assert_bytes(&b, want, sizeof(want) - 1);
	hk_buf_free(&b);
}

/* Hello, as the spec lays it out: fixed header, four header fields each
 * on an 8-byte boundary, no body. */
static void test_build_hello(void **state)
{
	(void)state;
	static const char want[] = "l\x01\0\x01" /* little, METHOD_CALL, flags, version */
				   "\0\0\0\0"	 /* body length */
				   "\x01\0\0\0"	 /* serial */
				   "\x6d\0\0\0"	 /* fields: 109 bytes */
				   "\x01\x01o\0" /* 16: PATH, signature "o" */
				   "\x15\0\0\0/org/freedesktop/DBus\0"
				   "\0\0"	 /* 46: pad to 48 */
				   "\x02\x01s\0" /* 48: INTERFACE */
				   "\x14\0\0\0org.freedesktop.DBus\0"
				   "\0\0\0"	 /* 77: pad to 80 */
				   "\x03\x01s\0" /* 80: MEMBER */
				   "\x05\0\0\0Hello\0"
				   "\0\0"	 /* 94: pad to 96 */
				   "\x06\x01s\0" /* 96: DESTINATION */
				   "\x14\0\0\0org.freedesktop.DBus\0"
				   "\0\0\0"; /* 125: header padded to 128 */
	struct hk_sdbus_call c = { "org.freedesktop.DBus",
				   "/org/freedesktop/DBus",
				   "org.freedesktop.DBus",
				   "Hello",
				   NULL,
				   NULL,
				   0 };
	struct hk_buf b = { 0 };
	hk_sdbus_build_call(&b, 1, &c);
	assert_bytes(&b, want, sizeof(want) - 1);
	hk_buf_free(&b);
}

/* StartTransientUnit's body, signature ssa(sv)a(sa(sv)), worked out by
 * hand (offsets in the comments). */
static void test_scope_body(void **state)
{
	(void)state;
	static const char want[] = "\x12\0\0\0hako-c1-0001.scope\0" /* 0: unit name (18) */
				   "\0"				    /* 23: pad */
				   "\x04\0\0\0fail\0"		    /* 24: mode */
				   "\0\0\0"			    /* 33: pad to 36 */
				   "\xaf\0\0\0"			    /* 36: a(sv) of 175 bytes */
				   "\x0b\0\0\0Description\0"	    /* 40 */
				   "\x01s\0"			    /* 56: variant "s" */
				   "\0"				    /* 59: pad */
				   "\x01\0\0\0d\0"		    /* 60 */
				   "\0\0\0\0\0\0"		    /* 66: pad to 72 */
				   "\x04\0\0\0PIDs\0"		    /* 72 */
				   "\x02"
				   "au\0"		  /* 81: variant "au" */
				   "\0\0\0"		  /* 85: pad to 88 */
				   "\x04\0\0\0"		  /* 88: 4 bytes of u32 */
				   "\x34\x12\0\0"	  /* 92: pid 0x1234 */
				   "\x08\0\0\0Delegate\0" /* 96 */
				   "\x01"
				   "b\0"			    /* 109: variant "b" */
				   "\x01\0\0\0"			    /* 112: true */
				   "\0\0\0\0"			    /* 116: pad to 120 */
				   "\x0b\0\0\0CollectMode\0"	    /* 120 */
				   "\x01s\0"			    /* 136 */
				   "\0"				    /* 139 */
				   "\x12\0\0\0inactive-or-failed\0" /* 140..162 */
				   "\0\0\0\0\0"			    /* 163: pad to 168 */
				   "\x06\0\0\0Before\0"		    /* 168 */
				   "\x02"
				   "as\0"	/* 179: variant "as" */
				   "\0"		/* 183: pad to 184 */
				   "\x1b\0\0\0" /* 184: 27 bytes of strings */
				   "\x16\0\0\0hako-autostart.service\0" /* 188..214 */
				   "\0"					/* 215: pad */
				   "\0\0\0\0"				/* 216: empty a(sa(sv)) */
				   "\0\0\0\0";				/* 220: pad to 224 */
	struct hk_buf b = { 0 };
	hk_sdbus_scope_body(&b, "hako-c1-0001.scope", "d", 0x1234);
	assert_bytes(&b, want, sizeof(want) - 1);
	hk_buf_free(&b);
}

/* AttachProcessesToUnit's body, ssau, by hand. */
static void test_attach_body(void **state)
{
	(void)state;
	static const char want[] = "\x12\0\0\0hako-c1-0001.scope\0" /* 0: unit (18) */
				   "\0"				    /* 23: pad */
				   "\x10\0\0\0/hako/c1/payload\0"   /* 24: subcgroup (16) */
				   "\0\0\0"			    /* 45: pad to 48 */
				   "\x04\0\0\0"			    /* 48: 4 bytes of u32 */
				   "\x39\x30\0\0";		    /* 52: pid 12345 */
	struct hk_buf b = { 0 };
	hk_sdbus_attach_body(&b, "hako-c1-0001.scope", "/hako/c1/payload", 12345);
	assert_bytes(&b, want, sizeof(want) - 1);
	hk_buf_free(&b);
}

/* ---- parsing real messages ---- */

static uint8_t *fixture(const char *name, size_t *len)
{
	const char *top = getenv("HK_TEST_FIXTURES");
	hk_autofree char *path = xasprintf("%s/sdbus/%s", top ? top : "tests/fixtures", name);
	char *data = NULL;
	assert_int_equal(hk_read_file(path, &data, len, NULL), 0);
	return (uint8_t *)data;
}

static void parse_one(const uint8_t *p, size_t avail, struct hk_sdbus_msg *m, size_t *used)
{
	ssize_t size = hk_sdbus_msg_size(p, avail, NULL);
	assert_true(size > 0 && (size_t)size <= avail);
	assert_int_equal(hk_sdbus_msg_parse(p, (size_t)size, m, NULL), 0);
	*used = (size_t)size;
}

/* Hello's reply, NameAcquired and a NameHasNoOwner error from dbus-daemon. */
static void test_parse_dbus_daemon(void **state)
{
	(void)state;
	size_t len, off = 0, used;
	hk_autofree uint8_t *data = fixture("dbus-daemon-replies.bin", &len);
	struct hk_sdbus_msg m;
	struct hk_sdbus_reader r;
	const char *s;

	parse_one(data, len, &m, &used);
	assert_int_equal(m.type, HK_SDBUS_RETURN);
	assert_int_equal(m.reply_serial, 1);
	assert_string_equal(m.sender, "org.freedesktop.DBus");
	assert_string_equal(m.sig, "s");
	hk_sdbus_reader_init(&r, &m);
	assert_int_equal(hk_sdbus_read_string(&r, &s), 0);
	assert_true(s[0] == ':');
	hk_sdbus_msg_free(&m);
	off += used;

	parse_one(data + off, len - off, &m, &used);
	assert_int_equal(m.type, HK_SDBUS_SIGNAL);
	assert_string_equal(m.member, "NameAcquired");
	assert_string_equal(m.path, "/org/freedesktop/DBus");
	hk_sdbus_msg_free(&m);
	off += used;

	parse_one(data + off, len - off, &m, &used);
	assert_int_equal(m.type, HK_SDBUS_ERROR);
	assert_string_equal(m.error_name, "org.freedesktop.DBus.Error.NameHasNoOwner");
	assert_int_equal(m.reply_serial, 2);
	hk_sdbus_reader_init(&r, &m);
	assert_int_equal(hk_sdbus_read_string(&r, &s), 0);
	assert_non_null(strstr(s, "no.such.name"));
	hk_sdbus_msg_free(&m);
	off += used;
	assert_int_equal(off, len);
}

static void test_parse_systemd(void **state)
{
	(void)state;
	size_t len, used;
	struct hk_sdbus_msg m;
	struct hk_sdbus_reader r;
	const char *job, *unit, *result;
	uint32_t id;

	hk_autofree uint8_t *reply = fixture("systemd-start-reply.bin", &len);
	parse_one(reply, len, &m, &used);
	assert_int_equal(m.type, HK_SDBUS_RETURN);
	assert_string_equal(m.sig, "o");
	hk_sdbus_reader_init(&r, &m);
	assert_int_equal(hk_sdbus_read_string(&r, &job), 0);
	assert_string_equal(job, "/org/freedesktop/systemd1/job/16");
	hk_sdbus_msg_free(&m);

	hk_autofree uint8_t *sig = fixture("systemd-job-removed.bin", &len);
	parse_one(sig, len, &m, &used);
	assert_int_equal(m.type, HK_SDBUS_SIGNAL);
	assert_string_equal(m.iface, "org.freedesktop.systemd1.Manager");
	assert_string_equal(m.member, "JobRemoved");
	assert_string_equal(m.sig, "uoss");
	hk_sdbus_reader_init(&r, &m);
	assert_int_equal(hk_sdbus_read_u32(&r, &id), 0);
	assert_int_equal(id, 16);
	assert_int_equal(hk_sdbus_read_string(&r, &job), 0);
	assert_int_equal(hk_sdbus_read_string(&r, &unit), 0);
	assert_int_equal(hk_sdbus_read_string(&r, &result), 0);
	assert_string_equal(job, "/org/freedesktop/systemd1/job/16");
	assert_string_equal(unit, "hako-fixture-0001.scope");
	assert_string_equal(result, "done");
	assert_int_equal(hk_sdbus_read_u32(&r, &id), -1); /* nothing more */
	hk_sdbus_msg_free(&m);
}

/* A big PropertiesChanged (sa{sv}as, variants of arrays of structs):
 * skipping walks every value and ends exactly at the body's end. */
static void test_skip_properties(void **state)
{
	(void)state;
	size_t len, used;
	struct hk_sdbus_msg m;
	struct hk_sdbus_reader r;
	hk_autofree uint8_t *data = fixture("systemd-properties-changed.bin", &len);
	parse_one(data, len, &m, &used);
	assert_string_equal(m.member, "PropertiesChanged");
	hk_sdbus_reader_init(&r, &m);
	const char *sig = m.sig;
	while (*sig)
		assert_int_equal(hk_sdbus_skip(&r, &sig, 0), 0);
	assert_int_equal(r.off, m.body_len);
	hk_sdbus_msg_free(&m);
}

/* A METHOD_RETURN in big-endian byte order, laid out by hand. */
static void test_parse_big_endian(void **state)
{
	(void)state;
	static const uint8_t be[] = {
		'B', 2, 0,   1, 0, 0,	0, 4,
		0,   0, 0,   5, 0, 0,	0, 15, /* body 4, serial 5, fields 15 */
		5,   1, 'u', 0, 0, 0,	0, 7,  /* REPLY_SERIAL 7 */
		8,   1, 'g', 0, 1, 'u', 0, 0,  /* SIGNATURE "u", pad */
		1,   2, 3,   4,		       /* body */
	};
	struct hk_sdbus_msg m;
	struct hk_sdbus_reader r;
	uint32_t v;
	assert_int_equal(hk_sdbus_msg_size(be, sizeof(be), NULL), sizeof(be));
	assert_int_equal(hk_sdbus_msg_parse(be, sizeof(be), &m, NULL), 0);
	assert_true(m.big_endian);
	assert_int_equal(m.serial, 5);
	assert_int_equal(m.reply_serial, 7);
	hk_sdbus_reader_init(&r, &m);
	assert_int_equal(hk_sdbus_read_u32(&r, &v), 0);
	assert_int_equal(v, 0x01020304);
	hk_sdbus_msg_free(&m);
}

/* ---- refusing malformed input ---- */

static int parse_copy(const uint8_t *src, size_t len, size_t at, uint8_t value)
{
	uint8_t *copy = xmalloc(len);
	memcpy(copy, src, len);
	copy[at] = value;
	struct hk_sdbus_msg m;
	ssize_t size = hk_sdbus_msg_size(copy, len, NULL);
	int rc = size == (ssize_t)len ? hk_sdbus_msg_parse(copy, len, &m, NULL) : -1;
	if (rc == 0)
		hk_sdbus_msg_free(&m);
	free(copy);
	return rc;
}

static void test_parse_rejects(void **state)
{
	(void)state;
	size_t len;
	hk_autofree uint8_t *sig = fixture("systemd-job-removed.bin", &len);
	struct hk_sdbus_msg m;
	hk_autoerr struct hk_error *err = NULL;
	/* every truncation: too short to size, or not the whole message */
	for (size_t n = 0; n < len; n++) {
		assert_true(hk_sdbus_msg_size(sig, n, NULL) == (n < 16 ? 0 : (ssize_t)len));
		assert_int_equal(hk_sdbus_msg_parse(sig, n, &m, NULL), -1);
	}
	assert_int_equal(parse_copy(sig, len, 0, 'x'), -1);   /* endianness */
	assert_int_equal(parse_copy(sig, len, 3, 2), -1);     /* version */
	assert_int_equal(parse_copy(sig, len, 8, 0), -1);     /* serial 10 -> 0 */
	assert_int_equal(parse_copy(sig, len, 18, 's'), -1);  /* PATH typed "s" */
	assert_int_equal(parse_copy(sig, len, 52, 1), -1);    /* non-zero padding */
	assert_int_equal(parse_copy(sig, len, 49, 'x'), -1);  /* PATH's NUL */
	assert_int_equal(parse_copy(sig, len, 49, 0), 0);     /* (unchanged: it parses) */
	assert_int_equal(parse_copy(sig, len, 20, 0xff), -1); /* PATH longer than the fields */
	assert_int_equal(parse_copy(sig, len, 12, 0xa3), -1); /* fields length off by one */
	/* the message's own length over the cap */
	uint8_t big[16] = { 'l', 4, 0, 1, 0, 0, 0x20, 0, 1, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(hk_sdbus_msg_size(big, sizeof(big), &err), -1);
	assert_non_null(strstr(err->msg, "at most"));
}

static void test_signatures(void **state)
{
	(void)state;
	static const char *const good[] = { "",	 "s",	"ssa(sv)a(sa(sv))", "a{sv}", "aa{s(ii)}",
					    "v", "uoss" };
	static const char *const bad[] = { "a",	   "(",	     "()", "a{vs}", "{sv}",
					   "a{s}", "a{sss}", "(s", "z",	    "s)" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(good); i++)
		assert_true(hk_sdbus_signature_valid(good[i]));
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++)
		assert_false(hk_sdbus_signature_valid(bad[i]));
	char deep[80];
	memset(deep, 'a', 33);
	strcpy(deep + 33, "y");
	assert_false(hk_sdbus_signature_valid(deep)); /* 33 nested arrays */
	strcpy(deep + 32, "y");
	assert_true(hk_sdbus_signature_valid(deep + 1)); /* 31 are fine */
}

static void test_bus_path(void **state)
{
	(void)state;
	static const struct {
		const char *sys_addr, *session_addr, *runtime;
		bool system;
		unsigned uid;
		const char *want;
	} cases[] = {
		{ "tcp:host=x;unix:path=/tmp/sys.sock,guid=00", NULL, NULL, true, 0,
		  "/tmp/sys.sock" },
		{ NULL, NULL, NULL, true, 0, "/run/dbus/system_bus_socket" },
		{ NULL, "unix:path=/tmp/s", "/run/user/1234", false, 1234, "/tmp/s" },
		{ NULL, "unix:abstract=/x", "/run/user/1234", false, 1234, "/run/user/1234/bus" },
		{ NULL, NULL, NULL, false, 77, "/run/user/77/bus" },
	};
	const char *vars[] = { "DBUS_SYSTEM_BUS_ADDRESS", "DBUS_SESSION_BUS_ADDRESS",
			       "XDG_RUNTIME_DIR" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(cases); i++) {
		const char *vals[] = { cases[i].sys_addr, cases[i].session_addr, cases[i].runtime };
		for (size_t v = 0; v < HK_ARRAY_SIZE(vars); v++)
			vals[v] ? setenv(vars[v], vals[v], 1) : unsetenv(vars[v]);
		hk_autofree char *got = hk_sdbus_bus_path(cases[i].system, cases[i].uid);
		assert_string_equal(got, cases[i].want);
	}
}

/* ---- a real dbus-daemon ---- */

struct daemon {
	pid_t pid;
	char dir[64];
	char *sock;
};

static bool start_daemon(struct daemon *d)
{
	strcpy(d->dir, "/tmp/hako-sdbus.XXXXXX");
	if (!mkdtemp(d->dir))
		return false;
	d->sock = xasprintf("%s/bus", d->dir);
	hk_autofree char *addr = xasprintf("--address=unix:path=%s", d->sock);
	/* Ready once it prints its address (--print-address): it listens
	 * then.  The socket file alone appears at bind, before the listen, and
	 * a connect in between is refused (seen on a busy machine). */
	int ready[2];
	if (pipe(ready) < 0)
		return false;
	d->pid = fork();
	if (d->pid == 0) {
		close(ready[0]);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 1);
		dup2(null, 2);
		hk_autofree char *print = xasprintf("--print-address=%d", ready[1]);
		execlp("dbus-daemon", "dbus-daemon", "--session", addr, print, "--nofork",
		       (char *)NULL);
		_exit(127);
	}
	close(ready[1]);
	struct pollfd pf = { .fd = ready[0], .events = POLLIN };
	char line[512];
	bool ok = d->pid > 0 && poll(&pf, 1, 30000) == 1 && read(ready[0], line, sizeof(line)) > 0;
	close(ready[0]);
	return ok;
}

/* Idempotent: the test's end and its teardown (after a failed assert,
 * which leaves the test at once) may both call it. */
static void stop_daemon(struct daemon *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
	}
	if (d->sock)
		unlink(d->sock);
	if (d->dir[0])
		rmdir(d->dir);
	free(d->sock);
	*d = (struct daemon){ 0 };
}

static struct daemon live; /* test_live_daemon's, stopped by its teardown */

static int live_teardown(void **state)
{
	(void)state;
	stop_daemon(&live);
	return 0;
}

static void count_owner_changes(void *ctx, const struct hk_sdbus_msg *m)
{
	if (m->type == HK_SDBUS_SIGNAL && strcmp(m->member, "NameOwnerChanged") == 0)
		(*(int *)ctx)++;
}

static void test_live_daemon(void **state)
{
	(void)state;
	if (access("/usr/bin/dbus-daemon", X_OK) < 0 || !start_daemon(&live)) {
		stop_daemon(&live);
		skip(); /* the test machines install dbus-daemon (Makefile DEPS_PKGS) */
	}
	hk_autoerr struct hk_error *err = NULL;
	struct hk_sdbus *bus = hk_sdbus_open(live.sock, &err);
	assert_non_null(bus);
	assert_true(hk_sdbus_unique_name(bus)[0] == ':');

	/* a plain call and its reply */
	struct hk_sdbus_msg reply;
	struct hk_sdbus_reader r;
	const char *s;
	struct hk_sdbus_call getid = { "org.freedesktop.DBus",
				       "/org/freedesktop/DBus",
				       "org.freedesktop.DBus",
				       "GetId",
				       NULL,
				       NULL,
				       0 };
	assert_int_equal(hk_sdbus_call(bus, &getid, 5000, NULL, NULL, &reply, &err), 0);
	hk_sdbus_reader_init(&r, &reply);
	assert_int_equal(hk_sdbus_read_string(&r, &s), 0);
	assert_int_equal(strlen(s), 32);
	hk_sdbus_msg_free(&reply);

	/* an error reply reaches the caller with its name and text */
	struct hk_buf body = { 0 };
	hk_sdbus_put_string(&body, "no.such.name");
	struct hk_sdbus_call owner = { "org.freedesktop.DBus",
				       "/org/freedesktop/DBus",
				       "org.freedesktop.DBus",
				       "GetNameOwner",
				       "s",
				       body.data,
				       body.len };
	assert_int_equal(hk_sdbus_call(bus, &owner, 5000, NULL, NULL, &reply, &err), -1);
	assert_non_null(strstr(err->msg, "org.freedesktop.DBus.Error.NameHasNoOwner: "));
	assert_non_null(strstr(err->msg, "no.such.name"));
	hk_error_freep(&err);
	hk_buf_free(&body);

	/* a signal match: a second connection makes NameOwnerChanged */
	hk_sdbus_put_string(&body, "type='signal',member='NameOwnerChanged'");
	struct hk_sdbus_call match = { "org.freedesktop.DBus",
				       "/org/freedesktop/DBus",
				       "org.freedesktop.DBus",
				       "AddMatch",
				       "s",
				       body.data,
				       body.len };
	assert_int_equal(hk_sdbus_call(bus, &match, 5000, NULL, NULL, &reply, &err), 0);
	hk_sdbus_msg_free(&reply);
	hk_buf_free(&body);
	struct hk_sdbus *other = hk_sdbus_open(live.sock, &err);
	assert_non_null(other);
	int changes = 0;
	for (int i = 0; i < 50 && changes == 0; i++)
		assert_true(hk_sdbus_poll(bus, 100, count_owner_changes, &changes, &err) >= 0);
	assert_true(changes >= 1);
	hk_sdbus_close(other);

	hk_sdbus_close(bus);

	/* the daemon gone: the socket refuses */
	kill(live.pid, SIGTERM);
	waitpid(live.pid, NULL, 0);
	live.pid = 0;
	stop_daemon(&live);
	/* a socket nobody listens on refuses */
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/hako-sdbus-refuse.XXXXXX";
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", dir);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_null(hk_sdbus_open(sa.sun_path, &err));
	assert_int_equal(err->code, ECONNREFUSED);
	hk_error_freep(&err);
	close(lfd);
	unlink(sa.sun_path);
	rmdir(dir);
	assert_null(hk_sdbus_open("/nonexistent/bus", &err));
	assert_int_equal(err->code, ENOENT);
}

/* A peer that is not a bus: an auth refusal and garbage are errors. */
static void test_bad_peer(void **state)
{
	(void)state;
	char dir[] = "/tmp/hako-sdbus-peer.XXXXXX";
	assert_non_null(mkdtemp(dir));
	hk_autofree char *path = xasprintf("%s/s", dir);
	static const char *const answers[] = { "REJECTED EXTERNAL\r\n",
					       "OK 0123\r\nxxxxxxxxxxxxxxxxxxxxxxxx" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(answers); i++) {
		int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		strcpy(sa.sun_path, path);
		unlink(path);
		assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(lfd, 1), 0);
		pid_t pid = fork();
		if (pid == 0) {
			int c = accept(lfd, NULL, NULL);
			char buf[256];
			if (read(c, buf, sizeof(buf)) <= 0 ||
			    write(c, answers[i], strlen(answers[i])) < 0)
				_exit(1);
			if (read(c, buf, sizeof(buf)) < 0) /* until the client gives up */
				_exit(1);
			_exit(0);
		}
		hk_autoerr struct hk_error *err = NULL;
		assert_null(hk_sdbus_open(path, &err));
		assert_non_null(err);
		if (i == 0)
			assert_non_null(strstr(err->msg, "refused"));
		close(lfd);
		waitpid(pid, NULL, 0);
	}
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_alignment),
		cmocka_unit_test(test_build_hello),
		cmocka_unit_test(test_scope_body),
		cmocka_unit_test(test_attach_body),
		cmocka_unit_test(test_parse_dbus_daemon),
		cmocka_unit_test(test_parse_systemd),
		cmocka_unit_test(test_skip_properties),
		cmocka_unit_test(test_parse_big_endian),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_bus_path),
		cmocka_unit_test_teardown(test_live_daemon, live_teardown),
		cmocka_unit_test(test_bad_peer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
