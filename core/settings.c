/* settings.c - hako.conf, the host-wide (or per-user) settings file.
 *
 * INI with sections, read with inih.  Every accepted key is one row of
 * `keys` below (section, name, setter); [keys] takes any ACTION = KEY pair
 * and [remotes] any NAME = URL (remote.h).
 * An unknown section or key, or a bad value, is an error naming file:line.
 * inih's handler gets no line number in Debian's build, so the text is fed
 * through ini_parse_stream with a reader that counts lines (and also checks
 * section headers, so that an empty unknown section is reported too).
 *
 * inih's options are process-wide globals in this build and the container
 * config parser sets them differently: they are set before each parse and
 * put back afterwards (hako is single-threaded where it parses).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ini-run.h"
#include "pty.h"
#include "store-internal.h"

#define LINE_MAX_BYTES 4096 /* longer lines are an error, never split */
#define REFRESH_MIN    100
#define REFRESH_MAX    60000
#define RESCAN_MAX     3600000

struct parse_ctx {
	struct hk_settings *s;
	const char *file;
	const char *text; /* the reader's stream */
	size_t len, pos;
	unsigned lineno; /* the line the reader returned last */
	bool at_line_start;
	unsigned bad_section_line; /* set by the reader: stop and report */
	char *bad_section;
	struct hk_error *err; /* set by a handler */
};

typedef int (*setting_setter)(struct parse_ctx *c, const char *key, const char *value);

struct setting_key {
	const char *section;
	const char *name; /* NULL: any name (the [keys] section) */
	setting_setter set;
};

static int bad_value(struct parse_ctx *c, const char *section, const char *key, const char *value,
		     const char *want)
{
	hk_autofree char *shown = hk_str_escape(value, 80);
	return hk_error_set(&c->err, EINVAL, "%s:%u: %s%s%s%s = \"%s\" is not valid: %s", c->file,
			    c->lineno, *section ? "[" : "", section, *section ? "] " : "", key,
			    shown, want);
}

static void replace(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

static int set_lxcpath(struct parse_ctx *c, const char *key, const char *value)
{
	if (value[0] != '/')
		return bad_value(c, "paths", key, value, "the container path must be absolute");
	replace(&c->s->lxcpath, value);
	return 0;
}

static int set_backend(struct parse_ctx *c, const char *key, const char *value)
{
	enum hk_backend b = hk_backend_from_name(value);
	if (b == HK_BACKEND_UNSET)
		return bad_value(c, "create", key, value,
				 "use one of dir, overlay, btrfs, zfs, aufs, lvm");
	replace(&c->s->default_backend, hk_backend_name(b));
	return 0;
}

/* The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/',
 * ':' or white space. */
static int set_bridge(struct parse_ctx *c, const char *key, const char *value)
{
	size_t n = strlen(value);
	bool ok = n > 0 && n < 16 && strcmp(value, ".") != 0 && strcmp(value, "..") != 0;
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char ch = (unsigned char)value[i];
		ok = ch > 0x20 && ch < 0x7f && ch != '/' && ch != ':';
	}
	if (!ok)
		return bad_value(
			c, "net", key, value,
			"an interface name is 1 to 15 characters without '/', ':' or spaces");
	replace(&c->s->bridge, value);
	return 0;
}

static int set_subnet(struct parse_ctx *c, const char *key, const char *value)
{
	const char *slash = strchr(value, '/');
	unsigned long prefix = 0;
	struct in_addr a;
	bool ok = slash && slash - value < 16 && hk_parse_ulong(slash + 1, &prefix) &&
		  prefix >= 1 && prefix <= 30;
	if (ok) {
		char addr[16];
		memcpy(addr, value, (size_t)(slash - value));
		addr[slash - value] = '\0';
		ok = inet_pton(AF_INET, addr, &a) == 1;
	}
	if (!ok)
		return bad_value(
			c, "net", key, value,
			"give the bridge's IPv4 address and prefix length, e.g. 10.0.100.1/24");
	replace(&c->s->subnet, value);
	return 0;
}

static bool word_ok(const char *s)
{
	if (!*s || *s == '.' || *s == '-')
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    *s))
			return false;
	return true;
}

static int set_theme(struct parse_ctx *c, const char *key, const char *value)
{
	if (!word_ok(value))
		return bad_value(c, "tui", key, value,
				 "a theme name uses letters, digits, '_', '.' and '-'");
	replace(&c->s->theme, value);
	return 0;
}

/* A whole number in [min, max] into *field; "give UNIT between MIN and
 * MAX" otherwise. */
