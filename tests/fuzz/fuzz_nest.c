/* fuzz_nest.c - a user namespace's window and setup-user's slot from
 * arbitrary uid_map/gid_map and subuid text (split at the first two NUL
 * bytes): nothing crashes, a slot always lies inside the window with at
 * least 65536 ids, and a child map is accepted exactly when every id of it
 * is inside the window (checked id by id on small ranges). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nest.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool in_window(const struct hk_idmap *w, char kind, unsigned long id)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->r[i].kind == kind && id >= w->r[i].ns && id - w->r[i].ns < w->r[i].count)
			return true;
	return false;
}

static void check_slot(const struct hk_idmap *w, const char *subids)
{
	unsigned long start = 0, count = 0;
	if (hk_nest_subid_slot(w, 'u', subids, 131072, &start, &count, NULL) < 0)
		return;
	if (count < 65536 || count > 131072 || start < 65536 || !in_window(w, 'u', start) ||
	    !in_window(w, 'u', start + count - 1))
		abort();
}

static void check_child(const struct hk_idmap *w)
{
	for (size_t i = 0; i < w->n && i < 16; i++) {
		unsigned long base = w->r[i].ns + w->r[i].count;
		unsigned long starts[] = { w->r[i].ns, base > 3 ? base - 3 : 0, base };
		for (size_t s = 0; s < 3; s++) {
			struct hk_idmap child = { 0 };
			hk_idmap_add(&child, w->r[i].kind, 0, starts[s], 8);
			bool all = true;
			for (unsigned long id = starts[s]; id < starts[s] + 8; id++)
				all = all && in_window(w, w->r[i].kind, id);
			int rc = hk_nest_check_child_map(&child, w, NULL);
			if ((rc == 0) != all)
				abort();
			hk_idmap_free(&child);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* three NUL-terminated parts; missing ones are empty */
	hk_autofree char *text = xmalloc(size + 3);
	memcpy(text, data, size);
	memset(text + size, 0, 3);
	const char *umap = text;
	const char *gmap = umap + strlen(umap) + 1;
	const char *subids = gmap + strlen(gmap) + 1;
	if (gmap > text + size)
		gmap = "";
	if (subids > text + size)
		subids = "";
	struct hk_idmap w;
	if (hk_nest_window_parse(umap, gmap, &w)) {
		check_slot(&w, subids);
		check_child(&w);
		hk_idmap_free(&w);
	}
	return 0;
}
