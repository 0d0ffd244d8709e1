/* sdbus.h - a minimal D-Bus client: just what hako needs to ask systemd
 * for a transient scope (connect, AUTH EXTERNAL, Hello, AddMatch, one
 * method call, its reply or error, and the signals that follow).
 *
 * Wire format (D-Bus specification, "Message Protocol"): a message is a
 * 12-byte fixed header (endianness 'l'/'B', type, flags, version 1, body
 * length, serial), an array of (byte code, variant) header fields padded
 * to 8, then the body.  Every value is aligned to its type's size,
 * counted from the start of the message.  Messages are built little-endian;
 * both byte orders are parsed.  Parsing is bounded (HK_SDBUS_MAX_MSG,
 * nesting depth HK_SDBUS_MAX_DEPTH) and never trusts a length it has not
 * checked against the bytes present.
 */
#ifndef HAKO_SDBUS_H
#define HAKO_SDBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "util.h"

#define HK_SDBUS_MAX_MSG   (1u << 20) /* hako never needs more; the spec allows 128 MiB */
#define HK_SDBUS_MAX_DEPTH 32

enum hk_sdbus_type {
	HK_SDBUS_CALL = 1,
	HK_SDBUS_RETURN = 2,
	HK_SDBUS_ERROR = 3,
	HK_SDBUS_SIGNAL = 4,
};

/* ---- building ---- */

/* Marshalling into a buffer whose offset 0 is 8-aligned (a message or a
 * body: a body starts on an 8-byte boundary of its message). */
void hk_sdbus_put_align(struct hk_buf *b, size_t n);
void hk_sdbus_put_byte(struct hk_buf *b, uint8_t v);
void hk_sdbus_put_u32(struct hk_buf *b, uint32_t v);
void hk_sdbus_put_bool(struct hk_buf *b, bool v);
void hk_sdbus_put_string(struct hk_buf *b, const char *s); /* also an object path */
void hk_sdbus_put_signature(struct hk_buf *b, const char *sig);
/* An array: begin writes the length placeholder and pads to the element
 * alignment (even when the array stays empty); end fills in the length
 * of what follows that padding.  Returns the placeholder's offset. */
size_t hk_sdbus_array_begin(struct hk_buf *b, size_t elem_align);
void hk_sdbus_array_end(struct hk_buf *b, size_t at, size_t elem_align);

struct hk_sdbus_call {
	const char *dest, *path, *iface, *member;
	const char *sig; /* of the body; NULL or "" for none */
	const void *body;
	size_t body_len;
};

/* A complete METHOD_CALL message with this serial. */
void hk_sdbus_build_call(struct hk_buf *out, uint32_t serial, const struct hk_sdbus_call *c);

/* The body of Manager.StartTransientUnit(ssa(sv)a(sa(sv))) for a scope:
 * mode "fail", properties Description, PIDs [pid], Delegate true and
 * CollectMode "inactive-or-failed" (a failed scope does not linger). */
/* The unit make install puts in place (core/units; the Makefile's
 * AUTOSTART_UNIT names it): a container's scope is ordered before it, so
 * that its ExecStop halts the container at shutdown before the scope is
 * stopped. */
#ifndef HAKO_AUTOSTART_UNIT
#error "the Makefile defines HAKO_AUTOSTART_UNIT (its AUTOSTART_UNIT)"
#endif
#define HK_AUTOSTART_UNIT HAKO_AUTOSTART_UNIT
void hk_sdbus_scope_body(struct hk_buf *out, const char *unit, const char *description, pid_t pid);
/* The body of Manager.AttachProcessesToUnit(ssau): move pid into unit's
 * cgroup, at subcgroup below it ("/hako/NAME/payload"; the unit must have
 * Delegate=yes). */
void hk_sdbus_attach_body(struct hk_buf *out, const char *unit, const char *subcgroup, pid_t pid);

/* ---- parsing ---- */

struct hk_sdbus_msg {
	uint8_t type, flags;
	bool big_endian;
	uint32_t serial, reply_serial;
	/* Header fields (NULL when absent); they point into raw. */
	const char *path, *iface, *member, *error_name, *dest, *sender, *sig;
	const uint8_t *body;
	size_t body_len;
	uint8_t *raw; /* owned copy of the whole message */
};

/* How long the message starting at buf is: 0 when fewer than 16 bytes are
 * there to tell, -1 (err set) when the header is invalid or the message
 * longer than HK_SDBUS_MAX_MSG. */
ssize_t hk_sdbus_msg_size(const uint8_t *buf, size_t len, struct hk_error **err);
/* Parses exactly one complete message of len bytes (copied into out). */
int hk_sdbus_msg_parse(const uint8_t *buf, size_t len, struct hk_sdbus_msg *out,
		       struct hk_error **err);
void hk_sdbus_msg_free(struct hk_sdbus_msg *m);

/* Reading a body value by value: each read checks alignment padding,
 * bounds, and for strings the terminating NUL and no NUL inside. */
struct hk_sdbus_reader {
	const uint8_t *p;
	size_t len, off;
	bool big_endian;
};
void hk_sdbus_reader_init(struct hk_sdbus_reader *r, const struct hk_sdbus_msg *m);
int hk_sdbus_read_u32(struct hk_sdbus_reader *r, uint32_t *v);
int hk_sdbus_read_string(struct hk_sdbus_reader *r, const char **s); /* s or o */
/* Skips one complete value of the single complete type at *sig (advanced
 * past it); -1 on malformed data or signature. */
int hk_sdbus_skip(struct hk_sdbus_reader *r, const char **sig, unsigned depth);
/* Whether sig is a valid sequence of complete types (nesting bounded). */
bool hk_sdbus_signature_valid(const char *sig);

/* ---- a connection ---- */

struct hk_sdbus;

/* The bus socket: for the system bus DBUS_SYSTEM_BUS_ADDRESS (its
 * unix:path= part) or /run/dbus/system_bus_socket; for the user bus
 * DBUS_SESSION_BUS_ADDRESS, else $XDG_RUNTIME_DIR/bus, else
 * /run/user/UID/bus.  Caller frees. */
char *hk_sdbus_bus_path(bool system, uid_t uid);

/* Connects to the socket, authenticates (EXTERNAL, as the effective uid)
 * and says Hello.  The error's code is the connect errno (ENOENT,
 * ECONNREFUSED: no bus) or EPROTO. */
struct hk_sdbus *hk_sdbus_open(const char *path, struct hk_error **err);
void hk_sdbus_close(struct hk_sdbus *bus);
/* The unique name the bus gave ("":1.42"). */
const char *hk_sdbus_unique_name(const struct hk_sdbus *bus);

/* Called for every message that is not the awaited reply (signals). */
typedef void (*hk_sdbus_msg_cb)(void *ctx, const struct hk_sdbus_msg *m);

/* Sends a call and waits up to timeout_ms for its reply (into *reply,
 * which the caller frees).  An ERROR reply fails with its name and text
 * in the message ("org.freedesktop.DBus.Error.AccessDenied: ..."). */
int hk_sdbus_call(struct hk_sdbus *bus, const struct hk_sdbus_call *c, int timeout_ms,
		  hk_sdbus_msg_cb cb, void *ctx, struct hk_sdbus_msg *reply, struct hk_error **err);
/* Reads messages for up to timeout_ms, passing each to cb; returns the
 * number read (0 on timeout) or -1 when the connection broke. */
int hk_sdbus_poll(struct hk_sdbus *bus, int timeout_ms, hk_sdbus_msg_cb cb, void *ctx,
		  struct hk_error **err);

#endif
