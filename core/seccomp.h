/* seccomp.h - the container's system call filter (lxc.seccomp.profile).
 *
 * Plan, then act.  A struct hk_seccomp_plan is plain data: a default action,
 * the architectures the filter covers (native first, then every compat ABI
 * of it, so a deny rule also holds for i386/x32 or arm code) and a list of
 * rules (arch, syscall name, action, up to six argument conditions).  Plans
 * come from hako's built-in profiles (hk_seccomp_default_plan) or from an
 * LXC policy file (seccomp-policy.c); building one needs no privilege and
 * loads nothing, so unit tests inspect it directly.  hk_seccomp_build()
 * turns a plan into a libseccomp context, hk_seccomp_load() installs it in
 * the calling process (the container child, after PR_SET_NO_NEW_PRIVS or
 * with CAP_SYS_ADMIN), hk_seccomp_export_bpf() writes the BPF program.
 *
 * Built-in profiles never deny seccomp() or prctl(PR_SET_SECCOMP): nested
 * containers install their own filter on top of ours.
 */
#ifndef HAKO_SECCOMP_H
#define HAKO_SECCOMP_H

/* With -Icore on the command line this file shadows libseccomp's own
 * <seccomp.h>, so it pulls that one in right behind itself.  A file in
 * core/ that writes #include "seccomp.h" finds this file by its own
 * directory and the include_next lands here again: so nothing below needs
 * libseccomp's types (op is an int, a filter context a void *), and code
 * that calls libseccomp writes #include <seccomp.h> (angle brackets). */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Winclude-next-absolute-path"
#endif
#include_next <seccomp.h>
#ifdef __clang__
#pragma clang diagnostic pop
#endif

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util.h"

#define HK_SECCOMP_MAX_CONDS  6
#define HK_SECCOMP_MAX_ARCHES 4

/* Names accepted for lxc.seccomp.profile besides a file path. */
#define HK_SECCOMP_PROFILE_DEFAULT "hako:default"
#define HK_SECCOMP_PROFILE_STRICT  "hako:strict"
#define HK_SECCOMP_PROFILE_NONE	   "unconfined"

struct hk_seccomp_cond {
	unsigned index; /* syscall argument 0..5 */
	int op;		/* enum scmp_compare: SCMP_CMP_NE .. MASKED_EQ */
	uint64_t value; /* compared with the argument */
	uint64_t mask;	/* MASKED_EQ only: (arg & mask) == value */
};

struct hk_seccomp_rule {
	uint32_t arch;	 /* SCMP_ARCH_* token; 0 = every arch of the plan */
	char *name;	 /* syscall name (v1 numbers are resolved to names) */
	uint32_t action; /* SCMP_ACT_* */
	unsigned n_conds;
	struct hk_seccomp_cond conds[HK_SECCOMP_MAX_CONDS];
	unsigned line; /* line in the policy file, 0 for built-in rules */
};

struct hk_seccomp_plan {
	char *source;				/* policy file path or built-in profile name */
	uint32_t default_action;		/* for syscalls no rule matches */
	uint32_t arches[HK_SECCOMP_MAX_ARCHES]; /* [0] native, then compat */
	size_t n_arches;
	struct hk_seccomp_rule *rules;
	size_t n_rules;
	size_t cap_rules;
};

/* An empty plan for `native` (SCMP_ARCH_* or 0 for this machine) and its
 * compat architectures. */
struct hk_seccomp_plan *hk_seccomp_plan_new(const char *source, uint32_t native,
					    uint32_t default_action);
void hk_seccomp_plan_free(struct hk_seccomp_plan *p);
void hk_seccomp_plan_freep(struct hk_seccomp_plan **p);
#define hk_autoseccomp_plan __attribute__((cleanup(hk_seccomp_plan_freep)))

/* Appends a rule (the name is copied); returns it for adding conditions. */
struct hk_seccomp_rule *hk_seccomp_plan_add(struct hk_seccomp_plan *p, uint32_t arch,
					    const char *name, uint32_t action);
void hk_seccomp_rule_cond(struct hk_seccomp_rule *r, unsigned index, int op, uint64_t value,
			  uint64_t mask);

/* The compat architectures of `native` (x86_64: x86 and x32; aarch64: arm;
 * ...) into out[]; returns how many (0..HK_SECCOMP_MAX_ARCHES-1). */
size_t hk_seccomp_compat_arches(uint32_t native, uint32_t *out);
bool hk_seccomp_plan_has_arch(const struct hk_seccomp_plan *p, uint32_t arch);

/* hako's built-in deny list (EPERM): kexec, module loading,
 * open_by_handle_at, forced umount, TIOCSTI/TIOCLINUX; `strict` adds
 * Docker's kernel-surface denials (keyrings, bpf, userfaultfd,
 * perf_event_open, io_uring, AF_ALG/AF_VSOCK sockets). */
struct hk_seccomp_plan *hk_seccomp_default_plan(bool strict);

/* The plan for an lxc.seccomp.profile value: NULL or "" or "hako:default"
 * -> the default plan, "hako:strict" -> the strict one, "unconfined" ->
 * *out = NULL (no filter), anything else is a policy file path. */
