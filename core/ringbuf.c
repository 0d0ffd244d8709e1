/* ringbuf.c - the console ring.
 *
 * Data model: a buffer of cap bytes and the count of bytes ever written
 * (total).  Stream offset o, when held (total - size <= o < total), lives at
 * buf[o % cap]; size = min(total, cap) unless hk_ringbuf_clear moved the
 * start forward.  Nothing else is stored, so offsets never go stale.
 */
#include "ringbuf.h"

#include <stdlib.h>
#include <string.h>

struct hk_ringbuf {
	uint8_t *buf;
	size_t cap;
	uint64_t total;
	uint64_t oldest; /* never below total - cap */
};

struct hk_ringbuf *hk_ringbuf_new(size_t cap)
{
	struct hk_ringbuf *rb = xcalloc(1, sizeof(*rb));
	rb->cap = cap ? cap : HK_RINGBUF_DEFAULT_CAP;
	rb->buf = xmalloc(rb->cap);
	return rb;
}

void hk_ringbuf_free(struct hk_ringbuf *rb)
{
	if (!rb)
		return;
	free(rb->buf);
	free(rb);
}

void hk_ringbuf_freep(struct hk_ringbuf **rb)
{
	hk_ringbuf_free(*rb);
	*rb = NULL;
}

void hk_ringbuf_append(struct hk_ringbuf *rb, const void *data, size_t len)
{
	const uint8_t *p = data;
	if (len > rb->cap) {
		/* Only the tail survives; account for the rest without copying. */
		rb->total += len - rb->cap;
		p += len - rb->cap;
		len = rb->cap;
	}
	size_t at = (size_t)(rb->total % rb->cap);
	size_t first = len < rb->cap - at ? len : rb->cap - at;
	memcpy(rb->buf + at, p, first);
	memcpy(rb->buf, p + first, len - first);
	rb->total += len;
	if (rb->total - rb->oldest > rb->cap)
		rb->oldest = rb->total - rb->cap;
}

void hk_ringbuf_clear(struct hk_ringbuf *rb)
{
	rb->oldest = rb->total;
}

size_t hk_ringbuf_capacity(const struct hk_ringbuf *rb)
{
	return rb->cap;
}

size_t hk_ringbuf_size(const struct hk_ringbuf *rb)
{
	return (size_t)(rb->total - rb->oldest);
}

uint64_t hk_ringbuf_total(const struct hk_ringbuf *rb)
{
	return rb->total;
}

uint64_t hk_ringbuf_oldest(const struct hk_ringbuf *rb)
{
	return rb->oldest;
}

/* Copies n held bytes starting at stream offset from (caller checked). */
static void copy_out(const struct hk_ringbuf *rb, uint64_t from, uint8_t *dst, size_t n)
{
	size_t at = (size_t)(from % rb->cap);
	size_t first = n < rb->cap - at ? n : rb->cap - at;
	memcpy(dst, rb->buf + at, first);
	memcpy(dst + first, rb->buf, n - first);
}

void hk_ringbuf_read_all(const struct hk_ringbuf *rb, struct hk_buf *out)
{
	size_t n = hk_ringbuf_size(rb);
	uint8_t *tmp = xmalloc(n);
	copy_out(rb, rb->oldest, tmp, n);
	hk_buf_append(out, tmp, n);
	free(tmp);
}

size_t hk_ringbuf_read_from(const struct hk_ringbuf *rb, uint64_t from, void *dst, size_t max,
			    uint64_t *start, uint64_t *lost)
{
	uint64_t skipped = 0;
	if (from > rb->total)
		from = rb->total;
	if (from < rb->oldest) {
		skipped = rb->oldest - from;
		from = rb->oldest;
	}
	uint64_t avail = rb->total - from;
	size_t n = avail < max ? (size_t)avail : max;
	copy_out(rb, from, dst, n);
	if (start)
		*start = from;
	if (lost)
		*lost = skipped;
	return n;
}

void hk_ringbuf_reader_init(const struct hk_ringbuf *rb, struct hk_ringbuf_reader *r, int replay)
{
	r->pos = replay ? rb->oldest : rb->total;
}

size_t hk_ringbuf_reader_read(const struct hk_ringbuf *rb, struct hk_ringbuf_reader *r, void *dst,
			      size_t max, uint64_t *lost)
{
	uint64_t start;
	size_t n = hk_ringbuf_read_from(rb, r->pos, dst, max, &start, lost);
	r->pos = start + n;
	return n;
}

size_t hk_ringbuf_reader_pending(const struct hk_ringbuf *rb, const struct hk_ringbuf_reader *r)
{
	uint64_t from = r->pos < rb->oldest ? rb->oldest : r->pos;
	return from >= rb->total ? 0 : (size_t)(rb->total - from);
}
