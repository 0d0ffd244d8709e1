/* config-keys.c - the one table of container config keys.
 *
 * Each entry names a modern key (lxc.net.N.* for interface keys, a
 * trailing ".*" for prefix keys such as lxc.cgroup.*), its setter (which
 * validates), its getter (which prints the typed field back), a one-line
 * doc and whether it is a list.  Legacy LXC 1.x/2.x spellings live in a
 * second table that maps them onto modern names; hk_key_resolve() turns
 * any spelling into a table entry plus the interface index or subkey.
 * The table drives the parser, hk_config_get(), hk_config_format(),
 * `hako config -l`, the man page test and the round-trip test.
 */
#include "config-internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

#include "log.h"

#define FIELD(obj, def, type)  ((type *)((char *)(obj) + (def)->off))
#define CFIELD(obj, def, type) ((const type *)((const char *)(obj) + (def)->off))
#define CFG_OFF(f)	       offsetof(struct hk_config, f)
#define NET_OFF(f)	       offsetof(struct hk_net_spec, f)

/* The default of a scalar field, so that an empty value resets it. */
static void scalar_default(const struct hk_key_def *def, void *dst, size_t size)
{
	if (def->shape == HK_KEY_NET) {
		memset(dst, 0, size);
		return;
	}
	struct hk_config d;
	hk_config_init(&d);
	memcpy(dst, (const char *)&d + def->off, size);
	hk_config_free(&d);
}

/* ---- validators ---------------------------------------------------- */

static int check_ifname(const char *v, struct hk_error **err)
{
	if (strlen(v) > 15)
		return hk_error_set(err, EINVAL, "an interface name has at most 15 characters");
	for (const char *p = v; *p; p++)
		if (*p == '/' || isspace((unsigned char)*p))
			return hk_error_set(err, EINVAL,
					    "an interface name may not hold '/' or blanks");
	return 0;
}

static int check_word_in(const char *v, const char *const *words, const char *what,
			 const char *hint, struct hk_error **err)
{
	for (size_t i = 0; words[i]; i++)
		if (strcmp(v, words[i]) == 0)
			return 0;
	return hk_error_set(err, EINVAL, "unknown %s; expected %s", what, hint);
}

static int check_net_type(const char *v, struct hk_error **err)
{
	static const char *const types[] = { "veth", "empty", "none", "macvlan",
					     "phys", "vlan",  NULL };
	return check_word_in(v, types, "interface type", "veth, empty, none, macvlan, phys or vlan",
			     err);
}

static int check_flags(const char *v, struct hk_error **err)
{
	if (strcmp(v, "up") != 0)
		return hk_error_set(err, EINVAL, "the only flag is \"up\"");
	return 0;
}

static int check_macvlan_mode(const char *v, struct hk_error **err)
{
	static const char *const modes[] = { "private", "vepa", "bridge", "passthru", NULL };
	return check_word_in(v, modes, "macvlan mode", "private, vepa, bridge or passthru", err);
}

static bool is_hex(char c)
{
	return isxdigit((unsigned char)c);
}

static int check_hwaddr(const char *v, struct hk_error **err)
{
	bool ok = strlen(v) == 17;
	for (int i = 0; ok && i < 6; i++) {
		const char *b = v + 3 * i;
		bool wild = (b[0] == 'x' || b[0] == 'X') && (b[1] == 'x' || b[1] == 'X');
		ok = (wild || (is_hex(b[0]) && is_hex(b[1]))) && (i == 5 || b[2] == ':');
	}
	if (!ok)
		return hk_error_set(err, EINVAL,
				    "expected a MAC address like 00:16:3e:xx:xx:xx (xx: random)");
	return 0;
}