int hk_seccomp_plan_resolve(const char *profile, struct hk_seccomp_plan **out,
			    struct hk_error **err);

/* Privileged containers share the host's superblocks: a remount of one
 * (mount with MS_REMOUNT but not MS_BIND, or fsconfig RECONFIGURE) would
 * change it for the host too, e.g. make the host's / read-only.  Adds
 * EPERM rules for both to *plan (creating an allow-all plan when *plan is
 * NULL: this guard holds even for "unconfined").  Bind remounts, which
 * change only one mount's flags, stay allowed. */
void hk_seccomp_add_host_guard(struct hk_seccomp_plan **plan);

/* LXC policy files (seccomp-policy.c).  `name` is used in messages
 * ("NAME:LINE: ...").  native = SCMP_ARCH_* or 0 for this machine; it picks
 * which [arch] sections apply. */
struct hk_seccomp_plan *hk_seccomp_policy_parse(const char *text, size_t len, const char *name,
						uint32_t native, struct hk_error **err);
struct hk_seccomp_plan *hk_seccomp_policy_load_file(const char *path, struct hk_error **err);

/* SCMP_ACT_* -> "allow", "errno 1", "kill", ... written into buf. */
const char *hk_seccomp_action_format(uint32_t action, char *buf, size_t size);
/* SCMP_ARCH_* -> "x86_64", "x86", ...; "all" for 0. */
const char *hk_seccomp_arch_name(uint32_t arch);

/* Cleanup attribute for libseccomp's filter context (a scmp_filter_ctx,
 * which is a void *); seccomp_release()s it. */
void hk_scmp_releasep(void *ctx);
#define hk_autoscmp __attribute__((cleanup(hk_scmp_releasep)))

/* A libseccomp context (scmp_filter_ctx) holding the plan for every arch of
 * it.  It does not set no_new_privs on load (lxc.no_new_privs decides). */
void *hk_seccomp_build(const struct hk_seccomp_plan *p, struct hk_error **err);
/* libseccomp 2.5.4 loops forever adding some rule sets (two rules of one
 * syscall sharing a range comparison on one argument, then differing), so
 * hako compiles a filter in a child process with a budget of processor
 * time: a bad policy file is refused, never a hung start or attach.  The
 * default profile takes a few ms, a hundred or so under emulation; a busy
 * machine stretches the wall time, not the processor time.  The wall
 * time has a far limit too (12 times the budget, a minute at least), for
 * a child that is stopped rather than spinning. */
#define HK_SECCOMP_COMPILE_CPU_MS  5000
#define HK_SECCOMP_COMPILE_WALL_MS 60000
/* The plan compiled to a BPF program (struct sock_filter array, appended
 * to bpf) by a forked child; ETIMEDOUT naming the cause once the child
 * has spun for cpu_ms of processor time. */
int hk_seccomp_compile(const struct hk_seccomp_plan *p, unsigned cpu_ms, struct hk_buf *bpf,
		       struct hk_error **err);
/* hk_seccomp_compile's wait: reads fd to its end (0) while the writer pid
 * has used less than cpu_ms of processor time (checked every 50 ms) and
 * less than wall_ms have passed (-ETIMEDOUT); -1 on a read error.
 * Processor time, not wall time, is the budget: libseccomp's endless
 * loop spins, while a busy machine (or a slow emulated one) only makes
 * an honest compile wait longer for the processor. */
int hk_seccomp_read_child(int fd, pid_t pid, long long cpu_ms, long long wall_ms,
			  struct hk_buf *out);
/* A compiled filter: made before a process enters a container (a child
 * forked inside one to compile it would be a traceable process with the
 * caller's capabilities), installed there by hk_seccomp_install. */
struct hk_seccomp_prog {
	struct hk_buf bpf; /* struct sock_filter[] */
	char *source;	   /* the profile, for messages */
	size_t n_rules;
};
int hk_seccomp_prepare(const struct hk_seccomp_plan *p, struct hk_seccomp_prog *out,
		       struct hk_error **err);
/* hk_seccomp_prepare through the cache of compiled programs in
 * CACHE_DIR/seccomp (seccomp-cache.c): a plan compiled once, by a start
 * or an attach, is read back by the next; NULL cache_dir compiles. */
int hk_seccomp_prepare_cached(const struct hk_seccomp_plan *p, const char *cache_dir,
			      struct hk_seccomp_prog *out, struct hk_error **err);
/* The cache's key: the plan's rules, default action and architectures,
 * libseccomp's version and the kernel release, as text. */
char *hk_seccomp_plan_key(const struct hk_seccomp_plan *p);
int hk_seccomp_install(const struct hk_seccomp_prog *prog, struct hk_error **err);
void hk_seccomp_prog_free(struct hk_seccomp_prog *prog);
/* Compiles (as above) and installs the filter in the calling process; a
 * NULL plan ("unconfined") installs nothing. */
int hk_seccomp_load(const struct hk_seccomp_plan *p, struct hk_error **err);
/* Builds and writes the BPF program to fd. */
int hk_seccomp_export_bpf(const struct hk_seccomp_plan *p, int fd, struct hk_error **err);

#endif
