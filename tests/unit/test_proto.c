/* test_proto.c - monitor frames: every message type round-trips, and
 * every malformed frame is refused with the right error. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#include "proto.h"
#include "util.h"

/* Builds a raw frame: length word, type, flags, payload. */
static size_t raw(uint8_t *out, uint32_t len, uint16_t type, uint16_t flags, const void *payload,
		  size_t plen)
{
	out[0] = (uint8_t)len, out[1] = (uint8_t)(len >> 8);
	out[2] = (uint8_t)(len >> 16), out[3] = (uint8_t)(len >> 24);
	out[4] = (uint8_t)type, out[5] = (uint8_t)(type >> 8);
	out[6] = (uint8_t)flags, out[7] = (uint8_t)(flags >> 8);
	if (plen)
		memcpy(out + 8, payload, plen);
	return 8 + plen;
}

/* A TLV with a given value into p; returns its size. */
static size_t tlv(uint8_t *p, uint16_t tag, const void *val, uint16_t len)
{
	p[0] = (uint8_t)tag, p[1] = (uint8_t)(tag >> 8);
	p[2] = (uint8_t)len, p[3] = (uint8_t)(len >> 8);
	memcpy(p + 4, val, len);
	return 4 + (size_t)len;
}

/* Decodes a raw frame with payload and expects failure with code. */
static void expect_bad(uint16_t type, uint16_t flags, const void *payload, size_t plen, int code,
		       const char *needle)
{
	uint8_t *f = xmalloc(8 + plen);
	size_t n = raw(f, (uint32_t)(4 + plen), type, flags, payload, plen);
	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_proto_decode(f, n, &m, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, code);
	if (needle)
		assert_contains(err->msg, needle);
	assert_int_equal(m.nfields, 0);
	free(f);
}

static void decode_ok(const struct hk_buf *b, struct hk_msg *m)
{
	hk_autoerr struct hk_error *err = NULL;
	if (hk_proto_decode(b->data, b->len, m, &err) < 0)
		fail_msg("decode: %s", err->msg);
}

static void test_names(void **state)
{
	(void)state;
	for (unsigned t = 1; t < HK_MSG__COUNT; t++)
		assert_non_null(hk_msg_type_name(t));
	for (unsigned t = 1; t < HK_TAG__COUNT; t++)
		assert_non_null(hk_tag_name(t));
	assert_string_equal(hk_msg_type_name(HK_MSG_CONSOLE_ATTACH), "CONSOLE_ATTACH");
	assert_string_equal(hk_tag_name(HK_TAG_INIT_PID), "INIT_PID");
	assert_null(hk_msg_type_name(0));
	assert_null(hk_msg_type_name(HK_MSG__COUNT));
	assert_null(hk_tag_name(HK_TAG__COUNT));
}

/* Every type without fields round-trips, with both flag values. */
static void test_roundtrip_simple(void **state)
{
	(void)state;
	const enum hk_msg_type simple[] = {
		HK_MSG_OK,   HK_MSG_STATE_GET,	    HK_MSG_FREEZE,	   HK_MSG_THAW,
		HK_MSG_STOP, HK_MSG_CONSOLE_ATTACH, HK_MSG_CONSOLE_LOG_GET
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(simple); i++) {
		struct hk_buf b = { 0 };
		hk_autoerr struct hk_error *err = NULL;
		assert_int_equal(hk_proto_encode_simple(&b, simple[i], &err), 0);
		assert_int_equal(b.len, HK_PROTO_HEADER);
		size_t start = hk_proto_begin(&b, simple[i], HK_FRAME_FD);
		assert_int_equal(hk_proto_end(&b, start, &err), 0);
		hk_automsg struct hk_msg m;
		hk_msg_init(&m);
		assert_int_equal(hk_proto_decode(b.data, HK_PROTO_HEADER, &m, &err), 0);
		assert_int_equal(m.type, simple[i]);
		assert_int_equal(m.flags, 0);
		assert_int_equal(m.nfields, 0);
		assert_int_equal(hk_proto_decode(b.data + start, b.len - start, &m, &err), 0);
		assert_int_equal(m.flags, HK_FRAME_FD);
		hk_buf_free(&b);
	}
}