/* "ADDR[/PREFIX]", with an optional broadcast word after an IPv4 one. */
static int check_addr(const char *v, int family, struct hk_error **err)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char bin[16];
	size_t n = strcspn(v, "/ \t");
	const char *rest = v + n;
	bool ok = n < sizeof(buf);
	if (ok) {
		memcpy(buf, v, n);
		buf[n] = '\0';
		ok = inet_pton(family, buf, bin) == 1;
	}
	if (ok && *rest == '/') {
		char *end;
		errno = 0;
		unsigned long pfx =
			isdigit((unsigned char)rest[1]) ? strtoul(rest + 1, &end, 10) : 999;
		ok = pfx <= (family == AF_INET ? 32UL : 128UL) && !errno;
		rest = ok ? end : rest;
	}
	if (ok && *rest) {
		const char *b = rest + strspn(rest, " \t");
		ok = family == AF_INET && b != rest && inet_pton(AF_INET, b, bin) == 1;
	}
	if (!ok)
		return hk_error_set(err, EINVAL, "expected an %s address with an optional /prefix",
				    family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

static int check_ipv4(const char *v, struct hk_error **err)
{
	return check_addr(v, AF_INET, err);
}

static int check_ipv6(const char *v, struct hk_error **err)
{
	return check_addr(v, AF_INET6, err);
}

static int check_gateway(const char *v, int family, struct hk_error **err)
{
	unsigned char bin[16];
	if (strcmp(v, "auto") == 0 || strcmp(v, "dev") == 0 || inet_pton(family, v, bin) == 1)
		return 0;
	return hk_error_set(err, EINVAL, "expected an %s address, \"auto\" or \"dev\"",
			    family == AF_INET ? "IPv4" : "IPv6");
}

static int check_gw4(const char *v, struct hk_error **err)
{
	return check_gateway(v, AF_INET, err);
}

static int check_gw6(const char *v, struct hk_error **err)
{
	return check_gateway(v, AF_INET6, err);
}

static int check_utsname(const char *v, struct hk_error **err)
{
	if (strlen(v) > 64)
		return hk_error_set(err, EINVAL, "a host name has at most 64 characters");
	return 0;
}

static int check_arch(const char *v, struct hk_error **err)
{
	static const char *const arches[] = {
		"i386",	   "i486",	"i586",	   "i686",    "x86",	 "x86_64",
		"amd64",   "arm",	"armel",   "armhf",   "armv7l",	 "armv7",
		"arm64",   "aarch64",	"ppc",	   "powerpc", "ppc64",	 "ppc64el",
		"ppc64le", "powerpc64", "ppcle",   "s390x",   "mips",	 "mipsel",
		"mips64",  "mips64el",	"riscv64", "linux32", "linux64", NULL,
	};
	return check_word_in(v, arches, "architecture", "e.g. x86_64, amd64, i686, arm64, armhf",
			     err);
}

static int check_env(const char *v, struct hk_error **err)
{
	if (v[0] == '=' || strchr(v, '\n'))
		return hk_error_set(err, EINVAL, "expected NAME=VALUE or NAME");
	return 0;
}

/* ---- capabilities, mount.auto words, signals ----------------------- */

static int cap_word(const char *w, bool keep, char **out, struct hk_error **err)
{
	hk_autofree char *low = xstrdup(w);
	for (char *p = low; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *name = hk_str_has_prefix(low, "cap_") ? low + 4 : low;
	if (keep && strcmp(name, "none") == 0) {
		*out = xstrdup(name);
		return 0;
	}
	hk_autofree char *full = xasprintf("cap_%s", name);
	cap_value_t cv;
	unsigned long num;
	if (!*name ||
	    (cap_from_name(full, &cv) < 0 && !(hk_parse_ulong(name, &num) && num <= CAP_LAST_CAP)))
		return hk_error_set(err, EINVAL, "unknown capability \"%s\"%s", w,
				    keep ? "; use a name such as sys_admin, or none"
					 : "; use a name such as sys_module");
	*out = xstrdup(name);
	return 0;
}

static bool mount_auto_ok(const char *w)
{
	static const char *const words[] = {
		"proc",
		"proc:mixed",
		"proc:rw",
		"sys",
		"sys:ro",
		"sys:rw",
		"sys:mixed",
		"cgroup",
		"cgroup:mixed",
		"cgroup:ro",
		"cgroup:rw",
		"cgroup:force",
		"cgroup:mixed:force",
		"cgroup:ro:force",
		"cgroup:rw:force",
		"cgroup-full",
		"cgroup-full:mixed",
		"cgroup-full:ro",
		"cgroup-full:rw",
		"cgroup-full:force",
		"cgroup-full:mixed:force",
		"cgroup-full:ro:force",
		"cgroup-full:rw:force",
		NULL,
	};
	for (size_t i = 0; words[i]; i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	/* shmounts:HOSTPATH[:CONTAINERPATH] */
	if (hk_str_has_prefix(w, "shmounts:")) {
		const char *p = w + 9, *c = strchr(p, ':');
		return *p && *p != ':' && (!c || (c[1] && !strchr(c + 1, ':')));
	}
	return false;
}

static const char *sig_abbrev(int sig)
{
	return sig > 0 && sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;
}

/* Names (SIGUSR1, USR1, sigpwr, RTMIN+3) and numbers. */
static int parse_signal(const char *v, int *out)
{
	unsigned long n;
	if (hk_parse_ulong(v, &n))
		return n > 0 && n < (unsigned long)SIGRTMAX + 1 ? (*out = (int)n, 0) : -1;
	const char *name = strncasecmp(v, "SIG", 3) == 0 ? v + 3 : v;
	for (int s = 1; s < SIGRTMIN; s++) {
		const char *a = sig_abbrev(s);
		if (a && strcasecmp(name, a) == 0)
			return *out = s, 0;
	}
	int base = strncasecmp(name, "RTMIN", 5) == 0	? SIGRTMIN
		   : strncasecmp(name, "RTMAX", 5) == 0 ? SIGRTMAX
							: 0;
	if (!base)
		return -1;
	if (!name[5])
		return *out = base, 0;
	if ((base == SIGRTMIN && name[5] != '+') || (base == SIGRTMAX && name[5] != '-') ||
	    !hk_parse_ulong(name + 6, &n) || n > (unsigned long)(SIGRTMAX - SIGRTMIN))
		return -1;
	*out = base == SIGRTMIN ? base + (int)n : base - (int)n;
	return 0;
}

/* Sizes: "auto" (128 KiB, as LXC) or a number with B/K/KB/KiB/M/... */
static int parse_size(const char *v, unsigned long *out)
{
	if (strcmp(v, "auto") == 0)
		return *out = 128 * 1024, 0;
	static const struct {
		const char *unit;
		unsigned shift;
	} units[] = { { "", 0 },     { "b", 0 },   { "k", 10 },	 { "kb", 10 },
		      { "kib", 10 }, { "m", 20 },  { "mb", 20 }, { "mib", 20 },
		      { "g", 30 },   { "gb", 30 }, { "gib", 30 } };
	if (!isdigit((unsigned char)*v))
		return -1;
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 10);
	if (errno)
		return -1;
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < HK_ARRAY_SIZE(units); i++) {
		if (strcasecmp(end, units[i].unit) != 0)
			continue;
		if (n > (ULONG_MAX >> units[i].shift))
			return -1;
		return *out = n << units[i].shift, 0;
	}
	return -1;
}

/* ---- setters ------------------------------------------------------- */

static int set_str(struct hk_config *cfg, void *obj, const struct hk_key_def *def, const char *sub,
		   const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	char **f = FIELD(obj, def, char *);
	if (*value && def->check && def->check(value, err) < 0)
		return -1;
	free(*f);
	*f = *value ? xstrdup(value) : NULL;
	return 0;
}

static int set_bool(struct hk_config *cfg, void *obj, const struct hk_key_def *def, const char *sub,
		    const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	bool *f = FIELD(obj, def, bool);
	if (!*value)
		scalar_default(def, f, sizeof(*f));
	else if (strcmp(value, "0") == 0 || strcmp(value, "1") == 0)
		*f = value[0] == '1';
	else
		return hk_error_set(err, EINVAL, "expected 0 or 1");
	return 0;
}

static int set_uint(struct hk_config *cfg, void *obj, const struct hk_key_def *def, const char *sub,
		    const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	unsigned *f = FIELD(obj, def, unsigned);
	unsigned long n, max = def->arg ? (unsigned long)def->arg : UINT_MAX;
	if (!*value)
		scalar_default(def, f, sizeof(*f));
	else if (hk_parse_ulong(value, &n) && n <= max)
		*f = (unsigned)n;
	else
		return hk_error_set(err, EINVAL, "expected a whole number from 0 to %lu", max);
	return 0;
}

static int set_long(struct hk_config *cfg, void *obj, const struct hk_key_def *def, const char *sub,
		    const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	long *f = FIELD(obj, def, long);
	long n;
	/* arg != 0: an id (uid/gid), 0 .. 2^32-2 */
	long min = def->arg ? 0 : LONG_MIN, max = def->arg ? 4294967294L : LONG_MAX;
	if (!*value)
		scalar_default(def, f, sizeof(*f));
	else if (hk_parse_long(value, &n) && n >= min && n <= max)
		*f = n;
	else if (def->arg)
		return hk_error_set(err, EINVAL, "expected a numeric id from 0 to %ld", max);
	else
		return hk_error_set(err, EINVAL, "expected a whole number");
	return 0;
}

static int set_size(struct hk_config *cfg, void *obj, const struct hk_key_def *def, const char *sub,
		    const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	unsigned long *f = FIELD(obj, def, unsigned long);
	if (!*value)
		scalar_default(def, f, sizeof(*f));
	else if (parse_size(value, f) < 0)
		return hk_error_set(err, EINVAL,
				    "expected a size such as 131072, 128K, 1M or auto");
	return 0;
}

static int set_signal(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
		      const char *sub, const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	int *f = FIELD(obj, def, int);
	if (!*value)
		scalar_default(def, f, sizeof(*f));
	else if (parse_signal(value, f) < 0)
		return hk_error_set(err, EINVAL,
				    "expected a signal name (SIGPWR, USR1, RTMIN+3) or number");
	return 0;
}

static const int lxc_log_levels[] = { HK_LOG_TRACE,  HK_LOG_DEBUG, HK_LOG_INFO,
				      HK_LOG_NOTICE, HK_LOG_WARN,  HK_LOG_ERROR,
				      HK_LOG_ERROR,  HK_LOG_ERROR, HK_LOG_ERROR };

static int set_log_level(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
			 const char *sub, const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	int *f = FIELD(obj, def, int);
	unsigned long n;
	int l;
	if (!*value)
		scalar_default(def, f, sizeof(*f));
	else if (hk_parse_ulong(value, &n) && n < HK_ARRAY_SIZE(lxc_log_levels))
		*f = lxc_log_levels[n];
	else if ((l = hk_log_level_parse(value)) >= 0)
		*f = l;
	else
		return hk_error_set(err, EINVAL,
				    "expected 0-8 or TRACE, DEBUG, INFO, NOTICE, WARN, ERROR");
	return 0;
}

/* A list key, one value per line; an empty value clears the list. */
static int set_line(struct hk_config *cfg, void *obj, const struct hk_key_def *def, const char *sub,
		    const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	struct hk_strv *f = FIELD(obj, def, struct hk_strv);
	if (!*value) {
		hk_strv_clear(f);
		return 0;
	}
	if (def->check && def->check(value, err) < 0)
		return -1;
	hk_strv_push(f, value);
	return 0;
}

enum { WORDS_CAP_DROP, WORDS_CAP_KEEP, WORDS_MOUNT_AUTO, WORDS_GROUP };

/* A list key whose value is blank-separated words (lxc.cap.drop). */
static int set_words(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
		     const char *sub, const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	struct hk_strv *f = FIELD(obj, def, struct hk_strv);
	if (!*value) {
		hk_strv_clear(f);
		return 0;
	}
	struct hk_strv words = { 0 };
	hk_autofree char *copy = xstrdup(value);
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		char *norm = NULL;
		if (def->arg == WORDS_CAP_DROP || def->arg == WORDS_CAP_KEEP) {
			if (cap_word(w, def->arg == WORDS_CAP_KEEP, &norm, err) < 0)
				goto fail;
		} else if (def->arg == WORDS_MOUNT_AUTO && !mount_auto_ok(w)) {
			hk_error_set(err, EINVAL,
				     "unknown word \"%s\"; expected proc[:mixed|:rw], "
				     "sys[:ro|:rw|:mixed], cgroup[:mixed|:ro|:rw][:force], "
				     "cgroup-full[...] or shmounts:HOST[:CONTAINER]",
				     w);
			goto fail;
		}
		hk_strv_push_owned(&words, norm ? norm : xstrdup(w));
	}
	for (size_t i = 0; i < words.n; i++)
		hk_strv_push(f, words.v[i]);
	hk_strv_clear(&words);
	return 0;
fail:
	hk_strv_clear(&words);
	return -1;
}

