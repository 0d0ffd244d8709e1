/* seccomp.c - seccomp plans (plain data), hako's built-in profiles, and
 * turning a plan into a loaded filter with libseccomp.  The LXC policy file
 * parser lives in seccomp-policy.c.  See seccomp.h for the data model.
 *
 * libseccomp reads a syscall number in a rule as a number of the machine it
 * runs on and translates it for other architectures, so rules are kept by
 * name and resolved natively; a rule meant for one arch only goes into a
 * context holding just that arch, and the per-arch contexts are merged. */
#include <seccomp.h> /* ours, then libseccomp's: see seccomp.h */

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

/* Every native arch whose kernel also runs binaries of other ABIs. */
static const struct {
	uint32_t native;
	uint32_t compat[HK_SECCOMP_MAX_ARCHES - 1];
} compat_table[] = {
	{ SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
	{ SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM } },
	{ SCMP_ARCH_PPC64, { SCMP_ARCH_PPC } },
	{ SCMP_ARCH_S390X, { SCMP_ARCH_S390 } },
	{ SCMP_ARCH_MIPS64, { SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64N32 } },
	{ SCMP_ARCH_MIPSEL64, { SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64N32 } },
};

static const struct {
	uint32_t arch;
	const char *name;
} arch_names[] = {
	{ SCMP_ARCH_X86_64, "x86_64" },
	{ SCMP_ARCH_X86, "x86" },
	{ SCMP_ARCH_X32, "x32" },
	{ SCMP_ARCH_AARCH64, "aarch64" },
	{ SCMP_ARCH_ARM, "arm" },
	{ SCMP_ARCH_PPC64, "ppc64" },
	{ SCMP_ARCH_PPC64LE, "ppc64le" },
	{ SCMP_ARCH_PPC, "ppc" },
	{ SCMP_ARCH_S390X, "s390x" },
	{ SCMP_ARCH_S390, "s390" },
	{ SCMP_ARCH_MIPS, "mips" },
	{ SCMP_ARCH_MIPS64, "mips64" },
	{ SCMP_ARCH_MIPS64N32, "mips64n32" },
	{ SCMP_ARCH_MIPSEL, "mipsel" },
	{ SCMP_ARCH_MIPSEL64, "mipsel64" },
	{ SCMP_ARCH_MIPSEL64N32, "mipsel64n32" },
	{ SCMP_ARCH_RISCV64, "riscv64" },
};

const char *hk_seccomp_arch_name(uint32_t arch)
{
	if (arch == 0)
		return "all";
	for (size_t i = 0; i < HK_ARRAY_SIZE(arch_names); i++)
		if (arch_names[i].arch == arch)
			return arch_names[i].name;
	return "unknown";
}

size_t hk_seccomp_compat_arches(uint32_t native, uint32_t *out)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(compat_table); i++) {
		if (compat_table[i].native != native)
			continue;
		size_t n = 0;
		while (n < HK_SECCOMP_MAX_ARCHES - 1 && compat_table[i].compat[n])
			out[n] = compat_table[i].compat[n], n++;
		return n;
	}
	return 0;
}

bool hk_seccomp_plan_has_arch(const struct hk_seccomp_plan *p, uint32_t arch)
{
	for (size_t i = 0; i < p->n_arches; i++)
		if (p->arches[i] == arch)
			return true;
	return false;
}

struct hk_seccomp_plan *hk_seccomp_plan_new(const char *source, uint32_t native,
					    uint32_t default_action)
{
	struct hk_seccomp_plan *p = xcalloc(1, sizeof(*p));
	p->source = xstrdup(source);
	p->default_action = default_action;
	p->arches[0] = native ? native : (uint32_t)seccomp_arch_native();
	p->n_arches = 1 + hk_seccomp_compat_arches(p->arches[0], p->arches + 1);
	return p;
}

void hk_seccomp_plan_free(struct hk_seccomp_plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].name);
	free(p->rules);
	free(p->source);
	free(p);
}

void hk_seccomp_plan_freep(struct hk_seccomp_plan **p)
{
	hk_seccomp_plan_free(*p);
	*p = NULL;
}

