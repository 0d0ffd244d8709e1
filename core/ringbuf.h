/* ringbuf.h - a fixed-capacity byte ring for console output.
 *
 * The monitor appends everything the container writes to its console; when
 * the ring is full the oldest bytes are overwritten.  Every byte has a
 * stream offset (0 for the first byte ever written), so a viewer can ask
 * for "what came since offset X" and learn how many bytes it lost when it
 * fell more than a capacity behind.  Not thread-safe: the monitor's one
 * event loop owns it.
 */
#ifndef HAKO_RINGBUF_H
#define HAKO_RINGBUF_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HK_RINGBUF_DEFAULT_CAP (128 * 1024)

struct hk_ringbuf;

/* cap 0 means HK_RINGBUF_DEFAULT_CAP. */
struct hk_ringbuf *hk_ringbuf_new(size_t cap);
void hk_ringbuf_free(struct hk_ringbuf *rb);
void hk_ringbuf_freep(struct hk_ringbuf **rb);
#define hk_autoringbuf __attribute__((cleanup(hk_ringbuf_freep)))

/* Appends len bytes, overwriting the oldest when full (a write larger than
 * the capacity keeps only its tail). */
void hk_ringbuf_append(struct hk_ringbuf *rb, const void *data, size_t len);
void hk_ringbuf_clear(struct hk_ringbuf *rb); /* forgets content, keeps total */

size_t hk_ringbuf_capacity(const struct hk_ringbuf *rb);
size_t hk_ringbuf_size(const struct hk_ringbuf *rb);	 /* bytes held now */
uint64_t hk_ringbuf_total(const struct hk_ringbuf *rb);	 /* bytes ever written */
uint64_t hk_ringbuf_oldest(const struct hk_ringbuf *rb); /* offset of the first held byte */

/* Appends the whole content, oldest first, to out. */
void hk_ringbuf_read_all(const struct hk_ringbuf *rb, struct hk_buf *out);

/* Copies at most max bytes starting at stream offset `from` into dst.  When
 * `from` is older than what is kept, copying starts at the oldest byte and
 * *lost (if not NULL) says how many were skipped; an offset in the future
 * (a confused or hostile viewer) is treated as the current total.  *start
 * (if not NULL) receives the offset of dst[0].  Returns the bytes copied. */
size_t hk_ringbuf_read_from(const struct hk_ringbuf *rb, uint64_t from, void *dst, size_t max,
			    uint64_t *start, uint64_t *lost);

/* A viewer's position in the stream. */
struct hk_ringbuf_reader {
	uint64_t pos;
};

/* A reader that starts with the oldest byte held now (replay) or at the
 * current end (only new output). */
void hk_ringbuf_reader_init(const struct hk_ringbuf *rb, struct hk_ringbuf_reader *r, int replay);
/* Reads what the reader has not seen yet (at most max bytes) and advances;
 * *lost gets the bytes overwritten before this reader saw them. */
size_t hk_ringbuf_reader_read(const struct hk_ringbuf *rb, struct hk_ringbuf_reader *r, void *dst,
			      size_t max, uint64_t *lost);
/* Bytes the reader has not read yet (lost ones not counted). */
size_t hk_ringbuf_reader_pending(const struct hk_ringbuf *rb, const struct hk_ringbuf_reader *r);

#endif