static int set_idmap(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
		     const char *sub, const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	struct hk_idmap *f = FIELD(obj, def, struct hk_idmap);
	if (!*value) {
		hk_idmap_free(f);
		return 0;
	}
	return hk_idmap_parse_line(value, f, err);
}

static int set_rootfs(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
		      const char *sub, const char *value, struct hk_error **err)
{
	(void)cfg, (void)sub;
	struct hk_rootfs_spec *f = FIELD(obj, def, struct hk_rootfs_spec);
	struct hk_rootfs_spec r = { 0 };
	if (*value && hk_rootfs_spec_parse(value, &r, err) < 0)
		return -1;
	hk_rootfs_spec_free(f);
	*f = r;
	return 0;
}

static void kvlist_remove(struct hk_kvlist *l, const char *key)
{
	size_t j = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key) == 0) {
			free(l->v[i].key);
			free(l->v[i].value);
		} else {
			l->v[j++] = l->v[i];
		}
	}
	l->n = j;
}

/* Prefix keys: lxc.cgroup.X = V.  An empty value removes X; the bare
 * prefix with an empty value (sub NULL) removes everything. */
static int set_kv(struct hk_config *cfg, void *obj, const struct hk_key_def *def, const char *sub,
		  const char *value, struct hk_error **err)
{
	(void)cfg;
	struct hk_kvlist *f = FIELD(obj, def, struct hk_kvlist);
	if (!sub) {
		if (*value)
			return hk_error_set(
				err, EINVAL,
				"only an empty value is allowed here; it clears every %s",
				def->info.name);
		hk_kvlist_clear(f);
		return 0;
	}
	if (!*value || (def->flags & HK_KEY_REPLACE))
		kvlist_remove(f, sub);
	if (*value)
		hk_kvlist_add(f, sub, value);
	return 0;
}

