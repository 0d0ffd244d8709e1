/* nic-parse.c - the text hako-nic reads and writes: the usernet policy,
 * its record lines, its requests (argv) and its one-line reply (nic.h).
 * Everything here is pure and checks every field, since hako-nic runs
 * setuid root and its caller chooses the arguments. */
#include "nic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sanitize.h"
#include "store.h"

#define PID_LIMIT 4194304 /* PID_MAX_LIMIT */
#define MAX_WORDS 10

/* Splits line in place on blanks; returns the word count, MAX_WORDS + 1
 * when there are more. */
static size_t split_words(char *line, char *w[MAX_WORDS])
{
	size_t n = 0;
	for (char *save, *t = strtok_r(line, " \t\r\n", &save); t;
	     t = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == MAX_WORDS)
			return MAX_WORDS + 1;
		w[n++] = t;
	}
	return n;
}

/* The next line of *p (without its newline; caller frees), NULL at the end. */
static char *next_line(const char **p)
{
	if (!**p)
		return NULL;
	size_t len = strcspn(*p, "\n");
	char *line = xstrndup(*p, len);
	*p += len + ((*p)[len] == '\n');
	return line;
}

/* ---- usernet ---- */

static bool usernet_line(char *line, char *w[MAX_WORDS], unsigned long *count)
{
	if (split_words(line, w) != 4 || !hk_parse_ulong(w[3], count) || *count > HK_NIC_MAX_COUNT)
		return false;
	return w[0][0] && strcmp(w[0], "@") && hk_net_ifname_validate(w[2], "bridge", NULL) == 0;
}

static bool usernet_match(const char *who, const char *user, const struct hk_strv *groups)
{
	if (who[0] == '@')
		return groups && hk_strv_contains(groups, who + 1);
	return user && !strcmp(who, user);
}

/* Sums the counts of the valid lines granting user (or one of groups) type
 * on bridge (NULL: none); bridges (when not NULL) collects every bridge
 * such a line names. */
static unsigned usernet_scan(const char *text, const char *user, const struct hk_strv *groups,
			     const char *type, const char *bridge, struct hk_strv *bridges,
			     unsigned *bad)
{
	unsigned long total = 0;
	unsigned nbad = 0;
	const char *p = text ? text : "";
	for (char *line; (line = next_line(&p)); free(line)) {
		char *t = line + strspn(line, " \t\r");
		if (!*t || *t == '#')
			continue;
		char *w[MAX_WORDS];
		unsigned long count;
		if (!usernet_line(t, w, &count)) {
			nbad++;
			continue;
		}
		if (!usernet_match(w[0], user, groups) || !type || strcmp(w[1], type))
			continue;
		if (bridges && !hk_strv_contains(bridges, w[2]))
			hk_strv_push(bridges, w[2]);
		if (bridge && !strcmp(w[2], bridge))
			total += count;
		if (total > HK_NIC_MAX_COUNT)
			total = HK_NIC_MAX_COUNT;
	}
	if (bad)
		*bad = nbad;
	return (unsigned)total;
}

unsigned hk_nic_usernet_quota(const char *text, const char *user, const struct hk_strv *groups,
			      const char *type, const char *bridge, unsigned *bad)
{
	return usernet_scan(text, user, groups, type, bridge, NULL, bad);
}

void hk_nic_usernet_bridges(const char *text, const char *user, const struct hk_strv *groups,
			    const char *type, struct hk_strv *out)
{
	usernet_scan(text, user, groups, type, NULL, out, NULL);
}

/* ---- records ---- */

static int bad_field(struct hk_error **err, const char *what, const char *value)
{
	hk_autofree char *shown = hk_sanitize_line(value);
	return hk_error_set(err, EINVAL, "%s \"%s\" is not valid", what, shown);
}

static int copy_ifname(char dst[HK_IFNAME_SIZE], const char *src, const char *what,
		       struct hk_error **err)
{
	if (hk_net_ifname_validate(src, what, err) < 0)
		return -1;
	snprintf(dst, HK_IFNAME_SIZE, "%s", src);
	return 0;
}

static int copy_name(char dst[HK_NIC_NAME_SIZE], const char *src, struct hk_error **err)
{
	if (hk_name_validate(src, err) < 0)
		return -1;
	snprintf(dst, HK_NIC_NAME_SIZE, "%s", src);
	return 0;
}

static int parse_pid(const char *s, long *out, struct hk_error **err)
{
	unsigned long v;
	if (!hk_parse_ulong(s, &v) || v == 0 || v > PID_LIMIT)
		return bad_field(err, "pid", s);
	*out = (long)v;
	return 0;
}