struct hk_seccomp_rule *hk_seccomp_plan_add(struct hk_seccomp_plan *p, uint32_t arch,
					    const char *name, uint32_t action)
{
	if (p->n_rules == p->cap_rules) {
		p->cap_rules = p->cap_rules ? p->cap_rules * 2 : 16;
		p->rules = xrealloc(p->rules, p->cap_rules * sizeof(*p->rules));
	}
	struct hk_seccomp_rule *r = &p->rules[p->n_rules++];
	memset(r, 0, sizeof(*r));
	r->arch = arch;
	r->name = xstrdup(name);
	r->action = action;
	return r;
}

void hk_seccomp_rule_cond(struct hk_seccomp_rule *r, unsigned index, int op, uint64_t value,
			  uint64_t mask)
{
	if (r->n_conds >= HK_SECCOMP_MAX_CONDS)
		abort(); /* a programming error: parsers check the limit first */
	r->conds[r->n_conds++] = (struct hk_seccomp_cond){ index, op, value, mask };
}

/* ---- built-in profiles ------------------------------------------------ */

/* Syscalls no container needs and every runtime denies: loading kernel
 * code, replacing the kernel, and handle-based opens that escape mounts. */
static const char *const deny_default[] = {
	"kexec_load",  "kexec_file_load", "open_by_handle_at",
	"init_module", "finit_module",	  "delete_module",
};

/* Docker's kernel-surface denials, for "hako:strict". */
static const char *const deny_strict[] = {
	"keyctl",
	"add_key",
	"request_key",
	"bpf",
	"userfaultfd",
	"perf_event_open",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
};

/* Denials on one argument, compared as (arg & mask) == value.  ioctl's and
 * socket()'s argument is 32 bits wide in the kernel, which ignores the high
 * half: comparing only the low 32 bits catches TIOCSTI | (1 << 32) too. */
static const struct {
	const char *name;
	unsigned index;
	uint64_t value, mask;
	bool strict;
} deny_arg[] = {
	{ "umount2", 1, MNT_FORCE, MNT_FORCE, false }, { "ioctl", 1, TIOCSTI, 0xffffffffu, false },
	{ "ioctl", 1, TIOCLINUX, 0xffffffffu, false }, { "socket", 0, AF_ALG, 0xffffffffu, true },
	{ "socket", 0, AF_VSOCK, 0xffffffffu, true },
};

struct hk_seccomp_plan *hk_seccomp_default_plan(bool strict)
{
	const uint32_t deny = SCMP_ACT_ERRNO(EPERM);
	struct hk_seccomp_plan *p = hk_seccomp_plan_new(
		strict ? HK_SECCOMP_PROFILE_STRICT : HK_SECCOMP_PROFILE_DEFAULT, 0, SCMP_ACT_ALLOW);
	for (size_t i = 0; i < HK_ARRAY_SIZE(deny_default); i++)
		hk_seccomp_plan_add(p, 0, deny_default[i], deny);
	for (size_t i = 0; strict && i < HK_ARRAY_SIZE(deny_strict); i++)
		hk_seccomp_plan_add(p, 0, deny_strict[i], deny);
	for (size_t i = 0; i < HK_ARRAY_SIZE(deny_arg); i++) {
		if (deny_arg[i].strict && !strict)
			continue;
		struct hk_seccomp_rule *r = hk_seccomp_plan_add(p, 0, deny_arg[i].name, deny);
		hk_seccomp_rule_cond(r, deny_arg[i].index, SCMP_CMP_MASKED_EQ, deny_arg[i].value,
				     deny_arg[i].mask);
	}
	return p;
}

void hk_seccomp_add_host_guard(struct hk_seccomp_plan **plan)
{
	if (!*plan)
		*plan = hk_seccomp_plan_new("hako:host-guard", 0, SCMP_ACT_ALLOW);
	const uint32_t deny = SCMP_ACT_ERRNO(EPERM);
	/* mount(2) with MS_REMOUNT but not MS_BIND changes the superblock. */
	struct hk_seccomp_rule *r = hk_seccomp_plan_add(*plan, 0, "mount", deny);
	hk_seccomp_rule_cond(r, 3, SCMP_CMP_MASKED_EQ, MS_REMOUNT, MS_REMOUNT | MS_BIND);
	/* fsconfig(FSCONFIG_CMD_RECONFIGURE) is the same through the new API. */
	r = hk_seccomp_plan_add(*plan, 0, "fsconfig", deny);
	hk_seccomp_rule_cond(r, 1, SCMP_CMP_MASKED_EQ, 7 /* FSCONFIG_CMD_RECONFIGURE */,
			     0xffffffffu);
}