static const char *const hook_names[] = { "pre-start", "pre-mount",  "mount",	  "autodev",
					  "start",     "stop",	     "post-stop", "clone",
					  "destroy",   "start-host", NULL };

static int set_hook(struct hk_config *cfg, void *obj, const struct hk_key_def *def, const char *sub,
		    const char *value, struct hk_error **err)
{
	if (sub && check_word_in(sub, hook_names, "hook",
				 "pre-start, pre-mount, mount, autodev, start, stop, "
				 "post-stop, clone, destroy or start-host",
				 err) < 0)
		return -1;
	return set_kv(cfg, obj, def, sub, value, err);
}

static int set_net_clear(struct hk_config *cfg, void *obj, const struct hk_key_def *def,
			 const char *sub, const char *value, struct hk_error **err)
{
	(void)obj, (void)def, (void)sub;
	if (*value)
		return hk_error_set(err, EINVAL,
				    "only an empty value is allowed; it removes every interface");
	for (size_t i = 0; i < cfg->n_nets; i++)
		hk_net_spec_free(&cfg->nets[i]);
	free(cfg->nets);
	cfg->nets = NULL;
	cfg->n_nets = 0;
	return 0;
}

/* ---- getters ------------------------------------------------------- */

static void get_str(const void *obj, const struct hk_key_def *def, const char *sub,
		    struct hk_strv *out)
{
	(void)sub;
	const char *v = *CFIELD(obj, def, char *);
	if (v)
		hk_strv_push(out, v);
}

static void get_bool(const void *obj, const struct hk_key_def *def, const char *sub,
		     struct hk_strv *out)
{
	(void)sub;
	hk_strv_push(out, *CFIELD(obj, def, bool) ? "1" : "0");
}

static void get_uint(const void *obj, const struct hk_key_def *def, const char *sub,
		     struct hk_strv *out)
{
	(void)sub;
	hk_strv_push_owned(out, xasprintf("%u", *CFIELD(obj, def, unsigned)));
}

