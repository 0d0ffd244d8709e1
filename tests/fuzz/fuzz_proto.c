/* fuzz_proto.c - libFuzzer target for the monitor frame decoder.
 *
 * Input: two bytes seeding how the rest is cut into chunks, then the byte
 * stream.  The oracle: the incremental decoder gives the same sequence of
 * results (frame type and field count, or error) whether the stream is fed
 * at once or chunk by chunk; every decoded string is NUL-terminated valid
 * UTF-8; and re-encoding a decoded frame gives back its exact bytes.
 * ASan/UBSan catch any read out of bounds on the way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outcome {
	int r; /* 1 frame, -1 error */
	uint16_t type;
	size_t nfields;
};

struct outcomes {
	struct outcome *v;
	size_t n;
};

static void push(struct outcomes *o, int r, const struct hk_msg *m)
{
	o->v = xrealloc(o->v, (o->n + 1) * sizeof(*o->v));
	o->v[o->n++] = (struct outcome){r, r == 1 ? m->type : 0, r == 1 ? m->nfields : 0};
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Re-encodes m field by field and checks it equals the original frame. */
static void check_reencode(const struct hk_msg *m, const uint8_t *frame, size_t len)
{
	struct hk_buf b = {0};
	size_t s = hk_proto_begin(&b, (enum hk_msg_type)m->type, m->flags);
	for (size_t i = 0; i < m->nfields; i++) {
		const struct hk_field *f = &m->fields[i];
		if (f->val[f->len] != 0)
			abort(); /* every value is NUL-terminated */
		hk_proto_put_bytes(&b, (enum hk_tag)f->tag, f->val, f->len);
	}
	if (hk_proto_end(&b, s, NULL) < 0 || b.len != len || memcmp(b.data, frame, len) != 0)
		abort();
	const char *str;
	if (hk_msg_get_str(m, HK_TAG_MESSAGE, &str, NULL) == 0 &&
	    !hk_proto_valid_string(str, strlen(str)))
		abort();
	hk_buf_free(&b);
}

/* Drains decoded frames; *pos tracks the frame start in the stream when
 * data is given (for the re-encode check). */
static bool drain(struct hk_proto_dec *d, struct outcomes *o, const uint8_t *data, size_t *pos)
{
	struct hk_msg m;
	hk_msg_init(&m);
	for (;;) {
		int r = hk_proto_dec_next(d, &m, NULL);
		if (r == 0)
			break;
		push(o, r, &m);
		if (hk_proto_dec_broken(d))
			break;
		if (data) {
			size_t len = 4 + (size_t)le32(data + *pos);
			if (r == 1)
				check_reencode(&m, data + *pos, len);
			*pos += len;
		}
	}
	hk_msg_clear(&m);
	return !hk_proto_dec_broken(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint32_t seed = (uint32_t)data[0] | (uint32_t)data[1] << 8 | 1u << 16;
	data += 2;
	size -= 2;

	struct outcomes whole = {0}, chunked = {0};
	struct hk_proto_dec d;
	hk_proto_dec_init(&d);
	hk_proto_dec_feed(&d, data, size);
	size_t pos = 0;
	drain(&d, &whole, data, &pos);
	hk_proto_dec_free(&d);

	hk_proto_dec_init(&d);
	size_t off = 0;
	while (off < size) {
		seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5; /* xorshift32 */
		size_t n = 1 + seed % (seed & 0x100 ? 7 : 300);
		if (n > size - off)
			n = size - off;
		hk_proto_dec_feed(&d, data + off, n);
		off += n;
		if (!drain(&d, &chunked, NULL, NULL))
			break;
	}
	hk_proto_dec_free(&d);

	if (whole.n != chunked.n)
		abort();
	for (size_t i = 0; i < whole.n; i++)
		if (whole.v[i].r != chunked.v[i].r || whole.v[i].type != chunked.v[i].type ||
		    whole.v[i].nfields != chunked.v[i].nfields)
			abort();
	free(whole.v);
	free(chunked.v);

	/* The one-shot decoder on the raw input must not misbehave either. */
	struct hk_msg m;
	hk_msg_init(&m);
	hk_proto_decode(data, size, &m, NULL);
	hk_msg_clear(&m);
	return 0;
}
