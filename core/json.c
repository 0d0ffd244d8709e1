/* json.c - the strict JSON reader (json.h): a recursive descent over the
 * text, bounded by HK_JSON_MAX_DEPTH levels and HK_JSON_MAX_NODES
 * values, building a tree of struct hk_json. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct reader {
	const char *s;
	size_t len, pos;
	size_t nodes;
	struct hk_error **err;
};

static int bad(struct reader *r, const char *what)
{
	return hk_error_set(r->err, EINVAL, "JSON: %s at byte %zu", what, r->pos);
}

static void skip_ws(struct reader *r)
{
	while (r->pos < r->len && strchr(" \t\r\n", r->s[r->pos]) && r->s[r->pos])
		r->pos++;
}

static bool eat(struct reader *r, const char *word)
{
	size_t n = strlen(word);
	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
		return false;
	r->pos += n;
	return true;
}

static int hex4(struct reader *r, unsigned *out)
{
	if (r->len - r->pos < 4)
		return bad(r, "a \\u escape cut short");
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char c = r->s[r->pos++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return bad(r, "a \\u escape with a non-hex digit");
	}
	*out = v;
	return 0;
}

static void put_utf8(struct hk_buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	hk_buf_append(b, u, n);
}

static int escape(struct reader *r, struct hk_buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	if (r->pos >= r->len)
		return bad(r, "a string cut short");
	char c = r->s[r->pos++];
	const char *e = c ? strchr(from, c) : NULL;
	if (e) {
		hk_buf_append(b, &to[e - from], 1);
		return 0;
	}
	if (c != 'u')
		return bad(r, "an unknown escape in a string");
	unsigned cp, lo;
	if (hex4(r, &cp) < 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return bad(r, "a lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (!eat(r, "\\u") || hex4(r, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
			return bad(r, "a high surrogate without its low half");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return bad(r, "\\u0000 in a string");
	put_utf8(b, cp);
	return 0;
}

/* One UTF-8 sequence starting at r->pos, checked (no overlong forms, no
 * surrogates, at most U+10FFFF). */
static int utf8(struct reader *r, struct hk_buf *b)
{
	const unsigned char *p = (const unsigned char *)r->s + r->pos;
	size_t left = r->len - r->pos, n;
	unsigned cp;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return bad(r, "a byte that is not UTF-8");
	}
	if (left < n)
		return bad(r, "a UTF-8 sequence cut short");
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return bad(r, "a byte that is not UTF-8");
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return bad(r, "an invalid UTF-8 sequence");
	hk_buf_append(b, p, n);
	r->pos += n;
	return 0;
}

/* A string; r->pos is at its opening quote. */
static int string(struct reader *r, char **out)
{
	struct hk_buf b = { 0 };
	r->pos++;
	for (;;) {
		if (r->pos >= r->len) {
			hk_buf_free(&b);
			return bad(r, "a string without its closing quote");
		}
		unsigned char c = (unsigned char)r->s[r->pos];
		int rc = 0;
		if (c == '"') {
			r->pos++;
			break;
		} else if (c == '\\') {
			r->pos++;
			rc = escape(r, &b);
		} else if (c < 0x20) {
			rc = bad(r, "a control byte in a string");
		} else if (c < 0x80) {
			hk_buf_append(&b, &c, 1);
			r->pos++;
		} else {
			rc = utf8(r, &b);
		}
		if (rc < 0) {
			hk_buf_free(&b);
			return -1;
		}
	}
	*out = hk_buf_steal(&b);
	return 0;
}

static size_t digits(struct reader *r)
{
	size_t n = 0;
	while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9') {
		r->pos++;
		n++;
	}
	return n;
}

static int number(struct reader *r, struct hk_json *v)
{
	size_t start = r->pos;
	if (r->s[r->pos] == '-')
		r->pos++;
	if (r->pos < r->len && r->s[r->pos] == '0') {
		r->pos++;
	} else if (digits(r) == 0) {
		return bad(r, "a number without digits");
	}
	if (r->pos < r->len && r->s[r->pos] == '.') {
		r->pos++;
		if (digits(r) == 0)
			return bad(r, "a number with no digits after '.'");
	}
	if (r->pos < r->len && (r->s[r->pos] == 'e' || r->s[r->pos] == 'E')) {
		r->pos++;
		if (r->pos < r->len && (r->s[r->pos] == '+' || r->s[r->pos] == '-'))
			r->pos++;
		if (digits(r) == 0)
			return bad(r, "a number with no digits in its exponent");
	}
	if (r->pos - start > 64)
		return bad(r, "a number longer than 64 characters");
	char buf[72];
	memcpy(buf, r->s + start, r->pos - start);
	buf[r->pos - start] = '\0';
	v->type = HK_JSON_NUMBER;
	v->number = strtod(buf, NULL);
	if (!isfinite(v->number))
		return bad(r, "a number out of range");
	return 0;
}