static void get_long(const void *obj, const struct hk_key_def *def, const char *sub,
		     struct hk_strv *out)
{
	(void)sub;
	long v = *CFIELD(obj, def, long);
	if (!def->arg || v >= 0)
		hk_strv_push_owned(out, xasprintf("%ld", v));
}

static void get_size(const void *obj, const struct hk_key_def *def, const char *sub,
		     struct hk_strv *out)
{
	(void)sub;
	unsigned long v = *CFIELD(obj, def, unsigned long);
	if (v)
		hk_strv_push_owned(out, xasprintf("%lu", v));
}

static void get_signal(const void *obj, const struct hk_key_def *def, const char *sub,
		       struct hk_strv *out)
{
	(void)sub;
	int s = *CFIELD(obj, def, int);
	const char *a = sig_abbrev(s);
	if (a)
		hk_strv_push_owned(out, xasprintf("SIG%s", a));
	else if (s)
		hk_strv_push_owned(out, xasprintf("%d", s));
}

static void get_log_level(const void *obj, const struct hk_key_def *def, const char *sub,
			  struct hk_strv *out)
{
	(void)sub;
	int l = *CFIELD(obj, def, int);
	if (l >= 0)
		hk_strv_push(out, hk_log_level_name(l));
}

static void get_strv(const void *obj, const struct hk_key_def *def, const char *sub,
		     struct hk_strv *out)
{
	(void)sub;
	hk_strv_copy(out, CFIELD(obj, def, struct hk_strv));
}

static void get_idmap(const void *obj, const struct hk_key_def *def, const char *sub,
		      struct hk_strv *out)
{
	(void)sub;
	const struct hk_idmap *m = CFIELD(obj, def, struct hk_idmap);
	for (size_t i = 0; i < m->n; i++)
		hk_strv_push_owned(out, hk_idmap_format_range(&m->r[i]));
}

static void get_rootfs(const void *obj, const struct hk_key_def *def, const char *sub,
		       struct hk_strv *out)
{
	(void)sub;
	const struct hk_rootfs_spec *r = CFIELD(obj, def, struct hk_rootfs_spec);
	if (r->raw)
		hk_strv_push(out, r->raw);
}

static void get_kv(const void *obj, const struct hk_key_def *def, const char *sub,
		   struct hk_strv *out)
{
	const struct hk_kvlist *l = CFIELD(obj, def, struct hk_kvlist);
	for (size_t i = 0; i < l->n; i++) {
		if (!sub)
			hk_strv_push_owned(out, xasprintf("%s = %s", l->v[i].key, l->v[i].value));
		else if (strcmp(l->v[i].key, sub) == 0)
			hk_strv_push(out, l->v[i].value);
	}
}

static void get_none(const void *obj, const struct hk_key_def *def, const char *sub,
		     struct hk_strv *out)
{
	(void)obj, (void)def, (void)sub, (void)out;
}

/* ---- the table ----------------------------------------------------- */

/* KEY(name, shape, setter, getter, offset, doc, list, extra designators...) */
#define KEY(n, shp, s, g, o, d, l, ...)                                                            \
	{                                                                                          \
		.info = { .name = (n), .doc = (d), .list = (l) }, .shape = (shp), .set = (s),      \
		.get = (g), .off = (o), __VA_ARGS__                                                \
	}
#define STR(n, f, d)	  KEY(n, HK_KEY_PLAIN, set_str, get_str, CFG_OFF(f), d, false)
#define STRC(n, f, c, d)  KEY(n, HK_KEY_PLAIN, set_str, get_str, CFG_OFF(f), d, false, .check = (c))
#define AA(n, s, g, f, d) KEY(n, HK_KEY_PLAIN, s, g, CFG_OFF(f), d, false, .flags = HK_KEY_APPARMOR)
#define BOOL(n, f, d)	  KEY(n, HK_KEY_PLAIN, set_bool, get_bool, CFG_OFF(f), d, false)
#define UINT(n, f, d)	  KEY(n, HK_KEY_PLAIN, set_uint, get_uint, CFG_OFF(f), d, false)
#define LONG(n, f, id, d)                                                                          \
	KEY(n, HK_KEY_PLAIN, set_long, get_long, CFG_OFF(f), d, false, .arg = (id))
#define SIG(n, f, d) KEY(n, HK_KEY_PLAIN, set_signal, get_signal, CFG_OFF(f), d, false)
#define LINES(n, f, c, d)                                                                          \
	KEY(n, HK_KEY_PLAIN, set_line, get_strv, CFG_OFF(f), d, true, .check = (c))
#define WORDS(n, f, w, d)      KEY(n, HK_KEY_PLAIN, set_words, get_strv, CFG_OFF(f), d, true, .arg = (w))
#define PFX(n, s, f, fl, l, d) KEY(n, HK_KEY_PREFIX, s, get_kv, CFG_OFF(f), d, l, .flags = (fl))
#define NSTR(n, f, c, d)       KEY(n, HK_KEY_NET, set_str, get_str, NET_OFF(f), d, false, .check = (c))
#define NLINES(n, f, c, d)     KEY(n, HK_KEY_NET, set_line, get_strv, NET_OFF(f), d, true, .check = (c))

