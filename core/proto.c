/* proto.c - encoder and strict decoder of monitor socket frames.
 *
 * The data model is two tables: tags (name, kind) and message types (name,
 * the tags each may carry and whether they are required or may repeat).
 * The decoder walks a frame twice: once to validate everything without
 * allocating (so garbage costs nothing), then to copy the fields into one
 * arena where every value is followed by a NUL.  The encoder validates a
 * finished frame with the same decoder, so the two never disagree.
 */
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OPT = 0, REQ = 1, REP = 2 };

/* Written by the encoder in place of a field it refused, so that
 * hk_proto_end fails (the decoder refuses tag 0xffff like any unknown). */
#define POISON_TAG 0xffff
#define MAX_RULES  6

struct tag_info {
	const char *name;
	enum hk_tag_kind kind;
};

static const struct tag_info tag_table[HK_TAG__COUNT] = {
	[HK_TAG_VERSION] = { "VERSION", HK_TAG_U32 },
	[HK_TAG_FEATURE] = { "FEATURE", HK_TAG_STR },
	[HK_TAG_STATE] = { "STATE", HK_TAG_STR },
	[HK_TAG_INIT_PID] = { "INIT_PID", HK_TAG_U32 },
	[HK_TAG_MONITOR_PID] = { "MONITOR_PID", HK_TAG_U32 },
	[HK_TAG_STARTED] = { "STARTED", HK_TAG_I64 },
	[HK_TAG_TIMEOUT_MS] = { "TIMEOUT_MS", HK_TAG_U32 },
	[HK_TAG_KILL] = { "KILL", HK_TAG_U32 },
	[HK_TAG_REBOOT] = { "REBOOT", HK_TAG_U32 },
	[HK_TAG_SIGNAL] = { "SIGNAL", HK_TAG_U32 },
	[HK_TAG_TTY] = { "TTY", HK_TAG_U32 },
	[HK_TAG_WANT_LOG] = { "WANT_LOG", HK_TAG_U32 },
	[HK_TAG_CONSOLE_MODE] = { "CONSOLE_MODE", HK_TAG_U32 },
	[HK_TAG_OFFSET] = { "OFFSET", HK_TAG_I64 },
	[HK_TAG_TOTAL] = { "TOTAL", HK_TAG_I64 },
	[HK_TAG_LOST] = { "LOST", HK_TAG_I64 },
	[HK_TAG_DATA] = { "DATA", HK_TAG_BYTES },
	[HK_TAG_ROWS] = { "ROWS", HK_TAG_U32 },
	[HK_TAG_COLS] = { "COLS", HK_TAG_U32 },
	[HK_TAG_ERRNO] = { "ERRNO", HK_TAG_U32 },
	[HK_TAG_MESSAGE] = { "MESSAGE", HK_TAG_STR },
	[HK_TAG_TIMING] = { "TIMING", HK_TAG_U32 },
};

struct tag_rule {
	uint16_t tag; /* 0 ends the list */
	uint8_t how;  /* OPT, REQ, REP */
};

struct type_info {
	const char *name;
	struct tag_rule rules[MAX_RULES];
};

static const struct type_info type_table[HK_MSG__COUNT] = {
	[HK_MSG_HELLO] = { "HELLO", { { HK_TAG_VERSION, REQ }, { HK_TAG_FEATURE, REP } } },
	[HK_MSG_OK] = { "OK", { { 0, 0 } } },
	[HK_MSG_ERROR] = { "ERROR", { { HK_TAG_ERRNO, REQ }, { HK_TAG_MESSAGE, REQ } } },
	[HK_MSG_STATE_GET] = { "STATE_GET", { { 0, 0 } } },
	[HK_MSG_STATE] = { "STATE",
			   { { HK_TAG_STATE, REQ },
			     { HK_TAG_INIT_PID, REQ },
			     { HK_TAG_MONITOR_PID, REQ },
			     { HK_TAG_STARTED, REQ } } },
	[HK_MSG_STOP] = { "STOP",
			  { { HK_TAG_TIMEOUT_MS, OPT },
			    { HK_TAG_KILL, OPT },
			    { HK_TAG_REBOOT, OPT },
			    { HK_TAG_TIMING, OPT } } },
	[HK_MSG_KILL] = { "KILL", { { HK_TAG_SIGNAL, REQ } } },
	[HK_MSG_FREEZE] = { "FREEZE", { { 0, 0 } } },
	[HK_MSG_THAW] = { "THAW", { { 0, 0 } } },
	[HK_MSG_CONSOLE_ATTACH] = { "CONSOLE_ATTACH",
				    { { HK_TAG_TTY, OPT }, { HK_TAG_WANT_LOG, OPT } } },
	[HK_MSG_CONSOLE] = { "CONSOLE", { { HK_TAG_TTY, REQ }, { HK_TAG_CONSOLE_MODE, REQ } } },
	[HK_MSG_CONSOLE_LOG_GET] = { "CONSOLE_LOG_GET", { { HK_TAG_OFFSET, OPT } } },
	[HK_MSG_CONSOLE_LOG] = { "CONSOLE_LOG",
				 { { HK_TAG_OFFSET, REQ },
				   { HK_TAG_TOTAL, REQ },
				   { HK_TAG_LOST, REQ },
				   { HK_TAG_DATA, REQ } } },
	[HK_MSG_WINSIZE] = { "WINSIZE", { { HK_TAG_ROWS, REQ }, { HK_TAG_COLS, REQ } } },
};

