/* caps.c - the container's capability bounding set: plan from lxc.cap.*
 * words (pure), apply with prctl() and libcap (in the child).  See caps.h. */
#include "caps.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>

#include "log.h"

/* LXC's common.conf drop list, applied to privileged containers. */
static const char *const default_drop[] = {
	"mac_admin", "mac_override", "sys_module", "sys_rawio", "sys_time",
};

void hk_cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
	*c = NULL;
}

/* Whether the kernel knows capability cap: PR_CAPBSET_READ fails with
 * EINVAL past the last one (any other answer means it knows it). */
static bool cap_known(unsigned cap)
{
	return !(prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0 && errno == EINVAL);
}

/* Asked of the kernel, never of /proc/sys/kernel/cap_last_cap: an attach
 * runs in the container's mount namespace, where its root may have mounted
 * a tmpfs over /proc saying "1", and only caps 0..1 would be dropped.  The
 * known capabilities are 0..last, so a binary search finds last in six
 * questions (a scan asked 41 per call, twice per start); the answer is
 * kept for the process's life (the kernel does not change under it), and
 * a forked child inherits it. */
unsigned hk_caps_last_cap(void)
{
	static unsigned cached;
	if (cached)
		return cached;
	if (!cap_known(0))
		return CAP_LAST_CAP;
	unsigned lo = 0, hi = 64; /* known(lo), and nothing at hi or above */
	while (hi - lo > 1) {
		unsigned mid = lo + (hi - lo) / 2;
		if (cap_known(mid))
			lo = mid;
		else
			hi = mid;
	}
	cached = lo ? lo : CAP_LAST_CAP;
	return cached;
}

uint64_t hk_caps_all(unsigned last_cap)
{
	if (last_cap >= 63)
		return UINT64_MAX;
	return (UINT64_C(1) << (last_cap + 1)) - 1;
}

