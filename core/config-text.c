/* config-text.c - editing config text without losing the user's comments,
 * blank lines or order.
 *
 * The text is split into lines; each `key = value` line gets the canonical
 * spelling of its key (modern name, interface index resolved for legacy
 * lxc.network.* lines by replaying LXC 1.x's "a new lxc.network.type starts
 * the next interface" rule).  An edit then touches only the lines whose
 * canonical key matches the target and copies every other byte as it was.
 * The edited text is parsed before it is handed back, so an edit can never
 * produce a config that hako itself would refuse.
 */
#include "config-internal.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tline {
	size_t start, eq, end, next; /* eq == end: not a key line */
	char *canon;		     /* canonical key, NULL when not a known key */
	const struct hk_key_def *def;
};

struct tdoc {
	const char *text;
	struct tline *l;
	size_t n;
	long last_net; /* the highest interface index seen, -1 = none */
};

static void doc_free(struct tdoc *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->l[i].canon);
	free(d->l);
}

/* Resolves the key of one line and the interface it belongs to. */
static void scan_key(struct tdoc *d, struct tline *l)
{
	const char *s = d->text + l->start;
	while (s < d->text + l->eq && isspace((unsigned char)*s))
		s++;
	const char *e = d->text + l->eq;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	hk_autofree char *key = xstrndup(s, (size_t)(e - s));
	struct hk_key_ref ref;
	if (hk_key_resolve(key, &ref, NULL) < 0 || !ref.def)
		return;
	long net = ref.net;
	if (ref.new_net)
		net = d->last_net + 1;
	else if (ref.legacy_net)
		net = d->last_net;
	if (ref.def->shape == HK_KEY_NET && net < 0) {
		hk_key_ref_free(&ref);
		return;
	}
	if (net > d->last_net)
		d->last_net = net;
	l->def = ref.def;
	l->canon = hk_key_ref_canon(&ref, net);
	hk_key_ref_free(&ref);
}

static void doc_scan(const char *text, struct tdoc *d)
{
	*d = (struct tdoc){ .text = text, .last_net = -1 };
	for (size_t pos = 0; text[pos];) {
		const char *nl = strchr(text + pos, '\n');
		size_t end = nl ? (size_t)(nl - text) : strlen(text);
		d->l = xrealloc(d->l, (d->n + 1) * sizeof(*d->l));
		struct tline *l = &d->l[d->n++];
		*l = (struct tline){
			.start = pos, .eq = end, .end = end, .next = nl ? end + 1 : end
		};
		const char *s = text + pos;
		while (s < text + end && isspace((unsigned char)*s))
			s++;
		const char *eq = memchr(s, '=', (size_t)(text + end - s));
		if (s < text + end && *s != '#' && *s != '[' && eq) {
			l->eq = (size_t)(eq - text);
			scan_key(d, l);
		}
		pos = l->next;
	}
}

struct target {
	struct hk_key_ref ref;
	char *canon; /* NULL: a legacy net key with no interface in the text */
};

static int target_resolve(const char *key, const struct tdoc *d, struct target *t,
			  struct hk_error **err)
{
	*t = (struct target){ 0 };
	if (hk_key_resolve(key, &t->ref, err) < 0)
		return -1;
	if (!t->ref.def) {
		hk_key_ref_free(&t->ref);
		return hk_error_set(err, EINVAL, "%s is obsolete and ignored; nothing to edit",
				    key);
	}
	long net = t->ref.legacy_net ? d->last_net : t->ref.net;
	if (t->ref.def->shape != HK_KEY_NET || net >= 0)
		t->canon = hk_key_ref_canon(&t->ref, net);
	return 0;
}

static void target_free(struct target *t)
{
	hk_key_ref_free(&t->ref);
	free(t->canon);
}

static bool matches(const struct tline *l, const struct target *t)
{
	if (!l->canon)
		return false;
	if (t->ref.clear_all)
		return l->def == t->ref.def;
	return t->canon && strcmp(l->canon, t->canon) == 0;
}

/* The value as the parser will read it back (see hk_config_format). */
static void put_value(struct hk_buf *b, const char *v)
{
	size_t n = strlen(v);
	bool quote = n && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]) ||
			   (n > 1 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]));
	hk_buf_printf(b, quote ? "\"%s\"" : "%s", v);
}

