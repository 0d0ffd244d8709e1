/* seccomp-policy.c - LXC's seccomp policy file format (lxc.seccomp.profile)
 * parsed into a struct hk_seccomp_plan.  Nothing is loaded here.
 *
 * The format, as LXC reads it:
 *   line 1   version: "1" or "2"
 *   line 2   "allowlist" | "denylist" (legacy "whitelist" | "blacklist"),
 *            optionally followed by the default action
 *   v1 body  one syscall number per line, allowed; the rest is killed
 *   v2 body  "NAME [ACTION] [COND]..." lines, "[ARCH]" section headers and
 *            "reject_force_umount"
 * Actions: allow, kill, trap, log, errno N ("notify" needs a supervisor
 * hako does not have: an error).  "kill" kills the whole process, where
 * LXC kills the thread (a process missing one thread mostly hangs);
 * "kill_thread" asks for LXC's behaviour.  A denylist allows by default
 * and kills on a rule without action; an allowlist the reverse.  A condition is
 * [index,value,op] or [index,value,SCMP_CMP_MASKED_EQ,mask], at most six.
 * Section names are case-insensitive; a section for an arch that is neither
 * native nor compat is skipped, as LXC does; so is a syscall libseccomp
 * does not know (with a warning).  Comments start with '#'.  Errors name
 * file:line.
 */
#include <seccomp.h> /* ours, then libseccomp's: see seccomp.h */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>

#include "log.h"
#include "util.h"

enum stage { STAGE_VERSION, STAGE_TYPE, STAGE_BODY };

struct parser {
	const char *name;
	unsigned line;
	enum stage stage;
	int version;
	uint32_t native;
	uint32_t policy_action; /* default action of the filter */
	uint32_t rule_action;	/* action of a rule line without one */
	uint32_t section;	/* current [arch]; 0 = all */
	bool skip_section;	/* [arch] of neither native nor compat */
	struct hk_seccomp_plan *plan;
	struct hk_error **err;
};

static int perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hk_autofree char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	return hk_error_set(ps->err, EINVAL, "%s:%u: %s", ps->name, ps->line, msg);
}

