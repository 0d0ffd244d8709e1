/* fuzz_image_index.c - an image server's index from arbitrary bytes:
 * parsing never crashes; every entry kept has six safe fields (each a plain
 * path component, the path relative without "..") so that no entry can
 * steer a cache path or URL; the lookup finds each kept entry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct hk_image_index *ix, const struct hk_image_entry *e)
{
	const char *const fields[] = { e->dist, e->release, e->arch, e->variant, e->build };
	for (size_t i = 0; i < 5; i++)
		if (!hk_image_field_ok(fields[i]) || strchr(fields[i], '/') ||
		    !strcmp(fields[i], "..") || !strcmp(fields[i], "."))
			abort();
	if (!hk_image_rel_path_ok(e->path) || e->path[0] == '/' || strstr(e->path, "//"))
		abort();
	for (const char *p = e->path; *p;) {
		size_t n = strcspn(p, "/");
		if ((n == 2 && !strncmp(p, "..", 2)) || (n == 1 && *p == '.'))
			abort();
		p += n + (p[n] == '/');
	}
	if (!hk_image_index_find(ix, e->dist, e->release, e->arch, e->variant))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hk_image_index ix;
	if (hk_image_index_parse((const char *)data, size, &ix, NULL) < 0)
		return 0;
	if (ix.n == 0)
		abort();
	for (size_t i = 0; i < ix.n && i < 256; i++)
		check_entry(&ix, &ix.v[i]);
	hk_image_index_free(&ix);
	return 0;
}