static const struct hk_key_def keys[] = {
	KEY("lxc.rootfs.path", HK_KEY_PLAIN, set_rootfs, get_rootfs, CFG_OFF(rootfs),
	    "root filesystem: PATH, dir:, overlay:LOWER:UPPER, aufs:, btrfs:, zfs:, lvm:", false),
	STR("lxc.rootfs.mount", rootfs_mount, "where the root filesystem is mounted on the host"),
	STR("lxc.rootfs.options", rootfs_options, "extra mount options for the root filesystem"),
	KEY("lxc.idmap", HK_KEY_PLAIN, set_idmap, get_idmap, CFG_OFF(idmap),
	    "user namespace id map range: u|g|b NSID HOSTID COUNT", true),
	KEY("lxc.net", HK_KEY_PLAIN, set_net_clear, get_none, 0,
	    "with an empty value: removes every network interface defined so far", false),
	NSTR("lxc.net.N.type", type, check_net_type,
	     "interface type: veth, empty, none, macvlan, phys or vlan"),
	NSTR("lxc.net.N.link", link, check_ifname, "host bridge (veth) or host device"),
	NSTR("lxc.net.N.flags", flags, check_flags, "\"up\" to bring the interface up"),
	NSTR("lxc.net.N.hwaddr", hwaddr, check_hwaddr,
	     "MAC address; xx bytes are filled with random hex at create"),
	NSTR("lxc.net.N.name", name, check_ifname, "interface name inside the container"),
	KEY("lxc.net.N.mtu", HK_KEY_NET, set_uint, get_uint, NET_OFF(mtu),
	    "interface MTU (0: default)", false, .arg = 65535),
	NSTR("lxc.net.N.veth.pair", veth_pair, check_ifname, "host-side name of a veth pair"),
	NSTR("lxc.net.N.macvlan.mode", macvlan_mode, check_macvlan_mode,
	     "macvlan mode: private, vepa, bridge or passthru"),
	NLINES("lxc.net.N.ipv4.address", ipv4, check_ipv4, "IPv4 address/prefix (repeatable)"),
	NSTR("lxc.net.N.ipv4.gateway", ipv4_gateway, check_gw4, "IPv4 gateway, auto or dev"),
	NLINES("lxc.net.N.ipv6.address", ipv6, check_ipv6, "IPv6 address/prefix (repeatable)"),
	NSTR("lxc.net.N.ipv6.gateway", ipv6_gateway, check_gw6, "IPv6 gateway, auto or dev"),
	NSTR("lxc.net.N.script.up", script_up, NULL,
	     "host script run when the interface is set up"),
	NSTR("lxc.net.N.script.down", script_down, NULL, "host script run when it is torn down"),
	LINES("lxc.mount.entry", mount_entries, NULL,
	      "a mount in fstab(5) syntax, relative to the rootfs"),
	WORDS("lxc.mount.auto", mount_auto, WORDS_MOUNT_AUTO,
	      "automatic mounts: proc, sys, cgroup, cgroup-full, shmounts with modes"),
	STR("lxc.mount.fstab", mount_fstab, "a file of mount entries in fstab(5) syntax"),
	BOOL("lxc.autodev", autodev, "1: populate a fresh /dev in the container (default 1)"),
	STR("lxc.cgroup.dir", cgroup_dir, "cgroup path of the container, below hako's root"),
	PFX("lxc.cgroup.*", set_kv, cgroup_v1, 0, true,
	    "a cgroup v1 file to write, e.g. lxc.cgroup.memory.limit_in_bytes"),
	PFX("lxc.cgroup2.*", set_kv, cgroup_v2, 0, true,
	    "a cgroup v2 file to write, e.g. lxc.cgroup2.memory.max"),
	PFX("lxc.sysctl.*", set_kv, sysctl, HK_KEY_REPLACE, false,
	    "a sysctl to set in the container, e.g. lxc.sysctl.net.ipv4.ip_forward"),
	PFX("lxc.prlimit.*", set_kv, prlimits, HK_KEY_REPLACE, false,
	    "a resource limit: SOFT[:HARD] or unlimited, e.g. lxc.prlimit.nofile"),
	WORDS("lxc.cap.drop", cap_drop, WORDS_CAP_DROP,
	      "capabilities to drop (names without cap_)"),
	WORDS("lxc.cap.keep", cap_keep, WORDS_CAP_KEEP,
	      "capabilities to keep, all others dropped; none keeps none"),
	STR("lxc.seccomp.profile", seccomp_profile, "seccomp policy file"),
	BOOL("lxc.no_new_privs", no_new_privs, "1: set PR_SET_NO_NEW_PRIVS before init"),
	AA("lxc.apparmor.profile", set_str, get_str, apparmor_profile,
	   "AppArmor profile (ignored with a warning without AppArmor)"),
	/* Not only AppArmor's: hako's nesting switch (nest.h), so no warning. */
	BOOL("lxc.apparmor.allow_nesting", apparmor_allow_nesting,
	     "1: nesting: on cgroup v2, attach joins the leaf .hako (hako-nesting(7))"),
	AA("lxc.apparmor.allow_incomplete", set_bool, get_bool, apparmor_allow_incomplete,
	   "1: start even if AppArmor support is incomplete"),
	STR("lxc.selinux.context", selinux_context, "SELinux context for init"),
	STRC("lxc.uts.name", uts_name, check_utsname, "host name of the container"),
	STR("lxc.init.cmd", init_cmd, "command run as init (default /sbin/init)"),
	STR("lxc.init.cwd", init_cwd, "working directory of init"),
	LONG("lxc.init.uid", init_uid, 1, "uid init runs as"),
	LONG("lxc.init.gid", init_gid, 1, "gid init runs as"),
	STR("lxc.execute.cmd", execute_cmd, "command hako execute runs when none is given"),
	LINES("lxc.environment", environment, check_env,
	      "NAME=VALUE set for init, or NAME to pass on the host's value"),
	UINT("lxc.tty.max", tty_max, "number of ttys made for the container"),
	UINT("lxc.pty.max", pty_max, "maximum number of ptys (0: unlimited)"),
	STR("lxc.tty.dir", tty_dir, "directory under /dev where ttys are created"),
	STR("lxc.console.path", console_path, "console device: a host path, or none"),
	STR("lxc.console.logfile", console_logfile, "file the console output is copied to"),
	KEY("lxc.console.buffer.size", HK_KEY_PLAIN, set_size, get_size,
	    CFG_OFF(console_buffer_size),
	    "console ring buffer size: bytes, K/M/G suffixes, or auto (128K)", false),
	BOOL("lxc.start.auto", start_auto, "1: start at boot"),
	UINT("lxc.start.delay", start_delay, "seconds to wait after an autostart"),
	LONG("lxc.start.order", start_order, 0, "autostart order (higher first)"),
	WORDS("lxc.group", groups, WORDS_GROUP, "groups the container belongs to (for autostart)"),
	SIG("lxc.signal.halt", signal_halt,
	    "signal that halts init (default: SIGRTMIN+3 for systemd, else SIGPWR)"),
	SIG("lxc.signal.reboot", signal_reboot, "signal that reboots init (default SIGINT)"),
	SIG("lxc.signal.stop", signal_stop, "signal that stops init (default SIGKILL)"),
	STRC("lxc.arch", arch, check_arch, "architecture (personality) of the container"),
	BOOL("lxc.ephemeral", ephemeral, "1: destroy the container when it stops"),
	STR("lxc.log.file", log_file, "file hako logs container events to"),
	KEY("lxc.log.level", HK_KEY_PLAIN, set_log_level, get_log_level, CFG_OFF(log_level),
	    "log level: 0-8 or TRACE, DEBUG, INFO, NOTICE, WARN, ERROR", false),
	PFX("lxc.hook.*", set_hook, hooks, 0, true,
	    "a hook command: pre-start, pre-mount, mount, autodev, start, stop, post-stop, clone, "
	    "destroy, start-host"),
	KEY("lxc.include", HK_KEY_PLAIN, hk_config_include_setter, get_none, 0,
	    "reads another config file, or every *.conf in a directory (sorted)", true,
	    .flags = HK_KEY_INCLUDE),
};

