/* idmap.h - user-namespace id maps and the sub-id ranges that allow them.
 *
 * A map is a list of ranges `KIND NS HOST COUNT` (LXC's lxc.idmap syntax):
 * ids NS..NS+COUNT-1 inside the namespace are HOST..HOST+COUNT-1 in the
 * parent namespace.  Nesting composes maps: a child's map is written in its
 * parent's ids, and composing it with the parent's map gives host ids.
 * /etc/subuid and /etc/subgid say which host ranges a user may map.
 */
#ifndef HAKO_IDMAP_H
#define HAKO_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The kernel's limit on lines in /proc/PID/uid_map. */
#define HK_IDMAP_MAX_RANGES 340

struct hk_idmap_range {
	char kind; /* 'u' or 'g' */
	unsigned long ns;
	unsigned long host;
	unsigned long count;
};

struct hk_idmap {
	struct hk_idmap_range *r;
	size_t n;
};

/* Parses "u 0 100000 65536" (also 'b' for both: adds two ranges).  Strict:
 * decimal ids only, COUNT >= 1, NSID+COUNT and HOSTID+COUNT <= 4294967295.
 * On failure the map is unchanged. */
int hk_idmap_parse_line(const char *line, struct hk_idmap *map, struct hk_error **err);
void hk_idmap_add(struct hk_idmap *map, char kind, unsigned long ns, unsigned long host,
		  unsigned long count);
void hk_idmap_free(struct hk_idmap *map);
/* *dst is overwritten with a deep copy (not freed first). */
void hk_idmap_copy(struct hk_idmap *dst, const struct hk_idmap *src);
bool hk_idmap_has_kind(const struct hk_idmap *map, char kind);
/* Refuses empty counts, 32-bit overflow, overlaps on either side of one kind,
 * more ranges than the kernel takes, and a map with uids but no gids. */
int hk_idmap_validate(const struct hk_idmap *map, struct hk_error **err);

/* ns id -> parent id (false when unmapped), and the reverse. */
bool hk_idmap_to_host(const struct hk_idmap *map, char kind, unsigned long ns_id,
		      unsigned long *host_id);
bool hk_idmap_to_ns(const struct hk_idmap *map, char kind, unsigned long host_id,
		    unsigned long *ns_id);

/* child: child ids -> parent ids; parent: parent ids -> host ids.
 * out: child ids -> host ids.  A child range that the parent does not map
 * completely is an error naming that range.  A child range spanning several
 * parent ranges is split.  An empty parent map means the parent shares the
 * host's ids (out = child).  *out is overwritten (free it first if it held a
 * map; it may be child or parent itself) and left untouched on failure. */
int hk_idmap_compose(const struct hk_idmap *child, const struct hk_idmap *parent,
		     struct hk_idmap *out, struct hk_error **err);
/* Swaps the two sides (host -> ns).  *out is overwritten; it may be map. */
void hk_idmap_invert(const struct hk_idmap *map, struct hk_idmap *out);

/* "NS HOST COUNT\n" lines of one kind, for /proc/PID/{u,g}id_map. */
char *hk_idmap_format_proc(const struct hk_idmap *map, char kind);
/* "u 0 100000 65536" for one range. */
char *hk_idmap_format_range(const struct hk_idmap_range *r);
/* "u 0 231072 65536; g 0 231072 65536" for the whole map; NULL when empty. */
char *hk_idmap_format_list(const struct hk_idmap *map);

/* Sub-id ranges a user owns, from /etc/subuid or /etc/subgid. */
struct hk_subid_range {
	unsigned long start;
	unsigned long count;
};

struct hk_subids {
	struct hk_subid_range *r;
	size_t n;
};

/* Parses subuid/subgid text: `name:start:count` lines, where name is a user
 * name or a numeric uid; comments (#) and blank lines ignored; bad lines are
 * skipped (as shadow's newuidmap does) and counted in *bad_lines if given.
 * user may be NULL (match the uid only).  *out is overwritten. */
void hk_subid_parse(const char *text, const char *user, uid_t uid, struct hk_subids *out,
		    unsigned *bad_lines);
/* A missing file gives no ranges and returns 0; an unreadable one fails. */
int hk_subid_load(const char *path, const char *user, uid_t uid, struct hk_subids *out,
		  struct hk_error **err);
void hk_subids_free(struct hk_subids *ids);
bool hk_subids_cover(const struct hk_subids *ids, unsigned long start, unsigned long count);

/* Checks that every range of `map` fits what user (uid, gid) may map
 * through newuidmap/newgidmap: its own id (count 1) or its sub-ids.  The
 * error names the range that does not fit, the file, and the fix.  uid 0
 * may map anything.  user may be NULL; subuids/subgids NULL = none. */
int hk_idmap_check_allowed(const struct hk_idmap *map, const char *user, uid_t uid, gid_t gid,
			   const struct hk_subids *subuids, const struct hk_subids *subgids,
			   struct hk_error **err);

#endif
