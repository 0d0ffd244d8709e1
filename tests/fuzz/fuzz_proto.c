/* fuzz_proto.c - libFuzzer target for the monitor frame decoder, on the
 * path a monitor's socket takes (core/unixsock.c): a stream of frames, each
 * length word checked (hk_proto_check_length) before the frame is read,
 * then the frame decoded (hk_proto_decode).  A bad length word ends the
 * stream, as it ends a connection; a frame cut short must be refused.
 * The oracle: re-encoding a decoded frame gives back its exact bytes, and
 * every decoded string is NUL-terminated valid UTF-8.  ASan/UBSan catch
 * any read out of bounds on the way.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Re-encodes m field by field and checks it equals the original frame. */
static void check_reencode(const struct hk_msg *m, const uint8_t *frame, size_t len)
{
	struct hk_buf b = { 0 };
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hk_msg m;
	hk_msg_init(&m);
	size_t pos = 0;
	while (size - pos >= 4) {
		uint32_t flen = le32(data + pos);
		if (hk_proto_check_length(flen, NULL) < 0)
			break; /* the monitor closes such a connection */
		if ((size_t)flen > size - pos - 4) {
			/* the peer stopped mid-frame: what came must not decode */
			if (hk_proto_decode(data + pos, size - pos, &m, NULL) == 0)
				abort();
			break;
		}
		size_t len = 4 + (size_t)flen;
		if (hk_proto_decode(data + pos, len, &m, NULL) == 0)
			check_reencode(&m, data + pos, len);
		pos += len;
	}
	/* The one-shot decoder on the raw input must not misbehave either. */
	hk_proto_decode(data, size, &m, NULL);
	hk_msg_clear(&m);
	return 0;
}
