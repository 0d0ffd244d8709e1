/* sdbus.c - the minimal D-Bus client of sdbus.h: marshalling, a bounded
 * message parser, and one connection (socket, EXTERNAL auth, Hello,
 * calls, signals).  No libdbus or libsystemd: hako needs one method of
 * systemd, and a small parser that is fuzzed is easier to trust than a
 * large dependency in the monitor. */
#include "sdbus.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* ---- marshalling ---- */

void hk_sdbus_put_align(struct hk_buf *b, size_t n)
{
	static const uint8_t zeros[8];
	size_t pad = (n - b->len % n) % n;
	hk_buf_append(b, zeros, pad);
}

void hk_sdbus_put_byte(struct hk_buf *b, uint8_t v)
{
	hk_buf_append(b, &v, 1);
}

void hk_sdbus_put_u32(struct hk_buf *b, uint32_t v)
{
	uint8_t le[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	hk_sdbus_put_align(b, 4);
	hk_buf_append(b, le, 4);
}

void hk_sdbus_put_bool(struct hk_buf *b, bool v)
{
	hk_sdbus_put_u32(b, v ? 1 : 0);
}

void hk_sdbus_put_string(struct hk_buf *b, const char *s)
{
	size_t n = strlen(s);
	hk_sdbus_put_u32(b, (uint32_t)n);
	hk_buf_append(b, s, n + 1);
}

void hk_sdbus_put_signature(struct hk_buf *b, const char *sig)
{
	size_t n = strlen(sig);
	hk_sdbus_put_byte(b, (uint8_t)n);
	hk_buf_append(b, sig, n + 1);
}

size_t hk_sdbus_array_begin(struct hk_buf *b, size_t elem_align)
{
	hk_sdbus_put_u32(b, 0);
	size_t at = b->len - 4;
	hk_sdbus_put_align(b, elem_align);
	return at;
}

void hk_sdbus_array_end(struct hk_buf *b, size_t at, size_t elem_align)
{
	size_t start = (at + 4 + elem_align - 1) / elem_align * elem_align;
	uint32_t n = (uint32_t)(b->len - start);
	uint8_t le[4] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24) };
	memcpy(b->data + at, le, 4);
}

enum field_code {
	F_PATH = 1,
	F_INTERFACE,
	F_MEMBER,
	F_ERROR_NAME,
	F_REPLY_SERIAL,
	F_DESTINATION,
	F_SENDER,
	F_SIGNATURE,
	F_UNIX_FDS,
};

/* The type each header field must carry (index = code). */
static const char field_types[] = {
	[F_PATH] = 'o',	      [F_INTERFACE] = 's',    [F_MEMBER] = 's',
	[F_ERROR_NAME] = 's', [F_REPLY_SERIAL] = 'u', [F_DESTINATION] = 's',
	[F_SENDER] = 's',     [F_SIGNATURE] = 'g',    [F_UNIX_FDS] = 'u'
};

static void put_field(struct hk_buf *b, enum field_code code, const char *value)
{
	char sig[2] = { field_types[code], '\0' };
	if (!value)
		return;
	hk_sdbus_put_align(b, 8);
	hk_sdbus_put_byte(b, (uint8_t)code);
	hk_sdbus_put_signature(b, sig);
	if (sig[0] == 'g')
		hk_sdbus_put_signature(b, value);
	else
		hk_sdbus_put_string(b, value);
}

void hk_sdbus_build_call(struct hk_buf *out, uint32_t serial, const struct hk_sdbus_call *c)
{
	hk_sdbus_put_byte(out, 'l');
	hk_sdbus_put_byte(out, HK_SDBUS_CALL);
	hk_sdbus_put_byte(out, 0); /* flags: a reply is wanted, auto-start allowed */
	hk_sdbus_put_byte(out, 1); /* protocol version */
	hk_sdbus_put_u32(out, (uint32_t)c->body_len);
	hk_sdbus_put_u32(out, serial);
	size_t at = hk_sdbus_array_begin(out, 8);
	put_field(out, F_PATH, c->path);
	put_field(out, F_INTERFACE, c->iface);
	put_field(out, F_MEMBER, c->member);
	put_field(out, F_DESTINATION, c->dest);
	put_field(out, F_SIGNATURE, c->sig && *c->sig ? c->sig : NULL);
	hk_sdbus_array_end(out, at, 8);
	hk_sdbus_put_align(out, 8);
	if (c->body_len)
		hk_buf_append(out, c->body, c->body_len);
}

