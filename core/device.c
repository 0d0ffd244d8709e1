/* device.c - the pure half of `hako device` (device.h): the words of the
 * command line and the records file, and the device policy they make. */
#include "device.h"
#include "container.h"
#include "device-internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-manage.h"
#include "net.h"
#include "sanitize.h"
#include "store-internal.h"
#include "util.h"

#define PATH_MAX_LEN 4095

/* ---- the words ---- */

static bool has_blank_or_control(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			return true;
	return false;
}

/* An absolute path a record can hold; `inside` also refuses "/" and "."
 * or ".." components (the node's place must be plain). */
static int check_path(const char *path, const char *what, bool inside, struct hk_error **err)
{
	hk_autofree char *shown = hk_sanitize_line(path);
	if (path[0] != '/' || strlen(path) > PATH_MAX_LEN || has_blank_or_control(path))
		return hk_error_set(
			err, EINVAL,
			"%s \"%s\": give an absolute path without blanks or control characters",
			what, shown);
	if (!inside)
		return 0;
	if (path[strspn(path, "/")] == '\0')
		return hk_error_set(err, EINVAL, "%s \"%s\": the node needs a name, not the root",
				    what, shown);
	for (const char *p = path; *p;) {
		p += strspn(p, "/");
		size_t len = strcspn(p, "/");
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return hk_error_set(err, EINVAL,
					    "%s \"%s\": no \".\" or \"..\" in it, please", what,
					    shown);
		p += len;
	}
	return 0;
}

int hk_device_parse(const char *action, const char *what, const char *inside,
		    struct hk_device_req *out, struct hk_error **err)
{
	*out = (struct hk_device_req){ .what = what, .inside = inside };
	if (strcmp(action, "add") == 0)
		out->add = true;
	else if (strcmp(action, "del") != 0) {
		hk_autofree char *shown = hk_sanitize_line(action);
		return hk_error_set(err, EINVAL, "\"%s\": say add or del", shown);
	}
	out->node = what[0] == '/';
	if (!out->node)
		return hk_net_ifname_validate(what, "interface", err) < 0 ||
				       (inside &&
					hk_net_ifname_validate(inside, "name inside", err) < 0)
			       ? -1
			       : 0;
	/* The place inside defaults to the device's path. */
	if (check_path(what, "device", false, err) < 0)
		return -1;
	return check_path(inside ? inside : what, inside ? "path inside" : "device", true, err);
}

/* ---- the records ---- */

static int bad_line(struct hk_error **err, unsigned no, const char *why)
{
	return hk_error_set(err, EINVAL, "line %u: %s", no, why);
}

static bool parse_num(const char *s, long max, long *out)
{
	return hk_parse_long(s, out) && *out >= 0 && *out <= max;
}

/* "node TYPE MAJOR MINOR ADDED HOW HOST INSIDE" */
static int parse_node(char **w, size_t n, unsigned no, struct hk_device_records *r,
		      struct hk_error **err)
{
	long major, minor, added;
	if (n != 8 || strlen(w[1]) != 1 || (w[1][0] != 'b' && w[1][0] != 'c') ||
	    !parse_num(w[2], 1048575, &major) || !parse_num(w[3], 1048575, &minor) ||
	    !parse_num(w[4], 3, &added) || (strcmp(w[5], "mknod") && strcmp(w[5], "bind")))
		return bad_line(err, no,
				"a node line is: node b|c MAJOR MINOR 0-3 mknod|bind HOST INSIDE");
	if (check_path(w[6], "host", false, err) < 0 || check_path(w[7], "inside", true, err) < 0)
		return hk_error_prefix(err, "line %u", no);
	r->nodes = xrealloc(r->nodes, (r->n_nodes + 1) * sizeof(*r->nodes));
	r->nodes[r->n_nodes++] = (struct hk_device_node){
		w[1][0], major, minor, (unsigned)added, w[5][0] == 'b', xstrdup(w[6]), xstrdup(w[7])
	};
	return 0;
}

static int parse_line(char **w, size_t n, unsigned no, struct hk_device_records *r,
		      struct hk_error **err)
{
	if ((strcmp(w[0], "v1") == 0 || strcmp(w[0], "v2") == 0) && n >= 3 &&
	    (strcmp(w[1], "devices.allow") == 0 || strcmp(w[1], "devices.deny") == 0)) {
		struct hk_buf value = { 0 };
		for (size_t i = 2; i < n; i++)
			hk_buf_printf(&value, "%s%s", i > 2 ? " " : "", w[i]);
		struct hk_dev_policy check;
		hk_dev_policy_init(&check);
		int rc = hk_dev_policy_add(&check, w[1], value.data, w[1], err);
		hk_dev_policy_free(&check);
		if (rc == 0)
			hk_kvlist_add(w[0][1] == '1' ? &r->v1 : &r->v2, w[1], value.data);
		hk_buf_free(&value);
		return rc < 0 ? hk_error_prefix(err, "line %u", no) : 0;
	}
	if (strcmp(w[0], "node") == 0)
		return parse_node(w, n, no, r, err);
	if (strcmp(w[0], "link") == 0 && n == 3) {
		if (hk_net_ifname_validate(w[1], "host", err) < 0 ||
		    hk_net_ifname_validate(w[2], "inside", err) < 0)
			return hk_error_prefix(err, "line %u", no);
		r->links = xrealloc(r->links, (r->n_links + 1) * sizeof(*r->links));
		struct hk_device_link *l = &r->links[r->n_links++];
		snprintf(l->host, sizeof(l->host), "%s", w[1]);
		snprintf(l->inside, sizeof(l->inside), "%s", w[2]);
		return 0;
	}
	return bad_line(err, no, "not a v1, v2, node or link line");
}

