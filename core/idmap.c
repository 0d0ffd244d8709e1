/* idmap.c - id maps: parsing `u|g|b NSID HOSTID COUNT` lines, validation
 * against what the kernel accepts, lookups, composition through nesting
 * levels, inversion and formatting for /proc/PID/{u,g}id_map.
 *
 * A map is a plain array of ranges in the order they were added; u and g
 * ranges share the array and every operation filters by kind.  Ids are
 * 32-bit: an id range [first, first + count) must end at or below
 * HK_ID_LIMIT, because (uid_t)-1 = 4294967295 is never a valid id and the
 * kernel refuses an extent whose end wraps.  The sub-id side (/etc/subuid,
 * check_allowed) lives in subid.c.
 */
#include "idmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* One past the largest id a range may contain. */
#define HK_ID_LIMIT 4294967295UL
#define FORM	    "expected \"u|g|b NSID HOSTID COUNT\", e.g. \"u 0 100000 65536\""
/* How many ranges an error message lists before "...". */
#define LIST_MAX 8

void hk_idmap_add(struct hk_idmap *map, char kind, unsigned long ns, unsigned long host,
		  unsigned long count)
{
	map->r = xrealloc(map->r, (map->n + 1) * sizeof(*map->r));
	map->r[map->n++] = (struct hk_idmap_range){ kind, ns, host, count };
}

void hk_idmap_free(struct hk_idmap *map)
{
	if (!map)
		return;
	free(map->r);
	map->r = NULL;
	map->n = 0;
}

void hk_idmap_copy(struct hk_idmap *dst, const struct hk_idmap *src)
{
	if (dst == src)
		return;
	dst->r = NULL;
	dst->n = 0;
	for (size_t i = 0; i < src->n; i++)
		hk_idmap_add(dst, src->r[i].kind, src->r[i].ns, src->r[i].host, src->r[i].count);
}

bool hk_idmap_has_kind(const struct hk_idmap *map, char kind)
{
	for (size_t i = 0; i < map->n; i++)
		if (map->r[i].kind == kind)
			return true;
	return false;
}

/* Splits a line into at most `max` blank-separated words; returns how many
 * there were (possibly more than max: the caller reports it). */
static size_t split_words(char *s, char **words, size_t max)
{
	size_t n = 0;
	for (char *tok = strtok(s, " \t\r\n\v\f"); tok; tok = strtok(NULL, " \t\r\n\v\f")) {
		if (n < max)
			words[n] = tok;
		n++;
	}
	return n;
}

/* A decimal id or count, no sign, no hex, no junk, below HK_ID_LIMIT+1. */
static bool parse_id(const char *s, unsigned long *out)
{
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return hk_parse_ulong(s, out) && *out <= HK_ID_LIMIT;
}

static const char *const field_names[] = { "KIND", "NSID", "HOSTID", "COUNT" };

int hk_idmap_parse_line(const char *line, struct hk_idmap *map, struct hk_error **err)
{
	hk_autofree char *quoted = xstrdup(line);
	quoted[strcspn(quoted, "\r\n")] = '\0';
	hk_autofree char *copy = xstrdup(line);
	char *w[4];
	size_t n = split_words(copy, w, 4);
	if (n != 4)
		return hk_error_set(err, EINVAL, "id map \"%s\": %s 4 fields; " FORM, quoted,
				    n < 4 ? "fewer than" : "more than");
	if (strlen(w[0]) != 1 || !strchr("ugb", w[0][0]))
		return hk_error_set(err, EINVAL,
				    "id map \"%s\": KIND \"%s\" is not u, g or b; " FORM, quoted,
				    w[0]);
	unsigned long v[3];
	for (int i = 0; i < 3; i++) {
		if (!parse_id(w[i + 1], &v[i]) || (i < 2 && v[i] == HK_ID_LIMIT))
			return hk_error_set(err, EINVAL,
					    "id map \"%s\": %s \"%s\" is not %s; " FORM, quoted,
					    field_names[i + 1], w[i + 1],
					    i < 2 ? "a decimal id from 0 to 4294967294"
						  : "a decimal count from 1 to 4294967295");
	}
	if (v[2] == 0)
		return hk_error_set(
			err, EINVAL,
			"id map \"%s\": COUNT is 0, a range needs at least one id; " FORM, quoted);
	for (int i = 0; i < 2; i++)
		if (v[i] + v[2] > HK_ID_LIMIT)
			return hk_error_set(err, ERANGE,
					    "id map \"%s\": %s + COUNT goes past 4294967294, the "
					    "largest id; " FORM,
					    quoted, field_names[i + 1]);
	char kind = w[0][0];
	if (kind != 'g')
		hk_idmap_add(map, 'u', v[0], v[1], v[2]);
	if (kind != 'u')
		hk_idmap_add(map, 'g', v[0], v[1], v[2]);
	return 0;
}

