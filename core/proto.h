/* proto.h - the wire protocol of a container monitor's unix socket.
 *
 * A frame is
 *     u32 length (little endian, counts the bytes after it)
 *     u16 type   (enum hk_msg_type, little endian)
 *     u16 flags  (HK_FRAME_*)
 *     payload    (TLV fields: u16 tag, u16 len, len bytes)
 * and is at most HK_PROTO_MAX_FRAME bytes in all, the length word included.
 * A descriptor travels next to a frame (SCM_RIGHTS, see unixsock.h) and the
 * frame then carries HK_FRAME_FD, so either side can tell a missing or an
 * unexpected descriptor.
 *
 * Every message type has a row in a table naming the tags it may carry,
 * which of them are required and which may repeat; the decoder is strict and
 * refuses anything else (unknown type, unknown or misplaced tag, duplicate
 * tag, a field of the wrong size, a string holding NUL or invalid UTF-8, a
 * TLV running past the frame).  Strings go on the wire without a NUL and are
 * NUL-terminated on decode, so a decoded string is always safe to print.
 *
 * Requests and replies (-> reply):
 *   HELLO(version, feature*)                -> HELLO | ERROR
 *   STATE_GET                               -> STATE(state, init_pid, monitor_pid, started)
 *   STOP(timeout_ms, kill?, reboot?, timing?) -> OK | ERROR; with timing the monitor
 *                                              sends its steps ("T" lines, timing.h)
 *                                              before it closes the connection
 *   KILL(signal)                            -> OK | ERROR
 *   FREEZE, THAW                            -> OK | ERROR
 *   CONSOLE_ATTACH(tty, want_log?)          -> CONSOLE(tty, mode) + fd (mode FD) or the
 *                                              connection turns into the console (mode PROXY)
 *   CONSOLE_LOG_GET(offset?)                -> CONSOLE_LOG(offset, total, lost, data)
 *   WINSIZE(rows, cols)                     -> OK | ERROR
 * The console log (up to 128 KiB) is larger than a frame, so a viewer asks
 * again from offset + len(data) until offset + len == total.
 */
#ifndef HAKO_PROTO_H
#define HAKO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

#define HK_PROTO_VERSION     1
#define HK_PROTO_MAX_FRAME   (64 * 1024) /* whole frame, length word included */
#define HK_PROTO_HEADER	     8		 /* length + type + flags */
#define HK_PROTO_MAX_PAYLOAD (HK_PROTO_MAX_FRAME - HK_PROTO_HEADER)
#define HK_PROTO_MAX_FIELDS  64
/* The most console bytes one CONSOLE_LOG frame carries (leaves room for
 * the other fields). */
#define HK_PROTO_MAX_LOG_CHUNK (HK_PROTO_MAX_PAYLOAD - 64)

enum hk_frame_flags {
	HK_FRAME_FD = 1 << 0, /* one descriptor accompanies this frame */
};
#define HK_FRAME_KNOWN_FLAGS HK_FRAME_FD

enum hk_msg_type {
	HK_MSG_HELLO = 1,
	HK_MSG_OK,
	HK_MSG_ERROR,
	HK_MSG_STATE_GET,
	HK_MSG_STATE,
	HK_MSG_STOP,
	HK_MSG_KILL,
	HK_MSG_FREEZE,
	HK_MSG_THAW,
	HK_MSG_CONSOLE_ATTACH,
	HK_MSG_CONSOLE,
	HK_MSG_CONSOLE_LOG_GET,
	HK_MSG_CONSOLE_LOG,
	HK_MSG_WINSIZE,
	HK_MSG__COUNT, /* keep last */
};

enum hk_tag_kind { HK_TAG_U32, HK_TAG_I64, HK_TAG_STR, HK_TAG_BYTES };

enum hk_tag {
	HK_TAG_VERSION = 1,  /* u32 */
	HK_TAG_FEATURE,	     /* str, may repeat */
	HK_TAG_STATE,	     /* str: "RUNNING", "FROZEN", ... */
	HK_TAG_INIT_PID,     /* u32 (host pid namespace of the monitor) */
	HK_TAG_MONITOR_PID,  /* u32 */
	HK_TAG_STARTED,	     /* i64: unix time in seconds */
	HK_TAG_TIMEOUT_MS,   /* u32 */
	HK_TAG_KILL,	     /* u32 0/1: kill at once instead of asking init */
	HK_TAG_REBOOT,	     /* u32 0/1 */
	HK_TAG_SIGNAL,	     /* u32 */
	HK_TAG_TTY,	     /* u32: 0 = the console, N = ttyN */
	HK_TAG_WANT_LOG,     /* u32 0/1: replay the ring buffer first (proxy mode) */
	HK_TAG_CONSOLE_MODE, /* u32 enum hk_console_mode */
	HK_TAG_OFFSET,	     /* i64: console stream offset */
	HK_TAG_TOTAL,	     /* i64: console bytes ever written */
	HK_TAG_LOST,	     /* i64: bytes before offset no longer kept */
	HK_TAG_DATA,	     /* bytes */
	HK_TAG_ROWS,	     /* u32 */
	HK_TAG_COLS,	     /* u32 */
	HK_TAG_ERRNO,	     /* u32: errno value, 0 if none */
	HK_TAG_MESSAGE,	     /* str */
	HK_TAG_TIMING,	     /* u32 0/1: STOP --timing: send this stop's steps */
	HK_TAG__COUNT,	     /* keep last */
};