static int set_uint(struct parse_ctx *c, const char *section, const char *key, const char *value,
		    unsigned long min, unsigned long max, const char *unit, unsigned *field)
{
	unsigned long v;
	if (!hk_parse_ulong(value, &v) || v < min || v > max) {
		hk_autofree char *want = xasprintf("give %s between %lu and %lu", unit, min, max);
		return bad_value(c, section, key, value, want);
	}
	*field = (unsigned)v;
	return 0;
}

static int set_refresh(struct parse_ctx *c, const char *key, const char *value)
{
	return set_uint(c, "tui", key, value, REFRESH_MIN, REFRESH_MAX, "milliseconds",
			&c->s->refresh_ms);
}

/* How often the dashboard lists every container again with no event:
 * "auto" (by what a listing costs, tui/screen-list.c), or milliseconds,
 * 0 = at every refresh. */
static int set_rescan(struct parse_ctx *c, const char *key, const char *value)
{
	if (strcmp(value, "auto") == 0) {
		c->s->rescan_ms = -1;
		return 0;
	}
	unsigned ms;
	if (set_uint(c, "tui", key, value, 0, RESCAN_MAX, "\"auto\" or milliseconds", &ms) < 0)
		return -1;
	c->s->rescan_ms = (int)ms;
	return 0;
}

/* The dashboard's `s` and `r`: seconds for init to halt before the kill,
 * bounded like `hako stop -t`. */
static int set_stop_timeout(struct parse_ctx *c, const char *key, const char *value)
{
	return set_uint(c, "tui", key, value, 1, 86400, "seconds", &c->s->stop_timeout);
}

/* yes/no, true/false, on/off, 1/0, as the INI files people know. */
static int set_bool(struct parse_ctx *c, const char *section, const char *key, const char *value,
		    bool *field)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
			*field = strcasecmp(value, yes[i]) == 0;
			return 0;
		}
	}
	return bad_value(c, section, key, value, "give yes or no");
}

static int set_console_filter(struct parse_ctx *c, const char *key, const char *value)
{
	return set_bool(c, "console", key, value, &c->s->console_filter);
}

static int set_console_replay(struct parse_ctx *c, const char *key, const char *value)
{
	return set_bool(c, "console", key, value, &c->s->console_replay);
}

/* [console] escape: the detach key of hako console and the dashboard's
 * console, written as for -e (^a, C-o, a letter, a number). */
static int set_console_escape(struct parse_ctx *c, const char *key, const char *value)
{
	hk_autoerr struct hk_error *why = NULL;
	if (hk_escape_parse(value, &c->s->console_escape, &why) < 0)
		return bad_value(c, "console", key, value,
				 "give ^a, C-o, a letter or a number 1-255");
	return 0;
}

/* [tui] confirm_stop: whether `s` asks before it stops a container. */
static int set_confirm_stop(struct parse_ctx *c, const char *key, const char *value)
{
	return set_bool(c, "tui", key, value, &c->s->confirm_stop);
}

/* [keys] ACTION = KEY: the TUI checks action and key names against its
 * tables; here only the shape.  A later line for an action replaces it. */
static int set_key(struct parse_ctx *c, const char *key, const char *value)
{
	if (!word_ok(key))
		return bad_value(c, "keys", key, value,
				 "an action name uses letters, digits, '_', '.' and '-'");
	if (!*value || strpbrk(value, " \t"))
		return bad_value(c, "keys", key, value, "give one key name, e.g. C-a or F5");
	struct hk_strv *k = &c->s->keys;
	size_t n = strlen(key);
	char *line = xasprintf("%s=%s", key, value);
	for (size_t i = 0; i < k->n; i++) {
		if (strncmp(k->v[i], key, n) == 0 && k->v[i][n] == '=') {
			free(k->v[i]);
			k->v[i] = line;
			return 0;
		}
	}
	hk_strv_push_owned(k, line);
	return 0;
}

const struct hk_remote *hk_settings_remote(const struct hk_settings *s, const char *name)
{
	for (size_t i = 0; i < s->n_remotes; i++)
		if (strcmp(s->remotes[i].name, name) == 0)
			return &s->remotes[i];
	return NULL;
}

