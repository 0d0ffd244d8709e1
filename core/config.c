/* config.c - reading LXC-format container configs into struct hk_config.
 *
 * The text goes through inih (set up for one `key = value` per line, `#`
 * comments only at the start of a line, no sections, no continuation
 * lines, no length limit).  inih's handler gets no line number, so our own
 * reader feeds it the lines, counts them, and refuses what inih would
 * misread: a [section] line, a line without '=', a key holding ':'.  Each
 * key is resolved through the key table (config-keys.c) and applied by its
 * setter; every accepted line is also kept in cfg->entries.  lxc.include
 * recurses with a stack of the files being read (device and inode) to
 * refuse loops.  Also here: the rootfs spec, backend names, key/value
 * lists, printing a config back and filling MAC wildcards.
 */
#include "config-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ini-run.h"
#include "log.h"
#include "nest.h"

/* Deeper include chains than this are refused (a loop through differently
 * named hard links would otherwise recurse without end). */
#define MAX_INCLUDE_DEPTH 32

/* ---- backends, rootfs specs, key/value lists ----------------------- */

static const struct {
	const char *name;
	enum hk_backend b;
} backends[] = {
	{ "dir", HK_BACKEND_DIR },	     { "overlay", HK_BACKEND_OVERLAY },
	{ "overlayfs", HK_BACKEND_OVERLAY }, { "btrfs", HK_BACKEND_BTRFS },
	{ "zfs", HK_BACKEND_ZFS },	     { "aufs", HK_BACKEND_AUFS },
	{ "lvm", HK_BACKEND_LVM },
};

const char *hk_backend_name(enum hk_backend b)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(backends); i++)
		if (backends[i].b == b)
			return backends[i].name;
	return "unset";
}

enum hk_backend hk_backend_from_name(const char *name)
{
	for (size_t i = 0; name && i < HK_ARRAY_SIZE(backends); i++)
		if (strcmp(backends[i].name, name) == 0)
			return backends[i].b;
	return HK_BACKEND_UNSET;
}

/* Is "word:" a backend-like prefix (letters only)?  Then an unknown one is
 * an error; a path such as "./a:b" or "/x:y" is just a path. */
static bool looks_like_prefix(const char *value, size_t n)
{
	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)value[i]))
			return false;
	return true;
}

int hk_rootfs_spec_parse(const char *value, struct hk_rootfs_spec *out, struct hk_error **err)
{
	*out = (struct hk_rootfs_spec){ 0 };
	const char *colon = strchr(value, ':');
	const char *rest = value;
	enum hk_backend b = HK_BACKEND_DIR;
	if (colon && value[0] != '/') {
		hk_autofree char *pfx = xstrndup(value, (size_t)(colon - value));
		b = hk_backend_from_name(pfx);
		if (b == HK_BACKEND_UNSET && looks_like_prefix(value, strlen(pfx)))
			return hk_error_set(
				err, EINVAL,
				"unknown storage backend \"%s\"; expected dir, overlay, "
				"aufs, btrfs, zfs or lvm, or a plain path",
				pfx);
		rest = b == HK_BACKEND_UNSET ? value : colon + 1;
		b = b == HK_BACKEND_UNSET ? HK_BACKEND_DIR : b;
	}
	const char *upper = NULL;
	if (b == HK_BACKEND_OVERLAY || b == HK_BACKEND_AUFS) {
		upper = strchr(rest, ':');
		if (!upper || upper == rest || !upper[1] || strchr(upper + 1, ':'))
			return hk_error_set(err, EINVAL, "expected %s:LOWER:UPPER",
					    hk_backend_name(b));
	}
	if (!*rest)
		return hk_error_set(err, EINVAL, "the %s backend needs a path", hk_backend_name(b));
	out->backend = b;
	out->path = upper ? xstrndup(rest, (size_t)(upper - rest)) : xstrdup(rest);
	out->upper = upper ? xstrdup(upper + 1) : NULL;
	out->raw = xstrdup(value);
	return 0;
}

void hk_rootfs_spec_free(struct hk_rootfs_spec *r)
{
	free(r->path);
	free(r->upper);
	free(r->raw);
	*r = (struct hk_rootfs_spec){ 0 };
}

void hk_kvlist_add(struct hk_kvlist *l, const char *key, const char *value)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = (struct hk_kv){ xstrdup(key), xstrdup(value) };
}

