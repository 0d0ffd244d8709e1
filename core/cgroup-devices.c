/* cgroup-devices.c - v1 device rules as a cgroup v2 eBPF program (see
 * cgroup-devices.h). */
#include "cgroup-devices.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

void hk_dev_policy_init(struct hk_dev_policy *p)
{
	*p = (struct hk_dev_policy){ .default_allow = true };
}

void hk_dev_policy_free(struct hk_dev_policy *p)
{
	free(p->rules);
	hk_dev_policy_init(p);
}

/* "*" or a decimal number below 2^20 (the kernel's majors and minors). */
static bool parse_number(const char *s, size_t len, long *out)
{
	if (len == 1 && *s == '*') {
		*out = -1;
		return true;
	}
	long v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 1048575)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return len > 0 && v <= 1048575;
}

static bool parse_access(const char *s, unsigned *out)
{
	*out = 0;
	for (; *s; s++) {
		unsigned bit = *s == 'r'   ? BPF_DEVCG_ACC_READ
			       : *s == 'w' ? BPF_DEVCG_ACC_WRITE
			       : *s == 'm' ? BPF_DEVCG_ACC_MKNOD
					   : 0;
		if (!bit)
			return false;
		*out |= bit;
	}
	return *out != 0;
}

/* "TYPE MAJOR:MINOR ACCESS" (or "a"). */
static bool parse_rule(const char *value, struct hk_dev_rule *r)
{
	char type[2], nums[32], access[8];
	int used = 0;
	if (strcmp(value, "a") == 0) {
		*r = (struct hk_dev_rule){
			'a', -1, -1, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD
		};
		return true;
	}
	if (sscanf(value, " %1[abc] %31[0-9*:] %7s %n", type, nums, access, &used) != 3 ||
	    value[used] != '\0')
		return false;
	const char *colon = strchr(nums, ':');
	r->type = type[0];
	return colon && parse_number(nums, (size_t)(colon - nums), &r->major) &&
	       parse_number(colon + 1, strlen(colon + 1), &r->minor) &&
	       parse_access(access, &r->access);
}

static bool same_device(const struct hk_dev_rule *a, const struct hk_dev_rule *b)
{
	return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

int hk_dev_policy_add(struct hk_dev_policy *p, const char *key, const char *value,
		      const char *cfgkey, struct hk_error **err)
{
	bool allow = strcmp(key, "devices.allow") == 0;
	struct hk_dev_rule r;
	if (!parse_rule(value, &r))
		return hk_error_set(err, EINVAL,
				    "%s = %s: not a device rule; write \"TYPE MAJOR:MINOR ACCESS\" "
				    "(c 1:3 rwm, b *:* m) or \"a\"",
				    cfgkey, value);
	if (strcmp(value, "a") == 0) {
		free(p->rules);
		p->rules = NULL;
		p->n = 0;
		p->default_allow = allow;
		return 0;
	}
	if (allow == p->default_allow) { /* back to the default: drop the exception */
		size_t kept = 0;
		for (size_t i = 0; i < p->n; i++) {
			if (same_device(&p->rules[i], &r))
				p->rules[i].access &= ~r.access;
			if (p->rules[i].access)
				p->rules[kept++] = p->rules[i];
		}
		p->n = kept;
		return 0;
	}
	p->rules = xrealloc(p->rules, (p->n + 1) * sizeof(*p->rules));
	p->rules[p->n++] = r;
	return 0;
}

/* ---- the program ---- */

#define INSN(c, d, s, o, i)                                                                        \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
};

static size_t emit(struct prog *p, struct bpf_insn insn)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	p->v[p->n] = insn;
	return p->n++;
}

/* r2 = device type, r3 = requested access, r4 = major, r5 = minor. */
static void emit_prologue(struct prog *p)
{
	emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0));
	emit(p, INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff));
	emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 0, 0));
	emit(p, INSN(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16));
	emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 4, 0));
	emit(p, INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_5, BPF_REG_1, 8, 0));
}

static void emit_return(struct prog *p, int verdict)
{
	emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, verdict));
	emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

/* One exception: when the request matches it, return its verdict; each
 * test that fails jumps past the block.  An allowed exception matches a
 * request wholly within its access, a denied one any request touching it. */
static void emit_rule(struct prog *p, const struct hk_dev_rule *r, bool allow)
{
	size_t jumps[4], nj = 0;
	const unsigned all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
	if (r->type != 'a')
		jumps[nj++] =
			emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
				     r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
	if (r->access != all) {
		emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0));
		emit(p, INSN(BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0,
			     (int)(allow ? (~r->access & all) : r->access)));
		jumps[nj++] = emit(
			p, INSN(BPF_JMP | (allow ? BPF_JNE : BPF_JEQ) | BPF_K, BPF_REG_1, 0, 0, 0));
	}
	if (r->major >= 0)
		jumps[nj++] =
			emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int)r->major));
	if (r->minor >= 0)
		jumps[nj++] =
			emit(p, INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int)r->minor));
	emit_return(p, allow);
	for (size_t i = 0; i < nj; i++)
		p->v[jumps[i]].off = (short)(p->n - jumps[i] - 1);
}