char *hk_idmap_format_range(const struct hk_idmap_range *r)
{
	return xasprintf("%c %lu %lu %lu", r->kind, r->ns, r->host, r->count);
}

char *hk_idmap_format_list(const struct hk_idmap *map)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < map->n; i++) {
		hk_autofree char *r = hk_idmap_format_range(&map->r[i]);
		hk_buf_printf(&b, "%s%s", i ? "; " : "", r);
	}
	return b.len ? hk_buf_steal(&b) : NULL;
}

char *hk_idmap_format_proc(const struct hk_idmap *map, char kind)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < map->n; i++)
		if (map->r[i].kind == kind)
			hk_buf_printf(&b, "%lu %lu %lu\n", map->r[i].ns, map->r[i].host,
				      map->r[i].count);
	return hk_buf_steal(&b);
}

static const char *kind_ids(char kind)
{
	return kind == 'u' ? "uids" : "gids";
}

/* Checks one range on its own: known kind, non-empty, inside 32 bits. */
static int validate_range(const struct hk_idmap_range *r, struct hk_error **err)
{
	hk_autofree char *s = hk_idmap_format_range(r);
	if (r->kind != 'u' && r->kind != 'g')
		return hk_error_set(err, EINVAL, "id map range \"%s\": kind must be u or g", s);
	if (r->count == 0)
		return hk_error_set(err, EINVAL,
				    "id map range \"%s\" is empty: COUNT must be at least 1", s);
	if (r->ns >= HK_ID_LIMIT || r->count > HK_ID_LIMIT - r->ns)
		return hk_error_set(
			err, ERANGE,
			"id map range \"%s\": container ids go past 4294967294, the largest id", s);
	if (r->host >= HK_ID_LIMIT || r->count > HK_ID_LIMIT - r->host)
		return hk_error_set(
			err, ERANGE,
			"id map range \"%s\": host ids go past 4294967294, the largest id", s);
	return 0;
}

static bool overlap(unsigned long a, unsigned long b, unsigned long count_a, unsigned long count_b)
{
	return a < b + count_b && b < a + count_a;
}

/* Two ranges of one kind must not share an id on either side. */
static int validate_pair(const struct hk_idmap_range *a, const struct hk_idmap_range *b,
			 struct hk_error **err)
{
	bool ns = overlap(a->ns, b->ns, a->count, b->count);
	if (!ns && !overlap(a->host, b->host, a->count, b->count))
		return 0;
	hk_autofree char *sa = hk_idmap_format_range(a);
	hk_autofree char *sb = hk_idmap_format_range(b);
	return hk_error_set(
		err, EINVAL,
		"id map ranges \"%s\" and \"%s\" overlap on the %s side (the same %s id "
		"would be mapped twice); make them disjoint",
		sa, sb, ns ? "container" : "host", ns ? "container" : "host");
}

static int validate_kind(const struct hk_idmap *map, char kind, struct hk_error **err)
{
	size_t n = 0;
	for (size_t i = 0; i < map->n; i++)
		n += map->r[i].kind == kind;
	if (n > HK_IDMAP_MAX_RANGES)
		return hk_error_set(err, E2BIG,
				    "id map has %zu %c ranges; the kernel takes at most %d", n,
				    kind, HK_IDMAP_MAX_RANGES);
	for (size_t i = 0; i < map->n; i++) {
		if (map->r[i].kind != kind)
			continue;
		for (size_t j = i + 1; j < map->n; j++)
			if (map->r[j].kind == kind &&
			    validate_pair(&map->r[i], &map->r[j], err) < 0)
				return -1;
	}
	return 0;
}

int hk_idmap_validate(const struct hk_idmap *map, struct hk_error **err)
{
	for (size_t i = 0; i < map->n; i++)
		if (validate_range(&map->r[i], err) < 0)
			return -1;
	if (validate_kind(map, 'u', err) < 0 || validate_kind(map, 'g', err) < 0)
		return -1;
	bool u = hk_idmap_has_kind(map, 'u'), g = hk_idmap_has_kind(map, 'g');
	if (u != g)
		return hk_error_set(
			err, EINVAL,
			"id map has %c ranges but no %c ranges; a user namespace needs both "
			"(add e.g. \"%c 0 100000 65536\", or use \"b\" for both)",
			u ? 'u' : 'g', u ? 'g' : 'u', u ? 'g' : 'u');
	return 0;
}

/* The range of `kind` whose `side` ([from, from+count)) contains id. */
static const struct hk_idmap_range *find(const struct hk_idmap *map, char kind, unsigned long id,
					 bool host_side)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct hk_idmap_range *r = &map->r[i];
		unsigned long from = host_side ? r->host : r->ns;
		if (r->kind == kind && id >= from && id - from < r->count)
			return r;
	}
	return NULL;
}

