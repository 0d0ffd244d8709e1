/* fuzz_idmap.c - id map lines from arbitrary bytes: every line parses or
 * fails cleanly; a parsed map formats and re-parses to the same ranges; a
 * valid map composes with a fixed parent consistently with two lookups, and
 * its inverse maps every host id back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_range(const struct hk_idmap_range *a, const struct hk_idmap_range *b)
{
	return a->kind == b->kind && a->ns == b->ns && a->host == b->host && a->count == b->count;
}

/* format_range -> parse_line must give back every range unchanged. */
static void check_round_trip(const struct hk_idmap *m)
{
	struct hk_idmap again = { 0 };
	for (size_t i = 0; i < m->n; i++) {
		hk_autofree char *s = hk_idmap_format_range(&m->r[i]);
		if (hk_idmap_parse_line(s, &again, NULL) < 0)
			abort();
	}
	if (again.n != m->n)
		abort();
	for (size_t i = 0; i < m->n; i++)
		if (!same_range(&again.r[i], &m->r[i]))
			abort();
	hk_idmap_free(&again);
	/* Each proc line of a kind is "NS HOST COUNT\n": re-parse it with the kind. */
	for (const char *k = "ug"; *k; k++) {
		hk_autofree char *proc = hk_idmap_format_proc(m, *k);
		char *save = NULL;
		size_t j = 0;
		for (char *l = strtok_r(proc, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			hk_autofree char *line = xasprintf("%c %s", *k, l);
			if (hk_idmap_parse_line(line, &again, NULL) < 0)
				abort();
			while (m->r[j].kind != *k)
				j++;
			if (!same_range(&again.r[again.n - 1], &m->r[j++]))
				abort();
		}
		hk_idmap_free(&again);
	}
}

/* Probes a few ids of each child range: composed == parent(child(id)). */
static void check_compose(const struct hk_idmap *child, const struct hk_idmap *parent)
{
	struct hk_idmap out = { 0 };
	if (hk_idmap_compose(child, parent, &out, NULL) < 0)
		return;
	/* Splitting keeps every id: the same number per kind on both sides. */
	unsigned long total[2] = { 0, 0 }, ranges[2] = { 0, 0 };
	for (size_t i = 0; i < child->n; i++)
		total[child->r[i].kind == 'g'] += child->r[i].count;
	for (size_t i = 0; i < out.n; i++) {
		total[out.r[i].kind == 'g'] -= out.r[i].count;
		ranges[out.r[i].kind == 'g']++;
	}
	if (total[0] || total[1])
		abort();
	/* Both maps are one-to-one, so their composition is too. */
	if (ranges[0] <= HK_IDMAP_MAX_RANGES && ranges[1] <= HK_IDMAP_MAX_RANGES &&
	    hk_idmap_validate(&out, NULL) < 0)
		abort();
	for (size_t i = 0; i < child->n; i++) {
		const struct hk_idmap_range *r = &child->r[i];
		unsigned long probes[3] = { r->ns, r->ns + r->count / 2, r->ns + r->count - 1 };
		for (int p = 0; p < 3; p++) {
			unsigned long mid, a, b;
			if (!hk_idmap_to_host(child, r->kind, probes[p], &mid) ||
			    !hk_idmap_to_host(parent, r->kind, mid, &a) ||
			    !hk_idmap_to_host(&out, r->kind, probes[p], &b) || a != b)
				abort();
		}
	}
	hk_idmap_free(&out);
}

/* A valid map is injective, so its inverse sends every host id back. */
static void check_invert(const struct hk_idmap *m)
{
	struct hk_idmap inv = { 0 };
	hk_idmap_invert(m, &inv);
	if (hk_idmap_validate(&inv, NULL) < 0)
		abort();
	for (size_t i = 0; i < m->n; i++) {
		const struct hk_idmap_range *r = &m->r[i];
		unsigned long ns, back;
		unsigned long host = r->host + r->count - 1;
		if (!hk_idmap_to_host(&inv, r->kind, host, &ns) || ns != r->ns + r->count - 1 ||
		    !hk_idmap_to_ns(m, r->kind, host, &back) || back != ns)
			abort();
	}
	hk_idmap_free(&inv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_autofree char *text = xstrndup((const char *)data, size);
	struct hk_idmap m = { 0 }, parent = { 0 };
	char *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l && m.n < 1000;
	     l = strtok_r(NULL, "\n", &save)) {
		hk_autoerr struct hk_error *err = NULL;
		size_t before = m.n;
		if (hk_idmap_parse_line(l, &m, &err) < 0 && (!err || m.n != before))
			abort();
	}
	check_round_trip(&m);
	/* The guide's parent plus a second, disjoint range to split across. */
	hk_idmap_parse_line("b 0 165536 131072", &parent, NULL);
	hk_idmap_parse_line("b 131072 1000000 1000", &parent, NULL);
	if (hk_idmap_validate(&m, NULL) == 0) {
		check_compose(&m, &parent);
		check_invert(&m);
	}
	hk_idmap_free(&m);
	hk_idmap_free(&parent);
	return 0;
}
