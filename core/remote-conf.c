/* remote-conf.c - `hako remote add|remove` edits of hako.conf.
 *
 * The file is edited as text, line by line, so that comments, blank
 * lines, the order of sections and keys and every other section stay as
 * the admin wrote them: add puts "NAME = VALUE" after the last key line
 * of the last [remotes] section (or a new section at the end), remove
 * drops the NAME line of [remotes].  Lines are read the way inih reads
 * them: blanks skipped, '#' or ';' starts a comment, '[' a section, the
 * key ends at the first '=' or ':'.  Before and after the edit the whole
 * text goes through hk_settings_parse, so hako never writes a file it
 * would refuse, and a file it already refuses is left for the admin to
 * fix.  An flock on the file's directory makes concurrent edits take
 * turns.  The write is atomic (hk_write_file_atomic: a temp file opened
 * O_CLOEXEC|O_EXCL beside it, fsync, rename); its mode is kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remote.h"
#include "store-internal.h"

#define CONF_MAX (1u << 20) /* as hk_settings_load */

struct conf_file {
	char *path; /* the file written: a symlink's target */
	char *text;
	size_t len;
	mode_t mode;
	bool exists;
	int lock_fd; /* the file's directory, flock()ed: one edit at a time */
	struct hk_settings settings;
};

static void conf_file_clear(struct conf_file *f)
{
	free(f->path);
	free(f->text);
	hk_settings_free(&f->settings);
	if (f->lock_fd >= 0)
		close(f->lock_fd);
}
/* conf_file_load fills the file first thing, so the cleanup is safe on
 * every return. */
#define autoconf_file __attribute__((cleanup(conf_file_clear)))

/* Two edits at once would each write their own copy and lose the
 * other's line: every edit holds an flock on the file's directory from
 * before it reads until after the rename (a directory not made yet has
 * nothing to lose). */
static int conf_file_lock(struct conf_file *f, struct hk_error **err)
{
	hk_autofree char *dir = xstrdup(f->path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	else
		strcpy(dir, ".");
	f->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->lock_fd < 0)
		return errno == ENOENT
			       ? 0
			       : hk_error_errno(err, "cannot open the directory \"%s\"", dir);
	return hk_flock_timed(f->lock_fd, dir, "the directory", HK_FLOCK_WAIT_MS, err);
}