static void test_roundtrip_hello(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	size_t s = hk_proto_begin(&b, HK_MSG_HELLO, 0);
	hk_proto_put_u32(&b, HK_TAG_VERSION, HK_PROTO_VERSION);
	assert_int_equal(hk_proto_put_str(&b, HK_TAG_FEATURE, "proxy"), 0);
	assert_int_equal(hk_proto_put_str(&b, HK_TAG_FEATURE, "fd"), 0);
	assert_int_equal(hk_proto_end(&b, s, &err), 0);
	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	decode_ok(&b, &m);
	uint32_t v = 0;
	const char *str;
	assert_int_equal(m.type, HK_MSG_HELLO);
	assert_int_equal(hk_msg_get_u32(&m, HK_TAG_VERSION, &v, &err), 0);
	assert_int_equal(v, HK_PROTO_VERSION);
	assert_int_equal(m.nfields, 3);
	assert_int_equal(hk_msg_get_str(&m, HK_TAG_FEATURE, &str, &err), 0);
	assert_string_equal(str, "proxy"); /* the first of a repeated tag */
	assert_string_equal((const char *)m.fields[2].val, "fd");
	hk_buf_free(&b);
}

static void test_roundtrip_state(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	size_t s = hk_proto_begin(&b, HK_MSG_STATE, 0);
	assert_int_equal(hk_proto_put_str(&b, HK_TAG_STATE, "RUNNING"), 0);
	hk_proto_put_u32(&b, HK_TAG_INIT_PID, 4242);
	hk_proto_put_u32(&b, HK_TAG_MONITOR_PID, 0xfffffffeu);
	hk_proto_put_i64(&b, HK_TAG_STARTED, -1234567890123LL);
	assert_int_equal(hk_proto_end(&b, s, &err), 0);
	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	decode_ok(&b, &m);
	const char *st;
	uint32_t pid, mpid;
	int64_t started;
	assert_int_equal(hk_msg_get_str(&m, HK_TAG_STATE, &st, &err), 0);
	assert_int_equal(hk_msg_get_u32(&m, HK_TAG_INIT_PID, &pid, &err), 0);
	assert_int_equal(hk_msg_get_u32(&m, HK_TAG_MONITOR_PID, &mpid, &err), 0);
	assert_int_equal(hk_msg_get_i64(&m, HK_TAG_STARTED, &started, &err), 0);
	assert_string_equal(st, "RUNNING");
	assert_int_equal(pid, 4242);
	assert_int_equal(mpid, 0xfffffffeu);
	assert_true(started == -1234567890123LL);
	hk_buf_free(&b);
}

static void test_roundtrip_stop_kill(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	size_t s = hk_proto_begin(&b, HK_MSG_STOP, 0);
	hk_proto_put_u32(&b, HK_TAG_TIMEOUT_MS, 30000);
	hk_proto_put_u32(&b, HK_TAG_KILL, 1);
	hk_proto_put_u32(&b, HK_TAG_REBOOT, 0);
	hk_proto_put_u32(&b, HK_TAG_TIMING, 1); /* stop --timing */
	assert_int_equal(hk_proto_end(&b, s, &err), 0);
	s = hk_proto_begin(&b, HK_MSG_KILL, 0);
	hk_proto_put_u32(&b, HK_TAG_SIGNAL, 9);
	assert_int_equal(hk_proto_end(&b, s, &err), 0);
	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	assert_int_equal(hk_proto_decode(b.data, s, &m, &err), 0);
	assert_int_equal(m.type, HK_MSG_STOP);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_TIMEOUT_MS, 0), 30000);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_KILL, 0), 1);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_REBOOT, 7), 0);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_TIMING, 0), 1);
	assert_int_equal(hk_proto_decode(b.data + s, b.len - s, &m, &err), 0);
	assert_int_equal(m.type, HK_MSG_KILL);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_SIGNAL, 0), 9);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_TIMEOUT_MS, 5), 5); /* absent: default */
	hk_buf_free(&b);
}