static int parse_lease(const char *s, char out[HK_NET_IP_STRLEN], struct hk_error **err)
{
	struct in_addr a;
	if (strcmp(s, "-") && (strlen(s) >= HK_NET_IP_STRLEN || inet_pton(AF_INET, s, &a) != 1))
		return bad_field(err, "lease", s);
	snprintf(out, HK_NET_IP_STRLEN, "%s", s);
	return 0;
}

static int record_fields(char *w[MAX_WORDS], struct hk_nic_record *r, struct hk_error **err)
{
	unsigned long ifindex;
	long start;
	if (!hk_parse_ulong(w[0], &r->uid) || r->uid >= UINT_MAX)
		return bad_field(err, "uid", w[0]);
	if (strcmp(w[1], "veth"))
		return bad_field(err, "type", w[1]);
	snprintf(r->type, sizeof(r->type), "%s", w[1]);
	if (copy_ifname(r->bridge, w[2], "bridge", err) < 0 ||
	    copy_ifname(r->host, w[3], "host end", err) < 0)
		return -1;
	if (!hk_parse_ulong(w[4], &ifindex) || ifindex > INT_MAX)
		return bad_field(err, "interface index", w[4]);
	r->ifindex = ifindex;
	if (parse_pid(w[5], &r->pid, err) < 0)
		return -1;
	if (!hk_parse_long(w[6], &start) || start < 0)
		return bad_field(err, "start time", w[6]);
	r->start = start;
	if (parse_lease(w[7], r->lease, err) < 0)
		return -1;
	return copy_name(r->name, w[8], err);
}

/* Clears r; a copy of line (caller frees) split into w, or NULL unless it
 * holds exactly n words. */
static char *split_exact(const char *line, char *w[MAX_WORDS], size_t n, struct hk_nic_record *r)
{
	memset(r, 0, sizeof(*r));
	char *copy = xstrdup(line ? line : "");
	if (split_words(copy, w) == n)
		return copy;
	free(copy);
	return NULL;
}

int hk_nic_record_parse(const char *line, struct hk_nic_record *r, struct hk_error **err)
{
	char *w[MAX_WORDS];
	hk_autofree char *copy = split_exact(line, w, 9, r);
	if (!copy)
		return hk_error_set(
			err, EINVAL,
			"a record needs 9 fields: UID TYPE BRIDGE HOST IFINDEX PID START "
			"LEASE NAME");
	return record_fields(w, r, err);
}

int hk_nic_listing_parse(const char *line, struct hk_nic_record *r, struct hk_error **err)
{
	char *w[MAX_WORDS];
	hk_autofree char *copy = split_exact(line, w, 5, r);
	if (!copy)
		return hk_error_set(
			err, EPROTO,
			"hako-nic listed a line without the 5 fields NAME PID BRIDGE HOST "
			"LEASE; is it the hako-nic of this hako?");
	snprintf(r->type, sizeof(r->type), "veth");
	if (copy_name(r->name, w[0], err) < 0 || parse_pid(w[1], &r->pid, err) < 0 ||
	    copy_ifname(r->bridge, w[2], "bridge", err) < 0 ||
	    copy_ifname(r->host, w[3], "host end", err) < 0)
		return -1;
	return parse_lease(w[4], r->lease, err);
}

void hk_nic_record_format(const struct hk_nic_record *r, struct hk_buf *b)
{
	hk_buf_printf(b, "%lu %s %s %s %lu %ld %lld %s %s\n", r->uid, r->type, r->bridge, r->host,
		      r->ifindex, r->pid, r->start, r->lease[0] ? r->lease : "-", r->name);
}