int hk_seccomp_plan_resolve(const char *profile, struct hk_seccomp_plan **out,
			    struct hk_error **err)
{
	*out = NULL;
	if (!profile || !*profile || strcmp(profile, HK_SECCOMP_PROFILE_DEFAULT) == 0)
		*out = hk_seccomp_default_plan(false);
	else if (strcmp(profile, HK_SECCOMP_PROFILE_STRICT) == 0)
		*out = hk_seccomp_default_plan(true);
	else if (strcmp(profile, HK_SECCOMP_PROFILE_NONE) == 0)
		return 0;
	else
		*out = hk_seccomp_policy_load_file(profile, err);
	return *out ? 0 : -1;
}

const char *hk_seccomp_action_format(uint32_t action, char *buf, size_t size)
{
	switch (action & 0xffff0000u) {
	case SCMP_ACT_ERRNO(0):
		snprintf(buf, size, "errno %u", action & 0xffffu);
		return buf;
	case SCMP_ACT_TRACE(0):
		snprintf(buf, size, "trace %u", action & 0xffffu);
		return buf;
	}
	static const struct {
		uint32_t action;
		const char *name;
	} names[] = {
		{ SCMP_ACT_ALLOW, "allow" },
		{ SCMP_ACT_KILL_PROCESS, "kill" },
		{ SCMP_ACT_KILL_THREAD, "kill_thread" },
		{ SCMP_ACT_TRAP, "trap" },
		{ SCMP_ACT_LOG, "log" },
		{ SCMP_ACT_NOTIFY, "notify" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(names); i++)
		if (names[i].action == action)
			return names[i].name;
	snprintf(buf, size, "%#x", action);
	return buf;
}

/* ---- building and loading --------------------------------------------- */

void hk_scmp_releasep(void *p)
{
	scmp_filter_ctx *ctx = p;
	if (*ctx)
		seccomp_release(*ctx);
	*ctx = NULL;
}

/* A context covering exactly one arch. */
static scmp_filter_ctx arch_ctx(const struct hk_seccomp_plan *p, uint32_t arch,
				struct hk_error **err)
{
	hk_autoscmp void *ctx = seccomp_init(p->default_action);
	if (!ctx) {
		hk_error_set(err, EINVAL,
			     "seccomp profile \"%s\": libseccomp refused the default action",
			     p->source);
		return NULL;
	}
	/* no_new_privs is lxc.no_new_privs's business, not the filter's. */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* The kernel's errno from seccomp_load() (EACCES, ...), not ECANCELED;
	 * a libseccomp without it only makes messages vaguer. */
	if (rc == 0 && seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1) < 0)
		hk_log(HK_LOG_DEBUG, "seccomp: libseccomp cannot report raw errors");
	if (rc == 0 && arch != (uint32_t)seccomp_arch_native()) {
		rc = seccomp_arch_add(ctx, arch);
		if (rc == 0)
			rc = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	}
	if (rc < 0) {
		hk_error_set(err, -rc, "seccomp profile \"%s\": set up architecture %s", p->source,
			     hk_seccomp_arch_name(arch));
		return NULL;
	}
	return hk_steal_ptr(&ctx);
}