static void test_roundtrip_console(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	size_t s1 = hk_proto_begin(&b, HK_MSG_CONSOLE_ATTACH, 0);
	hk_proto_put_u32(&b, HK_TAG_TTY, 2);
	hk_proto_put_u32(&b, HK_TAG_WANT_LOG, 1);
	assert_int_equal(hk_proto_end(&b, s1, &err), 0);
	size_t s2 = hk_proto_begin(&b, HK_MSG_CONSOLE, HK_FRAME_FD);
	hk_proto_put_u32(&b, HK_TAG_TTY, 2);
	hk_proto_put_u32(&b, HK_TAG_CONSOLE_MODE, HK_CONSOLE_FD);
	assert_int_equal(hk_proto_end(&b, s2, &err), 0);
	size_t s3 = hk_proto_begin(&b, HK_MSG_CONSOLE_LOG_GET, 0);
	hk_proto_put_i64(&b, HK_TAG_OFFSET, 1000);
	assert_int_equal(hk_proto_end(&b, s3, &err), 0);
	size_t s4 = hk_proto_begin(&b, HK_MSG_CONSOLE_LOG, 0);
	hk_proto_put_i64(&b, HK_TAG_OFFSET, 1000);
	hk_proto_put_i64(&b, HK_TAG_TOTAL, 1005);
	hk_proto_put_i64(&b, HK_TAG_LOST, 0);
	/* Console bytes are arbitrary: NUL and invalid UTF-8 are fine here. */
	assert_int_equal(hk_proto_put_bytes(&b, HK_TAG_DATA,
					    "a\0\xff\xfe"
					    "b",
					    5),
			 0);
	assert_int_equal(hk_proto_end(&b, s4, &err), 0);
	size_t s5 = hk_proto_begin(&b, HK_MSG_WINSIZE, 0);
	hk_proto_put_u32(&b, HK_TAG_ROWS, 50);
	hk_proto_put_u32(&b, HK_TAG_COLS, 132);
	assert_int_equal(hk_proto_end(&b, s5, &err), 0);

	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	assert_int_equal(hk_proto_decode(b.data + s1, s2 - s1, &m, &err), 0);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_TTY, 9), 2);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_WANT_LOG, 9), 1);
	assert_int_equal(hk_proto_decode(b.data + s2, s3 - s2, &m, &err), 0);
	assert_int_equal(m.type, HK_MSG_CONSOLE);
	assert_int_equal(m.flags, HK_FRAME_FD);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_CONSOLE_MODE, 0), HK_CONSOLE_FD);
	int64_t off = 0, total = 0, lost = 1;
	assert_int_equal(hk_proto_decode(b.data + s3, s4 - s3, &m, &err), 0);
	assert_int_equal(hk_msg_get_i64(&m, HK_TAG_OFFSET, &off, &err), 0);
	assert_int_equal(off, 1000);
	assert_int_equal(hk_proto_decode(b.data + s4, s5 - s4, &m, &err), 0);
	const void *data;
	size_t len;
	assert_int_equal(hk_msg_get_bytes(&m, HK_TAG_DATA, &data, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data,
			    "a\0\xff\xfe"
			    "b",
			    5);
	assert_int_equal(hk_msg_get_i64(&m, HK_TAG_TOTAL, &total, &err), 0);
	assert_int_equal(hk_msg_get_i64(&m, HK_TAG_LOST, &lost, &err), 0);
	assert_int_equal(total, 1005);
	assert_int_equal(lost, 0);
	assert_int_equal(hk_proto_decode(b.data + s5, b.len - s5, &m, &err), 0);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_ROWS, 0), 50);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_COLS, 0), 132);
	hk_buf_free(&b);
}

static void test_roundtrip_error(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_proto_encode_error(&b, EPERM, "container \"c1\" is frozen ✓", &err), 0);
	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	decode_ok(&b, &m);
	const char *msg;
	assert_int_equal(m.type, HK_MSG_ERROR);
	assert_int_equal(hk_msg_u32_or(&m, HK_TAG_ERRNO, 0), EPERM);
	assert_int_equal(hk_msg_get_str(&m, HK_TAG_MESSAGE, &msg, &err), 0);
	assert_string_equal(msg, "container \"c1\" is frozen ✓");
	/* An empty string is a valid string. */
	b.len = 0;
	assert_int_equal(hk_proto_encode_error(&b, 0, "", &err), 0);
	decode_ok(&b, &m);
	assert_int_equal(hk_msg_get_str(&m, HK_TAG_MESSAGE, &msg, &err), 0);
	assert_string_equal(msg, "");
	hk_buf_free(&b);
}

