/* fuzz_ckpt_record.c - hako's record in a checkpoint directory
 * (hako-checkpoint) and criu's log, from arbitrary bytes: a checkpoint
 * directory is the user's (or copied from elsewhere), so neither may
 * crash hako.  A record that parses formats back to text that parses to
 * the same record; the lines cut from a log hold no control character
 * but the newlines hako puts between them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "criu.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const struct hk_ckpt_info *a)
{
	hk_autofree char *text = hk_ckpt_info_format(a);
	struct hk_ckpt_info b;
	if (hk_ckpt_info_parse(text, &b, NULL) < 0 || strcmp(a->name, b.name) != 0 ||
	    a->n_ttys != b.n_ttys)
		abort();
	for (size_t i = 0; i < a->n_ttys; i++)
		if (a->ttys[i].index != b.ttys[i].index || a->ttys[i].rdev != b.ttys[i].rdev ||
		    a->ttys[i].dev != b.ttys[i].dev || a->ttys[i].index >= HK_CKPT_MAX_TTYS)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_autofree char *text = xstrndup((const char *)data, size);
	struct hk_ckpt_info info;
	if (hk_ckpt_info_parse(text, &info, NULL) == 0)
		check_roundtrip(&info);
	hk_autofree char *lines = hk_criu_log_errors(text, (unsigned)(size % 7));
	for (const char *p = lines; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\n')
			abort();
	return 0;
}