/* One (sv) entry of a property array, its variant holding a string. */
static void prop_string(struct hk_buf *b, const char *name, const char *value)
{
	hk_sdbus_put_align(b, 8);
	hk_sdbus_put_string(b, name);
	hk_sdbus_put_signature(b, "s");
	hk_sdbus_put_string(b, value);
}

void hk_sdbus_scope_body(struct hk_buf *out, const char *unit, const char *description, pid_t pid)
{
	hk_sdbus_put_string(out, unit);
	hk_sdbus_put_string(out, "fail");
	size_t props = hk_sdbus_array_begin(out, 8);
	prop_string(out, "Description", description);
	hk_sdbus_put_align(out, 8);
	hk_sdbus_put_string(out, "PIDs");
	hk_sdbus_put_signature(out, "au");
	size_t pids = hk_sdbus_array_begin(out, 4);
	hk_sdbus_put_u32(out, (uint32_t)pid);
	hk_sdbus_array_end(out, pids, 4);
	hk_sdbus_put_align(out, 8);
	hk_sdbus_put_string(out, "Delegate");
	hk_sdbus_put_signature(out, "b");
	hk_sdbus_put_bool(out, true);
	prop_string(out, "CollectMode", "inactive-or-failed");
	/* At shutdown systemd stops units in the reverse of their order:
	 * ordered before hako-autostart.service, the scope is stopped only
	 * after that unit's ExecStop halted the container cleanly (its
	 * lxc.signal.halt, a timeout), never first by the scope's own
	 * SIGTERM to everything inside (which a systemd init ignores until
	 * the SIGKILL 90 s later).  Where that unit is not enabled the
	 * ordering is inert. */
	hk_sdbus_put_align(out, 8);
	hk_sdbus_put_string(out, "Before");
	hk_sdbus_put_signature(out, "as");
	size_t before = hk_sdbus_array_begin(out, 4);
	hk_sdbus_put_string(out, HK_AUTOSTART_UNIT);
	hk_sdbus_array_end(out, before, 4);
	hk_sdbus_array_end(out, props, 8);
	size_t aux = hk_sdbus_array_begin(out, 8); /* no auxiliary units */
	hk_sdbus_array_end(out, aux, 8);
}

void hk_sdbus_attach_body(struct hk_buf *out, const char *unit, const char *subcgroup, pid_t pid)
{
	hk_sdbus_put_string(out, unit);
	hk_sdbus_put_string(out, subcgroup);
	size_t pids = hk_sdbus_array_begin(out, 4);
	hk_sdbus_put_u32(out, (uint32_t)pid);
	hk_sdbus_array_end(out, pids, 4);
}

/* ---- signatures ---- */

static size_t type_align(char t)
{
	switch (t) {
	case 'n':
	case 'q':
		return 2;
	case 'b':
	case 'i':
	case 'u':
	case 'h':
	case 's':
	case 'o':
	case 'a':
		return 4;
	case 'x':
	case 't':
	case 'd':
	case '(':
	case '{':
		return 8;
	default:
		return 1; /* y g v */
	}
}

static bool is_basic(char t)
{
	return t && strchr("ybnqiuxtdhsog", t) != NULL;
}