static void test_accessor_errors(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_proto_encode_error(&b, 5, "x", &err), 0);
	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	decode_ok(&b, &m);
	uint32_t v;
	int64_t i;
	const char *s;
	const void *d;
	size_t n;
	assert_int_equal(hk_msg_get_u32(&m, HK_TAG_ROWS, &v, &err), -1);
	assert_int_equal(err->code, ENOENT);
	hk_error_freep(&err);
	assert_int_equal(hk_msg_get_str(&m, HK_TAG_ERRNO, &s, &err), -1); /* ERRNO is a u32 */
	assert_int_equal(err->code, EPROTO);
	hk_error_freep(&err);
	assert_int_equal(hk_msg_get_i64(&m, HK_TAG_MESSAGE, &i, &err), -1);
	assert_int_equal(err->code, EPROTO);
	hk_error_freep(&err);
	assert_int_equal(hk_msg_get_bytes(&m, HK_TAG_DATA, &d, &n, &err), -1);
	assert_int_equal(err->code, ENOENT);
	hk_error_freep(&err);
	assert_int_equal(hk_msg_get_u32(&m, (enum hk_tag)999, &v, &err), -1);
	assert_false(hk_msg_has(&m, HK_TAG_ROWS));
	assert_true(hk_msg_has(&m, HK_TAG_MESSAGE));
	hk_buf_free(&b);
}

static void test_msg_fd(void **state)
{
	(void)state;
	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	m.fd = fd;
	hk_msg_clear(&m); /* closes it */
	assert_int_equal(m.fd, -1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	m.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fd = hk_msg_steal_fd(&m);
	assert_int_equal(m.fd, -1);
	hk_msg_clear(&m);
	assert_true(fcntl(fd, F_GETFD) >= 0); /* stolen: not closed */
	close(fd);
}

/* The encoder refuses what the decoder would refuse, and leaves b as it
 * was before the frame began. */
static void test_encoder_refuses(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_proto_encode_simple(&b, HK_MSG_OK, &err), 0);
	size_t keep = b.len;

	size_t s = hk_proto_begin(&b, HK_MSG_ERROR, 0);
	hk_proto_put_u32(&b, HK_TAG_ERRNO, 1);
	assert_int_equal(hk_proto_put_str(&b, HK_TAG_MESSAGE, "bad \xc0\x80 utf8"), -1);
	assert_int_equal(hk_proto_end(&b, s, &err), -1);
	assert_int_equal(err->code, EPROTO);
	assert_int_equal(b.len, keep);
	hk_error_freep(&err);

	/* A required field missing. */
	s = hk_proto_begin(&b, HK_MSG_WINSIZE, 0);
	hk_proto_put_u32(&b, HK_TAG_ROWS, 1);
	assert_int_equal(hk_proto_end(&b, s, &err), -1);
	assert_non_null(strstr(err->msg, "COLS"));
	assert_int_equal(b.len, keep);
	hk_error_freep(&err);

	/* A field the type does not carry. */
	s = hk_proto_begin(&b, HK_MSG_FREEZE, 0);
	hk_proto_put_u32(&b, HK_TAG_ROWS, 1);
	assert_int_equal(hk_proto_end(&b, s, &err), -1);
	assert_int_equal(b.len, keep);
	hk_error_freep(&err);

	/* Field longer than 65535, then a frame over the maximum. */
	char *big = xcalloc(1, 70000);
	s = hk_proto_begin(&b, HK_MSG_CONSOLE_LOG, 0);
	assert_int_equal(hk_proto_put_bytes(&b, HK_TAG_DATA, big, 70000), -1);
	assert_int_equal(hk_proto_end(&b, s, &err), -1);
	assert_int_equal(b.len, keep);
	hk_error_freep(&err);
	s = hk_proto_begin(&b, HK_MSG_CONSOLE_LOG, 0);
	hk_proto_put_i64(&b, HK_TAG_OFFSET, 0);
	hk_proto_put_i64(&b, HK_TAG_TOTAL, 0);
	hk_proto_put_i64(&b, HK_TAG_LOST, 0);
	assert_int_equal(hk_proto_put_bytes(&b, HK_TAG_DATA, big, 65535), 0);
	assert_int_equal(hk_proto_end(&b, s, &err), -1);
	assert_int_equal(err->code, EMSGSIZE);
	assert_int_equal(b.len, keep);
	hk_error_freep(&err);
	/* The largest chunk the header promises fits. */
	s = hk_proto_begin(&b, HK_MSG_CONSOLE_LOG, 0);
	hk_proto_put_i64(&b, HK_TAG_OFFSET, 0);
	hk_proto_put_i64(&b, HK_TAG_TOTAL, 0);
	hk_proto_put_i64(&b, HK_TAG_LOST, 0);
	assert_int_equal(hk_proto_put_bytes(&b, HK_TAG_DATA, big, HK_PROTO_MAX_LOG_CHUNK), 0);
	assert_int_equal(hk_proto_end(&b, s, &err), 0);
	free(big);
	hk_buf_free(&b);
}

