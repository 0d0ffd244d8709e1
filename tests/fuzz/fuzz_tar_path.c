/* fuzz_tar_path.c - the archive entry name sanitiser from arbitrary
 * bytes: a name it accepts comes out relative, without "." or ".."
 * components, empty components or control characters, and cleaning it
 * again changes nothing; a name with a ".." component or a leading "/" is
 * always refused.  The excludes matcher never crashes on any pattern. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool has_dotdot(const char *s)
{
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n + (p[n] == '/');
	}
	return false;
}

static void check_clean(const char *in, const char *out)
{
	if (*out == '/' || strstr(out, "//") || has_dotdot(out))
		abort();
	size_t len = strlen(out);
	if (len && out[len - 1] == '/')
		abort();
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	for (const char *p = out; *p;) { /* no "." component */
		size_t n = strcspn(p, "/");
		if (n == 1 && *p == '.')
			abort();
		p += n + (p[n] == '/');
	}
	char *again = hk_image_tar_path(out);
	if (!again || strcmp(again, out))
		abort();
	free(again);
	(void)in;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	char *out = hk_image_tar_path(s);
	if (out) {
		if (s[0] == '/' || has_dotdot(s))
			abort();
		check_clean(s, out);
		/* the first line of the input doubles as an excludes pattern */
		struct hk_strv pats = { 0 };
		hk_strv_push(&pats, s);
		(void)hk_image_excluded(out, &pats);
		hk_strv_clear(&pats);
		free(out);
	}
	free(s);
	return 0;
}
