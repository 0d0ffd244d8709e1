/* subid.c - /etc/subuid and /etc/subgid: which host id ranges a user may
 * map, and whether an id map stays inside them.
 *
 * A file is `owner:start:count` lines; owner is a user name or a numeric
 * uid, and a user may have several lines.  We keep the ranges of one user in
 * file order; coverage questions sort a copy and sweep it, so adjacent and
 * overlapping ranges join.  Malformed lines are skipped, as shadow's
 * newuidmap does, so we never allow what newuidmap would refuse.
 */
#include "idmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* One past the largest id (uid_t)-1 is never a valid id. */
#define HK_ID_LIMIT 4294967295UL
/* How many sub-id ranges an error message lists before "...". */
#define LIST_MAX 8

void hk_subids_free(struct hk_subids *ids)
{
	if (!ids)
		return;
	free(ids->r);
	ids->r = NULL;
	ids->n = 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool parse_num(const char *s, unsigned long *out)
{
	return all_digits(s) && hk_parse_ulong(s, out) && *out <= HK_ID_LIMIT;
}

/* Is this owner field the user, by name or by numeric uid? */
static bool owner_matches(const char *owner, const char *user, uid_t uid)
{
	if (user && strcmp(owner, user) == 0)
		return true;
	unsigned long n;
	return parse_num(owner, &n) && n == (unsigned long)uid;
}

/* Parses one non-comment line in place; false if it is malformed. */
static bool parse_entry(char *line, const char **owner, unsigned long *start, unsigned long *count)
{
	char *f[3];
	f[0] = line;
	for (int i = 1; i < 3; i++) {
		char *colon = strchr(f[i - 1], ':');
		if (!colon)
			return false;
		*colon = '\0';
		f[i] = colon + 1;
	}
	if (!*f[0] || strchr(f[2], ':'))
		return false;
	if (!parse_num(f[1], start) || !parse_num(f[2], count))
		return false;
	if (*count == 0 || *start >= HK_ID_LIMIT || *count > HK_ID_LIMIT - *start)
		return false;
	*owner = f[0];
	return true;
}

void hk_subid_parse(const char *text, const char *user, uid_t uid, struct hk_subids *out,
		    unsigned *bad_lines)
{
	out->r = NULL;
	out->n = 0;
	unsigned bad = 0;
	hk_autofree char *copy = xstrdup(text ? text : "");
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* No trimming: shadow takes " alice" and "1 " literally, so must we. */
		if (*line == '#' || line[strspn(line, " \t\r\v\f")] == '\0')
			continue;
		const char *owner;
		unsigned long start, count;
		if (!parse_entry(line, &owner, &start, &count)) {
			bad++;
			continue;
		}
		if (!owner_matches(owner, user, uid))
			continue;
		out->r = xrealloc(out->r, (out->n + 1) * sizeof(*out->r));
		out->r[out->n++] = (struct hk_subid_range){ start, count };
	}
	if (bad_lines)
		*bad_lines = bad;
}

int hk_subid_load(const char *path, const char *user, uid_t uid, struct hk_subids *out,
		  struct hk_error **err)
{
	out->r = NULL;
	out->n = 0;
	hk_autofree char *text = NULL;
	hk_autoerr struct hk_error *e = NULL;
	if (hk_read_file(path, &text, NULL, &e) < 0) {
		if (e->code == ENOENT)
			return 0; /* no file: the user simply has no sub-ids */
		hk_error_propagate(err, &e);
		return hk_error_prefix(err, "sub-id ranges");
	}
	unsigned bad = 0;
	hk_subid_parse(text, user, uid, out, &bad);
	if (bad)
		hk_log(HK_LOG_WARN,
		       "\"%s\": skipped %u malformed line%s (newuidmap ignores them too)", path,
		       bad, bad == 1 ? "" : "s");
	return 0;
}

