/* fuzz_sanitize.c - arbitrary bytes through both renderings: the terminal
 * line never holds a byte below 0x20, DEL or a C1 code point and is always
 * valid UTF-8; the JSON contents are the same and never end a string early
 * (every '"' is escaped). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_safe(const char *s, size_t len, bool json)
{
	const unsigned char *p = (const unsigned char *)s;
	bool escaped = false;
	if (strlen(s) != len)
		abort(); /* an embedded NUL got through */
	for (size_t i = 0; i < len;) {
		unsigned cp;
		size_t n = hk_utf8_decode(p + i, len - i, &cp);
		if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			abort();
		if (cp == 0x202e || cp == 0x2028)
			abort();
		if (json && cp == '"' && !escaped)
			abort();
		escaped = json && cp == '\\' && !escaped;
		i += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_autofree char *line = hk_sanitize_line_n((const char *)data, size);
	check_safe(line, strlen(line), false);
	/* Plain printable ASCII other than '\\' is kept as it is. */
	bool plain = true;
	for (size_t i = 0; i < size; i++)
		plain &= data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\';
	if (plain && (strlen(line) != size || memcmp(line, data, size) != 0))
		abort();

	struct hk_buf b = { 0 };
	hk_sanitize_json_buf(&b, (const char *)data, size);
	hk_autofree char *json = hk_buf_steal(&b);
	check_safe(json, strlen(json), true);
	return 0;
}
