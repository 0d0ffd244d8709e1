/* json.h - a small, strict JSON reader for what other hosts send
 * (remote-watch.c reads `hako ls --json --watch` with it).
 *
 * The input is hostile: it comes from a remote host over ssh.  RFC 8259
 * exactly (no comments, no trailing commas, no NaN, no leading zeros, no
 * bare control bytes in strings, UTF-8 checked, surrogates paired), with
 * limits: nesting at most HK_JSON_MAX_DEPTH deep (the recursion is
 * bounded by it), at most HK_JSON_MAX_NODES values, strings without NUL
 * (\u0000 is refused: the values become C strings), no duplicate keys.
 * The caller bounds the text's size.
 */
#ifndef HAKO_JSON_H
#define HAKO_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define HK_JSON_MAX_DEPTH 16
#define HK_JSON_MAX_NODES 200000

enum hk_json_type {
	HK_JSON_NULL,
	HK_JSON_BOOL,
	HK_JSON_NUMBER,
	HK_JSON_STRING,
	HK_JSON_ARRAY,
	HK_JSON_OBJECT,
};

struct hk_json {
	enum hk_json_type type;
	bool boolean;
	double number;
	char *string;	       /* HK_JSON_STRING: UTF-8, no NUL */
	struct hk_json *items; /* HK_JSON_ARRAY / HK_JSON_OBJECT: the values */
	char **keys;	       /* HK_JSON_OBJECT: the key of each value */
	size_t n;
};

/* Parses text[0..len) as one JSON value (white space around it allowed).
 * The message says what is wrong at which byte offset. */
int hk_json_parse(const char *text, size_t len, struct hk_json **out, struct hk_error **err);
void hk_json_free(struct hk_json *v);
void hk_json_freep(struct hk_json **v);
#define hk_autojson __attribute__((cleanup(hk_json_freep)))

/* obj's value under key, NULL when obj is no object or has no such key. */
const struct hk_json *hk_json_get(const struct hk_json *obj, const char *key);
/* v's string, or NULL when v is not a string. */
const char *hk_json_string(const struct hk_json *v);
/* v is a number that is a whole number in [min, max]. */
bool hk_json_int(const struct hk_json *v, long long min, long long max, long long *out);

#endif