size_t hk_key_table_size(void)
{
	return HK_ARRAY_SIZE(keys);
}

const struct hk_key_def *hk_key_table_at(size_t i)
{
	return i < HK_ARRAY_SIZE(keys) ? &keys[i] : NULL;
}

const struct hk_key_def *hk_key_find(const char *name)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].info.name, name) == 0)
			return &keys[i];
	return NULL;
}

/* ---- legacy spellings ---------------------------------------------- */

/* modern NULL: an obsolete key LXC dropped; accepted and ignored. */
static const struct {
	const char *legacy;
	const char *modern;
} aliases[] = {
	{ "lxc.rootfs", "lxc.rootfs.path" },
	{ "lxc.id_map", "lxc.idmap" },
	{ "lxc.aa_profile", "lxc.apparmor.profile" },
	{ "lxc.aa_allow_incomplete", "lxc.apparmor.allow_incomplete" },
	{ "lxc.se_context", "lxc.selinux.context" },
	{ "lxc.seccomp", "lxc.seccomp.profile" },
	{ "lxc.utsname", "lxc.uts.name" },
	{ "lxc.tty", "lxc.tty.max" },
	{ "lxc.pts", "lxc.pty.max" },
	{ "lxc.devttydir", "lxc.tty.dir" },
	{ "lxc.loglevel", "lxc.log.level" },
	{ "lxc.logfile", "lxc.log.file" },
	{ "lxc.init_cmd", "lxc.init.cmd" },
	{ "lxc.init_uid", "lxc.init.uid" },
	{ "lxc.init_gid", "lxc.init.gid" },
	{ "lxc.haltsignal", "lxc.signal.halt" },
	{ "lxc.rebootsignal", "lxc.signal.reboot" },
	{ "lxc.stopsignal", "lxc.signal.stop" },
	{ "lxc.console", "lxc.console.path" },
	{ "lxc.mount", "lxc.mount.fstab" },
	{ "lxc.network", "lxc.net" },
	{ "lxc.limit.*", "lxc.prlimit.*" },
	{ "lxc.rootfs.backend", NULL },
	{ "lxc.pivotdir", NULL },
	{ "lxc.kmsg", NULL },
};