/* [remotes] NAME = ssh://[USER@]HOST[:PORT] [path=LXCPATH] (remote.h). */
static int set_remote(struct parse_ctx *c, const char *key, const char *value)
{
	struct hk_settings *s = c->s;
	hk_autoerr struct hk_error *why = NULL;
	struct hk_remote r;
	if (hk_remote_parse_value(key, value, &r, &why) < 0)
		return bad_value(c, "remotes", key, value, why->msg);
	for (size_t i = 0; i < s->n_remotes; i++) {
		if (strcmp(s->remotes[i].name, key) != 0)
			continue;
		hk_remote_clear(&r);
		return hk_error_set(&c->err, EINVAL,
				    "%s:%u: remote \"%s\" is defined twice (first on line %u); "
				    "keep one of the two lines",
				    c->file, c->lineno, key, s->remote_lines[i]);
	}
	s->remotes = xrealloc(s->remotes, (s->n_remotes + 1) * sizeof(*s->remotes));
	s->remote_lines = xrealloc(s->remote_lines, (s->n_remotes + 1) * sizeof(*s->remote_lines));
	s->remotes[s->n_remotes] = r;
	s->remote_lines[s->n_remotes++] = c->lineno;
	return 0;
}

/* [ssh] config: the ssh client configuration file given to every ssh
 * hako runs (ssh -F FILE), for a separate set of hosts, keys and
 * known_hosts.  Absolute, and no byte ssh could read as another
 * argument. */
static int set_ssh_config(struct parse_ctx *c, const char *key, const char *value)
{
	bool ok = value[0] == '/';
	for (const char *p = value; ok && *p; p++)
		ok = (unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f;
	if (!ok)
		return bad_value(c, "ssh", key, value,
				 "give the absolute path of an ssh_config(5) file, without spaces");
	replace(&c->s->ssh_config, value);
	return 0;
}

/* [ssh] connect_timeout: ssh's ConnectTimeout, so that a host that does
 * not answer is reported within seconds. */
static int set_ssh_timeout(struct parse_ctx *c, const char *key, const char *value)
{
	return set_uint(c, "ssh", key, value, 1, 300, "seconds", &c->s->ssh_connect_timeout);
}

static const struct setting_key keys[] = {
	{ "", "lxcpath", set_lxcpath },
	{ "paths", "lxcpath", set_lxcpath },
	{ "create", "backend", set_backend },
	{ "net", "bridge", set_bridge },
	{ "net", "subnet", set_subnet },
	{ "tui", "theme", set_theme },
	{ "tui", "refresh", set_refresh },
	{ "tui", "rescan", set_rescan },
	{ "tui", "stop_timeout", set_stop_timeout },
	{ "tui", "confirm_stop", set_confirm_stop },
	{ "console", "filter", set_console_filter },
	{ "console", "replay", set_console_replay },
	{ "console", "escape", set_console_escape },
	{ "keys", NULL, set_key },
	{ "remotes", NULL, set_remote },
	{ "ssh", "config", set_ssh_config },
	{ "ssh", "connect_timeout", set_ssh_timeout },
};

static bool section_known(const char *section)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].section, section) == 0)
			return true;
	return false;
}

/* "bridge, subnet" for the message about an unknown key. */
static char *known_keys(const char *section)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < HK_ARRAY_SIZE(keys); i++) {
		if (strcmp(keys[i].section, section) != 0)
			continue;
		hk_buf_printf(&b, "%s%s", b.len ? ", " : "", keys[i].name);
	}
	return hk_buf_steal(&b);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	for (size_t i = 0; i < HK_ARRAY_SIZE(keys); i++) {
		const struct setting_key *k = &keys[i];
		if (strcmp(k->section, section) != 0 || (k->name && strcmp(k->name, name) != 0))
			continue;
		return k->set(c, name, value ? value : "") == 0;
	}
	hk_autofree char *shown = hk_str_escape(name, 80);
	hk_autofree char *known = known_keys(section);
	if (!*section)
		hk_error_set(&c->err, EINVAL,
			     "%s:%u: unknown key \"%s\" before any section; only lxcpath may stand "
			     "there, every other key belongs in a [section]",
			     c->file, c->lineno, shown);
	else
		hk_error_set(&c->err, EINVAL,
			     "%s:%u: unknown key \"%s\" in section [%s]; known keys: %s", c->file,
			     c->lineno, shown, section, known);
	return 0;
}

/* A section header as inih reads it: after leading blanks, '[' up to the
 * first ']' (not trimmed).  Without ']' inih reports a syntax error. */
static void check_section(struct parse_ctx *c, const char *line, size_t n)
{
	size_t i = 0;
	while (i < n && strchr(" \t\r\f\v", line[i]))
		i++;
	if (i == n || line[i] != '[')
		return;
	const char *close = memchr(line + i, ']', n - i);
	if (!close)
		return;
	hk_autofree char *sec = xstrndup(line + i + 1, (size_t)(close - line - i - 1));
	if (section_known(sec) && *sec)
		return;
	c->bad_section_line = c->lineno;
	c->bad_section = hk_str_escape(sec, 60);
}