bool hk_idmap_to_host(const struct hk_idmap *map, char kind, unsigned long ns_id,
		      unsigned long *host_id)
{
	const struct hk_idmap_range *r = find(map, kind, ns_id, false);
	if (r && host_id)
		*host_id = r->host + (ns_id - r->ns);
	return r != NULL;
}

bool hk_idmap_to_ns(const struct hk_idmap *map, char kind, unsigned long host_id,
		    unsigned long *ns_id)
{
	const struct hk_idmap_range *r = find(map, kind, host_id, true);
	if (r && ns_id)
		*ns_id = r->ns + (host_id - r->host);
	return r != NULL;
}

/* "(u 0 165536 131072 covers parent ids 0-131071 only)" for an error. */
static char *describe_parent(const struct hk_idmap *parent, char kind)
{
	struct hk_buf ranges = { 0 }, ids = { 0 };
	size_t n = 0;
	for (size_t i = 0; i < parent->n; i++) {
		const struct hk_idmap_range *r = &parent->r[i];
		if (r->kind != kind)
			continue;
		if (n++ == LIST_MAX) {
			hk_buf_puts(&ranges, ", ...");
			hk_buf_puts(&ids, ", ...");
		}
		if (n > LIST_MAX)
			continue;
		hk_autofree char *s = hk_idmap_format_range(r);
		hk_buf_printf(&ranges, "%s%s", n > 1 ? ", " : "", s);
		hk_buf_printf(&ids, "%s%lu-%lu", n > 1 ? ", " : "", r->ns, r->ns + r->count - 1);
	}
	char *out;
	if (n == 0)
		out = xasprintf("(the parent maps no %s)", kind_ids(kind));
	else
		out = xasprintf("(%s %s parent ids %s only)", ranges.data,
				n > 1 ? "cover" : "covers", ids.data);
	hk_buf_free(&ranges);
	hk_buf_free(&ids);
	return out;
}

/* The end of the unmapped run of parent ids starting at id (at most end). */
static unsigned long unmapped_end(const struct hk_idmap *parent, char kind, unsigned long id,
				  unsigned long end)
{
	for (size_t i = 0; i < parent->n; i++)
		if (parent->r[i].kind == kind && parent->r[i].ns > id && parent->r[i].ns < end)
			end = parent->r[i].ns;
	return end;
}

/* Maps one child range through the parent, splitting it where it crosses
 * parent ranges; fails if any part of it is not mapped by the parent. */
static int compose_range(const struct hk_idmap_range *c, const struct hk_idmap *parent,
			 struct hk_idmap *out, struct hk_error **err)
{
	unsigned long done = 0;
	while (done < c->count) {
		unsigned long id = c->host + done;
		const struct hk_idmap_range *p = find(parent, c->kind, id, false);
		if (!p) {
			hk_autofree char *cs = hk_idmap_format_range(c);
			hk_autofree char *ps = describe_parent(parent, c->kind);
			unsigned long last =
				unmapped_end(parent, c->kind, id, c->host + c->count) - 1;
			return hk_error_set(
				err, EINVAL,
				"child range \"%s\" is not inside the parent's map %s: parent "
				"%s %lu-%lu are not mapped; map the child onto ids the parent "
				"has, or give the parent a larger map",
				cs, ps, kind_ids(c->kind), id, last);
		}
		unsigned long len = p->count - (id - p->ns);
		if (len > c->count - done)
			len = c->count - done;
		hk_idmap_add(out, c->kind, c->ns + done, p->host + (id - p->ns), len);
		done += len;
	}
	return 0;
}

int hk_idmap_compose(const struct hk_idmap *child, const struct hk_idmap *parent,
		     struct hk_idmap *out, struct hk_error **err)
{
	struct hk_idmap res = { 0 };
	if (parent->n == 0) {
		/* A parent without a map shares the host's ids. */
		hk_idmap_copy(&res, child);
	} else {
		for (size_t i = 0; i < child->n; i++) {
			if (compose_range(&child->r[i], parent, &res, err) < 0) {
				hk_idmap_free(&res);
				return -1;
			}
		}
	}
	if (out == child || out == parent)
		hk_idmap_free(out);
	*out = res;
	return 0;
}

void hk_idmap_invert(const struct hk_idmap *map, struct hk_idmap *out)
{
	struct hk_idmap res = { 0 };
	for (size_t i = 0; i < map->n; i++)
		hk_idmap_add(&res, map->r[i].kind, map->r[i].host, map->r[i].ns, map->r[i].count);
	if (out == map)
		hk_idmap_free(out);
	*out = res;
}