/* "Sys_Module" / "CAP_SYS_MODULE" -> "cap_sys_module" for libcap. */
static char *libcap_name(const char *word)
{
	char *s = hk_str_has_prefix(word, "cap_") || hk_str_has_prefix(word, "CAP_")
			  ? xstrdup(word)
			  : xasprintf("cap_%s", word);
	for (char *p = s; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return s;
}

int hk_caps_parse_name(const char *word, const char *key, unsigned last_cap, struct hk_error **err)
{
	unsigned long n;
	if (hk_parse_ulong(word, &n)) {
		if (n > last_cap)
			return hk_error_set(err, EINVAL,
					    "%s: capability number %lu is beyond the last "
					    "capability of this kernel (%u): remove it",
					    key, n, last_cap);
		return (int)n;
	}
	hk_autofree char *name = libcap_name(word);
	cap_value_t v;
	if (strlen(name) > 4 && cap_from_name(name, &v) == 0 && v >= 0 && (unsigned)v <= last_cap)
		return (int)v;
	return hk_error_set(err, EINVAL,
			    "%s: unknown capability \"%s\": use a name from capabilities(7) "
			    "in lower case without \"cap_\" (e.g. \"sys_module\") or a "
			    "number from 0 to %u",
			    key, word, last_cap);
}

/* Calls fn(word) for each blank-separated word of every element. */
static int each_word(const struct hk_strv *sv, int (*fn)(const char *w, void *ctx), void *ctx)
{
	for (size_t i = 0; sv && i < sv->n; i++) {
		hk_autofree char *copy = xstrdup(sv->v[i]);
		char *save = NULL;
		for (char *w = strtok_r(copy, " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save))
			if (fn(w, ctx) < 0)
				return -1;
	}
	return 0;
}

static bool has_words(const struct hk_strv *sv)
{
	for (size_t i = 0; sv && i < sv->n; i++)
		if (sv->v[i][strspn(sv->v[i], " \t\n")])
			return true;
	return false;
}

struct word_ctx {
	const char *key;
	unsigned last_cap;
	uint64_t mask;
	struct hk_error **err;
};

static int keep_word(const char *w, void *p)
{
	struct word_ctx *c = p;
	if (strcmp(w, "none") == 0) {
		c->mask = 0; /* LXC: "none" forgets the words before it */
		return 0;
	}
	int cap = hk_caps_parse_name(w, c->key, c->last_cap, c->err);
	if (cap < 0)
		return -1;
	c->mask |= UINT64_C(1) << cap;
	return 0;
}

static int drop_word(const char *w, void *p)
{
	struct word_ctx *c = p;
	int cap = hk_caps_parse_name(w, c->key, c->last_cap, c->err);
	if (cap < 0)
		return -1;
	c->mask &= ~(UINT64_C(1) << cap);
	return 0;
}

int hk_caps_plan(const struct hk_strv *drop, const struct hk_strv *keep, struct hk_caps_plan *out,
		 struct hk_error **err)
{
	unsigned last = hk_caps_last_cap();
	struct word_ctx c = { .last_cap = last, .err = err };

	if (has_words(drop) && has_words(keep))
		return hk_error_set(err, EINVAL,
				    "lxc.cap.drop and lxc.cap.keep are both set: they exclude "
				    "each other, keep only one of them");
	if (has_words(keep)) {
		c.key = "lxc.cap.keep";
		c.mask = 0;
		if (each_word(keep, keep_word, &c) < 0)
			return -1;
	} else {
		c.key = "lxc.cap.drop";
		c.mask = hk_caps_all(last);
		/* LXC's common.conf drops, for every container: in a user
		 * namespace they grant nothing, but systemd reads the bounding
		 * set (ConditionCapability=) to skip what cannot work there. */
		for (size_t i = 0; i < HK_ARRAY_SIZE(default_drop); i++) {
			int cap = hk_caps_parse_name(default_drop[i], c.key, last, NULL);
			if (cap >= 0)
				c.mask &= ~(UINT64_C(1) << cap);
		}
		if (each_word(drop, drop_word, &c) < 0)
			return -1;
	}
	out->keep = c.mask;
	out->last_cap = last;
	return 0;
}

static int clear_inheritable(struct hk_error **err)
{
	hk_autocap cap_t caps = cap_get_proc();
	if (!caps)
		return hk_error_errno(err, "capabilities: read the process's sets (cap_get_proc)");
	if (cap_clear_flag(caps, CAP_INHERITABLE) < 0 || cap_set_proc(caps) < 0)
		return hk_error_errno(err, "capabilities: clear the inheritable set");
	return 0;
}

int hk_caps_apply(const struct hk_caps_plan *p, struct hk_error **err)
{
	unsigned last = hk_caps_last_cap();
	for (unsigned cap = 0; cap <= last; cap++) {
		if (cap < 64 && (p->keep & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return hk_error_errno(err,
					      "capabilities: drop %u from the bounding set (needs "
					      "CAP_SETPCAP: run as root in the container)",
					      cap);
	}
	/* EINVAL: a kernel before 4.3 has no ambient set, nothing to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return hk_error_errno(err, "capabilities: clear the ambient set");
	if (clear_inheritable(err) < 0)
		return -1;
	hk_log(HK_LOG_DEBUG, "capabilities: bounding set is now %#llx",
	       (unsigned long long)p->keep);
	return 0;
}

int hk_caps_limit(const struct hk_caps_plan *p, struct hk_error **err)
{
	hk_autocap cap_t caps = cap_get_proc();
	if (!caps)
		return hk_error_errno(err, "capabilities: read the process's sets (cap_get_proc)");
	unsigned last = hk_caps_last_cap();
	for (unsigned cap = 0; cap <= last && cap < 64; cap++) {
		cap_value_t v = (cap_value_t)cap;
		if (!(p->keep & (UINT64_C(1) << cap)) &&
		    (cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) < 0 ||
		     cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_CLEAR) < 0))
			return hk_error_errno(err, "capabilities: clear %u", cap);
	}
	if (cap_set_proc(caps) < 0)
		return hk_error_errno(err, "capabilities: limit the effective and permitted sets");
	return 0;
}

char *hk_caps_format(uint64_t mask)
{
	if (!mask)
		return xstrdup("none");
	struct hk_buf b = { 0 };
	for (unsigned cap = 0; cap < 64; cap++) {
		if (!(mask & (UINT64_C(1) << cap)))
			continue;
		char *name = cap_to_name((cap_value_t)cap);
		const char *shown = name && hk_str_has_prefix(name, "cap_") ? name + 4 : name;
		if (b.len)
			hk_buf_puts(&b, ",");
		if (shown)
			hk_buf_puts(&b, shown);
		else
			hk_buf_printf(&b, "%u", cap);
		cap_free(name);
	}
	return hk_buf_steal(&b);
}