size_t hk_nic_records_parse(const char *text, struct hk_nic_record **out, unsigned *bad)
{
	size_t n = 0, cap = 0;
	unsigned nbad = 0;
	*out = NULL;
	const char *p = text ? text : "";
	for (char *line; (line = next_line(&p)); free(line)) {
		if (!*line)
			continue;
		struct hk_nic_record r;
		if (n == HK_NIC_MAX_RECORDS || hk_nic_record_parse(line, &r, NULL) < 0) {
			nbad++;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[n++] = r;
	}
	if (bad)
		*bad = nbad;
	return n;
}

/* ---- requests ---- */

/* Types lxc-usernet knows that hako-nic does not make. */
static const char *const unsupported_types[] = { "phys",   "vlan",  "macvlan",
						 "ipvlan", "empty", "none" };

static int parse_type(const char *s, char out[8], struct hk_error **err)
{
	if (!strcmp(s, "veth")) {
		snprintf(out, 8, "veth");
		return 0;
	}
	for (size_t i = 0; i < HK_ARRAY_SIZE(unsupported_types); i++)
		if (!strcmp(s, unsupported_types[i]))
			return hk_error_set(err, ENOTSUP,
					    "interface type \"%s\": hako-nic makes veth interfaces "
					    "only; use lxc.net.N.type = veth with a bridge",
					    s);
	hk_autofree char *shown = hk_sanitize_line(s);
	return hk_error_set(err, EINVAL,
			    "interface type \"%s\" is unknown; hako-nic makes veth interfaces",
			    shown);
}

static int usage(struct hk_error **err)
{
	return hk_error_set(err, EINVAL,
			    "usage: hako-nic create NAME PID veth BRIDGE IFNAME [lease] [mtu=N] | "
			    "hako-nic delete NAME PID | hako-nic list");
}

/* "mtu=N", N in HK_NIC_MTU_MIN..HK_NIC_MTU_MAX (the bridge bounds it later). */
static int parse_mtu(const char *s, unsigned *out, struct hk_error **err)
{
	unsigned long v;
	if (!hk_parse_ulong(s + strlen("mtu="), &v) || v < HK_NIC_MTU_MIN || v > HK_NIC_MTU_MAX) {
		hk_autofree char *shown = hk_sanitize_line(s);
		return hk_error_set(err, EINVAL, "\"%s\": the MTU must be a number from %u to %u",
				    shown, HK_NIC_MTU_MIN, HK_NIC_MTU_MAX);
	}
	*out = (unsigned)v;
	return 0;
}

/* After IFNAME: "lease" and "mtu=N", each at most once, in this order. */
static int parse_options(int argc, char *const argv[], struct hk_nic_request *req,
			 struct hk_error **err)
{
	int i = 6;
	if (i < argc && !strcmp(argv[i], "lease")) {
		req->lease = true;
		i++;
	}
	if (i < argc && !strncmp(argv[i], "mtu=", 4) && parse_mtu(argv[i++], &req->mtu, err) < 0)
		return -1;
	return i == argc ? 0 : usage(err);
}

static int parse_create(int argc, char *const argv[], struct hk_nic_request *req,
			struct hk_error **err)
{
	if (argc < 6 || argc > 8)
		return usage(err);
	long pid = 0;
	if (copy_name(req->name, argv[1], err) < 0 || parse_pid(argv[2], &pid, err) < 0 ||
	    parse_type(argv[3], req->type, err) < 0 ||
	    copy_ifname(req->bridge, argv[4], "bridge", err) < 0 ||
	    copy_ifname(req->ifname, argv[5], "interface name", err) < 0)
		return -1;
	req->pid = (pid_t)pid;
	return parse_options(argc, argv, req, err);
}

int hk_nic_request_parse(int argc, char *const argv[], struct hk_nic_request *req,
			 struct hk_error **err)
{
	memset(req, 0, sizeof(*req));
	if (argc < 1 || !argv || !argv[0])
		return usage(err);
	for (int i = 0; i < argc; i++)
		if (!argv[i])
			return usage(err);
	if (!strcmp(argv[0], "create")) {
		req->op = HK_NIC_CREATE;
		return parse_create(argc, argv, req, err);
	}
	if (!strcmp(argv[0], "delete")) {
		long pid = 0;
		req->op = HK_NIC_DELETE;
		if (argc != 3)
			return usage(err);
		if (copy_name(req->name, argv[1], err) < 0 || parse_pid(argv[2], &pid, err) < 0)
			return -1;
		req->pid = (pid_t)pid;
		return 0;
	}
	if (!strcmp(argv[0], "list") && argc == 1) {
		req->op = HK_NIC_LIST;
		return 0;
	}
	return usage(err);
}

/* ---- the reply ---- */

int hk_nic_reply_parse(const char *text, struct hk_nic_reply *r, struct hk_error **err)
{
	memset(r, 0, sizeof(*r));
	hk_autofree char *copy = xstrdup(text ? text : "");
	copy[strcspn(copy, "\n")] = '\0';
	char *w[MAX_WORDS];
	if (split_words(copy, w) != 3) {
		hk_autofree char *shown = hk_sanitize_line(text ? text : "");
		return hk_error_set(
			err, EPROTO,
			"hako-nic answered \"%s\", not \"HOST IFNAME LEASE\"; is it the "
			"hako-nic of this hako?",
			shown);
	}
	if (copy_ifname(r->host, w[0], "host end", err) < 0 ||
	    copy_ifname(r->ifname, w[1], "interface", err) < 0)
		return -1;
	if (!strcmp(w[2], "-"))
		return 0;
	if (!strchr(w[2], '/'))
		return bad_field(err, "lease", w[2]);
	return hk_net_ip_parse(w[2], AF_INET, &r->lease, err);
}