static int add_rule(const struct hk_seccomp_plan *p, const struct hk_seccomp_rule *r, uint32_t arch,
		    scmp_filter_ctx ctx, struct hk_error **err)
{
	if (r->arch && r->arch != arch)
		return 0;
	if (r->action == p->default_action)
		return 0; /* a no-op, and libseccomp refuses it */
	/* A negative number is libseccomp's "pseudo syscall": one this arch
	 * lacks (then libseccomp adds nothing) or one it multiplexes through
	 * socketcall()/ipc() (then it matches the call number).  The
	 * multiplexed call carries its arguments in memory, where no filter
	 * can read them: libseccomp would drop the conditions and deny every
	 * such call, so a rule with conditions skips it, as Docker's does. */
	int arch_nr = seccomp_syscall_resolve_name_arch(arch, r->name);
	if (arch_nr == __NR_SCMP_ERROR || (arch_nr < 0 && r->n_conds)) {
		hk_log(HK_LOG_DEBUG,
		       "seccomp: \"%s\" has no filterable form on %s: rule skipped there", r->name,
		       hk_seccomp_arch_name(arch));
		return 0;
	}
	int nr = seccomp_syscall_resolve_name(r->name); /* native or pseudo number */
	if (nr == __NR_SCMP_ERROR)
		return 0;
	struct scmp_arg_cmp cmp[HK_SECCOMP_MAX_CONDS];
	for (unsigned i = 0; i < r->n_conds; i++) {
		const struct hk_seccomp_cond *c = &r->conds[i];
		cmp[i] = (struct scmp_arg_cmp){
			.arg = c->index,
			.op = c->op,
			.datum_a = c->op == SCMP_CMP_MASKED_EQ ? c->mask : c->value,
			.datum_b = c->op == SCMP_CMP_MASKED_EQ ? c->value : 0
		};
	}
	int rc = seccomp_rule_add_array(ctx, r->action, nr, r->n_conds, cmp);
	if (rc < 0) {
		if (r->line)
			return hk_error_set(err, -rc, "%s:%u: add the rule for \"%s\" on %s",
					    p->source, r->line, r->name,
					    hk_seccomp_arch_name(arch));
		return hk_error_set(err, -rc,
				    "seccomp profile \"%s\": add the rule for \"%s\" on %s",
				    p->source, r->name, hk_seccomp_arch_name(arch));
	}
	return 0;
}

void *hk_seccomp_build(const struct hk_seccomp_plan *p, struct hk_error **err)
{
	hk_autoscmp void *main_ctx = NULL;
	for (size_t a = 0; a < p->n_arches; a++) {
		hk_autoscmp void *ctx = arch_ctx(p, p->arches[a], err);
		if (!ctx)
			return NULL;
		for (size_t i = 0; i < p->n_rules; i++)
			if (add_rule(p, &p->rules[i], p->arches[a], ctx, err) < 0)
				return NULL;
		if (!main_ctx) {
			main_ctx = hk_steal_ptr(&ctx);
			continue;
		}
		int rc = seccomp_merge(main_ctx, ctx);
		if (rc < 0) {
			hk_error_set(err, -rc, "seccomp profile \"%s\": merge the %s filter",
				     p->source, hk_seccomp_arch_name(p->arches[a]));
			return NULL;
		}
		ctx = NULL; /* seccomp_merge consumed it */
	}
	return hk_steal_ptr(&main_ctx);
}

/* What the compiling child sends back: a status byte, then the BPF
 * program ('B') or an errno and a message ('E'). */
static void compile_child(const struct hk_seccomp_plan *p, int fd)
{
	hk_autoerr struct hk_error *err = NULL;
	hk_autoscmp void *ctx = hk_seccomp_build(p, &err);
	int rc = ctx ? 0 : -1;
	if (ctx && (write(fd, "B", 1) != 1 || (rc = seccomp_export_bpf(ctx, fd)) < 0) && !err)
		hk_error_set(&err, rc < 0 ? -rc : EIO,
			     "seccomp profile \"%s\": export the BPF program", p->source);
	if (err) {
		struct hk_buf b = { 0 };
		int code = err->code;
		hk_buf_append(&b, "E", 1);
		hk_buf_append(&b, &code, sizeof(code));
		hk_buf_puts(&b, err->msg);
		if (write(fd, b.data, b.len) < 0)
			_exit(2);
		hk_buf_free(&b);
	}
	_exit(err ? 1 : 0);
}

/* The processor time (ms) the process pid has used so far; -1 if it is
 * gone or its clock cannot be read. */
static long long cpu_ms_of(pid_t pid)
{
	clockid_t clk;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &clk) != 0 || clock_gettime(clk, &ts) < 0)
		return -1;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hk_seccomp_read_child(int fd, pid_t pid, long long cpu_ms, long long wall_ms,
			  struct hk_buf *out)
{
	long long wall_end = hk_now_ms() + wall_ms;
	for (;;) {
		long long left = wall_end - hk_now_ms();
		long long used = cpu_ms_of(pid);
		if (left <= 0 || used >= cpu_ms)
			return -ETIMEDOUT;
		struct pollfd pf = { fd, POLLIN, 0 };
		int n = poll(&pf, 1, (int)(left < 50 ? left : 50));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			continue;
		char chunk[4096];
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 0;
		hk_buf_append(out, chunk, (size_t)r);
	}
}

