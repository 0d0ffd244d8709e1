/* fuzz_sdbus.c - libFuzzer target for the D-Bus message parser.
 *
 * Input: a byte stream of D-Bus messages, as the bus would send them.  It
 * is cut into messages with hk_sdbus_msg_size as the client does; each is
 * parsed, and a parsed message's body is walked value by value along its
 * signature with hk_sdbus_skip.  The oracle: sizes never exceed what is
 * there, every header string is NUL-terminated inside the message, a
 * parsed body walk never reads past the body, and parsing the same bytes
 * twice gives the same result.  ASan/UBSan catch any read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const struct hk_sdbus_msg *m, size_t len, const char *s)
{
	if (!s)
		return;
	const uint8_t *p = (const uint8_t *)s;
	if (p < m->raw || p >= m->raw + len || !memchr(p, 0, len - (size_t)(p - m->raw)))
		abort();
}

static void walk(const struct hk_sdbus_msg *m, size_t len)
{
	const char *fields[] = { m->path, m->iface,  m->member, m->error_name,
				 m->dest, m->sender, m->sig };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		check_string(m, len, fields[i]);
	if (m->body < m->raw || m->body + m->body_len != m->raw + len)
		abort();
	if (!m->sig || !hk_sdbus_signature_valid(m->sig))
		return;
	struct hk_sdbus_reader r;
	hk_sdbus_reader_init(&r, m);
	const char *sig = m->sig;
	while (*sig && hk_sdbus_skip(&r, &sig, 0) == 0)
		if (r.off > r.len)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	while (size > 0) {
		ssize_t n = hk_sdbus_msg_size(data, size, NULL);
		if (n <= 0 || (size_t)n > size)
			break;
		struct hk_sdbus_msg a, b;
		int ra = hk_sdbus_msg_parse(data, (size_t)n, &a, NULL);
		int rb = hk_sdbus_msg_parse(data, (size_t)n, &b, NULL);
		if (ra != rb)
			abort();
		if (ra == 0) {
			walk(&a, (size_t)n);
			if (a.serial != b.serial || a.body_len != b.body_len)
				abort();
			hk_sdbus_msg_free(&a);
			hk_sdbus_msg_free(&b);
		}
		data += n;
		size -= (size_t)n;
	}
	/* the signature checker on raw text */
	char sig[300];
	size_t k = size < sizeof(sig) - 1 ? size : sizeof(sig) - 1;
	memcpy(sig, data, k);
	sig[k] = '\0';
	hk_sdbus_signature_valid(sig);
	return 0;
}
