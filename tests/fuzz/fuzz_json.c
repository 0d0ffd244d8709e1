/* fuzz_json.c - what a remote host sends: arbitrary bytes through the
 * strict JSON reader (core/json.h) and, as a stream cut at every byte the
 * first input byte chooses, through the ls --watch reader
 * (core/remote-watch.h).  Nothing crashes, leaks or recurses past the
 * depth limit; an accepted string holds no NUL and valid UTF-8; the
 * reader's table stays sorted with unique names that are container
 * names; every refusal has a message naming the remote. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "remote-watch.h"
#include "sanitize.h"
#include "store-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_value(const struct hk_json *v)
{
	if (v->type == HK_JSON_STRING) {
		size_t n = strlen(v->string);
		for (size_t i = 0; i < n;) {
			unsigned cp;
			size_t k = hk_utf8_decode((const unsigned char *)v->string + i, n - i, &cp);
			if (k == 0)
				abort();
			i += k;
		}
	}
	for (size_t i = 0; i < v->n; i++)
		check_value(&v->items[i]);
}

static void check_table(const struct hk_rwatch *w)
{
	const struct hk_list *l = hk_rwatch_list(w);
	for (size_t i = 0; i < l->n; i++) {
		if (!l->rows[i].name || !*l->rows[i].name)
			abort();
		if (i && strcmp(l->rows[i - 1].name, l->rows[i].name) >= 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hk_json *v = NULL;
	struct hk_error *err = NULL;
	if (hk_json_parse((const char *)data, size, &v, &err) == 0) {
		if (err)
			abort();
		check_value(v);
		hk_json_free(v);
	} else if (!err || v || strncmp(err->msg, "JSON: ", 6) != 0) {
		abort();
	}
	hk_error_free(err);
	err = NULL;

	size_t step = size ? 1 + data[0] % 64 : 1;
	struct hk_rwatch *w = hk_rwatch_new("fz");
	for (size_t at = 0; at < size; at += step) {
		size_t n = size - at < step ? size - at : step;
		if (hk_rwatch_feed(w, (const char *)data + at, n, &err) < 0) {
			if (!err || !strstr(err->msg, "\"fz\""))
				abort();
			break;
		}
		check_table(w);
	}
	hk_error_free(err);
	hk_rwatch_free(w);
	return 0;
}