/* fgets() over the text in memory, counting lines as it goes. */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	if (c->pos >= c->len || num < 2 || c->bad_section_line)
		return NULL;
	const char *start = c->text + c->pos;
	size_t avail = c->len - c->pos, n = 0;
	while (n < avail && n < (size_t)num - 1 && start[n++] != '\n')
		;
	if (c->at_line_start) {
		c->lineno++;
		const char *nl = memchr(start, '\n', avail);
		check_section(c, start, nl ? (size_t)(nl - start) : avail);
		if (c->bad_section_line)
			return NULL;
	}
	memcpy(str, start, n);
	str[n] = '\0';
	c->pos += n;
	c->at_line_start = start[n - 1] == '\n';
	return str;
}

/* NUL bytes and over-long lines would be cut or split by inih; refuse. */
static int precheck(const char *text, size_t len, const char *file, struct hk_error **err)
{
	unsigned line = 1;
	size_t col = 0;
	for (size_t i = 0; i < len; i++, col++) {
		if (text[i] == '\0')
			return hk_error_set(err, EINVAL,
					    "%s:%u: contains a NUL byte; hako.conf is text", file,
					    line);
		if (text[i] == '\n') {
			line++;
			col = 0;
			continue;
		}
		if (col >= LINE_MAX_BYTES)
			return hk_error_set(err, EINVAL, "%s:%u: line longer than %d bytes", file,
					    line, LINE_MAX_BYTES);
	}
	return 0;
}

int hk_settings_parse(struct hk_settings *s, const char *text, size_t len, const char *file,
		      struct hk_error **err)
{
	if (precheck(text, len, file, err) < 0)
		return -1;
	struct parse_ctx c = {
		.s = s, .file = file, .text = text, .len = len, .at_line_start = true
	};
	static char comment_prefixes[] = "#;";
	struct hk_ini_options o = { .multiline = false,
				    .inline_comments = false,
				    .stop_on_first_error = true,
				    .use_stack = false,
				    .allow_realloc = true,
				    .no_value = false,
				    .comment_prefixes = comment_prefixes,
				    .max_line = LINE_MAX_BYTES + 2 };
	int r = hk_ini_parse_stream(&o, reader, &c, handler, &c);
	if (c.bad_section_line) {
		hk_autofree char *bad = c.bad_section;
		return hk_error_set(
			err, EINVAL,
			"%s:%u: unknown section [%s]; known sections: [paths], [create], "
			"[net], [tui], [console], [keys], [remotes], [ssh]",
			file, c.bad_section_line, bad);
	}
	if (c.err) {
		hk_error_propagate(err, &c.err);
		return -1;
	}
	if (r == -2)
		abort(); /* inih's malloc failed: out of memory, as xmalloc would */
	if (r > 0)
		return hk_error_set(
			err, EINVAL,
			"%s:%u: syntax error: expected \"[section]\" or \"key = value\"", file,
			c.lineno);
	return 0;
}

void hk_settings_init(struct hk_settings *s)
{
	*s = (struct hk_settings){
		.default_backend = xstrdup("dir"),
		.bridge = xstrdup("hakobr0"),
		.subnet = xstrdup("10.0.100.1/24"),
		.theme = xstrdup("default"),
		.refresh_ms = 1000,
		.rescan_ms = -1,
		.stop_timeout = 30,
		.console_replay = true,
		.console_escape = HK_ESCAPE_DEFAULT,
		.confirm_stop = true,
		.ssh_connect_timeout = 5,
	};
}

void hk_settings_free(struct hk_settings *s)
{
	if (!s)
		return;
	free(s->lxcpath);
	free(s->default_backend);
	free(s->bridge);
	free(s->subnet);
	free(s->theme);
	hk_strv_clear(&s->keys);
	for (size_t i = 0; i < s->n_remotes; i++)
		hk_remote_clear(&s->remotes[i]);
	free(s->remotes);
	free(s->remote_lines);
	free(s->ssh_config);
	*s = (struct hk_settings){ 0 };
}

int hk_settings_load(struct hk_settings *s, const char *path, struct hk_error **err)
{
	hk_autofree char *text = NULL;
	size_t len = 0;
	hk_autoerr struct hk_error *e = NULL;
	if (hk_read_file_at(AT_FDCWD, path, &text, &len, 1u << 20, &e) < 0) {
		if (e->code == ENOENT)
			return 0;
		hk_error_propagate(err, &e);
		return -1;
	}
	return hk_settings_parse(s, text, len, path, err);
}