static int cmp_start(const void *a, const void *b)
{
	const struct hk_subid_range *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* A sorted copy of the ranges, so a sweep can join them. */
static struct hk_subid_range *sorted(const struct hk_subids *ids)
{
	struct hk_subid_range *s = xmalloc((ids->n ? ids->n : 1) * sizeof(*s));
	if (ids->n)
		memcpy(s, ids->r, ids->n * sizeof(*s));
	qsort(s, ids->n, sizeof(*s), cmp_start);
	return s;
}

bool hk_subids_cover(const struct hk_subids *ids, unsigned long start, unsigned long count)
{
	if (count == 0)
		return true;
	hk_autofree struct hk_subid_range *s = sorted(ids);
	/* Ids below `pos` are covered; walk ranges by start and extend it. */
	unsigned long pos = start, end = start + count;
	for (size_t i = 0; i < ids->n && pos < end; i++) {
		if (s[i].start > pos)
			return false;
		if (s[i].start + s[i].count > pos)
			pos = s[i].start + s[i].count;
	}
	return pos >= end;
}

/* "165536-296607, 400000-400009" (joined where adjacent), or "none". */
static char *describe_subids(const struct hk_subids *ids)
{
	if (ids->n == 0)
		return xstrdup("none");
	hk_autofree struct hk_subid_range *s = sorted(ids);
	struct hk_buf b = { 0 };
	size_t shown = 0;
	for (size_t i = 0; i < ids->n;) {
		unsigned long first = s[i].start, end = s[i].start + s[i].count;
		for (i++; i < ids->n && s[i].start <= end; i++)
			if (s[i].start + s[i].count > end)
				end = s[i].start + s[i].count;
		if (shown++ == LIST_MAX) {
			hk_buf_puts(&b, ", ...");
			break;
		}
		hk_buf_printf(&b, "%s%lu-%lu", shown > 1 ? ", " : "", first, end - 1);
	}
	return hk_buf_steal(&b);
}

struct kind_info {
	char kind;
	const char *file;
	const char *ids;  /* "uid" */
	const char *flag; /* usermod option */
};

static const struct kind_info kinds[] = {
	{ 'u', "/etc/subuid", "uid", "--add-subuids" },
	{ 'g', "/etc/subgid", "gid", "--add-subgids" },
};

static int refuse(const struct hk_idmap_range *r, const struct kind_info *k, const char *name,
		  unsigned long own, const struct hk_subids *ids, struct hk_error **err)
{
	hk_autofree char *rs = hk_idmap_format_range(r);
	hk_autofree char *has = describe_subids(ids);
	unsigned long last = r->host + r->count - 1;
	return hk_error_set(
		err, EPERM,
		"id map range \"%s\" is not allowed for user \"%s\": host %ss %lu-%lu are "
		"not all among the sub-%ss %s has in %s (%s), nor just its own %s %lu "
		"with count 1; map ids inside those ranges, or add them with "
		"`usermod %s %lu-%lu %s` (or `hako setup-user %s`)",
		rs, name, k->ids, r->host, last, k->ids, name, k->file, has, k->ids, own, k->flag,
		r->host, last, name, name);
}

int hk_idmap_check_allowed(const struct hk_idmap *map, const char *user, uid_t uid, gid_t gid,
			   const struct hk_subids *subuids, const struct hk_subids *subgids,
			   struct hk_error **err)
{
	if (uid == 0)
		return 0; /* root writes the maps itself and may map anything */
	hk_autofree char *name = user ? xstrdup(user) : xasprintf("%lu", (unsigned long)uid);
	for (size_t i = 0; i < map->n; i++) {
		const struct hk_idmap_range *r = &map->r[i];
		const struct kind_info *k = &kinds[r->kind == 'g'];
		unsigned long own = r->kind == 'g' ? (unsigned long)gid : (unsigned long)uid;
		const struct hk_subids *ids = r->kind == 'g' ? subgids : subuids;
		static const struct hk_subids none = { NULL, 0 };
		if (!ids)
			ids = &none;
		if ((r->kind != 'u' && r->kind != 'g') || r->count == 0) {
			hk_autofree char *rs = hk_idmap_format_range(r);
			return hk_error_set(err, EINVAL, "id map range \"%s\": %s", rs,
					    r->count ? "kind must be u or g"
						     : "COUNT must be at least 1");
		}
		if (r->count == 1 && r->host == own)
			continue;
		if (r->host + r->count > r->host && hk_subids_cover(ids, r->host, r->count))
			continue;
		return refuse(r, k, name, own, ids, err);
	}
	return 0;
}