void hk_kvlist_clear(struct hk_kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- the config struct --------------------------------------------- */

void hk_config_init(struct hk_config *cfg)
{
	*cfg = (struct hk_config){ 0 };
	cfg->autodev = true;
	cfg->init_uid = -1;
	cfg->init_gid = -1;
	cfg->log_level = -1;
}

void hk_net_spec_free(struct hk_net_spec *n)
{
	char **strs[] = { &n->type,	    &n->link,	   &n->flags,	     &n->hwaddr,
			  &n->name,	    &n->veth_pair, &n->macvlan_mode, &n->ipv4_gateway,
			  &n->ipv6_gateway, &n->script_up, &n->script_down };
	for (size_t i = 0; i < HK_ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	hk_strv_clear(&n->ipv4);
	hk_strv_clear(&n->ipv6);
	*n = (struct hk_net_spec){ 0 };
}

void hk_config_free(struct hk_config *cfg)
{
	char **strs[] = { &cfg->path,
			  &cfg->rootfs_mount,
			  &cfg->rootfs_options,
			  &cfg->mount_fstab,
			  &cfg->cgroup_dir,
			  &cfg->seccomp_profile,
			  &cfg->apparmor_profile,
			  &cfg->selinux_context,
			  &cfg->uts_name,
			  &cfg->init_cmd,
			  &cfg->init_cwd,
			  &cfg->execute_cmd,
			  &cfg->console_path,
			  &cfg->console_logfile,
			  &cfg->arch,
			  &cfg->log_file,
			  &cfg->tty_dir };
	for (size_t i = 0; i < HK_ARRAY_SIZE(strs); i++)
		free(*strs[i]);
	struct hk_strv *vs[] = { &cfg->files,	 &cfg->mount_entries, &cfg->mount_auto,
				 &cfg->cap_drop, &cfg->cap_keep,      &cfg->environment,
				 &cfg->groups,	 &cfg->host_notes };
	for (size_t i = 0; i < HK_ARRAY_SIZE(vs); i++)
		hk_strv_clear(vs[i]);
	struct hk_kvlist *kvs[] = { &cfg->cgroup_v1, &cfg->cgroup_v2, &cfg->sysctl, &cfg->prlimits,
				    &cfg->hooks };
	for (size_t i = 0; i < HK_ARRAY_SIZE(kvs); i++)
		hk_kvlist_clear(kvs[i]);
	hk_rootfs_spec_free(&cfg->rootfs);
	hk_idmap_free(&cfg->idmap);
	for (size_t i = 0; i < cfg->n_nets; i++)
		hk_net_spec_free(&cfg->nets[i]);
	free(cfg->nets);
	for (size_t i = 0; i < cfg->n_entries; i++) {
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
		free(cfg->entries[i].file);
	}
	free(cfg->entries);
	hk_config_init(cfg);
}

struct hk_net_spec *hk_config_net(struct hk_config *cfg, unsigned index)
{
	size_t at = 0;
	while (at < cfg->n_nets && cfg->nets[at].index < index)
		at++;
	if (at < cfg->n_nets && cfg->nets[at].index == index)
		return &cfg->nets[at];
	cfg->nets = xrealloc(cfg->nets, (cfg->n_nets + 1) * sizeof(*cfg->nets));
	memmove(&cfg->nets[at + 1], &cfg->nets[at], (cfg->n_nets - at) * sizeof(*cfg->nets));
	cfg->n_nets++;
	cfg->nets[at] = (struct hk_net_spec){ .index = index };
	return &cfg->nets[at];
}

static void net_remove(struct hk_config *cfg, unsigned index)
{
	for (size_t i = 0; i < cfg->n_nets; i++) {
		if (cfg->nets[i].index != index)
			continue;
		hk_net_spec_free(&cfg->nets[i]);
		memmove(&cfg->nets[i], &cfg->nets[i + 1],
			(cfg->n_nets - i - 1) * sizeof(*cfg->nets));
		cfg->n_nets--;
		return;
	}
}

static void add_entry(struct hk_config *cfg, char *key, const char *value, const char *file,
		      unsigned line)
{
	cfg->entries = xrealloc(cfg->entries, (cfg->n_entries + 1) * sizeof(*cfg->entries));
	cfg->entries[cfg->n_entries++] =
		(struct hk_config_entry){ .key = key,
					  .value = xstrdup(value),
					  .file = file ? xstrdup(file) : NULL,
					  .line = line };
}

bool hk_config_apparmor_enabled(void)
{
	static int cached = -1;
	if (cached < 0) {
		hk_autofree char *s = NULL;
		cached = (hk_read_file("/sys/module/apparmor/parameters/enabled", &s, NULL, NULL) ==
				  0 &&
			  s[0] == 'Y') ||
			 access("/sys/kernel/security/apparmor", F_OK) == 0;
	}
	return cached;
}

static void apparmor_warn(struct hk_config *cfg, const char *key)
{
	cfg->warnings++;
	for (size_t i = 0; i < cfg->host_notes.n; i++)
		if (strstr(cfg->host_notes.v[i], "AppArmor"))
			return;
	hk_autofree char *note = xasprintf(
		"%s: AppArmor is not enabled on this host; AppArmor keys are ignored", key);
	hk_strv_push(&cfg->host_notes, note);
}

/* Applies a resolved key; sets *net_out to the interface it touched. */
static int apply(struct hk_config *cfg, const struct hk_key_ref *ref, const char *value,
		 long *net_out, struct hk_error **err)
{
	const struct hk_key_def *def = ref->def;
	void *obj = cfg;
	size_t nets_before = cfg->n_nets;
	long idx = ref->net;
	if (def->shape == HK_KEY_NET) {
		unsigned last = cfg->n_nets ? cfg->nets[cfg->n_nets - 1].index : 0;
		if (ref->new_net)
			idx = cfg->n_nets ? (long)last + 1 : 0;
		else if (ref->legacy_net && !cfg->n_nets)
			return hk_error_set(err, EINVAL,
					    "no interface yet; lxc.network.type must come first");
		else if (ref->legacy_net)
			idx = last;
		if (idx > UINT_MAX)
			return hk_error_set(err, ERANGE, "too many interfaces");
		obj = hk_config_net(cfg, (unsigned)idx);
	}
	*net_out = idx;
	if (def->set(cfg, obj, def, ref->sub, value, err) < 0) {
		if (cfg->n_nets > nets_before)
			net_remove(cfg, (unsigned)idx);
		return -1;
	}
	if ((def->flags & HK_KEY_APPARMOR) && !hk_config_apparmor_enabled())
		apparmor_warn(cfg, def->info.name);
	return 0;
}

int hk_config_set(struct hk_config *cfg, const char *key, const char *value, struct hk_error **err)
{
	struct hk_key_ref ref;
	if (strchr(value, '\n'))
		return hk_error_set(err, EINVAL, "%s: a value cannot span lines", key);
	if (hk_key_resolve(key, &ref, err) < 0)
		return -1;
	if (!ref.def) {
		hk_log(HK_LOG_DEBUG, "%s is obsolete and ignored", key);
		return 0;
	}
	long net = -1;
	int r = apply(cfg, &ref, value, &net, err);
	if (r < 0)
		hk_error_prefix(err, "%s \"%s\"", key, value);
	else if (!(ref.def->flags & HK_KEY_INCLUDE))
		add_entry(cfg, hk_key_ref_canon(&ref, net), value, NULL, 0);
	hk_key_ref_free(&ref);
	return r;
}

int hk_config_get(const struct hk_config *cfg, const char *key, struct hk_strv *out,
		  struct hk_error **err)
{
	struct hk_key_ref ref;
	if (hk_key_resolve(key, &ref, err) < 0)
		return -1;
	if (!ref.def)
		return hk_error_set(err, ENOENT, "%s is obsolete and ignored; it has no value",
				    key);
	const void *obj = cfg;
	if (ref.def->shape == HK_KEY_NET) {
		long idx = ref.legacy_net
				   ? (cfg->n_nets ? (long)cfg->nets[cfg->n_nets - 1].index : -1)
				   : ref.net;
		obj = NULL;
		for (size_t i = 0; i < cfg->n_nets; i++)
			if ((long)cfg->nets[i].index == idx)
				obj = &cfg->nets[i];
	}
	if (obj)
		ref.def->get(obj, ref.def, ref.sub, out);
	if (out->n == 0)
		hk_strv_push(out, "");
	hk_key_ref_free(&ref);
	return 0;
}

size_t hk_config_key_count(void)
{
	return hk_key_table_size();
}

const struct hk_config_key_info *hk_config_key_at(size_t i)
{
	const struct hk_key_def *d = hk_key_table_at(i);
	return d ? &d->info : NULL;
}

const char *hk_config_key_modern(const char *key)
{
	struct hk_key_ref ref;
	if (hk_key_resolve(key, &ref, NULL) < 0 || !ref.def)
		return NULL;
	hk_key_ref_free(&ref);
	return ref.def->info.name;
}

/* ---- parsing ------------------------------------------------------- */

struct parse_ctx {
	struct hk_config *cfg;
	const char *name; /* file name shown in messages */
	const char *dir;  /* directory of relative includes; NULL = cwd */
	const char *text;
	size_t len, pos;
	unsigned line;
	bool mid_line;	       /* inih asked for the rest of a long line */
	struct hk_strv *stack; /* "dev:ino" of the files being read */
	unsigned depth;
	struct hk_error *err;
};

static int parse_file_at(struct hk_config *cfg, const char *path, struct hk_strv *stack,
			 unsigned depth, struct stat *top, struct hk_error **err);

static int line_error(struct parse_ctx *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int line_error(struct parse_ctx *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hk_error_setv(&p->err, 0, fmt, ap);
	va_end(ap);
	return hk_error_prefix(&p->err, "\"%s\" line %u", p->name, p->line);
}

/* Refuses the lines inih would take for something else. */
static int check_line(struct parse_ctx *p)
{
	const char *s = p->text + p->pos, *end = memchr(s, '\n', p->len - p->pos);
	size_t n = end ? (size_t)(end - s) : p->len - p->pos;
	if (p->pos == 0 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3, n -= 3;
	while (n && isspace((unsigned char)*s))
		s++, n--;
	if (n == 0 || *s == '#')
		return 0;
	if (*s == '[')
		return line_error(p, "\"%.*s\": a container config has no [sections]",
				  (int)(n > 60 ? 60 : n), s);
	const char *eq = memchr(s, '=', n);
	if (!eq)
		return line_error(p, "\"%.*s\" is not a \"key = value\" line",
				  (int)(n > 60 ? 60 : n), s);
	const char *colon = memchr(s, ':', (size_t)(eq - s));
	if (colon) {
		hk_autofree char *k = xstrndup(s, (size_t)(eq - s));
		return line_error(p, "unknown key \"%s\"; see hako.conf(5)", hk_str_trim(k));
	}
	return 0;
}

static char *reader(char *buf, int num, void *stream)
{
	struct parse_ctx *p = stream;
	if (p->err || p->pos >= p->len || num < 2)
		return NULL;
	if (!p->mid_line) {
		p->line++;
		if (check_line(p) < 0)
			return NULL;
	}
	size_t n = 0, max = (size_t)num - 1;
	while (n < max && p->pos + n < p->len)
		if (p->text[p->pos + n++] == '\n')
			break;
	memcpy(buf, p->text + p->pos, n);
	buf[n] = '\0';
	p->pos += n;
	p->mid_line = buf[n - 1] != '\n';
	return buf;
}

/* LXC strips one pair of matching quotes around a value. */
static char *unquote(const char *v)
{
	size_t n = strlen(v);
	if (n > 1 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
		return xstrndup(v + 1, n - 2);
	return xstrdup(v);
}

static int do_include(struct parse_ctx *p, const char *value)
{
	if (!*value)
		return 0;
	hk_autofree char *path =
		value[0] == '/' || !p->dir ? xstrdup(value) : xasprintf("%s/%s", p->dir, value);
	struct stat st;
	if (stat(path, &st) < 0 && errno == ENOENT &&
	    hk_str_has_prefix(path, HK_NEST_LXC_CONFIG_DIR "/")) {
		/* Without LXC installed, LXC's nesting.conf is hako's profile. */
		char *own = xasprintf("%s%s", HK_NEST_PROFILE_DIR,
				      path + strlen(HK_NEST_LXC_CONFIG_DIR));
		if (access(own, F_OK) == 0) {
			free(path);
			path = own;
		} else {
			free(own);
		}
	}
	if (stat(path, &st) < 0) {
		/* LXC's stock userns.conf includes an optional userns.conf.d/. */
		if (errno == ENOENT && hk_str_has_suffix(value, "/")) {
			hk_log(HK_LOG_DEBUG, "include directory \"%s\" does not exist", path);
			return 0;
		}
		return hk_error_errno(&p->err, "cannot read \"%s\"", path);
	}
	if (!S_ISDIR(st.st_mode))
		return parse_file_at(p->cfg, path, p->stack, p->depth + 1, NULL, &p->err);
	struct dirent **list;
	int n = scandir(path, &list, NULL, alphasort);
	if (n < 0)
		return hk_error_errno(&p->err, "cannot list \"%s\"", path);
	int r = 0;
	for (int i = 0; i < n; i++) {
		if (r == 0 && hk_str_has_suffix(list[i]->d_name, ".conf") &&
		    list[i]->d_name[0] != '.') {
			hk_autofree char *f = xasprintf("%s/%s", path, list[i]->d_name);
			r = parse_file_at(p->cfg, f, p->stack, p->depth + 1, NULL, &p->err);
		}
		free(list[i]);
	}
	free(list);
	return r;
}

static int handle_pair(struct parse_ctx *p, const char *key, const char *raw)
{
	struct hk_key_ref ref;
	if (hk_key_resolve(key, &ref, &p->err) < 0)
		return hk_error_prefix(&p->err, "\"%s\" line %u", p->name, p->line);
	if (!ref.def) {
		hk_log(HK_LOG_DEBUG, "\"%s\" line %u: %s is obsolete and ignored", p->name, p->line,
		       key);
		return 0;
	}
	hk_autofree char *value = unquote(raw);
	long net = -1;
	int r = ref.def->flags & HK_KEY_INCLUDE ? do_include(p, value)
						: apply(p->cfg, &ref, value, &net, &p->err);
	if (r < 0)
		hk_error_prefix(&p->err, "\"%s\" line %u: %s \"%s\"", p->name, p->line, key, value);
	else
		add_entry(p->cfg, hk_key_ref_canon(&ref, net), value, p->name, p->line);
	hk_key_ref_free(&ref);
	return r;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *p = user;
	(void)section; /* always "": check_line refuses [section] lines */
	if (!value) {
		line_error(p, "\"%s\" is not a \"key = value\" line", name);
		return 0;
	}
	return handle_pair(p, name, value) == 0;
}

static int run_inih(struct parse_ctx *p, struct hk_error **err)
{
	static char comment_prefixes[] = "#";
	const struct hk_ini_options o = {
		.multiline = false,
		.inline_comments = false,
		.stop_on_first_error = true,
		.use_stack = false,
		.allow_realloc = true,
		.no_value = true,
		.comment_prefixes = comment_prefixes,
		.max_line = INT_MAX / 2, /* grows by doubling only as far as a line needs */
	};
	int r = hk_ini_parse_stream(&o, reader, p, handler, p);
	if (p->err) {
		hk_error_propagate(err, &p->err);
		return -1;
	}
	if (r == -2)
		abort(); /* out of memory, as xmalloc would */
	if (r != 0)
		return hk_error_set(err, EINVAL, "\"%s\" line %u: cannot parse", p->name, p->line);
	return 0;
}

static int parse_text(struct hk_config *cfg, const char *text, size_t len, const char *name,
		      const char *dir, struct hk_strv *stack, unsigned depth, struct hk_error **err)
{
	if (memchr(text, '\0', len))
		return hk_error_set(err, EINVAL,
				    "\"%s\": binary data (a NUL byte) in a config file", name);
	struct parse_ctx p = {
		.cfg = cfg,
		.name = name,
		.dir = dir,
		.text = text,
		.len = len,
		.stack = stack,
		.depth = depth,
	};
	return run_inih(&p, err);
}

/* top (may be NULL): the fstat of the file read, as it was before the
 * read. */
static int parse_file_at(struct hk_config *cfg, const char *path, struct hk_strv *stack,
			 unsigned depth, struct stat *top, struct hk_error **err)
{
	/* A file is the same file by device and inode, whatever path (links,
	 * "..") names it: fstat of the open file, no realpath walk. */
	hk_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return hk_error_errno(err, "cannot read config \"%s\"", path);
	if (top)
		*top = sb;
	char id[48];
	snprintf(id, sizeof(id), "%ju:%ju", (uintmax_t)sb.st_dev, (uintmax_t)sb.st_ino);
	if (hk_strv_contains(stack, id))
		return hk_error_set(err, ELOOP,
				    "include loop: \"%s\" is already being read; "
				    "remove one of the lxc.include lines",
				    path);
	if (depth > MAX_INCLUDE_DEPTH)
		return hk_error_set(err, ELOOP, "includes nested deeper than %d at \"%s\"",
				    MAX_INCLUDE_DEPTH, path);
	hk_autofree char *text = NULL;
	size_t len;
	if (hk_read_fd(fd, path, &text, &len, 0, err) < 0)
		return hk_error_prefix(err, "config \"%s\"", path);
	hk_autofree char *copy = xstrdup(path);
	hk_autofree char *dir = xstrdup(dirname(copy));
	hk_strv_push(&cfg->files, path);
	hk_strv_push(stack, id);
	int r = parse_text(cfg, text, len, path, dir, stack, depth, err);
	free(stack->v[--stack->n]);
	stack->v[stack->n] = NULL;
	return r;
}

int hk_config_parse_file(struct hk_config *cfg, const char *path, struct hk_error **err)
{
	return hk_config_parse_file_stat(cfg, path, NULL, err);
}

int hk_config_parse_file_stat(struct hk_config *cfg, const char *path, struct stat *top,
			      struct hk_error **err)
{
	hk_autostrv struct hk_strv stack = { 0 };
	int r = parse_file_at(cfg, path, &stack, 0, top, err);
	if (r == 0) {
		free(cfg->path);
		cfg->path = xstrdup(path);
	}
	return r;
}

int hk_config_parse_text_at(struct hk_config *cfg, const char *text, const char *name,
			    const char *dir, struct hk_error **err)
{
	hk_autostrv struct hk_strv stack = { 0 };
	return parse_text(cfg, text, strlen(text), name, dir, &stack, 0, err);
}

int hk_config_parse_string(struct hk_config *cfg, const char *text, const char *name,
			   struct hk_error **err)
{
	return hk_config_parse_text_at(cfg, text, name ? name : "(string)", NULL, err);
}

int hk_config_include_setter(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
			     const char *sub, const char *value, struct hk_error **err)
{
	(void)obj, (void)def, (void)sub;
	hk_autostrv struct hk_strv stack = { 0 };
	struct parse_ctx p = { .cfg = cfg, .name = "(set)", .stack = &stack };
	int r = do_include(&p, value);
	hk_error_propagate(err, &p.err);
	return r;
}

/* ---- printing back ------------------------------------------------- */

static bool strv_equal(const struct hk_strv *a, const struct hk_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

/* Quotes a value the parser would otherwise trim or unquote. */
static void put_line(struct hk_buf *b, const char *key, const char *v)
{
	size_t n = strlen(v);
	bool quote = n && (isspace((unsigned char)v[0]) || isspace((unsigned char)v[n - 1]) ||
			   (n > 1 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]));
	hk_buf_printf(b, quote ? "%s = \"%s\"\n" : "%s = %s\n", key, v);
}

/* Prints the values of one plain or net key that differ from the default. */
static bool format_key(struct hk_buf *b, const struct hk_key_def *d, const void *obj,
		       const void *dflt, const char *key)
{
	struct hk_strv now = { 0 }, was = { 0 };
	d->get(obj, d, NULL, &now);
	d->get(dflt, d, NULL, &was);
	bool differ = !strv_equal(&now, &was);
	for (size_t i = 0; differ && i < now.n; i++)
		put_line(b, key, now.v[i]);
	hk_strv_clear(&now);
	hk_strv_clear(&was);
	return differ;
}

static void format_net(struct hk_buf *b, const struct hk_net_spec *n)
{
	static const struct hk_net_spec zero;
	bool any = false;
	for (size_t i = 0; i < hk_key_table_size(); i++) {
		const struct hk_key_def *d = hk_key_table_at(i);
		if (d->shape != HK_KEY_NET)
			continue;
		hk_autofree char *key = xasprintf("lxc.net.%u.%s", n->index, d->info.name + 10);
		any |= format_key(b, d, n, &zero, key);
	}
	if (!any) /* keeps an interface with nothing set */
		hk_buf_printf(b, "lxc.net.%u.type =\n", n->index);
}

char *hk_config_format(const struct hk_config *cfg)
{
	struct hk_buf b = { 0 };
	struct hk_config dflt;
	hk_config_init(&dflt);
	for (size_t i = 0; i < hk_key_table_size(); i++) {
		const struct hk_key_def *d = hk_key_table_at(i);
		if (d->shape == HK_KEY_PLAIN) {
			format_key(&b, d, cfg, &dflt, d->info.name);
		} else if (d->shape == HK_KEY_PREFIX) {
			const struct hk_kvlist *l = (const void *)((const char *)cfg + d->off);
			int pl = (int)strlen(d->info.name) - 1;
			for (size_t j = 0; j < l->n; j++) {
				hk_autofree char *key =
					xasprintf("%.*s%s", pl, d->info.name, l->v[j].key);
				put_line(&b, key, l->v[j].value);
			}
		} else if (strcmp(d->info.name, "lxc.net.N.type") == 0) {
			for (size_t j = 0; j < cfg->n_nets; j++)
				format_net(&b, &cfg->nets[j]);
		}
	}
	return hk_buf_steal(&b);
}
