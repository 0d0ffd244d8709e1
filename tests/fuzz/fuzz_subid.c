/* fuzz_subid.c - /etc/subuid text from arbitrary bytes: parsing never
 * crashes, every range kept is well-formed, and coverage answers agree with
 * a brute-force look at the ranges and with check_allowed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool in_some_range(const struct hk_subids *ids, unsigned long id)
{
	for (size_t i = 0; i < ids->n; i++)
		if (id >= ids->r[i].start && id - ids->r[i].start < ids->r[i].count)
			return true;
	return false;
}

/* cover(start, count) must agree with checking its ends and every range
 * boundary in between (a gap always starts at a range end or at start). */
static bool brute_cover(const struct hk_subids *ids, unsigned long start, unsigned long count)
{
	unsigned long end = start + count;
	if (!in_some_range(ids, start) || !in_some_range(ids, end - 1))
		return false;
	for (size_t i = 0; i < ids->n; i++) {
		unsigned long e = ids->r[i].start + ids->r[i].count;
		if (e > start && e < end && !in_some_range(ids, e))
			return false;
	}
	return true;
}

static void check_queries(const struct hk_subids *ids)
{
	for (size_t i = 0; i < ids->n && i < 64; i++) {
		const struct hk_subid_range *r = &ids->r[i];
		if (r->count == 0 || r->start + r->count > 4294967295UL ||
		    !hk_subids_cover(ids, r->start, r->count))
			abort();
		unsigned long starts[] = { r->start, r->start ? r->start - 1 : 0,
					   r->start + r->count / 2 };
		unsigned long counts[] = { 1, r->count, r->count + 1, 1000 };
		for (size_t s = 0; s < 3; s++) {
			for (size_t c = 0; c < 4; c++) {
				bool got = hk_subids_cover(ids, starts[s], counts[c]);
				if (got != brute_cover(ids, starts[s], counts[c]))
					abort();
				/* check_allowed says the same for a map of that range. */
				struct hk_idmap m = { 0 };
				hk_idmap_add(&m, 'u', 0, starts[s], counts[c]);
				bool own = counts[c] == 1 && starts[s] == 1000;
				int rc = hk_idmap_check_allowed(&m, "alice", 1000, 1000, ids, NULL,
								NULL);
				if ((rc == 0) != (got || own))
					abort();
				hk_idmap_free(&m);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_autofree char *text = xstrndup((const char *)data, size);
	struct hk_subids by_name, by_uid;
	unsigned bad = 0;
	hk_subid_parse(text, "alice", 1000, &by_name, &bad);
	hk_subid_parse(text, NULL, 1000, &by_uid, NULL);
	/* Matching by uid alone can only find fewer ranges. */
	if (by_uid.n > by_name.n)
		abort();
	check_queries(&by_name);
	hk_subids_free(&by_name);
	hk_subids_free(&by_uid);
	return 0;
}