enum hk_console_mode {
	HK_CONSOLE_FD = 1,    /* the reply carries the pty master */
	HK_CONSOLE_PROXY = 2, /* the connection now carries raw console bytes */
};

/* "HELLO", "STATE_GET", ...; NULL for an unknown type. */
const char *hk_msg_type_name(unsigned type);
/* "VERSION", "INIT_PID", ...; NULL for an unknown tag. */
const char *hk_tag_name(unsigned tag);

/* ---- encoding ----
 * start = hk_proto_begin(b, type, flags); hk_proto_put_*(b, ...);
 * hk_proto_end(b, start, err).  Frames may be appended one after another to
 * the same buffer.  A put that fails (string with NUL or bad UTF-8, field
 * longer than 65535) returns -1 and hk_proto_end then fails too and removes
 * the half-built frame from b, so a caller may check only the end. */
size_t hk_proto_begin(struct hk_buf *b, enum hk_msg_type type, uint16_t flags);
void hk_proto_put_u32(struct hk_buf *b, enum hk_tag tag, uint32_t v);
void hk_proto_put_i64(struct hk_buf *b, enum hk_tag tag, int64_t v);
int hk_proto_put_str(struct hk_buf *b, enum hk_tag tag, const char *s);
int hk_proto_put_bytes(struct hk_buf *b, enum hk_tag tag, const void *data, size_t len);
/* Fills in the length and validates the frame against the type's table (so
 * a frame that hk_proto_end accepts is one the decoder accepts). */
int hk_proto_end(struct hk_buf *b, size_t start, struct hk_error **err);

/* Shorthands for the small replies. */
int hk_proto_encode_simple(struct hk_buf *b, enum hk_msg_type type, struct hk_error **err);
int hk_proto_encode_error(struct hk_buf *b, int code, const char *msg, struct hk_error **err);

/* ---- decoded messages ---- */
struct hk_field {
	uint16_t tag;
	uint16_t len;	    /* bytes on the wire */
	const uint8_t *val; /* NUL-terminated copy (val[len] == 0) */
};

struct hk_msg {
	uint16_t type;
	uint16_t flags;
	size_t nfields;
	struct hk_field *fields;
	uint8_t *arena; /* owns every val */
	int fd;		/* descriptor received with the frame, or -1 */
};

void hk_msg_init(struct hk_msg *m);
/* Frees the fields and closes m->fd; leaves m as after hk_msg_init. */
void hk_msg_clear(struct hk_msg *m);
#define hk_automsg __attribute__((cleanup(hk_msg_clear)))

/* Typed accessors: 0 and *out set, or -1 (ENOENT absent, EPROTO wrong kind)
 * with err set.  With a repeated tag they return the first occurrence. */
int hk_msg_get_u32(const struct hk_msg *m, enum hk_tag tag, uint32_t *out, struct hk_error **err);
int hk_msg_get_i64(const struct hk_msg *m, enum hk_tag tag, int64_t *out, struct hk_error **err);
/* The string stays owned by m. */
int hk_msg_get_str(const struct hk_msg *m, enum hk_tag tag, const char **out,
		   struct hk_error **err);
int hk_msg_get_bytes(const struct hk_msg *m, enum hk_tag tag, const void **out, size_t *len,
		     struct hk_error **err);
bool hk_msg_has(const struct hk_msg *m, enum hk_tag tag);
/* u32 with a default when the tag is absent (optional flags). */
uint32_t hk_msg_u32_or(const struct hk_msg *m, enum hk_tag tag, uint32_t dflt);
/* Takes the descriptor out of m (the caller closes it). */
int hk_msg_steal_fd(struct hk_msg *m);

/* Checks a frame's length word (the bytes after it): 0, or -1 when it is
 * zero, too small for type and flags (EPROTO) or past the maximum
 * (EMSGSIZE).  Such a stream cannot be resynchronised. */
int hk_proto_check_length(uint32_t len, struct hk_error **err);

/* Decodes exactly one whole frame (length word included) into m, which is
 * cleared first (closing a descriptor it held).  On failure m stays empty
 * and err->code is EPROTO (malformed) or EMSGSIZE (length). */
int hk_proto_decode(const void *frame, size_t len, struct hk_msg *m, struct hk_error **err);

/* Checks that s[0..len) is valid UTF-8 (no overlongs, no surrogates, nothing
 * past U+10FFFF) and holds no NUL. */
bool hk_proto_valid_string(const void *s, size_t len);

#endif