static void test_bad_lengths(void **state)
{
	(void)state;
	uint8_t f[16];
	hk_automsg struct hk_msg m;
	hk_msg_init(&m);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_proto_decode(f, 3, &m, &err), -1); /* no length word */
	hk_error_freep(&err);
	raw(f, 0, HK_MSG_OK, 0, NULL, 0);
	assert_int_equal(hk_proto_decode(f, 8, &m, &err), -1);
	assert_non_null(strstr(err->msg, "zero length"));
	hk_error_freep(&err);
	for (uint32_t len = 1; len < 4; len++) {
		raw(f, len, HK_MSG_OK, 0, NULL, 0);
		assert_int_equal(hk_proto_decode(f, 4 + len, &m, &err), -1);
		assert_int_equal(err->code, EPROTO);
		hk_error_freep(&err);
	}
	const uint32_t huge[] = { HK_PROTO_MAX_FRAME - 3, HK_PROTO_MAX_FRAME, 0x7fffffff,
				  0xffffffff };
	for (size_t i = 0; i < HK_ARRAY_SIZE(huge); i++) {
		raw(f, huge[i], HK_MSG_OK, 0, NULL, 0);
		assert_int_equal(hk_proto_decode(f, 8, &m, &err), -1);
		assert_int_equal(err->code, EMSGSIZE);
		hk_error_freep(&err);
	}
	/* Length word and buffer disagree. */
	raw(f, 8, HK_MSG_OK, 0, NULL, 0);
	assert_int_equal(hk_proto_decode(f, 8, &m, &err), -1);
	assert_int_equal(err->code, EPROTO);
	hk_error_freep(&err);
	assert_int_equal(hk_proto_check_length(HK_PROTO_MAX_FRAME - 4, &err), 0);
	assert_int_equal(hk_proto_check_length(4, &err), 0);
}

static void test_bad_type_flags(void **state)
{
	(void)state;
	expect_bad(0, 0, NULL, 0, EPROTO, "unknown type 0");
	expect_bad(HK_MSG__COUNT, 0, NULL, 0, EPROTO, "unknown type");
	expect_bad(0xffff, 0, NULL, 0, EPROTO, "unknown type");
	expect_bad(HK_MSG_OK, 2, NULL, 0, EPROTO, "unknown flags");
	expect_bad(HK_MSG_OK, 0x8000, NULL, 0, EPROTO, "unknown flags");
}