static int value(struct reader *r, struct hk_json *v, unsigned depth);

static struct hk_json *add_item(struct hk_json *v, size_t *cap)
{
	if (v->n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		v->items = xrealloc(v->items, *cap * sizeof(*v->items));
		if (v->type == HK_JSON_OBJECT)
			v->keys = xrealloc(v->keys, *cap * sizeof(*v->keys));
	}
	struct hk_json *item = &v->items[v->n];
	*item = (struct hk_json){ 0 };
	if (v->type == HK_JSON_OBJECT)
		v->keys[v->n] = NULL;
	v->n++;
	return item;
}

static int key(struct reader *r, struct hk_json *v, size_t i)
{
	skip_ws(r);
	if (r->pos >= r->len || r->s[r->pos] != '"')
		return bad(r, "an object key that is not a string");
	if (string(r, &v->keys[i]) < 0)
		return -1;
	for (size_t k = 0; k < i; k++)
		if (strcmp(v->keys[k], v->keys[i]) == 0)
			return bad(r, "a key given twice in one object");
	skip_ws(r);
	if (!eat(r, ":"))
		return bad(r, "no ':' after an object key");
	return 0;
}

/* An array or an object; r->pos is at its '[' or '{'. */
static int container(struct reader *r, struct hk_json *v, unsigned depth)
{
	bool object = r->s[r->pos] == '{';
	char close = object ? '}' : ']';
	v->type = object ? HK_JSON_OBJECT : HK_JSON_ARRAY;
	r->pos++;
	skip_ws(r);
	if (eat(r, object ? "}" : "]"))
		return 0;
	size_t cap = 0;
	for (;;) {
		struct hk_json *item = add_item(v, &cap);
		if (object && key(r, v, v->n - 1) < 0)
			return -1;
		if (value(r, item, depth + 1) < 0)
			return -1;
		skip_ws(r);
		if (eat(r, ","))
			continue;
		if (r->pos < r->len && r->s[r->pos] == close) {
			r->pos++;
			return 0;
		}
		return bad(r, object ? "no ',' or '}' after a value in an object"
				     : "no ',' or ']' after a value in an array");
	}
}

static int value(struct reader *r, struct hk_json *v, unsigned depth)
{
	if (depth >= HK_JSON_MAX_DEPTH)
		return bad(r, "values nested deeper than 16 levels");
	if (++r->nodes > HK_JSON_MAX_NODES)
		return bad(r, "more than 200000 values");
	skip_ws(r);
	if (r->pos >= r->len)
		return bad(r, "the text ends where a value should be");
	char c = r->s[r->pos];
	if (c == '{' || c == '[')
		return container(r, v, depth);
	if (c == '"') {
		v->type = HK_JSON_STRING;
		return string(r, &v->string);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(r, v);
	if (eat(r, "true") || eat(r, "false")) {
		v->type = HK_JSON_BOOL;
		v->boolean = c == 't';
		return 0;
	}
	if (eat(r, "null")) {
		v->type = HK_JSON_NULL;
		return 0;
	}
	return bad(r, "an unexpected character where a value should be");
}

static void clear(struct hk_json *v)
{
	free(v->string);
	for (size_t i = 0; i < v->n; i++) {
		clear(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
}

void hk_json_free(struct hk_json *v)
{
	if (!v)
		return;
	clear(v);
	free(v);
}

void hk_json_freep(struct hk_json **v)
{
	hk_json_free(*v);
}

int hk_json_parse(const char *text, size_t len, struct hk_json **out, struct hk_error **err)
{
	struct reader r = { .s = text, .len = len, .err = err };
	struct hk_json *v = xcalloc(1, sizeof(*v));
	*out = NULL;
	int rc = value(&r, v, 0);
	if (rc == 0) {
		skip_ws(&r);
		if (r.pos != r.len)
			rc = bad(&r, "more text after the value");
	}
	if (rc < 0) {
		hk_json_free(v);
		return -1;
	}
	*out = v;
	return 0;
}

const struct hk_json *hk_json_get(const struct hk_json *obj, const char *k)
{
	if (!obj || obj->type != HK_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], k) == 0)
			return &obj->items[i];
	return NULL;
}

const char *hk_json_string(const struct hk_json *v)
{
	return v && v->type == HK_JSON_STRING ? v->string : NULL;
}

bool hk_json_int(const struct hk_json *v, long long min, long long max, long long *out)
{
	if (!v || v->type != HK_JSON_NUMBER || v->number < (double)min || v->number > (double)max ||
	    (double)(long long)v->number != v->number)
		return false;
	*out = (long long)v->number;
	return true;
}