static char *skip_blank(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A copy of the next word (up to a blank or '['); *s moves past it. */
static char *next_word(char **s)
{
	char *w = skip_blank(*s);
	size_t n = strcspn(w, " \t[");
	*s = w + n;
	return xstrndup(w, n);
}

static const struct {
	const char *word;
	uint32_t action;
} action_words[] = {
	{ "allow", SCMP_ACT_ALLOW },
	{ "kill", SCMP_ACT_KILL_PROCESS },
	{ "kill_process", SCMP_ACT_KILL_PROCESS },
	{ "kill_thread", SCMP_ACT_KILL_THREAD },
	{ "trap", SCMP_ACT_TRAP },
	{ "log", SCMP_ACT_LOG },
};

/* Reads an action at *s ("kill", "errno 1", ...); *s moves past it. */
static int parse_action(struct parser *ps, char **s, uint32_t *out)
{
	hk_autofree char *word = next_word(s);
	for (size_t i = 0; i < HK_ARRAY_SIZE(action_words); i++) {
		if (strcmp(word, action_words[i].word) == 0) {
			*out = action_words[i].action;
			return 0;
		}
	}
	if (strcmp(word, "errno") == 0) {
		hk_autofree char *num = next_word(s);
		unsigned long e;
		if (!hk_parse_ulong(num, &e) || e > 4095)
			return perr(ps,
				    "action \"errno\" needs a number from 0 to 4095 "
				    "(e.g. \"errno 1\"), not \"%s\"",
				    num);
		*out = SCMP_ACT_ERRNO((uint32_t)e);
		return 0;
	}
	if (strcmp(word, "notify") == 0)
		return perr(ps, "action \"notify\" needs a seccomp supervisor, which hako "
				"does not have: use \"errno N\" instead");
	return perr(ps, "unknown action \"%s\": use allow, kill, trap, log or errno N", word);
}

static const struct {
	const char *name, *symbol;
	enum scmp_compare op;
} cmp_ops[] = {
	{ "SCMP_CMP_NE", "!=", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", "<", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", "<=", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", "==", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", ">=", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", ">", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", "&=", SCMP_CMP_MASKED_EQ },
};

static bool parse_u64(const char *s, uint64_t *out)
{
	if (!isdigit((unsigned char)*s))
		return false; /* no sign, no blank */
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* "index,value,op[,mask]" (blanks allowed around the fields). */
static int parse_cond(struct parser *ps, char *text, struct hk_seccomp_rule *r)
{
	char *f[4] = { NULL };
	size_t n = 0, commas = 0;
	char *save = NULL;
	hk_autofree char *copy = xstrdup(text);
	/* strtok merges ",,": compare the fields found with the commas. */
	for (const char *c = text; *c; c++)
		commas += *c == ',';
	for (char *t = strtok_r(copy, ",", &save); t && n < 4; t = strtok_r(NULL, ",", &save))
		f[n++] = hk_str_trim(t);
	if (commas < 2 || commas > 3 || n != commas + 1 || !*f[n - 1])
		return perr(ps,
			    "condition \"[%s]\" needs 3 or 4 fields: "
			    "[index,value,op] or [index,value,SCMP_CMP_MASKED_EQ,mask]",
			    text);
	unsigned long index;
	uint64_t value, mask = 0;
	if (!hk_parse_ulong(f[0], &index) || index >= HK_SECCOMP_MAX_CONDS)
		return perr(ps, "condition \"[%s]\": the argument index must be 0 to 5", text);
	if (!parse_u64(f[1], &value))
		return perr(ps, "condition \"[%s]\": \"%s\" is not an unsigned number", text, f[1]);
	size_t op = 0;
	while (op < HK_ARRAY_SIZE(cmp_ops) && strcmp(f[2], cmp_ops[op].name) &&
	       strcmp(f[2], cmp_ops[op].symbol))
		op++;
	if (op == HK_ARRAY_SIZE(cmp_ops))
		return perr(ps,
			    "condition \"[%s]\": unknown operator \"%s\": use SCMP_CMP_NE, "
			    "_LT, _LE, _EQ, _GE, _GT, _MASKED_EQ or != < <= == >= > &=",
			    text, f[2]);
	bool masked = cmp_ops[op].op == SCMP_CMP_MASKED_EQ;
	if (masked != (n == 4))
		return perr(ps,
			    masked ? "condition \"[%s]\": SCMP_CMP_MASKED_EQ needs a mask: "
				     "[index,value,SCMP_CMP_MASKED_EQ,mask]"
				   : "condition \"[%s]\": only SCMP_CMP_MASKED_EQ takes a mask",
			    text);
	if (masked && !parse_u64(f[3], &mask))
		return perr(ps, "condition \"[%s]\": mask \"%s\" is not an unsigned number", text,
			    f[3]);
	/* A zero mask compares nothing, and libseccomp 2.5 can loop forever
	 * merging such a rule with a similar one. */
	if (masked && mask == 0)
		return perr(ps,
			    "condition \"[%s]\": a zero mask compares nothing: "
			    "drop the condition or give the bits to test",
			    text);
	if (r->n_conds == HK_SECCOMP_MAX_CONDS)
		return perr(ps, "too many conditions for \"%s\": at most %d", r->name,
			    HK_SECCOMP_MAX_CONDS);
	hk_seccomp_rule_cond(r, (unsigned)index, cmp_ops[op].op, value, mask);
	return 0;
}

static int parse_conds(struct parser *ps, char *s, struct hk_seccomp_rule *r)
{
	for (s = skip_blank(s); *s; s = skip_blank(s)) {
		if (*s != '[')
			return perr(ps,
				    "unexpected \"%s\" after the rule for \"%s\": "
				    "conditions look like [index,value,op]",
				    s, r->name);
		char *close = strchr(s, ']');
		if (!close)
			return perr(ps, "condition \"%s\" lacks its closing \"]\"", s);
		*close = '\0';
		if (parse_cond(ps, s + 1, r) < 0)
			return -1;
		s = close + 1;
	}
	return 0;
}

/* True when libseccomp knows `name` on an arch the rule applies to. */
static bool syscall_known(const struct parser *ps, const char *name, uint32_t arch)
{
	for (size_t i = 0; i < ps->plan->n_arches; i++) {
		uint32_t a = ps->plan->arches[i];
		if ((!arch || arch == a) && seccomp_syscall_resolve_name_arch(a, name) >= 0)
			return true;
	}
	return false;
}

static void add_force_umount(struct parser *ps)
{
	struct hk_seccomp_rule *r =
		hk_seccomp_plan_add(ps->plan, ps->section, "umount2", SCMP_ACT_ERRNO(EACCES));
	hk_seccomp_rule_cond(r, 1, SCMP_CMP_MASKED_EQ, MNT_FORCE, MNT_FORCE);
	r->line = ps->line;
}

/* Bit i set when a condition tests argument i. */
static unsigned arg_set(const struct hk_seccomp_rule *r)
{
	unsigned set = 0;
	for (unsigned i = 0; i < r->n_conds; i++)
		set |= 1u << r->conds[i].index;
	return set;
}

/* The first range or != comparison two rules share, or NULL. */
static const struct hk_seccomp_cond *shared_range(const struct hk_seccomp_rule *a,
						  const struct hk_seccomp_rule *b)
{
	for (unsigned i = 0; i < a->n_conds; i++) {
		const struct hk_seccomp_cond *c = &a->conds[i];
		if (c->op == SCMP_CMP_EQ || c->op == SCMP_CMP_MASKED_EQ)
			continue;
		for (unsigned j = 0; j < b->n_conds; j++)
			if (b->conds[j].index == c->index && b->conds[j].op == c->op &&
			    b->conds[j].value == c->value)
				return c;
	}
	return NULL;
}

/* libseccomp 2.5 loops forever adding a rule that shares a range or !=
 * comparison with an earlier rule of the same syscall but tests other
 * arguments: refuse such a pair here rather than hang the start. */
static int check_mergeable(struct parser *ps, const struct hk_seccomp_rule *r)
{
	for (size_t i = 0; i < ps->plan->n_rules; i++) {
		const struct hk_seccomp_rule *o = &ps->plan->rules[i];
		if (strcmp(o->name, r->name) != 0 || (o->arch && r->arch && o->arch != r->arch) ||
		    arg_set(o) == arg_set(r))
			continue;
		const struct hk_seccomp_cond *c = shared_range(r, o);
		if (c)
			return perr(ps,
				    "the rule for \"%s\" repeats the comparison of argument %u "
				    "from line %u but tests other arguments, which libseccomp "
				    "cannot merge: use distinct values or one rule",
				    r->name, c->index, o->line);
	}
	return 0;
}

static int parse_rule(struct parser *ps, char *s)
{
	hk_autofree char *sys = next_word(&s);
	if (strcmp(sys, "reject_force_umount") == 0) {
		add_force_umount(ps);
		return 0;
	}
	if (!*sys)
		return perr(ps, "a rule must start with a syscall name");
	uint32_t action = ps->rule_action;
	s = skip_blank(s);
	if (*s && *s != '[' && parse_action(ps, &s, &action) < 0)
		return -1;
	/* Parse the conditions into a scratch rule first: an unknown syscall
	 * is skipped, but a broken condition is an error either way. */
	struct hk_seccomp_rule scratch = { .name = sys };
	if (parse_conds(ps, s, &scratch) < 0)
		return -1;
	if (!syscall_known(ps, sys, ps->section)) {
		hk_log(HK_LOG_WARN,
		       "%s:%u: syscall \"%s\" is unknown to libseccomp on %s; "
		       "rule skipped",
		       ps->name, ps->line, sys,
		       hk_seccomp_arch_name(ps->section ? ps->section : ps->native));
		return 0;
	}
	scratch.arch = ps->section;
	if (check_mergeable(ps, &scratch) < 0)
		return -1;
	struct hk_seccomp_rule *r = hk_seccomp_plan_add(ps->plan, ps->section, sys, action);
	memcpy(r->conds, scratch.conds, sizeof(r->conds));
	r->n_conds = scratch.n_conds;
	r->line = ps->line;
	return 0;
}

/* Section names LXC knows, plus the kernel's spelling of each. */
static const struct {
	const char *name;
	uint32_t arch;
} sections[] = {
	{ "all", 0 },
	{ "x86", SCMP_ARCH_X86 },
	{ "i386", SCMP_ARCH_X86 },
	{ "i686", SCMP_ARCH_X86 },
	{ "x32", SCMP_ARCH_X32 },
	{ "x86_64", SCMP_ARCH_X86_64 },
	{ "amd64", SCMP_ARCH_X86_64 },
	{ "arm", SCMP_ARCH_ARM },
	{ "armhf", SCMP_ARCH_ARM },
	{ "arm64", SCMP_ARCH_AARCH64 },
	{ "aarch64", SCMP_ARCH_AARCH64 },
	{ "ppc", SCMP_ARCH_PPC },
	{ "ppc64", SCMP_ARCH_PPC64 },
	{ "ppc64le", SCMP_ARCH_PPC64LE },
	{ "s390", SCMP_ARCH_S390 },
	{ "s390x", SCMP_ARCH_S390X },
	{ "mips", SCMP_ARCH_MIPS },
	{ "mips64", SCMP_ARCH_MIPS64 },
	{ "mips64n32", SCMP_ARCH_MIPS64N32 },
	{ "mipsel", SCMP_ARCH_MIPSEL },
	{ "mipsel64", SCMP_ARCH_MIPSEL64 },
	{ "mipsel64n32", SCMP_ARCH_MIPSEL64N32 },
	{ "riscv64", SCMP_ARCH_RISCV64 },
};

static int parse_section(struct parser *ps, char *s)
{
	size_t len = strlen(s);
	if (len < 2 || s[len - 1] != ']')
		return perr(ps, "architecture section \"%s\" lacks its closing \"]\"", s);
	hk_autofree char *name = xstrndup(s + 1, len - 2);
	char *n = hk_str_trim(name);
	for (size_t i = 0; i < HK_ARRAY_SIZE(sections); i++) {
		if (strcasecmp(n, sections[i].name) != 0)
			continue;
		ps->section = sections[i].arch;
		ps->skip_section =
			sections[i].arch && !hk_seccomp_plan_has_arch(ps->plan, sections[i].arch);
		if (ps->skip_section)
			hk_log(HK_LOG_DEBUG, "%s:%u: section [%s] is not for this machine: skipped",
			       ps->name, ps->line, n);
		return 0;
	}
	return perr(ps,
		    "unknown architecture section \"%s\": use [all], [x86_64], [x86], "
		    "[x32], [arm], [arm64], [ppc64le], [s390x], [mips64] ...",
		    s);
}

static int parse_version(struct parser *ps, const char *s)
{
	if (strcmp(s, "1") == 0 || strcmp(s, "2") == 0) {
		ps->version = s[0] - '0';
		ps->stage = STAGE_TYPE;
		return 0;
	}
	return perr(ps, "unsupported policy version \"%s\": the first line must be 1 or 2", s);
}

static int parse_type(struct parser *ps, char *s)
{
	hk_autofree char *word = next_word(&s);
	bool deny = strcmp(word, "denylist") == 0 || strcmp(word, "blacklist") == 0;
	bool allow = strcmp(word, "allowlist") == 0 || strcmp(word, "whitelist") == 0;
	if (!deny && !allow)
		return perr(ps,
			    "unknown policy type \"%s\": the second line must be "
			    "\"allowlist\" or \"denylist\"",
			    word);
	if (deny && ps->version == 1)
		return perr(ps, "a version 1 policy is always an allowlist: "
				"use version 2 for a denylist");
	ps->policy_action = deny ? SCMP_ACT_ALLOW : SCMP_ACT_KILL_PROCESS;
	ps->rule_action = deny ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ALLOW;
	s = skip_blank(s);
	if (*s && parse_action(ps, &s, &ps->policy_action) < 0)
		return -1;
	if (*skip_blank(s))
		return perr(ps, "unexpected \"%s\" after the policy type", skip_blank(s));
	ps->plan = hk_seccomp_plan_new(ps->name, ps->native, ps->policy_action);
	ps->stage = STAGE_BODY;
	return 0;
}

/* Version 1 body: a native syscall number to allow. */
static int parse_v1_number(struct parser *ps, const char *s)
{
	unsigned long nr;
	if (!hk_parse_ulong(s, &nr) || nr > INT32_MAX)
		return perr(ps,
			    "\"%s\" is not a syscall number: a version 1 policy lists "
			    "numbers only (use version 2 for names)",
			    s);
	char *name = seccomp_syscall_resolve_num_arch(ps->plan->arches[0], (int)nr);
	if (!name) {
		hk_log(HK_LOG_WARN, "%s:%u: syscall number %lu is unknown on %s; rule skipped",
		       ps->name, ps->line, nr, hk_seccomp_arch_name(ps->plan->arches[0]));
		return 0;
	}
	/* v1 numbers are native; compat ABIs get the default action. */
	struct hk_seccomp_rule *r =
		hk_seccomp_plan_add(ps->plan, ps->plan->arches[0], name, SCMP_ACT_ALLOW);
	r->line = ps->line;
	free(name);
	return 0;
}

static int parse_line(struct parser *ps, char *line)
{
	line[strcspn(line, "#")] = '\0';
	char *s = hk_str_trim(line);
	if (!*s)
		return 0;
	switch (ps->stage) {
	case STAGE_VERSION:
		return parse_version(ps, s);
	case STAGE_TYPE:
		return parse_type(ps, s);
	case STAGE_BODY:
		break;
	}
	if (ps->version == 1)
		return parse_v1_number(ps, s);
	if (*s == '[')
		return parse_section(ps, s);
	if (ps->skip_section)
		return 0;
	return parse_rule(ps, s);
}

struct hk_seccomp_plan *hk_seccomp_policy_parse(const char *text, size_t len, const char *name,
						uint32_t native, struct hk_error **err)
{
	struct parser ps = { .name = name,
			     .native = native ? native : (uint32_t)seccomp_arch_native(),
			     .err = err };
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		ps.line++;
		if (memchr(p, '\0', n)) {
			perr(&ps, "the line holds a NUL byte: is this a text file?");
			goto fail;
		}
		hk_autofree char *line = xstrndup(p, n);
		if (parse_line(&ps, line) < 0)
			goto fail;
		if (!nl)
			break;
		p = nl + 1;
	}
	if (ps.stage != STAGE_BODY) {
		ps.line++;
		perr(&ps, "unexpected end of file: a policy starts with its version (1 or 2) "
			  "and its type (allowlist or denylist)");
		goto fail;
	}
	return ps.plan;
fail:
	hk_seccomp_plan_free(ps.plan);
	return NULL;
}

struct hk_seccomp_plan *hk_seccomp_policy_load_file(const char *path, struct hk_error **err)
{
	hk_autofree char *text = NULL;
	size_t len = 0;
	if (hk_read_file_at(AT_FDCWD, path, &text, &len, 1 << 20, err) < 0) {
		hk_error_prefix(err, "seccomp profile \"%s\"", path);
		return NULL;
	}
	return hk_seccomp_policy_parse(text, len, path, 0, err);
}