/* Reads and parses conf; a missing file is empty text (for add). */
static int conf_file_load(struct conf_file *f, const char *conf, struct hk_error **err)
{
	*f = (struct conf_file){ .mode = 0644, .lock_fd = -1 };
	hk_settings_init(&f->settings);
	struct stat sb;
	if (lstat(conf, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		f->path = realpath(conf, NULL);
		if (!f->path)
			return hk_error_errno(err,
					      "\"%s\" is a symlink that cannot be followed; point "
					      "it at an existing file or remove it",
					      conf);
	} else {
		f->path = xstrdup(conf);
	}
	if (conf_file_lock(f, err) < 0)
		return -1;
	hk_autoerr struct hk_error *e = NULL;
	if (hk_read_file_at(AT_FDCWD, f->path, &f->text, &f->len, CONF_MAX, &e) < 0) {
		if (e->code != ENOENT) {
			hk_error_propagate(err, &e);
			return -1;
		}
		f->text = xstrdup("");
		return 0;
	}
	f->exists = true;
	if (stat(f->path, &sb) == 0)
		f->mode = sb.st_mode & 07777;
	if (hk_settings_parse(&f->settings, f->text, f->len, conf, &e) < 0)
		return hk_error_say(err, EINVAL, "%s; fix that line first, then change the remotes",
				    e->msg);
	return 0;
}

struct conf_line {
	size_t start, end; /* [start, end) without the '\n' */
	size_t next;	   /* where the following line starts */
};

static bool next_line(const char *text, size_t len, size_t pos, struct conf_line *l)
{
	if (pos >= len)
		return false;
	const char *nl = memchr(text + pos, '\n', len - pos);
	l->start = pos;
	l->end = nl ? (size_t)(nl - text) : len;
	l->next = nl ? l->end + 1 : len;
	return true;
}

/* The line without leading blanks and trailing blanks (and '\r'). */
static char *line_trimmed(const char *text, const struct conf_line *l)
{
	hk_autofree char *s = xstrndup(text + l->start, l->end - l->start);
	return xstrdup(hk_str_trim(s));
}

enum line_kind { LINE_OTHER, LINE_SECTION, LINE_KEY };

/* What a line is, as inih reads it; *word: the section's or key's name. */
static enum line_kind classify(const char *text, const struct conf_line *l, char **word)
{
	hk_autofree char *t = line_trimmed(text, l);
	*word = NULL;
	if (!*t || *t == '#' || *t == ';')
		return LINE_OTHER;
	if (*t == '[') {
		size_t n = strcspn(t + 1, "]");
		*word = xstrndup(t + 1, n);
		return LINE_SECTION;
	}
	size_t n = strcspn(t, "=:");
	if (!t[n])
		return LINE_OTHER;
	t[n] = '\0';
	*word = xstrdup(hk_str_trim(t));
	return LINE_KEY;
}

/* Calls fn for every line of f, with what it is, its word (a section's
 * or key's name, or NULL) and whether it is inside a [remotes] section. */
typedef void (*line_fn)(void *ctx, const char *text, const struct conf_line *l, enum line_kind kind,
			const char *word, bool in_remotes);

static void each_line(const struct conf_file *f, line_fn fn, void *ctx)
{
	bool in_remotes = false;
	struct conf_line l;
	for (size_t pos = 0; next_line(f->text, f->len, pos, &l); pos = l.next) {
		hk_autofree char *word = NULL;
		enum line_kind k = classify(f->text, &l, &word);
		if (k == LINE_SECTION)
			in_remotes = strcmp(word, "remotes") == 0;
		fn(ctx, f->text, &l, k, word, in_remotes);
	}
}

struct insert_point {
	size_t pos;
	bool found;
};

static void find_insert_point(void *ctx, const char *text, const struct conf_line *l,
			      enum line_kind kind, const char *word, bool in_remotes)
{
	struct insert_point *at = ctx;
	(void)text;
	(void)word;
	if (in_remotes && kind != LINE_OTHER) {
		at->pos = l->next;
		at->found = true;
	}
}

struct drop_line {
	const char *name;
	struct hk_buf out;
};

static void copy_but_name(void *ctx, const char *text, const struct conf_line *l,
			  enum line_kind kind, const char *word, bool in_remotes)
{
	struct drop_line *d = ctx;
	if (in_remotes && kind == LINE_KEY && strcmp(word, d->name) == 0)
		return;
	hk_buf_append(&d->out, text + l->start, l->next - l->start);
}

/* Parses the edited text (it must read back with the expected remote
 * present or absent), then writes it in place of the old file. */
static int conf_file_write(struct conf_file *f, const char *conf, struct hk_buf *b,
			   const char *name, bool present, struct hk_error **err)
{
	struct hk_settings check;
	hk_settings_init(&check);
	hk_autoerr struct hk_error *e = NULL;
	int r = hk_settings_parse(&check, b->data ? b->data : "", b->len, conf, &e);
	bool ok = r == 0 && (hk_settings_remote(&check, name) != NULL) == present;
	hk_settings_free(&check);
	if (!ok)
		return hk_error_set(err, EINVAL,
				    "%s: the edited file would not read back as intended (%s); it "
				    "is left as it was: please report this",
				    conf, e ? e->msg : "the remote line is not where it belongs");
	if (!f->exists) {
		hk_autofree char *dir = xstrdup(f->path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (hk_mkdir_p(dir, 0755, err) < 0)
				return -1;
		}
	}
	return hk_write_file_atomic(f->path, b->data ? b->data : "", b->len, f->mode, err);
}

int hk_remote_conf_add(const char *conf, const struct hk_remote *r, struct hk_error **err)
{
	autoconf_file struct conf_file f;
	if (conf_file_load(&f, conf, err) < 0)
		return -1;
	const struct hk_remote *old = hk_settings_remote(&f.settings, r->name);
	if (old) {
		hk_autofree char *url = hk_remote_url(old);
		return hk_error_say(err, EEXIST,
				    "remote \"%s\" already exists in %s (%s); remove it first "
				    "with: hako remote remove %s",
				    r->name, conf, url, r->name);
	}
	/* After the last key line of the last [remotes] section. */
	struct insert_point at = { 0 };
	each_line(&f, find_insert_point, &at);
	hk_autofree char *value = hk_remote_value(r);
	struct hk_buf b = { 0 };
	bool found = at.found;
	size_t head = found ? at.pos : f.len;
	hk_buf_append(&b, f.text, head);
	if (head > 0 && f.text[head - 1] != '\n')
		hk_buf_puts(&b, "\n");
	if (!found)
		hk_buf_puts(&b, f.len ? "\n[remotes]\n" : "[remotes]\n");
	hk_buf_printf(&b, "%s = %s\n", r->name, value);
	hk_buf_append(&b, f.text + head, f.len - head);
	int rc = conf_file_write(&f, conf, &b, r->name, true, err);
	hk_buf_free(&b);
	return rc;
}

int hk_remote_conf_remove(const char *conf, const char *name, struct hk_error **err)
{
	autoconf_file struct conf_file f;
	if (conf_file_load(&f, conf, err) < 0)
		return -1;
	hk_autofree char *shown = hk_str_escape(name, 80);
	if (!hk_settings_remote(&f.settings, name))
		return hk_error_say(err, ENOENT,
				    "there is no remote \"%s\" in %s; hako remote list shows the "
				    "remotes",
				    shown, conf);
	struct drop_line d = { .name = name };
	each_line(&f, copy_but_name, &d);
	struct hk_buf b = d.out;
	int rc = conf_file_write(&f, conf, &b, name, false, err);
	hk_buf_free(&b);
	return rc;
}