void hk_dev_policy_program(const struct hk_dev_policy *pol, struct bpf_insn **insns, size_t *n)
{
	struct prog p = { 0 };
	emit_prologue(&p);
	for (size_t i = 0; i < pol->n; i++)
		emit_rule(&p, &pol->rules[i], !pol->default_allow);
	emit_return(&p, pol->default_allow);
	*insns = p.v;
	*n = p.n;
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* BPF_PROG_LOAD; with a log (the verifier's words) only when asked: a
 * verbose log that does not fit fails the load with ENOSPC. */
static int load_program(const struct bpf_insn *insns, size_t n, char *log, size_t log_size)
{
	union bpf_attr load = { 0 };
	load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	load.insns = (__u64)(uintptr_t)insns;
	load.insn_cnt = (__u32)n;
	load.license = (__u64)(uintptr_t) "GPL";
	if (log) {
		load.log_buf = (__u64)(uintptr_t)log;
		load.log_size = (__u32)log_size;
		load.log_level = 1;
	}
	return sys_bpf(BPF_PROG_LOAD, &load);
}

/* Whether one rule covers a request (see emit_rule). */
static bool rule_matches(const struct hk_dev_rule *r, char type, long major, long minor,
			 unsigned access, bool allow)
{
	if (r->type != 'a' && r->type != type)
		return false;
	if (allow ? (access & ~r->access) != 0 : (access & r->access) == 0)
		return false;
	return (r->major < 0 || r->major == major) && (r->minor < 0 || r->minor == minor);
}

bool hk_dev_policy_allows(const struct hk_dev_policy *p, char type, long major, long minor,
			  unsigned access)
{
	for (size_t i = 0; i < p->n; i++)
		if (rule_matches(&p->rules[i], type, major, minor, access, !p->default_allow))
			return !p->default_allow;
	return p->default_allow;
}

/* The loaded program of pol, or -1 with the verifier's last words. */
static int load_policy(const struct hk_dev_policy *pol, const char *shown, struct hk_error **err)
{
	hk_autofree struct bpf_insn *insns = NULL;
	size_t n;
	hk_dev_policy_program(pol, &insns, &n);
	hk_autoclose int prog = load_program(insns, n, NULL, 0);
	if (prog < 0) {
		int saved = errno;
		hk_autofree char *log = xcalloc(1, 65536);
		if (load_program(insns, n, log, 65536) >= 0 || errno != saved)
			log[0] = '\0';
		char *last = strrchr(hk_str_trim(log), '\n');
		errno = saved;
		return hk_error_errno(
			err,
			"device rules of \"%s\": the kernel refused their eBPF program%s%.200s "
			"(cgroup v2 has no devices files; it needs CONFIG_CGROUP_BPF)",
			shown, *log ? ": " : "", last ? last + 1 : log);
	}
	return hk_steal_fd(&prog);
}

/* Loads pol's program and attaches it to cgroup_fd, in the place of the
 * program old when it is not -1 (BPF_F_REPLACE, atomic). */
static int attach_policy(const struct hk_dev_policy *pol, int cgroup_fd, int old, const char *shown,
			 struct hk_error **err)
{
	hk_autoclose int prog = load_policy(pol, shown, err);
	if (prog < 0)
		return -1;
	union bpf_attr attach = { 0 };
	attach.target_fd = (__u32)cgroup_fd;
	attach.attach_bpf_fd = (__u32)prog;
	attach.attach_type = BPF_CGROUP_DEVICE;
	attach.attach_flags = BPF_F_ALLOW_MULTI | (old >= 0 ? BPF_F_REPLACE : 0);
	attach.replace_bpf_fd = old >= 0 ? (__u32)old : 0;
	if (sys_bpf(BPF_PROG_ATTACH, &attach) < 0)
		return hk_error_errno(
			err, "device rules of \"%s\": %s", shown,
			old >= 0 ? "cannot replace their eBPF program in place (BPF_F_REPLACE "
				   "needs Linux 5.6)"
				 : "cannot attach their eBPF program (an ancestor's program "
				   "may forbid more: BPF_F_ALLOW_MULTI)");
	return 0;
}

int hk_dev_policy_attach(const struct hk_dev_policy *pol, int cgroup_fd, const char *shown,
			 struct hk_error **err)
{
	return attach_policy(pol, cgroup_fd, -1, shown, err);
}

/* The one device program attached to cgroup_fd (hako's: nothing else
 * attaches below a container's limit cgroup), as a descriptor. */
static int attached_program(int cgroup_fd, const char *shown, struct hk_error **err)
{
	__u32 ids[4] = { 0 };
	union bpf_attr q = { 0 };
	q.query.target_fd = (__u32)cgroup_fd;
	q.query.attach_type = BPF_CGROUP_DEVICE;
	q.query.prog_ids = (__u64)(uintptr_t)ids;
	q.query.prog_cnt = HK_ARRAY_SIZE(ids);
	if (sys_bpf(BPF_PROG_QUERY, &q) < 0)
		return hk_error_errno(err, "device rules of \"%s\": cannot list its eBPF programs",
				      shown);
	if (q.query.prog_cnt != 1)
		return hk_error_set(
			err, EEXIST,
			"device rules of \"%s\": %u eBPF device programs are attached where "
			"hako attached one at start; hako replaces only its own (restart the "
			"container to start afresh)",
			shown, q.query.prog_cnt);
	union bpf_attr get = { 0 };
	get.prog_id = ids[0];
	int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &get);
	if (fd < 0)
		return hk_error_errno(err, "device rules of \"%s\": cannot open its eBPF program",
				      shown);
	return fd;
}

int hk_dev_policy_replace(const struct hk_dev_policy *pol, int cgroup_fd, const char *shown,
			  struct hk_error **err)
{
	hk_autoclose int old = attached_program(cgroup_fd, shown, err);
	return old < 0 ? -1 : attach_policy(pol, cgroup_fd, old, shown, err);
}