int hk_seccomp_compile(const struct hk_seccomp_plan *p, unsigned cpu_ms, struct hk_buf *bpf,
		       struct hk_error **err)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return hk_error_errno(err, "seccomp profile \"%s\": pipe", p->source);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]), close(fds[1]);
		return hk_error_errno(err, "seccomp profile \"%s\": fork", p->source);
	}
	if (pid == 0) {
		close(fds[0]);
		compile_child(p, fds[1]);
	}
	close(fds[1]);
	struct hk_buf got = { 0 };
	long long wall_ms = (long long)cpu_ms * 12;
	int rc = hk_seccomp_read_child(
		fds[0], pid, cpu_ms,
		wall_ms < HK_SECCOMP_COMPILE_WALL_MS ? HK_SECCOMP_COMPILE_WALL_MS : wall_ms, &got);
	close(fds[0]);
	if (rc == -ETIMEDOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (rc == -ETIMEDOUT)
		rc = hk_error_set(err, ETIMEDOUT,
				  "seccomp profile \"%s\": libseccomp did not finish compiling the "
				  "filter within %u ms of processor time (libseccomp 2.5 never "
				  "returns for some rules of one syscall that share a range "
				  "comparison on one argument and then differ); merge or simplify "
				  "those rules",
				  p->source, cpu_ms);
	else if (rc < 0 || got.len == 0)
		rc = hk_error_set(err, EIO, "seccomp profile \"%s\": the filter compiler died",
				  p->source);
	else if (got.data[0] == 'E' && got.len > 1 + sizeof(int)) {
		int code;
		memcpy(&code, got.data + 1, sizeof(code));
		rc = hk_error_set(err, code, "%.*s", (int)(got.len - 1 - sizeof(code)),
				  got.data + 1 + sizeof(code));
	} else if (got.data[0] != 'B' || (got.len - 1) % sizeof(struct sock_filter) != 0)
		rc = hk_error_set(err, EIO, "seccomp profile \"%s\": malformed BPF program",
				  p->source);
	else {
		hk_buf_append(bpf, got.data + 1, got.len - 1);
		rc = 0;
	}
	hk_buf_free(&got);
	return rc;
}

int hk_seccomp_prepare(const struct hk_seccomp_plan *p, struct hk_seccomp_prog *out,
		       struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	if (hk_seccomp_compile(p, HK_SECCOMP_COMPILE_CPU_MS, &out->bpf, err) < 0)
		return -1;
	out->source = xstrdup(p->source);
	out->n_rules = p->n_rules;
	return 0;
}

void hk_seccomp_prog_free(struct hk_seccomp_prog *prog)
{
	hk_buf_free(&prog->bpf);
	free(prog->source);
	memset(prog, 0, sizeof(*prog));
}

int hk_seccomp_install(const struct hk_seccomp_prog *prog, struct hk_error **err)
{
	size_t n = prog->bpf.len / sizeof(struct sock_filter);
	struct sock_fprog fprog = { .len = (unsigned short)n,
				    .filter = (struct sock_filter *)prog->bpf.data };
	int rc = n > BPF_MAXINSNS ? (errno = E2BIG, -1)
				  : (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
	if (rc < 0)
		return hk_error_set(err, errno,
				    "seccomp profile \"%s\": load the filter (needs "
				    "no_new_privs or CAP_SYS_ADMIN)",
				    prog->source);
	hk_log(HK_LOG_DEBUG, "seccomp: loaded \"%s\" (%zu rules)", prog->source, prog->n_rules);
	return 0;
}

int hk_seccomp_load(const struct hk_seccomp_plan *p, struct hk_error **err)
{
	if (!p)
		return 0; /* "unconfined" */
	struct hk_seccomp_prog prog;
	if (hk_seccomp_prepare(p, &prog, err) < 0)
		return -1;
	int rc = hk_seccomp_install(&prog, err);
	hk_seccomp_prog_free(&prog);
	return rc;
}

int hk_seccomp_export_bpf(const struct hk_seccomp_plan *p, int fd, struct hk_error **err)
{
	hk_autoscmp void *ctx = hk_seccomp_build(p, err);
	if (!ctx)
		return -1;
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return hk_error_set(err, -rc, "seccomp profile \"%s\": export the BPF program",
				    p->source);
	return 0;
}