void hk_key_legacy_names(const char *modern, struct hk_strv *out)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(aliases); i++) {
		const char *m = aliases[i].modern;
		if (m && strcmp(m, modern) == 0)
			hk_strv_push(out, aliases[i].legacy);
	}
	if (!hk_str_has_prefix(modern, "lxc.net.N."))
		return;
	const char *sub = modern + 10;
	if (strcmp(sub, "ipv4.address") == 0 || strcmp(sub, "ipv6.address") == 0)
		hk_strv_push_owned(out, xasprintf("lxc.network.%.4s", sub));
	else
		hk_strv_push_owned(out, xasprintf("lxc.network.%s", sub));
}

void hk_key_ref_free(struct hk_key_ref *ref)
{
	free(ref->sub);
	ref->sub = NULL;
}

/* Keys never hold blanks or control characters. */
static bool key_chars_ok(const char *k)
{
	for (; *k; k++)
		if ((unsigned char)*k <= ' ' || *k == 0x7f)
			return false;
	return true;
}

/* "lxc.net.N.SUB": the table entry for SUB. */
static const struct hk_key_def *find_net(const char *sub)
{
	hk_autofree char *name = xasprintf("lxc.net.N.%s", sub);
	const struct hk_key_def *d = hk_key_find(name);
	return d && d->shape == HK_KEY_NET ? d : NULL;
}

static int resolve_net(const char *key, struct hk_key_ref *ref)
{
	if (hk_str_has_prefix(key, "lxc.network.")) {
		const char *sub = key + 12;
		if (strcmp(sub, "ipv4") == 0 || strcmp(sub, "ipv6") == 0)
			sub = strcmp(sub, "ipv4") == 0 ? "ipv4.address" : "ipv6.address";
		ref->def = find_net(sub);
		ref->legacy_net = true;
		ref->new_net = strcmp(sub, "type") == 0;
		return ref->def ? 0 : -1;
	}
	const char *p = key + 8, *dot = strchr(p, '.');
	unsigned long idx;
	if (!dot || dot == p || dot - p > 10)
		return -1;
	hk_autofree char *num = xstrndup(p, (size_t)(dot - p));
	if (!hk_parse_ulong(num, &idx) || idx > UINT_MAX)
		return -1;
	ref->def = find_net(dot + 1);
	ref->net = (long)idx;
	return ref->def ? 0 : -1;
}

static int resolve_prefix(const char *key, struct hk_key_ref *ref)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(keys); i++) {
		if (keys[i].shape != HK_KEY_PREFIX)
			continue;
		size_t pl = strlen(keys[i].info.name) - 1; /* "lxc.cgroup." */
		if (strncmp(key, keys[i].info.name, pl) == 0 && key[pl]) {
			ref->def = &keys[i];
			ref->sub = xstrdup(key + pl);
			return 0;
		}
		if (strncmp(key, keys[i].info.name, pl - 1) == 0 && !key[pl - 1]) {
			ref->def = &keys[i];
			ref->clear_all = true;
			return 0;
		}
	}
	return -1;
}

int hk_key_resolve(const char *key, struct hk_key_ref *ref, struct hk_error **err)
{
	*ref = (struct hk_key_ref){ .net = -1 };
	const char *orig = key;
	hk_autofree char *mapped = NULL;
	for (size_t i = 0; i < HK_ARRAY_SIZE(aliases); i++) {
		if (!strchr(aliases[i].legacy, '*') && strcmp(key, aliases[i].legacy) == 0) {
			if (!aliases[i].modern)
				return 0; /* ignored */
			key = aliases[i].modern;
			break;
		}
	}
	if (hk_str_has_prefix(key, "lxc.limit.") && key[10])
		key = mapped = xasprintf("lxc.prlimit.%s", key + 10);
	int r = -1;
	if (!key_chars_ok(key))
		r = -1;
	else if (hk_str_has_prefix(key, "lxc.network.") || hk_str_has_prefix(key, "lxc.net."))
		r = resolve_net(key, ref);
	else if ((ref->def = hk_key_find(key)) && ref->def->shape == HK_KEY_PLAIN)
		r = 0;
	else
		r = resolve_prefix(key, ref);
	if (r < 0) {
		hk_key_ref_free(ref);
		ref->def = NULL;
		return hk_error_set(err, 0, "unknown key \"%s\"; see hako.conf(5)", orig);
	}
	return 0;
}

char *hk_key_ref_canon(const struct hk_key_ref *ref, long net)
{
	const char *name = ref->def->info.name;
	if (ref->def->shape == HK_KEY_NET)
		return xasprintf("lxc.net.%ld.%s", net, name + 10);
	if (ref->def->shape == HK_KEY_PREFIX && ref->sub)
		return xasprintf("%.*s%s", (int)(strlen(name) - 1), name, ref->sub);
	if (ref->def->shape == HK_KEY_PREFIX)
		return xstrndup(name, strlen(name) - 2);
	return xstrdup(name);
}