static void test_bad_tlv(void **state)
{
	(void)state;
	uint8_t p[256];
	uint32_t one = 1;
	size_t n;
	/* Two leftover bytes: a truncated TLV header. */
	n = tlv(p, HK_TAG_ROWS, &one, 4);
	n += tlv(p + n, HK_TAG_COLS, &one, 4);
	p[n++] = HK_TAG_ROWS;
	p[n++] = 0;
	expect_bad(HK_MSG_WINSIZE, 0, p, n, EPROTO, "truncated field header");
	/* A TLV whose length runs past the frame. */
	n = tlv(p, HK_TAG_ROWS, &one, 4);
	n += tlv(p + n, HK_TAG_COLS, &one, 4);
	p[n - 6] = 5; /* COLS claims 5 bytes, has 4 */
	expect_bad(HK_MSG_WINSIZE, 0, p, n, EPROTO, "runs past");
	/* Duplicate tag where not allowed. */
	n = tlv(p, HK_TAG_ROWS, &one, 4);
	n += tlv(p + n, HK_TAG_COLS, &one, 4);
	n += tlv(p + n, HK_TAG_ROWS, &one, 4);
	expect_bad(HK_MSG_WINSIZE, 0, p, n, EPROTO, "duplicate field ROWS");
	/* Wrong sizes for u32 and i64. */
	n = tlv(p, HK_TAG_ROWS, &one, 2);
	n += tlv(p + n, HK_TAG_COLS, &one, 4);
	expect_bad(HK_MSG_WINSIZE, 0, p, n, EPROTO, "not 4");
	n = tlv(p, HK_TAG_OFFSET, &one, 4);
	expect_bad(HK_MSG_CONSOLE_LOG_GET, 0, p, n, EPROTO, "not 8");
	/* Unknown tag, a tag of another type, tag 0. */
	n = tlv(p, 999, &one, 4);
	expect_bad(HK_MSG_OK, 0, p, n, EPROTO, "not allowed");
	n = tlv(p, HK_TAG_SIGNAL, &one, 4);
	expect_bad(HK_MSG_STOP, 0, p, n, EPROTO, "not allowed");
	n = tlv(p, 0, &one, 0);
	expect_bad(HK_MSG_OK, 0, p, n, EPROTO, "not allowed");
	/* Required field missing. */
	n = tlv(p, HK_TAG_MESSAGE, "x", 1);
	expect_bad(HK_MSG_ERROR, 0, p, n, EPROTO, "ERRNO is missing");
}

static void test_bad_strings(void **state)
{
	(void)state;
	const char *bad[] = {
		"a\0b",		    /* NUL */
		"\xc0\x80",	    /* overlong NUL */
		"\xe0\x80\xaf",	    /* overlong '/' */
		"\xed\xa0\x80",	    /* surrogate */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"\xe2\x82",	    /* truncated */
		"\x80",		    /* lone continuation */
		"\xff",		    /* never valid */
	};
	const size_t len[] = { 3, 2, 3, 3, 4, 2, 1, 1 };
	uint8_t p[64];
	uint32_t zero = 0;
	for (size_t i = 0; i < HK_ARRAY_SIZE(bad); i++) {
		assert_false(hk_proto_valid_string(bad[i], len[i]));
		size_t n = tlv(p, HK_TAG_ERRNO, &zero, 4);
		n += tlv(p + n, HK_TAG_MESSAGE, bad[i], (uint16_t)len[i]);
		expect_bad(HK_MSG_ERROR, 0, p, n, EPROTO, "UTF-8");
	}
	const char *good = "héllo ✓ 😀 \xf4\x8f\xbf\xbf";
	assert_true(hk_proto_valid_string(good, strlen(good)));
	assert_true(hk_proto_valid_string("", 0));
}

static void test_duplicate_allowed_and_too_many(void **state)
{
	(void)state;
	struct hk_buf b = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	size_t s = hk_proto_begin(&b, HK_MSG_HELLO, 0);
	hk_proto_put_u32(&b, HK_TAG_VERSION, 1);
	for (int i = 0; i < HK_PROTO_MAX_FIELDS - 1; i++)
		hk_proto_put_str(&b, HK_TAG_FEATURE, "f");
	assert_int_equal(hk_proto_end(&b, s, &err), 0);
	s = hk_proto_begin(&b, HK_MSG_HELLO, 0);
	hk_proto_put_u32(&b, HK_TAG_VERSION, 1);
	for (int i = 0; i < HK_PROTO_MAX_FIELDS; i++)
		hk_proto_put_str(&b, HK_TAG_FEATURE, "f");
	assert_int_equal(hk_proto_end(&b, s, &err), -1);
	assert_non_null(strstr(err->msg, "more than"));
	hk_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_roundtrip_simple),
		cmocka_unit_test(test_roundtrip_hello),
		cmocka_unit_test(test_roundtrip_state),
		cmocka_unit_test(test_roundtrip_stop_kill),
		cmocka_unit_test(test_roundtrip_console),
		cmocka_unit_test(test_roundtrip_error),
		cmocka_unit_test(test_accessor_errors),
		cmocka_unit_test(test_msg_fd),
		cmocka_unit_test(test_encoder_refuses),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_bad_type_flags),
		cmocka_unit_test(test_bad_tlv),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_duplicate_allowed_and_too_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