/* The end of the complete type starting at s, or NULL. */
static const char *sig_next(const char *s, unsigned depth)
{
	if (depth > HK_SDBUS_MAX_DEPTH)
		return NULL;
	if (is_basic(*s) || *s == 'v')
		return s + 1;
	if (*s == 'a') {
		if (s[1] != '{')
			return sig_next(s + 1, depth + 1);
		if (!is_basic(s[2]))
			return NULL;
		const char *v = sig_next(s + 3, depth + 2);
		return v && *v == '}' ? v + 1 : NULL;
	}
	if (*s != '(' || s[1] == ')')
		return NULL;
	for (s++; *s != ')';) {
		if (!*s || !(s = sig_next(s, depth + 1)))
			return NULL;
	}
	return s + 1;
}

bool hk_sdbus_signature_valid(const char *sig)
{
	if (strlen(sig) > 255)
		return false;
	while (*sig)
		if (!(sig = sig_next(sig, 0)))
			return false;
	return true;
}

/* ---- reading ---- */

static uint32_t get_u32(const uint8_t *p, bool be)
{
	if (be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Moves to the next multiple of n; the padding must be there and zero. */
static int r_align(struct hk_sdbus_reader *r, size_t n)
{
	size_t to = (r->off + n - 1) / n * n;
	if (to > r->len)
		return -1;
	for (; r->off < to; r->off++)
		if (r->p[r->off] != 0)
			return -1;
	return 0;
}

static int r_fixed(struct hk_sdbus_reader *r, size_t n, const uint8_t **at)
{
	if (r_align(r, n) < 0 || r->len - r->off < n)
		return -1;
	*at = r->p + r->off;
	r->off += n;
	return 0;
}

int hk_sdbus_read_u32(struct hk_sdbus_reader *r, uint32_t *v)
{
	const uint8_t *at;
	if (r_fixed(r, 4, &at) < 0)
		return -1;
	*v = get_u32(at, r->big_endian);
	return 0;
}

/* n bytes and a NUL, none inside. */
static int r_chars(struct hk_sdbus_reader *r, size_t n, const char **s)
{
	if (n >= r->len - r->off || r->p[r->off + n] != 0 || memchr(r->p + r->off, 0, n))
		return -1;
	*s = (const char *)r->p + r->off;
	r->off += n + 1;
	return 0;
}

int hk_sdbus_read_string(struct hk_sdbus_reader *r, const char **s)
{
	uint32_t n;
	if (hk_sdbus_read_u32(r, &n) < 0)
		return -1;
	return r_chars(r, n, s);
}

static int read_signature(struct hk_sdbus_reader *r, const char **s)
{
	if (r->off >= r->len)
		return -1;
	size_t n = r->p[r->off++];
	if (r_chars(r, n, s) < 0 || !hk_sdbus_signature_valid(*s))
		return -1;
	return 0;
}

static int skip_array(struct hk_sdbus_reader *r, const char **sig, unsigned depth)
{
	uint32_t n;
	if (hk_sdbus_read_u32(r, &n) < 0 || n > 1u << 26 || r_align(r, type_align(**sig)) < 0 ||
	    n > r->len - r->off)
		return -1;
	const char *elem = *sig;
	const char *after = sig_next(elem - 1, 0); /* from the 'a': "{..}" stands only there */
	if (!after)
		return -1;
	size_t end = r->off + n;
	struct hk_sdbus_reader sub = { r->p, end, r->off, r->big_endian };
	while (sub.off < end) {
		const char *s = elem;
		if (hk_sdbus_skip(&sub, &s, depth + 1) < 0)
			return -1;
	}
	r->off = end;
	*sig = after;
	return 0;
}

static int skip_struct(struct hk_sdbus_reader *r, const char **sig, unsigned depth)
{
	char close = **sig == '(' ? ')' : '}';
	if (r_align(r, 8) < 0)
		return -1;
	for ((*sig)++; **sig != close;)
		if (!**sig || hk_sdbus_skip(r, sig, depth + 1) < 0)
			return -1;
	(*sig)++;
	return 0;
}

static int skip_variant(struct hk_sdbus_reader *r, unsigned depth)
{
	const char *inner;
	if (read_signature(r, &inner) < 0 || !*inner || *sig_next(inner, 0) != '\0')
		return -1;
	return hk_sdbus_skip(r, &inner, depth + 1);
}

int hk_sdbus_skip(struct hk_sdbus_reader *r, const char **sig, unsigned depth)
{
	const char t = **sig;
	const uint8_t *at;
	const char *s;
	uint32_t v;
	if (depth > 2 * HK_SDBUS_MAX_DEPTH)
		return -1;
	switch (t) {
	case 'y':
	case 'n':
	case 'q':
	case 'i':
	case 'u':
	case 'h':
	case 'x':
	case 't':
	case 'd':
		(*sig)++;
		return r_fixed(r, type_align(t), &at);
	case 'b':
		(*sig)++;
		return hk_sdbus_read_u32(r, &v) < 0 || v > 1 ? -1 : 0;
	case 's':
	case 'o':
		(*sig)++;
		return hk_sdbus_read_string(r, &s);
	case 'g':
		(*sig)++;
		return read_signature(r, &s);
	case 'v':
		(*sig)++;
		return skip_variant(r, depth);
	case 'a':
		(*sig)++;
		return skip_array(r, sig, depth);
	case '(':
	case '{':
		return skip_struct(r, sig, depth);
	default:
		return -1;
	}
}

void hk_sdbus_reader_init(struct hk_sdbus_reader *r, const struct hk_sdbus_msg *m)
{
	*r = (struct hk_sdbus_reader){ m->body, m->body_len, 0, m->big_endian };
}

ssize_t hk_sdbus_msg_size(const uint8_t *buf, size_t len, struct hk_error **err)
{
	if (len < 16)
		return 0;
	bool be = buf[0] == 'B';
	if ((buf[0] != 'l' && !be) || buf[1] == 0 || buf[3] != 1)
		return hk_error_set(err, EPROTO, "D-Bus message with a bad fixed header");
	uint64_t fields = get_u32(buf + 12, be), body = get_u32(buf + 4, be);
	uint64_t total = (16 + fields + 7) / 8 * 8 + body;
	if (total > HK_SDBUS_MAX_MSG)
		return hk_error_set(err, EPROTO,
				    "D-Bus message of %llu bytes (hako reads at most %u)",
				    (unsigned long long)total, HK_SDBUS_MAX_MSG);
	return (ssize_t)total;
}

/* Stores one header field (known codes must carry their type). */
static int read_field(struct hk_sdbus_reader *r, struct hk_sdbus_msg *m)
{
	const uint8_t *code;
	const char *sig, *s = NULL;
	uint32_t u = 0;
	if (r_align(r, 8) < 0 || r_fixed(r, 1, &code) < 0)
		return -1;
	if (read_signature(r, &sig) < 0 || !*sig || *sig_next(sig, 0) != '\0')
		return -1;
	if (*code == 0 || *code >= sizeof(field_types))
		return hk_sdbus_skip(r, &sig, 1); /* unknown: ignored, as the spec says */
	char want = field_types[*code];
	if (sig[0] != want || sig[1])
		return -1;
	if ((want == 'u' && hk_sdbus_read_u32(r, &u) < 0) ||
	    (want == 'g' && read_signature(r, &s) < 0) ||
	    ((want == 's' || want == 'o') && hk_sdbus_read_string(r, &s) < 0))
		return -1;
	const char **slots[] = { [F_PATH] = &m->path,	     [F_INTERFACE] = &m->iface,
				 [F_MEMBER] = &m->member,    [F_ERROR_NAME] = &m->error_name,
				 [F_DESTINATION] = &m->dest, [F_SENDER] = &m->sender,
				 [F_SIGNATURE] = &m->sig };
	if (*code == F_REPLY_SERIAL)
		m->reply_serial = u;
	else if (*code < HK_ARRAY_SIZE(slots) && slots[*code])
		*slots[*code] = s;
	return 0;
}

/* The fields each message type must have (the spec's table). */
static bool fields_complete(const struct hk_sdbus_msg *m)
{
	switch (m->type) {
	case HK_SDBUS_CALL:
		return m->path && m->member;
	case HK_SDBUS_RETURN:
		return m->reply_serial != 0;
	case HK_SDBUS_ERROR:
		return m->error_name && m->reply_serial != 0;
	case HK_SDBUS_SIGNAL:
		return m->path && m->iface && m->member;
	default:
		return true; /* unknown types are ignored by the caller */
	}
}

static int parse_into(struct hk_sdbus_msg *m, size_t len)
{
	struct hk_sdbus_reader r = { m->raw, len, 12, m->big_endian };
	uint32_t flen;
	if (hk_sdbus_read_u32(&r, &flen) < 0 || flen > len - r.off)
		return -1;
	size_t end = r.off + flen;
	struct hk_sdbus_reader fr = { m->raw, end, r.off, m->big_endian };
	while (fr.off < end)
		if (read_field(&fr, m) < 0)
			return -1;
	r.off = end;
	if (r_align(&r, 8) < 0 || !fields_complete(m))
		return -1;
	m->body = m->raw + r.off;
	m->body_len = len - r.off;
	if (m->body_len && (!m->sig || !*m->sig))
		return -1;
	return 0;
}

int hk_sdbus_msg_parse(const uint8_t *buf, size_t len, struct hk_sdbus_msg *out,
		       struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	ssize_t size = hk_sdbus_msg_size(buf, len, err);
	if (size < 0)
		return -1;
	if (size == 0 || (size_t)size != len)
		return hk_error_set(err, EPROTO, "D-Bus message of %zu bytes, its header says %zd",
				    len, size);
	out->raw = xmalloc(len ? len : 1);
	memcpy(out->raw, buf, len);
	out->big_endian = buf[0] == 'B';
	out->type = buf[1];
	out->flags = buf[2];
	out->serial = get_u32(buf + 8, out->big_endian);
	if (out->serial == 0 || parse_into(out, len) < 0) {
		hk_sdbus_msg_free(out);
		return hk_error_set(err, EPROTO, "malformed D-Bus message");
	}
	return 0;
}

void hk_sdbus_msg_free(struct hk_sdbus_msg *m)
{
	free(m->raw);
	memset(m, 0, sizeof(*m));
}

/* ---- the connection ---- */

struct hk_sdbus {
	int fd;
	uint32_t serial;
	char *unique_name;
	struct hk_buf in; /* received bytes not yet parsed */
};

/* The unix:path= of a D-Bus address ("unix:path=/x,guid=..;tcp:..."). */
static char *address_path(const char *addr)
{
	for (const char *p = addr; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
		if (!hk_str_has_prefix(p, "unix:"))
			continue;
		const char *k = strstr(p, "path=");
		const char *stop = p + strcspn(p, ";");
		if (!k || k > stop)
			continue;
		k += 5;
		return xstrndup(k, strcspn(k, ",;"));
	}
	return NULL;
}

char *hk_sdbus_bus_path(bool system, uid_t uid)
{
	const char *addr = getenv(system ? "DBUS_SYSTEM_BUS_ADDRESS" : "DBUS_SESSION_BUS_ADDRESS");
	char *p = addr ? address_path(addr) : NULL;
	if (p)
		return p;
	if (system)
		return xstrdup("/run/dbus/system_bus_socket");
	const char *rt = getenv("XDG_RUNTIME_DIR");
	if (rt && *rt == '/')
		return xasprintf("%s/bus", rt);
	return xasprintf("/run/user/%u/bus", (unsigned)uid);
}

/* Waits until fd is readable or the deadline passes: 1, 0 or -1. */
static int wait_readable(int fd, long long deadline)
{
	for (;;) {
		long long left = deadline - hk_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd pfd = { fd, POLLIN, 0 };
		int r = poll(&pfd, 1, (int)(left > 60000 ? 60000 : left));
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}

static int send_all(int fd, const void *data, size_t len, struct hk_error **err)
{
	const char *p = data;
	while (len) {
		ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return hk_error_errno(err, "D-Bus: cannot send");
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Reads more bytes into bus->in; 1 read, 0 timeout, -1 closed or error. */
static int fill(struct hk_sdbus *bus, long long deadline, struct hk_error **err)
{
	int r = wait_readable(bus->fd, deadline);
	if (r <= 0)
		return r < 0 ? hk_error_errno(err, "D-Bus: poll") : 0;
	char chunk[16384];
	ssize_t n;
	do
		n = recv(bus->fd, chunk, sizeof(chunk), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hk_error_errno(err, "D-Bus: cannot read");
	if (n == 0)
		return hk_error_set(err, ECONNRESET, "D-Bus: the bus closed the connection");
	hk_buf_append(&bus->in, chunk, (size_t)n);
	return 1;
}

static void consume(struct hk_buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* The next message: 1 read, 0 timeout, -1 error. */
static int read_msg(struct hk_sdbus *bus, long long deadline, struct hk_sdbus_msg *m,
		    struct hk_error **err)
{
	for (;;) {
		ssize_t size = hk_sdbus_msg_size((const uint8_t *)bus->in.data, bus->in.len, err);
		if (size < 0)
			return -1;
		if (size > 0 && bus->in.len >= (size_t)size) {
			int r = hk_sdbus_msg_parse((const uint8_t *)bus->in.data, (size_t)size, m,
						   err);
			consume(&bus->in, (size_t)size);
			return r < 0 ? -1 : 1;
		}
		int r = fill(bus, deadline, err);
		if (r <= 0)
			return r;
	}
}

/* One line of the auth conversation ("OK 1234...\r\n"), without CRLF. */
static char *auth_line(struct hk_sdbus *bus, long long deadline, struct hk_error **err)
{
	for (;;) {
		char *crlf = bus->in.len ? memmem(bus->in.data, bus->in.len, "\r\n", 2) : NULL;
		if (crlf) {
			char *line = xstrndup(bus->in.data, (size_t)(crlf - bus->in.data));
			consume(&bus->in, (size_t)(crlf - bus->in.data) + 2);
			return line;
		}
		if (bus->in.len > 512) {
			hk_error_set(err, EPROTO, "D-Bus: an overlong authentication line");
			return NULL;
		}
		int r = fill(bus, deadline, err);
		if (r <= 0) {
			if (r == 0)
				hk_error_set(err, ETIMEDOUT, "D-Bus: no answer to authentication");
			return NULL;
		}
	}
}

static int authenticate(struct hk_sdbus *bus, struct hk_error **err)
{
	char uid[16], hex[40] = "";
	snprintf(uid, sizeof(uid), "%u", (unsigned)geteuid());
	for (size_t i = 0; uid[i]; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
	hk_autofree char *hello = xasprintf("%cAUTH EXTERNAL %s\r\n", 0, hex);
	if (send_all(bus->fd, hello, 1 + strlen(hello + 1), err) < 0)
		return -1;
	hk_autofree char *line = auth_line(bus, hk_now_ms() + 5000, err);
	if (!line)
		return -1;
	if (!hk_str_has_prefix(line, "OK "))
		return hk_error_set(err, EACCES, "D-Bus: the bus refused uid %s (\"%.80s\")", uid,
				    line);
	return send_all(bus->fd, "BEGIN\r\n", 7, err);
}

static const struct hk_sdbus_call hello_call = {
	"org.freedesktop.DBus",
	"/org/freedesktop/DBus",
	"org.freedesktop.DBus",
	"Hello",
	NULL,
	NULL,
	0,
};

struct hk_sdbus *hk_sdbus_open(const char *path, struct hk_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return hk_error_set(err, ENAMETOOLONG, "D-Bus socket path \"%s\" is too long",
				    path),
		       NULL;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hk_error_errno(err, "D-Bus: socket"), NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		hk_error_errno(err, "cannot connect to the D-Bus socket \"%s\"", path);
		close(fd);
		return NULL;
	}
	struct hk_sdbus *bus = xcalloc(1, sizeof(*bus));
	bus->fd = fd;
	struct hk_sdbus_msg reply;
	struct hk_sdbus_reader r;
	const char *name;
	if (authenticate(bus, err) < 0 ||
	    hk_sdbus_call(bus, &hello_call, 5000, NULL, NULL, &reply, err) < 0)
		goto fail;
	hk_sdbus_reader_init(&r, &reply);
	if (!reply.sig || strcmp(reply.sig, "s") != 0 || hk_sdbus_read_string(&r, &name) < 0) {
		hk_sdbus_msg_free(&reply);
		hk_error_set(err, EPROTO, "D-Bus: Hello answered without a name");
		goto fail;
	}
	bus->unique_name = xstrdup(name);
	hk_sdbus_msg_free(&reply);
	return bus;
fail:
	hk_error_prefix(err, "D-Bus socket \"%s\"", path);
	hk_sdbus_close(bus);
	return NULL;
}

void hk_sdbus_close(struct hk_sdbus *bus)
{
	if (!bus)
		return;
	close(bus->fd);
	hk_buf_free(&bus->in);
	free(bus->unique_name);
	free(bus);
}

const char *hk_sdbus_unique_name(const struct hk_sdbus *bus)
{
	return bus->unique_name;
}

/* An ERROR reply as an hk_error: "NAME: text". */
static int error_reply(const struct hk_sdbus_msg *m, struct hk_error **err)
{
	struct hk_sdbus_reader r;
	const char *text = "";
	hk_sdbus_reader_init(&r, m);
	if (m->sig && m->sig[0] == 's' && hk_sdbus_read_string(&r, &text) < 0)
		text = "";
	int code =
		strstr(m->error_name, "AccessDenied") || strstr(m->error_name, "PermissionDenied")
			? EACCES
			: 0;
	return hk_error_set(err, code, "%s: %s", m->error_name, text);
}

int hk_sdbus_call(struct hk_sdbus *bus, const struct hk_sdbus_call *c, int timeout_ms,
		  hk_sdbus_msg_cb cb, void *ctx, struct hk_sdbus_msg *reply, struct hk_error **err)
{
	struct hk_buf out = { 0 };
	uint32_t serial = ++bus->serial;
	hk_sdbus_build_call(&out, serial, c);
	int rc = send_all(bus->fd, out.data, out.len, err);
	hk_buf_free(&out);
	long long deadline = hk_now_ms() + timeout_ms;
	while (rc == 0) {
		struct hk_sdbus_msg m;
		int r = read_msg(bus, deadline, &m, err);
		if (r <= 0)
			return r == 0 ? hk_error_set(err, ETIMEDOUT,
						     "D-Bus: no reply to %s within %d ms",
						     c->member, timeout_ms)
				      : -1;
		bool mine = (m.type == HK_SDBUS_RETURN || m.type == HK_SDBUS_ERROR) &&
			    m.reply_serial == serial;
		if (!mine) {
			if (cb)
				cb(ctx, &m);
			hk_sdbus_msg_free(&m);
			continue;
		}
		if (m.type == HK_SDBUS_ERROR) {
			error_reply(&m, err);
			hk_sdbus_msg_free(&m);
			return -1;
		}
		*reply = m;
		return 0;
	}
	return -1;
}

int hk_sdbus_poll(struct hk_sdbus *bus, int timeout_ms, hk_sdbus_msg_cb cb, void *ctx,
		  struct hk_error **err)
{
	long long deadline = hk_now_ms() + timeout_ms;
	int n = 0;
	for (;;) {
		struct hk_sdbus_msg m;
		int r = read_msg(bus, n ? 0 : deadline, &m, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return n;
		if (cb)
			cb(ctx, &m);
		hk_sdbus_msg_free(&m);
		n++;
	}
}