const char *hk_msg_type_name(unsigned type)
{
	return type < HK_MSG__COUNT ? type_table[type].name : NULL;
}

const char *hk_tag_name(unsigned tag)
{
	return tag < HK_TAG__COUNT ? tag_table[tag].name : NULL;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Length of the UTF-8 sequence starting at s (at most n bytes), 0 if bad. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t len;
	uint32_t min, cp;
	if (c < 0x80)
		return c ? 1 : 0;
	if ((c & 0xe0) == 0xc0)
		len = 2, min = 0x80, cp = c & 0x1f;
	else if ((c & 0xf0) == 0xe0)
		len = 3, min = 0x800, cp = c & 0x0f;
	else if ((c & 0xf8) == 0xf0)
		len = 4, min = 0x10000, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool hk_proto_valid_string(const void *s, size_t len)
{
	const uint8_t *p = s;
	size_t i = 0;
	while (i < len) {
		size_t n = utf8_seq(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* ---- encoder ---- */

size_t hk_proto_begin(struct hk_buf *b, enum hk_msg_type type, uint16_t flags)
{
	uint8_t hdr[HK_PROTO_HEADER] = { 0 };
	size_t start = b->len;
	put16(hdr + 4, (uint16_t)type);
	put16(hdr + 6, flags);
	hk_buf_append(b, hdr, sizeof(hdr));
	return start;
}

static void put_tlv(struct hk_buf *b, uint16_t tag, const void *val, uint16_t len)
{
	uint8_t hdr[4];
	put16(hdr, tag);
	put16(hdr + 2, len);
	hk_buf_append(b, hdr, sizeof(hdr));
	hk_buf_append(b, val, len);
}

void hk_proto_put_u32(struct hk_buf *b, enum hk_tag tag, uint32_t v)
{
	uint8_t val[4];
	put32(val, v);
	put_tlv(b, (uint16_t)tag, val, sizeof(val));
}

void hk_proto_put_i64(struct hk_buf *b, enum hk_tag tag, int64_t v)
{
	uint8_t val[8];
	put32(val, (uint32_t)((uint64_t)v & 0xffffffffu));
	put32(val + 4, (uint32_t)((uint64_t)v >> 32));
	put_tlv(b, (uint16_t)tag, val, sizeof(val));
}

int hk_proto_put_bytes(struct hk_buf *b, enum hk_tag tag, const void *data, size_t len)
{
	if (len > UINT16_MAX) {
		put_tlv(b, POISON_TAG, "", 0);
		return -1;
	}
	put_tlv(b, (uint16_t)tag, data, (uint16_t)len);
	return 0;
}

int hk_proto_put_str(struct hk_buf *b, enum hk_tag tag, const char *s)
{
	size_t len = strlen(s);
	if (!hk_proto_valid_string(s, len)) {
		put_tlv(b, POISON_TAG, "", 0);
		return -1;
	}
	return hk_proto_put_bytes(b, tag, s, len);
}

int hk_proto_end(struct hk_buf *b, size_t start, struct hk_error **err)
{
	size_t len = b->len - start;
	if (len > HK_PROTO_MAX_FRAME) {
		b->len = start;
		return hk_error_set(err, EMSGSIZE,
				    "monitor frame of %zu bytes is larger than the maximum of %d",
				    len, HK_PROTO_MAX_FRAME);
	}
	put32((uint8_t *)b->data + start, (uint32_t)(len - 4));
	struct hk_msg m;
	hk_msg_init(&m);
	if (hk_proto_decode(b->data + start, len, &m, err) < 0) {
		b->len = start;
		return hk_error_prefix(err, "cannot encode monitor frame");
	}
	hk_msg_clear(&m);
	return 0;
}

int hk_proto_encode_simple(struct hk_buf *b, enum hk_msg_type type, struct hk_error **err)
{
	size_t start = hk_proto_begin(b, type, 0);
	return hk_proto_end(b, start, err);
}

int hk_proto_encode_error(struct hk_buf *b, int code, const char *msg, struct hk_error **err)
{
	size_t start = hk_proto_begin(b, HK_MSG_ERROR, 0);
	hk_proto_put_u32(b, HK_TAG_ERRNO, (uint32_t)code);
	hk_proto_put_str(b, HK_TAG_MESSAGE, msg);
	return hk_proto_end(b, start, err);
}

/* ---- decoded messages ---- */

void hk_msg_init(struct hk_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

void hk_msg_clear(struct hk_msg *m)
{
	free(m->fields);
	free(m->arena);
	hk_closep(&m->fd);
	hk_msg_init(m);
}

int hk_msg_steal_fd(struct hk_msg *m)
{
	return hk_steal_fd(&m->fd);
}

static const struct hk_field *find_field(const struct hk_msg *m, enum hk_tag tag)
{
	for (size_t i = 0; i < m->nfields; i++)
		if (m->fields[i].tag == tag)
			return &m->fields[i];
	return NULL;
}

bool hk_msg_has(const struct hk_msg *m, enum hk_tag tag)
{
	return find_field(m, tag) != NULL;
}

/* The field with tag, checked to be of kind; NULL with err set otherwise. */
static const struct hk_field *typed_field(const struct hk_msg *m, enum hk_tag tag,
					  enum hk_tag_kind kind, struct hk_error **err)
{
	const char *tname = hk_tag_name(tag) ? hk_tag_name(tag) : "?";
	const char *mname = hk_msg_type_name(m->type) ? hk_msg_type_name(m->type) : "?";
	if ((unsigned)tag >= HK_TAG__COUNT || tag_table[tag].kind != kind) {
		hk_error_set(err, EPROTO, "monitor message field %s is not of the asked type",
			     tname);
		return NULL;
	}
	const struct hk_field *f = find_field(m, tag);
	if (!f)
		hk_error_set(err, ENOENT, "monitor message %s has no field %s", mname, tname);
	return f;
}

int hk_msg_get_u32(const struct hk_msg *m, enum hk_tag tag, uint32_t *out, struct hk_error **err)
{
	const struct hk_field *f = typed_field(m, tag, HK_TAG_U32, err);
	if (!f)
		return -1;
	*out = get32(f->val);
	return 0;
}

int hk_msg_get_i64(const struct hk_msg *m, enum hk_tag tag, int64_t *out, struct hk_error **err)
{
	const struct hk_field *f = typed_field(m, tag, HK_TAG_I64, err);
	if (!f)
		return -1;
	*out = (int64_t)((uint64_t)get32(f->val) | (uint64_t)get32(f->val + 4) << 32);
	return 0;
}

int hk_msg_get_str(const struct hk_msg *m, enum hk_tag tag, const char **out, struct hk_error **err)
{
	const struct hk_field *f = typed_field(m, tag, HK_TAG_STR, err);
	if (!f)
		return -1;
	*out = (const char *)f->val;
	return 0;
}

int hk_msg_get_bytes(const struct hk_msg *m, enum hk_tag tag, const void **out, size_t *len,
		     struct hk_error **err)
{
	const struct hk_field *f = typed_field(m, tag, HK_TAG_BYTES, err);
	if (!f)
		return -1;
	*out = f->val;
	*len = f->len;
	return 0;
}

uint32_t hk_msg_u32_or(const struct hk_msg *m, enum hk_tag tag, uint32_t dflt)
{
	uint32_t v;
	return hk_msg_get_u32(m, tag, &v, NULL) == 0 ? v : dflt;
}

/* ---- decoder ---- */

static const struct tag_rule *find_rule(unsigned type, unsigned tag)
{
	for (const struct tag_rule *r = type_table[type].rules;
	     r < type_table[type].rules + MAX_RULES && r->tag; r++)
		if (r->tag == tag)
			return r;
	return NULL;
}

/* Checks one field's value against its tag's kind. */
static int check_value(const char *mname, unsigned tag, const uint8_t *val, uint16_t len,
		       struct hk_error **err)
{
	const struct tag_info *ti = &tag_table[tag];
	if (ti->kind == HK_TAG_U32 && len != 4)
		return hk_error_set(err, EPROTO, "malformed %s frame: field %s has %u bytes, not 4",
				    mname, ti->name, len);
	if (ti->kind == HK_TAG_I64 && len != 8)
		return hk_error_set(err, EPROTO, "malformed %s frame: field %s has %u bytes, not 8",
				    mname, ti->name, len);
	if (ti->kind == HK_TAG_STR && !hk_proto_valid_string(val, len))
		return hk_error_set(err, EPROTO,
				    "malformed %s frame: string %s holds NUL or is not valid UTF-8",
				    mname, ti->name);
	return 0;
}

/* First pass: validates the payload of a frame of known type and counts its
 * fields, touching nothing outside p[0..len). */
static int walk_payload(unsigned type, const uint8_t *p, size_t len, size_t *nfields,
			struct hk_error **err)
{
	const char *mname = type_table[type].name;
	uint64_t seen = 0;
	size_t n = 0, i = 0;
	while (i < len) {
		if (len - i < 4)
			return hk_error_set(err, EPROTO,
					    "malformed %s frame: truncated field header", mname);
		unsigned tag = get16(p + i);
		uint16_t flen = get16(p + i + 2);
		if (flen > len - i - 4)
			return hk_error_set(err, EPROTO,
					    "malformed %s frame: field %u runs past the frame end",
					    mname, tag);
		const struct tag_rule *r = tag < HK_TAG__COUNT ? find_rule(type, tag) : NULL;
		if (!r)
			return hk_error_set(err, EPROTO,
					    "malformed %s frame: field %u is not allowed in it",
					    mname, tag);
		if ((seen & (1ull << tag)) && r->how != REP)
			return hk_error_set(err, EPROTO, "malformed %s frame: duplicate field %s",
					    mname, tag_table[tag].name);
		if (check_value(mname, tag, p + i + 4, flen, err) < 0)
			return -1;
		seen |= 1ull << tag;
		if (++n > HK_PROTO_MAX_FIELDS)
			return hk_error_set(err, EPROTO, "malformed %s frame: more than %d fields",
					    mname, HK_PROTO_MAX_FIELDS);
		i += 4 + (size_t)flen;
	}
	for (const struct tag_rule *r = type_table[type].rules;
	     r < type_table[type].rules + MAX_RULES && r->tag; r++)
		if (r->how == REQ && !(seen & (1ull << r->tag)))
			return hk_error_set(err, EPROTO,
					    "malformed %s frame: required field %s is missing",
					    mname, tag_table[r->tag].name);
	*nfields = n;
	return 0;
}

int hk_proto_check_length(uint32_t len, struct hk_error **err)
{
	if (len == 0)
		return hk_error_set(err, EPROTO, "malformed monitor frame: zero length");
	if (len < HK_PROTO_HEADER - 4)
		return hk_error_set(
			err, EPROTO,
			"malformed monitor frame: length %u leaves no room for its type", len);
	if (len > HK_PROTO_MAX_FRAME - 4)
		return hk_error_set(err, EMSGSIZE,
				    "malformed monitor frame: length %u is past the maximum of %d",
				    len, HK_PROTO_MAX_FRAME - 4);
	return 0;
}

/* Second pass: copies the validated fields into one NUL-separated arena. */
static void fill_fields(struct hk_msg *m, const uint8_t *p, size_t len, size_t nfields)
{
	/* Each value plus its NUL fits in the 4 header bytes it had. */
	m->arena = xmalloc(len + 1);
	m->fields = xcalloc(nfields ? nfields : 1, sizeof(*m->fields));
	uint8_t *a = m->arena;
	size_t i = 0;
	for (size_t k = 0; k < nfields; k++) {
		struct hk_field *f = &m->fields[k];
		f->tag = get16(p + i);
		f->len = get16(p + i + 2);
		memcpy(a, p + i + 4, f->len);
		a[f->len] = 0;
		f->val = a;
		a += f->len + 1;
		i += 4 + (size_t)f->len;
	}
	m->nfields = nfields;
}

int hk_proto_decode(const void *frame, size_t len, struct hk_msg *m, struct hk_error **err)
{
	const uint8_t *p = frame;
	hk_msg_clear(m);
	if (len < 4)
		return hk_error_set(err, EPROTO, "malformed monitor frame: truncated length word");
	uint32_t flen = get32(p);
	if (hk_proto_check_length(flen, err) < 0)
		return -1;
	if ((size_t)flen != len - 4)
		return hk_error_set(
			err, EPROTO,
			"malformed monitor frame: length word says %u bytes, frame has %zu", flen,
			len - 4);
	unsigned type = get16(p + 4), flags = get16(p + 6);
	if (type == 0 || type >= HK_MSG__COUNT)
		return hk_error_set(err, EPROTO, "malformed monitor frame: unknown type %u", type);
	if (flags & ~(unsigned)HK_FRAME_KNOWN_FLAGS)
		return hk_error_set(err, EPROTO, "malformed %s frame: unknown flags 0x%x",
				    type_table[type].name, flags);
	size_t nfields = 0;
	if (walk_payload(type, p + HK_PROTO_HEADER, len - HK_PROTO_HEADER, &nfields, err) < 0)
		return -1;
	m->type = (uint16_t)type;
	m->flags = (uint16_t)flags;
	fill_fields(m, p + HK_PROTO_HEADER, len - HK_PROTO_HEADER, nfields);
	return 0;
}
