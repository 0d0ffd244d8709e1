/* image-index.c - an image server's index (meta/1.0/index-system): one
 * image build a line, `dist;release;arch;variant;build;path` (see image.h).
 *
 * The fields become path components of the cache and of URLs, so each is
 * checked to be a plain name; a bad line is skipped, not trusted.
 */
#include "image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define FIELDS	     6
#define FIELD_MAX    64
#define PATH_MAX_LEN 512
#define MAX_ENTRIES  100000

static bool field_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '+' || c == ':';
}

static bool component_ok(const char *s, size_t len)
{
	if (len == 0 || len > FIELD_MAX)
		return false;
	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!field_char(s[i]))
			return false;
	return true;
}

bool hk_image_field_ok(const char *s)
{
	return s && component_ok(s, strlen(s));
}

bool hk_image_rel_path_ok(const char *s)
{
	if (!s || !*s || *s == '/' || strlen(s) > PATH_MAX_LEN)
		return false;
	for (const char *p = s; *p;) {
		size_t len = strcspn(p, "/");
		if (!component_ok(p, len))
			return false;
		p += len;
		if (*p == '/' && !*++p)
			return true; /* one trailing slash is fine */
	}
	return true;
}

static void entry_free(struct hk_image_entry *e)
{
	free(e->dist);
	free(e->release);
	free(e->arch);
	free(e->variant);
	free(e->build);
	free(e->path);
}

void hk_image_index_free(struct hk_image_index *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		entry_free(&ix->v[i]);
	free(ix->v);
	ix->v = NULL;
	ix->n = 0;
}

/* Splits one line into its six fields; false when it has another count or
 * an unsafe field. */
static bool parse_line(const char *line, size_t len, struct hk_image_entry *e)
{
	char *f[FIELDS] = { 0 };
	size_t n = 0;
	const char *p = line, *end = line + len;
	bool ended = false; /* the last field ran to the end of the line */
	while (n < FIELDS) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		f[n++] = xstrndup(p, (size_t)(stop - p));
		if (!semi) {
			ended = true;
			break;
		}
		p = semi + 1;
	}
	bool ok = n == FIELDS && ended;
	for (size_t i = 0; ok && i < FIELDS - 1; i++)
		ok = hk_image_field_ok(f[i]);
	if (ok) { /* LXC writes the path as "/images/.../BUILD/": below the server's root */
		size_t l = strlen(f[5]);
		while (l > 1 && f[5][l - 1] == '/')
			f[5][--l] = '\0';
		if (f[5][0] == '/')
			memmove(f[5], f[5] + 1, l);
		ok = hk_image_rel_path_ok(f[5]);
	}
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			free(f[i]);
		return false;
	}
	*e = (struct hk_image_entry){ f[0], f[1], f[2], f[3], f[4], f[5] };
	return true;
}

int hk_image_index_parse(const char *text, size_t len, struct hk_image_index *out,
			 struct hk_error **err)
{
	*out = (struct hk_image_index){ 0 };
	size_t cap = 0, lineno = 0, bad = 0;
	for (const char *p = text, *end = text + len; p < end && out->n < MAX_ENTRIES;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *line = p;
		p += l + (nl != NULL);
		lineno++;
		if (l && line[l - 1] == '\r')
			l--;
		if (l == 0 || memchr(line, '\0', l))
			continue;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		if (parse_line(line, l, &out->v[out->n]))
			out->n++;
		else if (bad++ < 5)
			hk_log(HK_LOG_DEBUG, "image index: skipping line %zu (not 6 safe fields)",
			       lineno);
	}
	if (out->n == 0) {
		hk_image_index_free(out);
		return hk_error_set(err, EINVAL,
				    "the image index lists no usable image (%zu lines, %zu "
				    "malformed); is the server an LXC-style image server?",
				    lineno, bad);
	}
	return 0;
}

const struct hk_image_entry *hk_image_index_find(const struct hk_image_index *ix, const char *dist,
						 const char *release, const char *arch,
						 const char *variant)
{
	for (size_t i = ix->n; i-- > 0;) {
		const struct hk_image_entry *e = &ix->v[i];
		if (!strcmp(e->dist, dist) && !strcmp(e->release, release) &&
		    !strcmp(e->arch, arch) && !strcmp(e->variant, variant))
			return e;
	}
	return NULL;
}