/* Line i with its value replaced; the key as the user wrote it stays. */
static void put_replaced(struct hk_buf *b, const struct tdoc *d, const struct tline *l,
			 const char *value)
{
	const char *t = d->text;
	size_t v = l->eq + 1;
	while (v < l->end && (t[v] == ' ' || t[v] == '\t'))
		v++;
	hk_buf_append(b, t + l->start, v - l->start);
	if (v == l->end && v == l->eq + 1 && *value) /* "key =" had no value */
		hk_buf_puts(b, " ");
	put_value(b, value);
	if (l->end > l->start && t[l->end - 1] == '\r')
		hk_buf_puts(b, "\r");
	hk_buf_append(b, t + l->end, l->next - l->end);
}

enum edit { EDIT_SET, EDIT_UNSET, EDIT_REPLACE_ALL };

static char *edit(const char *text, const char *key, const char *value, enum edit how,
		  struct hk_error **err)
{
	struct tdoc d;
	doc_scan(text, &d);
	struct target t;
	if (target_resolve(key, &d, &t, err) < 0) {
		doc_free(&d);
		return NULL;
	}
	/* list keys (and lxc.cgroup = clearing lines) append; others replace */
	bool single = how == EDIT_SET && !t.ref.def->info.list && !t.ref.clear_all;
	long last = -1;
	for (size_t i = 0; i < d.n; i++)
		if (matches(&d.l[i], &t))
			last = (long)i;
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < d.n; i++) {
		const struct tline *l = &d.l[i];
		bool m = matches(l, &t);
		if (m && (how == EDIT_REPLACE_ALL || (single && (long)i == last)))
			put_replaced(&b, &d, l, value);
		else if (!m || (how == EDIT_SET && !single))
			hk_buf_append(&b, text + l->start, l->next - l->start);
	}
	if (how == EDIT_SET && (!single || last < 0)) {
		if (b.len && b.data[b.len - 1] != '\n')
			hk_buf_puts(&b, "\n");
		hk_buf_printf(&b, "%s =%s", t.canon ? t.canon : key, *value ? " " : "");
		put_value(&b, value);
		hk_buf_puts(&b, "\n");
	}
	target_free(&t);
	doc_free(&d);
	return hk_buf_steal(&b);
}

/* Parses the edited text; dir resolves relative includes. */
static char *validated(char *text, const char *name, const char *dir, struct hk_error **err)
{
	struct hk_config cfg;
	hk_config_init(&cfg);
	int r = hk_config_parse_text_at(&cfg, text, name, dir, err);
	hk_config_free(&cfg);
	if (r < 0) {
		free(text);
		hk_error_prefix(err, "the edited config would not be valid");
		return NULL;
	}
	return text;
}

static char *text_set_at(const char *text, const char *key, const char *value, const char *name,
			 const char *dir, struct hk_error **err)
{
	if (strchr(value, '\n')) {
		hk_error_set(err, EINVAL, "%s: a value cannot span lines", key);
		return NULL;
	}
	char *out = edit(text, key, value, EDIT_SET, err);
	return out ? validated(out, name, dir, err) : NULL;
}

static char *text_unset_at(const char *text, const char *key, const char *name, const char *dir,
			   struct hk_error **err)
{
	char *out = edit(text, key, "", EDIT_UNSET, err);
	return out ? validated(out, name, dir, err) : NULL;
}

char *hk_config_text_set(const char *text, const char *key, const char *value,
			 struct hk_error **err)
{
	return text_set_at(text, key, value, "(edited config)", NULL, err);
}

char *hk_config_text_unset(const char *text, const char *key, struct hk_error **err)
{
	return text_unset_at(text, key, "(edited config)", NULL, err);
}

char *hk_config_text_replace_all(const char *text, const char *key, const char *value)
{
	char *out = edit(text, key, value, EDIT_REPLACE_ALL, NULL);
	return out ? out : xstrdup(text);
}

static int file_edit(const char *path, const char *key, const char *value, struct hk_error **err)
{
	hk_autofree char *text = NULL;
	struct stat st;
	if (stat(path, &st) < 0)
		return hk_error_errno(err, "cannot read config \"%s\"", path);
	if (hk_read_file(path, &text, NULL, err) < 0)
		return -1;
	hk_autofree char *copy = xstrdup(path);
	const char *dir = dirname(copy);
	hk_autofree char *out = value ? text_set_at(text, key, value, path, dir, err)
				      : text_unset_at(text, key, path, dir, err);
	if (!out)
		return -1;
	if (hk_write_file_atomic(path, out, strlen(out), st.st_mode & 07777, err) < 0)
		return hk_error_prefix(err, "config \"%s\"", path);
	return 0;
}

int hk_config_file_set(const char *path, const char *key, const char *value, struct hk_error **err)
{
	return file_edit(path, key, value, err);
}

int hk_config_file_unset(const char *path, const char *key, struct hk_error **err)
{
	return file_edit(path, key, NULL, err);
}
