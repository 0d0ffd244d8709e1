/* fuzz_term_filter.c - arbitrary bytes through the console filter: the
 * output does not depend on where the stream was cut (the first byte
 * picks the read size), and what came out passes the filter again
 * unchanged with nothing removed (it holds no string, report request or
 * other removed sequence).  hk_sanitize_line_plain_n, which finds whole
 * sequences with the same parser, keeps its promise on the same input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long feed(const void *in, size_t n, size_t chunk, struct hk_buf *out)
{
	struct hk_term_filter f;
	hk_term_filter_init(&f);
	for (size_t i = 0; i < n; i += chunk)
		hk_term_filter_feed(&f, (const char *)in + i, n - i < chunk ? n - i : chunk, out);
	return f.removed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t chunk = 1 + data[0] % 16;
	data++, size--;
	struct hk_buf whole = { 0 }, cut = { 0 }, again = { 0 };
	feed(data, size, size ? size : 1, &whole);
	feed(data, size, chunk, &cut);
	if (whole.len != cut.len || (whole.len && memcmp(whole.data, cut.data, whole.len) != 0))
		abort();
	hk_buf_append(&whole, "\n", 1); /* a 0xc2 at the very end is held back */
	if (feed(whole.data, whole.len, 1, &again) != 0 || again.len != whole.len ||
	    memcmp(again.data, whole.data, whole.len) != 0)
		abort();
	hk_buf_free(&whole);
	hk_buf_free(&cut);
	hk_buf_free(&again);
	hk_autofree char *plain = hk_sanitize_line_plain_n((const char *)data, size);
	for (const unsigned char *p = (const unsigned char *)plain; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			abort();
	return 0;
}