int hk_device_records_parse(const char *text, struct hk_device_records *out, struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	hk_autofree char *copy = xstrdup(text);
	unsigned no = 0;
	for (char *save, *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		no++; /* (blank lines are skipped by strtok: numbers count non-empty lines) */
		char *w[10];
		size_t n = 0;
		for (char *s2, *t = strtok_r(line, " ", &s2); t; t = strtok_r(NULL, " ", &s2))
			if (n < HK_ARRAY_SIZE(w))
				w[n++] = t;
			else
				n = HK_ARRAY_SIZE(w) + 1;
		if (n == 0 || w[0][0] == '#')
			continue;
		if (n > HK_ARRAY_SIZE(w) || parse_line(w, n, no, out, err) < 0) {
			hk_device_records_free(out);
			return n > HK_ARRAY_SIZE(w) ? bad_line(err, no, "too many words") : -1;
		}
	}
	return 0;
}

char *hk_device_records_format(const struct hk_device_records *r)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(
		&b,
		"# hako device records (hako-device(1)): rules at start, nodes and links given\n");
	for (size_t i = 0; i < r->v1.n; i++)
		hk_buf_printf(&b, "v1 %s %s\n", r->v1.v[i].key, r->v1.v[i].value);
	for (size_t i = 0; i < r->v2.n; i++)
		hk_buf_printf(&b, "v2 %s %s\n", r->v2.v[i].key, r->v2.v[i].value);
	for (size_t i = 0; i < r->n_nodes; i++) {
		const struct hk_device_node *d = &r->nodes[i];
		hk_buf_printf(&b, "node %c %ld %ld %u %s %s %s\n", d->type, d->major, d->minor,
			      d->added, d->bind ? "bind" : "mknod", d->host, d->inside);
	}
	for (size_t i = 0; i < r->n_links; i++)
		hk_buf_printf(&b, "link %s %s\n", r->links[i].host, r->links[i].inside);
	return hk_buf_steal(&b);
}

void hk_device_records_drop_node(struct hk_device_records *r, size_t i)
{
	free(r->nodes[i].host);
	free(r->nodes[i].inside);
	memmove(&r->nodes[i], &r->nodes[i + 1], (r->n_nodes - i - 1) * sizeof(*r->nodes));
	r->n_nodes--;
}

void hk_device_records_drop_link(struct hk_device_records *r, size_t i)
{
	memmove(&r->links[i], &r->links[i + 1], (r->n_links - i - 1) * sizeof(*r->links));
	r->n_links--;
}

void hk_device_records_free(struct hk_device_records *r)
{
	while (r->n_nodes)
		hk_device_records_drop_node(r, r->n_nodes - 1);
	free(r->nodes);
	free(r->links);
	hk_kvlist_clear(&r->v1);
	hk_kvlist_clear(&r->v2);
	memset(r, 0, sizeof(*r));
}

bool hk_device_policy(const struct hk_device_records *r, int version, size_t skip,
		      struct hk_dev_policy *out)
{
	const struct hk_kvlist *rules = version == 1 ? &r->v1 : &r->v2;
	unsigned bit = version == 1 ? 1 : 2;
	hk_dev_policy_init(out);
	if (rules->n == 0)
		return false;
	/* The rules were checked when read: no failure here. */
	for (size_t i = 0; i < rules->n; i++)
		hk_dev_policy_add(out, rules->v[i].key, rules->v[i].value, rules->v[i].key, NULL);
	for (size_t i = 0; i < r->n_nodes; i++) {
		if (i == skip || !(r->nodes[i].added & bit))
			continue;
		hk_autofree char *v = xasprintf("%c %ld:%ld rwm", r->nodes[i].type,
						r->nodes[i].major, r->nodes[i].minor);
		hk_dev_policy_add(out, "devices.allow", v, "devices.allow", NULL);
	}
	return true;
}

/* ---- the start ---- */

char *hk_device_records_path(const char *run_dir)
{
	return xasprintf("%s/devices", run_dir);
}

int hk_device_record_start(const struct hk_ct *ct, const struct hk_cgroup *cg,
			   struct hk_error **err)
{
	struct hk_device_records r = { 0 };
	for (int v = 1; cg && v <= 2; v++) {
		const struct hk_kvlist *l = hk_cgroup_device_rules(cg, v);
		for (size_t i = 0; i < l->n; i++)
			hk_kvlist_add(v == 1 ? &r.v1 : &r.v2, l->v[i].key, l->v[i].value);
	}
	hk_autofree char *text = hk_device_records_format(&r);
	hk_device_records_free(&r);
	if (hk_ct_make_run_dir(ct, err) < 0)
		return -1;
	hk_autofree char *path = hk_device_records_path(ct->run_dir);
	return hk_write_run_file(path, text, strlen(text), 0644, err);
}
