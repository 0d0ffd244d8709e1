/* test_seccomp.c - seccomp plans and filters.
 *
 * The plan side needs nothing: LXC policy fixtures (tests/fixtures/seccomp)
 * for v1, v2 allow/deny lists, arch sections, conditions and every error
 * path, and the contents of the built-in profiles.  The filter side runs
 * for real in forked children (no_new_privs set there, so no root needed):
 * the default filter denies kexec_load, init_module, TIOCSTI with high bits
 * set, forced umount and the i386 ABI's kexec_load, lets a nested filter
 * go on top, and the strict one denies keyctl and AF_ALG sockets.  Each
 * call is first made without the filter, so a test cannot pass because the
 * kernel said EPERM on its own; a copy of the plan with a distinctive errno
 * proves the match where the unfiltered call fails with EPERM anyway. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "caps.h"
#include "log.h"
#include "seccomp.h"
#include "util.h"

#ifndef AF_ALG
#define AF_ALG 38
#endif
#define MARK_ERRNO EHWPOISON /* an errno no syscall here returns by itself */

/* ---- helpers ------------------------------------------------------------ */

static char *fixture(const char *name)
{
	const char *dir = getenv("HK_TEST_FIXTURES");
	return xasprintf("%s/seccomp/%s", dir ? dir : "tests/fixtures", name);
}

static struct hk_seccomp_plan *parse_fixture(const char *name, uint32_t native,
					     struct hk_error **err)
{
	hk_autofree char *path = fixture(name);
	hk_autofree char *text = NULL;
	size_t len;
	assert_int_equal(hk_read_file(path, &text, &len, NULL), 0);
	return hk_seccomp_policy_parse(text, len, name, native, err);
}

static const struct hk_seccomp_rule *find_rule(const struct hk_seccomp_plan *p, const char *name,
					       uint32_t arch)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].name, name) == 0 && p->rules[i].arch == arch)
			return &p->rules[i];
	return NULL;
}

static bool has_name(const struct hk_seccomp_plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return true;
	return false;
}

/* Warnings the parser logs, collected. */
static struct hk_buf warnings;
static void capture(void *ctx, enum hk_log_level level, const char *msg)
{
	(void)ctx;
	if (level >= HK_LOG_WARN) {
		hk_buf_puts(&warnings, msg);
		hk_buf_puts(&warnings, "\n");
	}
}

#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: %s:%d: %s failed (errno %d)\n", __FILE__,          \
				__LINE__, #cond, errno);                                           \
			return 1;                                                                  \
		}                                                                                  \
	} while (0)

/* Runs fn(arg) in a forked child; the test fails unless it returns 0. */
static void in_child(int (*fn)(const void *arg), const void *arg)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka's handlers would longjmp into its runner in the child. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGSYS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		_exit(fn(arg));
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFSIGNALED(st))
		fail_msg("child killed by signal %d", WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* errno of a failed call, 0 if it succeeded. */
#define ERR_OF(call) ((call) < 0 ? errno : 0)

static int load_in_child(const struct hk_seccomp_plan *p)
{
	hk_autoerr struct hk_error *err = NULL;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || hk_seccomp_load(p, &err) < 0) {
		fprintf(stderr, "child: load: %s\n", err ? err->msg : "no_new_privs");
		return -1;
	}
	return 0;
}

static struct hk_seccomp_plan *marked(struct hk_seccomp_plan *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		p->rules[i].action = SCMP_ACT_ERRNO(MARK_ERRNO);
	return p;
}

/* ---- policy files: accepted ---------------------------------------------- */

static void test_v1(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v1.policy", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	assert_int_equal(p->default_action, SCMP_ACT_KILL_PROCESS);
	assert_int_equal(p->n_rules, 4);
	const char *names[] = { "read", "write", "exit", "exit_group" };
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(p->rules[i].name, names[i]);
		assert_int_equal(p->rules[i].arch, SCMP_ARCH_X86_64); /* native only */
		assert_int_equal(p->rules[i].action, SCMP_ACT_ALLOW);
		assert_int_equal(p->rules[i].line, i + 4);
	}
}

static void test_v1_whitelist_unknown_number(void **state)
{
	(void)state;
	hk_log_set_sink(capture, NULL);
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v1-whitelist.policy", SCMP_ARCH_X86_64, &err);
	hk_log_set_sink(hk_log_sink_stderr, NULL);
	assert_non_null(p);
	assert_int_equal(p->n_rules, 1); /* 99999 skipped with a warning */
	assert_string_equal(p->rules[0].name, "read");
	assert_non_null(warnings.data);
	assert_non_null(strstr(warnings.data, "v1-whitelist.policy:4: syscall number 99999"));
	hk_buf_free(&warnings);
}

static void test_v2_denylist(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v2-denylist.policy", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	assert_int_equal(p->default_action, SCMP_ACT_ALLOW);
	const struct hk_seccomp_rule *r = find_rule(p, "umount2", 0);
	assert_non_null(r); /* reject_force_umount, as LXC: EACCES */
	assert_int_equal(r->action, SCMP_ACT_ERRNO(EACCES));
	assert_int_equal(r->n_conds, 1);
	assert_int_equal(r->conds[0].index, 1);
	assert_int_equal(r->conds[0].op, SCMP_CMP_MASKED_EQ);
	assert_int_equal(r->conds[0].mask, MNT_FORCE);
	assert_int_equal(r->conds[0].value, MNT_FORCE);
	assert_int_equal(find_rule(p, "kexec_load", 0)->action, SCMP_ACT_ERRNO(1));
	assert_int_equal(find_rule(p, "mknod", 0)->action, SCMP_ACT_ERRNO(0));
	r = find_rule(p, "ptrace", 0);
	assert_int_equal(r->action, SCMP_ACT_KILL_PROCESS); /* denylist default */
	assert_int_equal(r->line, 12);
	assert_int_equal(p->n_rules, 8);
	assert_string_equal(p->source, "v2-denylist.policy");
}

static void test_v2_allowlist(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v2-allowlist.policy", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	assert_int_equal(p->default_action, SCMP_ACT_TRAP); /* "allowlist trap" */
	assert_int_equal(find_rule(p, "open", SCMP_ARCH_X86_64)->action, SCMP_ACT_ALLOW);
	assert_non_null(find_rule(p, "umount2", SCMP_ARCH_X86_64));
	assert_non_null(find_rule(p, "write", SCMP_ARCH_X86));
	assert_null(find_rule(p, "umount2", SCMP_ARCH_X86));
	assert_null(find_rule(p, "open", SCMP_ARCH_ARM)); /* not an arch of x86_64 */
	assert_int_equal(p->n_rules, 10);
}

static void test_v2_blacklist_default_action(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v2-blacklist-default.policy", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	assert_int_equal(p->default_action, SCMP_ACT_ERRNO(38));
	assert_int_equal(find_rule(p, "getpid", 0)->action, SCMP_ACT_ALLOW);
}

static void test_v2_sections_x86_64(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v2-sections.policy", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	assert_int_equal(find_rule(p, "kexec_load", 0)->action, SCMP_ACT_KILL_PROCESS);
	assert_int_equal(find_rule(p, "mknod", SCMP_ARCH_X86_64)->action, SCMP_ACT_ERRNO(2));
	assert_int_equal(find_rule(p, "mknod", SCMP_ARCH_X86)->action, SCMP_ACT_ERRNO(3));
	assert_int_equal(find_rule(p, "mknod", SCMP_ARCH_X32)->action, SCMP_ACT_ERRNO(4));
	assert_int_equal(find_rule(p, "mknodat", SCMP_ARCH_X86_64)->action, SCMP_ACT_ERRNO(5));
	assert_null(find_rule(p, "mknod", SCMP_ARCH_AARCH64));
	assert_null(find_rule(p, "mknodat", SCMP_ARCH_AARCH64));
	assert_null(find_rule(p, "mknod", SCMP_ARCH_ARM));
	assert_null(find_rule(p, "mknod", SCMP_ARCH_S390X));
	assert_int_equal(find_rule(p, "chroot", 0)->action, SCMP_ACT_ERRNO(10)); /* [ALL] */
	assert_int_equal(p->n_rules, 6);
}

static void test_v2_sections_aarch64(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_log_set_sink(capture, NULL);
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v2-sections.policy", SCMP_ARCH_AARCH64, &err);
	hk_log_set_sink(hk_log_sink_stderr, NULL);
	assert_non_null(p);
	assert_non_null(warnings.data);
	assert_non_null(strstr(warnings.data, "v2-sections.policy:13: syscall \"mknod\""));
	assert_non_null(strstr(warnings.data, "on aarch64"));
	hk_buf_free(&warnings);
	assert_int_equal(p->n_arches, 2);
	assert_int_equal(p->arches[1], SCMP_ARCH_ARM);
	assert_null(find_rule(p, "mknod", SCMP_ARCH_X86_64));
	assert_null(find_rule(p, "mknod", SCMP_ARCH_X86));
	/* aarch64 has no mknod, arm has: the [arm64] rule is skipped. */
	assert_null(find_rule(p, "mknod", SCMP_ARCH_AARCH64));
	assert_int_equal(find_rule(p, "mknodat", SCMP_ARCH_AARCH64)->action, SCMP_ACT_ERRNO(7));
	assert_int_equal(find_rule(p, "mknod", SCMP_ARCH_ARM)->action, SCMP_ACT_ERRNO(8));
	assert_non_null(find_rule(p, "chroot", 0));
}

static void test_v2_conditions(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v2-conds.policy", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	static const struct {
		const char *name;
		unsigned index;
		int op;
		uint64_t value, mask;
	} want[] = {
		{ "personality", 0, SCMP_CMP_EQ, 8, 0 },
		{ "mount", 3, SCMP_CMP_MASKED_EQ, 4096, 4096 },
		{ "ioctl", 1, SCMP_CMP_MASKED_EQ, 0x5412, 0xffffffff },
		{ "kill", 0, SCMP_CMP_NE, 1, 0 },
		{ "setuid", 0, SCMP_CMP_LT, 1000, 0 },
		{ "setgid", 0, SCMP_CMP_LE, 1000, 0 },
		{ "socket", 0, SCMP_CMP_GE, 16, 0 },
		{ "clone", 0, SCMP_CMP_GT, 0x10000000, 0 },
	};
	assert_int_equal(p->n_rules, HK_ARRAY_SIZE(want));
	for (size_t i = 0; i < HK_ARRAY_SIZE(want); i++) {
		const struct hk_seccomp_rule *r = &p->rules[i];
		assert_string_equal(r->name, want[i].name);
		assert_int_equal(r->conds[0].index, want[i].index);
		assert_int_equal(r->conds[0].op, want[i].op);
		assert_int_equal(r->conds[0].value, want[i].value);
		assert_int_equal(r->conds[0].mask, want[i].mask);
	}
	const struct hk_seccomp_rule *kill_r = find_rule(p, "kill", 0);
	assert_int_equal(kill_r->n_conds, 2);
	assert_int_equal(kill_r->conds[1].index, 1);
	assert_int_equal(kill_r->conds[1].op, SCMP_CMP_EQ);
	assert_int_equal(kill_r->conds[1].value, 9);
	const struct hk_seccomp_rule *sock = find_rule(p, "socket", 0);
	assert_int_equal(sock->action, SCMP_ACT_KILL_PROCESS);
	assert_int_equal(sock->n_conds, 2);
	assert_int_equal(sock->conds[1].op, SCMP_CMP_EQ);
	assert_int_equal(sock->conds[1].index, 1);
	assert_int_equal(find_rule(p, "personality", 0)->action, SCMP_ACT_ERRNO(22));

	/* libseccomp accepts every rule: the plan builds. */
	hk_autoscmp void *ctx = hk_seccomp_build(p, &err);
	assert_non_null(ctx);
}

/* A rule the parser accepts but libseccomp refuses (two comparisons of one
 * argument): the build names file:line. */
static void test_build_error_names_line(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("build-dup-arg.policy", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	hk_autoscmp void *ctx = hk_seccomp_build(p, &err);
	assert_null(ctx);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "build-dup-arg.policy:3: add the rule for \"socket\""));
	assert_int_equal(err->code, EINVAL);
}

static void test_v2_six_conditions(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v2-six-conds.policy", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	assert_int_equal(p->rules[0].n_conds, 6);
	assert_int_equal(p->rules[0].conds[5].index, 5);
	assert_int_equal(p->rules[0].conds[5].value, 6);
}

static void test_v2_unknown_syscall_warns(void **state)
{
	(void)state;
	hk_log_set_sink(capture, NULL);
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		parse_fixture("v2-unknown-syscall.policy", SCMP_ARCH_X86_64, &err);
	hk_log_set_sink(hk_log_sink_stderr, NULL);
	assert_non_null(p);
	assert_int_equal(p->n_rules, 1);
	assert_string_equal(p->rules[0].name, "kexec_load");
	assert_non_null(warnings.data);
	assert_non_null(strstr(warnings.data, "v2-unknown-syscall.policy:3"));
	assert_non_null(strstr(warnings.data, "\"no_such_syscall_hako\""));
	hk_buf_free(&warnings);
}

static void test_load_file_and_missing(void **state)
{
	(void)state;
	hk_autofree char *path = fixture("v2-denylist.policy");
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p = hk_seccomp_policy_load_file(path, &err);
	assert_non_null(p);
	assert_string_equal(p->source, path);

	assert_null(hk_seccomp_policy_load_file("/nonexistent/hako.policy", &err));
	assert_int_equal(err->code, ENOENT);
	assert_non_null(strstr(err->msg, "\"/nonexistent/hako.policy\""));
}

/* ---- policy files: refused ------------------------------------------------ */

static void test_errors(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		unsigned line;
		const char *says;
	} cases[] = {
		{ "bad-version.policy", 1, "version \"3\"" },
		{ "bad-type.policy", 2, "\"graylist\"" },
		{ "bad-v1-denylist.policy", 2, "version 2 for a denylist" },
		{ "bad-v1-name.policy", 3, "\"read\" is not a syscall number" },
		{ "bad-action.policy", 3, "unknown action \"explode\"" },
		{ "bad-errno.policy", 3, "needs a number from 0 to 4095" },
		{ "bad-errno-range.policy", 3, "not \"5000\"" },
		{ "bad-notify.policy", 4, "\"notify\"" },
		{ "bad-default-action.policy", 2, "unknown action \"kaboom\"" },
		{ "bad-cond-op.policy", 3, "unknown operator \"=~\"" },
		{ "bad-cond-index.policy", 3, "index must be 0 to 5" },
		{ "bad-cond-value.policy", 3, "\"-1\" is not an unsigned number" },
		{ "bad-cond-fields.policy", 3, "needs 3 or 4 fields" },
		{ "bad-cond-empty.policy", 3, "needs 3 or 4 fields" },
		{ "bad-cond-unclosed.policy", 3, "closing \"]\"" },
		{ "bad-cond-nomask.policy", 3, "needs a mask" },
		{ "bad-cond-mask.policy", 3, "only SCMP_CMP_MASKED_EQ takes a mask" },
		{ "bad-cond-zero-mask.policy", 4, "a zero mask compares nothing" },
		{ "bad-unmergeable.policy", 5,
		  "repeats the comparison of argument 0 from line 3 but tests other arguments" },
		{ "bad-cond-junk.policy", 3, "unexpected \"junk\"" },
		{ "bad-too-many-conds.policy", 3, "too many conditions for \"mmap\": at most 6" },
		{ "bad-section.policy", 3, "unknown architecture section \"[vax]\"" },
		{ "bad-section-unclosed.policy", 3, "section \"[x86_64\" lacks" },
		{ "bad-truncated.policy", 2, "unexpected end of file" },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(cases); i++) {
		hk_autoerr struct hk_error *err = NULL;
		struct hk_seccomp_plan *p = parse_fixture(cases[i].file, SCMP_ARCH_X86_64, &err);
		if (p || !err)
			fail_msg("%s: accepted", cases[i].file);
		hk_autofree char *where = xasprintf("%s:%u: ", cases[i].file, cases[i].line);
		if (!hk_str_has_prefix(err->msg, where) || !strstr(err->msg, cases[i].says))
			fail_msg("%s: got \"%s\", want \"%s...%s\"", cases[i].file, err->msg, where,
				 cases[i].says);
		assert_int_equal(err->code, EINVAL);
	}
}

static void test_error_nul_byte_and_empty(void **state)
{
	(void)state;
	hk_autoerr struct hk_error *err = NULL;
	assert_null(hk_seccomp_policy_parse("2\nden\0ylist\n", 12, "mem", 0, &err));
	assert_non_null(strstr(err->msg, "mem:2: "));
	assert_non_null(strstr(err->msg, "NUL"));
	hk_error_freep(&err);
	assert_null(hk_seccomp_policy_parse("", 0, "empty", 0, &err));
	assert_non_null(strstr(err->msg, "empty:1: unexpected end of file"));
	hk_error_freep(&err);
	/* Comments and blank lines before the version are fine. */
	const char *ok = "# hako\n\n2\ndenylist\n";
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		hk_seccomp_policy_parse(ok, strlen(ok), "mem", 0, &err);
	assert_non_null(p);
	assert_int_equal(p->n_rules, 0);
}

/* ---- built-in profiles --------------------------------------------------- */

static const char *const default_denied[] = {
	"kexec_load",  "kexec_file_load", "open_by_handle_at",
	"init_module", "finit_module",	  "delete_module",
};
static const char *const strict_denied[] = {
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

static bool has_masked(const struct hk_seccomp_plan *p, const char *name, unsigned index,
		       uint64_t value, uint64_t mask)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct hk_seccomp_rule *r = &p->rules[i];
		if (strcmp(r->name, name) == 0 && r->n_conds == 1 && r->conds[0].index == index &&
		    r->conds[0].op == SCMP_CMP_MASKED_EQ && r->conds[0].value == value &&
		    r->conds[0].mask == mask && r->action == SCMP_ACT_ERRNO(EPERM) && r->arch == 0)
			return true;
	}
	return false;
}

static void test_default_plan(void **state)
{
	(void)state;
	hk_autoseccomp_plan struct hk_seccomp_plan *p = hk_seccomp_default_plan(false);
	assert_string_equal(p->source, HK_SECCOMP_PROFILE_DEFAULT);
	assert_int_equal(p->default_action, SCMP_ACT_ALLOW);
	for (size_t i = 0; i < HK_ARRAY_SIZE(default_denied); i++) {
		const struct hk_seccomp_rule *r = find_rule(p, default_denied[i], 0);
		if (!r)
			fail_msg("default plan lacks %s", default_denied[i]);
		assert_int_equal(r->action, SCMP_ACT_ERRNO(EPERM));
		assert_int_equal(r->n_conds, 0);
	}
	assert_true(has_masked(p, "umount2", 1, MNT_FORCE, MNT_FORCE));
	assert_true(has_masked(p, "ioctl", 1, TIOCSTI, 0xffffffffu));
	assert_true(has_masked(p, "ioctl", 1, TIOCLINUX, 0xffffffffu));
	for (size_t i = 0; i < HK_ARRAY_SIZE(strict_denied); i++)
		assert_false(has_name(p, strict_denied[i]));
	/* Nesting: a container must be able to install its own filter. */
	assert_false(has_name(p, "seccomp"));
	assert_false(has_name(p, "prctl"));
	assert_false(has_name(p, "socket"));
	assert_int_equal(p->n_rules, HK_ARRAY_SIZE(default_denied) + 3);
	assert_int_equal(p->arches[0], (uint32_t)seccomp_arch_native());
#ifdef __x86_64__
	assert_int_equal(p->n_arches, 3);
	assert_true(hk_seccomp_plan_has_arch(p, SCMP_ARCH_X86));
	assert_true(hk_seccomp_plan_has_arch(p, SCMP_ARCH_X32));
#endif
}

static void test_strict_plan(void **state)
{
	(void)state;
	hk_autoseccomp_plan struct hk_seccomp_plan *p = hk_seccomp_default_plan(true);
	assert_string_equal(p->source, HK_SECCOMP_PROFILE_STRICT);
	for (size_t i = 0; i < HK_ARRAY_SIZE(default_denied); i++)
		assert_non_null(find_rule(p, default_denied[i], 0));
	for (size_t i = 0; i < HK_ARRAY_SIZE(strict_denied); i++)
		assert_int_equal(find_rule(p, strict_denied[i], 0)->action, SCMP_ACT_ERRNO(EPERM));
	assert_true(has_masked(p, "socket", 0, AF_ALG, 0xffffffffu));
	assert_true(has_masked(p, "socket", 0, AF_VSOCK, 0xffffffffu));
	assert_true(has_masked(p, "ioctl", 1, TIOCSTI, 0xffffffffu));
	assert_false(has_name(p, "seccomp"));
}

static void test_resolve(void **state)
{
	(void)state;
	static const char *const defaults[] = { NULL, "", HK_SECCOMP_PROFILE_DEFAULT };
	for (size_t i = 0; i < HK_ARRAY_SIZE(defaults); i++) {
		hk_autoseccomp_plan struct hk_seccomp_plan *p = NULL;
		assert_int_equal(hk_seccomp_plan_resolve(defaults[i], &p, NULL), 0);
		assert_string_equal(p->source, HK_SECCOMP_PROFILE_DEFAULT);
	}
	hk_autoseccomp_plan struct hk_seccomp_plan *strict = NULL;
	assert_int_equal(hk_seccomp_plan_resolve("hako:strict", &strict, NULL), 0);
	assert_non_null(find_rule(strict, "keyctl", 0));

	struct hk_seccomp_plan *none = (void *)1;
	assert_int_equal(hk_seccomp_plan_resolve("unconfined", &none, NULL), 0);
	assert_null(none);
	assert_int_equal(hk_seccomp_load(none, NULL), 0); /* loads nothing */

	hk_autofree char *path = fixture("v2-conds.policy");
	hk_autoseccomp_plan struct hk_seccomp_plan *file = NULL;
	assert_int_equal(hk_seccomp_plan_resolve(path, &file, NULL), 0);
	assert_string_equal(file->source, path);

	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *bad = NULL;
	hk_autofree char *bad_path = fixture("bad-version.policy");
	assert_int_equal(hk_seccomp_plan_resolve(bad_path, &bad, &err), -1);
	assert_null(bad);
	assert_non_null(strstr(err->msg, "bad-version.policy:1:"));
}

static void test_compat_arches_and_names(void **state)
{
	(void)state;
	uint32_t a[HK_SECCOMP_MAX_ARCHES];
	assert_int_equal(hk_seccomp_compat_arches(SCMP_ARCH_X86_64, a), 2);
	assert_int_equal(a[0], SCMP_ARCH_X86);
	assert_int_equal(a[1], SCMP_ARCH_X32);
	assert_int_equal(hk_seccomp_compat_arches(SCMP_ARCH_AARCH64, a), 1);
	assert_int_equal(a[0], SCMP_ARCH_ARM);
	assert_int_equal(hk_seccomp_compat_arches(SCMP_ARCH_RISCV64, a), 0);
	assert_string_equal(hk_seccomp_arch_name(SCMP_ARCH_X86), "x86");
	assert_string_equal(hk_seccomp_arch_name(0), "all");
	assert_string_equal(hk_seccomp_arch_name(12345), "unknown");

	char buf[32];
	assert_string_equal(hk_seccomp_action_format(SCMP_ACT_ERRNO(1), buf, sizeof(buf)),
			    "errno 1");
	assert_string_equal(hk_seccomp_action_format(SCMP_ACT_ALLOW, buf, sizeof(buf)), "allow");
	assert_string_equal(hk_seccomp_action_format(SCMP_ACT_KILL_PROCESS, buf, sizeof(buf)),
			    "kill");
	assert_string_equal(hk_seccomp_action_format(SCMP_ACT_TRAP, buf, sizeof(buf)), "trap");
	assert_string_equal(hk_seccomp_action_format(SCMP_ACT_LOG, buf, sizeof(buf)), "log");
}

/* The BPF program, as struct sock_filter instructions. */
static struct sock_filter *export(const struct hk_seccomp_plan *p, size_t *n)
{
	int fd = memfd_create("bpf", MFD_CLOEXEC);
	assert_true(fd >= 0);
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_seccomp_export_bpf(p, fd, &err), 0);
	off_t size = lseek(fd, 0, SEEK_END);
	assert_true(size > 0 && size % sizeof(struct sock_filter) == 0);
	struct sock_filter *prog = xmalloc((size_t)size);
	assert_int_equal(pread(fd, prog, (size_t)size, 0), size);
	close(fd);
	*n = (size_t)size / sizeof(struct sock_filter);
	return prog;
}

static bool bpf_has_k(const struct sock_filter *prog, size_t n, uint32_t k)
{
	for (size_t i = 0; i < n; i++)
		if (prog[i].k == k)
			return true;
	return false;
}

static void test_export_bpf_covers_compat_arches(void **state)
{
	(void)state;
	hk_autoseccomp_plan struct hk_seccomp_plan *p = hk_seccomp_default_plan(false);
	size_t n;
	hk_autofree struct sock_filter *prog = export(p, &n);
	for (size_t i = 0; i < p->n_arches; i++)
		if (p->arches[i] != SCMP_ARCH_X32) /* the kernel reports x32 as x86_64 */
			assert_true(bpf_has_k(prog, n, p->arches[i]));
	assert_true(bpf_has_k(prog, n, TIOCSTI));
	assert_true(bpf_has_k(prog, n, TIOCLINUX));
#ifdef __x86_64__
	assert_true(bpf_has_k(prog, n, AUDIT_ARCH_I386));
	assert_true(bpf_has_k(prog, n, AUDIT_ARCH_X86_64));
	assert_true(bpf_has_k(prog, n, 283)); /* kexec_load on i386 */
	assert_true(bpf_has_k(prog, n, 246)); /* kexec_load on x86_64 */
#endif
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_seccomp_export_bpf(p, -1, &err), -1);
	assert_non_null(strstr(err->msg, "export"));
}

/* The compiler child gives the same program as a direct export. */
static void test_compile_matches_export(void **state)
{
	(void)state;
	hk_autoseccomp_plan struct hk_seccomp_plan *p = hk_seccomp_default_plan(false);
	size_t n;
	hk_autofree struct sock_filter *prog = export(p, &n);
	struct hk_buf bpf = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_seccomp_compile(p, HK_SECCOMP_COMPILE_CPU_MS, &bpf, &err), 0);
	assert_int_equal(bpf.len, n * sizeof(struct sock_filter));
	assert_memory_equal(bpf.data, prog, bpf.len);
	hk_buf_free(&bpf);
}

/* One file of the cache (seccomp-cache.c) rewritten with a program of
 * our own after the key: what a hit returns is then that program. */
static void plant_program(const char *path, const char *key)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	hk_autoclose int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(hk_write_all(fd, key, strlen(key) + 1, NULL), 0);
	assert_int_equal(hk_write_all(fd, &allow, sizeof(allow), NULL), 0);
}

/* The first prepare compiles and keeps the program, the next reads it
 * back (shown by a planted program coming back), a file others may
 * write or another plan's key is never used, and what is read is what a
 * compile gives. */
static void test_prepare_cached(void **state)
{
	(void)state;
	char dir[] = "/tmp/hk-test-seccomp-cache.XXXXXX";
	assert_non_null(mkdtemp(dir));
	hk_autoseccomp_plan struct hk_seccomp_plan *p = hk_seccomp_default_plan(false);
	hk_autoerr struct hk_error *err = NULL;
	struct hk_seccomp_prog direct, first, again;
	assert_int_equal(hk_seccomp_prepare(p, &direct, &err), 0);
	assert_int_equal(hk_seccomp_prepare_cached(p, dir, &first, &err), 0);
	assert_int_equal(first.bpf.len, direct.bpf.len);
	assert_memory_equal(first.bpf.data, direct.bpf.data, direct.bpf.len);
	hk_autofree char *sub = xasprintf("%s/seccomp", dir);
	DIR *d = opendir(sub);
	assert_non_null(d);
	char file[300] = "";
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			snprintf(file, sizeof(file), "%s/%s", sub, e->d_name);
	closedir(d);
	assert_true(file[0]);
	hk_autofree char *key = hk_seccomp_plan_key(p);
	plant_program(file, key);
	assert_int_equal(hk_seccomp_prepare_cached(p, dir, &again, &err), 0);
	assert_int_equal(again.bpf.len, sizeof(struct sock_filter)); /* the planted one */
	hk_seccomp_prog_free(&again);
	/* group-writable: compiled again, and the file replaced */
	assert_int_equal(chmod(file, 0620), 0);
	assert_int_equal(hk_seccomp_prepare_cached(p, dir, &again, &err), 0);
	assert_int_equal(again.bpf.len, direct.bpf.len);
	hk_seccomp_prog_free(&again);
	/* another plan's key in the file: a miss */
	plant_program(file, "hako seccomp cache 1\nanother plan");
	assert_int_equal(hk_seccomp_prepare_cached(p, dir, &again, &err), 0);
	assert_int_equal(again.bpf.len, direct.bpf.len);
	assert_memory_equal(again.bpf.data, direct.bpf.data, direct.bpf.len);
	/* the key changes with the rules */
	hk_autoseccomp_plan struct hk_seccomp_plan *strict = hk_seccomp_default_plan(true);
	hk_autofree char *skey = hk_seccomp_plan_key(strict);
	assert_string_not_equal(key, skey);
	hk_seccomp_prog_free(&again);
	hk_seccomp_prog_free(&first);
	hk_seccomp_prog_free(&direct);
	assert_int_equal(hk_rm_rf(dir, NULL), 0);
}

/* libseccomp 2.5.4 never returns from adding these two rules (found by
 * fuzz_seccomp_policy): hako refuses the policy at its deadline instead of
 * hanging a start or an attach. */
static void test_compile_deadline(void **state)
{
	(void)state;
	static const char text[] = "2\ndenylist\n"
				   "socket [0,16,>=][1,100,<=]\n"
				   "socket [0,16,>=][1,1,==]\n";
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *p =
		hk_seccomp_policy_parse(text, sizeof(text) - 1, "hang", SCMP_ARCH_X86_64, &err);
	assert_non_null(p);
	struct hk_buf bpf = { 0 };
	long long t0 = hk_now_ms();
	assert_int_equal(hk_seccomp_compile(p, 300, &bpf, &err), -1);
	assert_true(hk_now_ms() - t0 < 5000);
	assert_int_equal(err->code, ETIMEDOUT);
	assert_non_null(strstr(err->msg, "\"hang\""));
	assert_non_null(strstr(err->msg, "within 300 ms of processor time"));
	assert_int_equal(bpf.len, 0);
	/* and a refusal by libseccomp comes back with its own message */
	hk_error_free(err);
	err = NULL;
	struct hk_seccomp_plan bad = *p;
	bad.default_action = 0x12345678u; /* not an action */
	assert_int_equal(hk_seccomp_compile(&bad, HK_SECCOMP_COMPILE_CPU_MS, &bpf, &err), -1);
	assert_non_null(strstr(err->msg, "default action"));
}

/* A busy machine is no hung compiler: the budget is the child's processor
 * time (a wall-clock deadline refused the default profile in an attach in
 * a loaded guest).  A writer that waits without spinning for longer than
 * the budget is read to its end; one that spins is given up on. */
static pid_t writer(int fds[2], bool spin)
{
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		if (spin)
			for (;;)
				;
		usleep(400 * 1000); /* off the processor, as on a starved machine */
		_exit(write(fds[1], "Bprogram", 8) == 8 ? 0 : 1);
	}
	close(fds[1]);
	return pid;
}

static void test_compile_budget_is_cpu_time(void **state)
{
	(void)state;
	int fds[2];
	struct hk_buf got = { 0 };
	pid_t pid = writer(fds, false);
	long long t0 = hk_now_ms();
	int rc = hk_seccomp_read_child(fds[0], pid, 100, 60000, &got);
	long long waited = hk_now_ms() - t0;
	waitpid(pid, NULL, 0);
	close(fds[0]);
	assert_int_equal(rc, 0);
	assert_true(waited >= 400); /* four times the budget, on the clock */
	assert_int_equal(got.len, 8);
	assert_memory_equal(got.data, "Bprogram", 8);
	hk_buf_free(&got);

	pid = writer(fds, true);
	t0 = hk_now_ms();
	rc = hk_seccomp_read_child(fds[0], pid, 100, 60000, &got);
	waited = hk_now_ms() - t0;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	assert_int_equal(rc, -ETIMEDOUT);
	assert_true(waited < 60000); /* the processor budget ended it, not the wall limit */
	assert_int_equal(got.len, 0);
}

/* ---- filters, for real ---------------------------------------------------- */

#ifdef __x86_64__
/* A syscall through the i386 ABI (int 0x80) from this 64-bit process. */
static long int80(long nr, long a, long b, long c, long d)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static int ia32_probe(const void *arg)
{
	(void)arg;
	return int80(20 /* i386 getpid */, 0, 0, 0, 0) == getpid() ? 0 : 1;
}

/* Whether this kernel runs i386 code (IA32 emulation): probed in a child,
 * since int 0x80 without it is a SIGSEGV. */
static bool have_ia32(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL); /* not cmocka's handler */
		_exit(ia32_probe(NULL));
	}
	int st;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
#endif

#define KEXEC_BAD_FLAGS 0x8000UL /* EINVAL from a kernel that has kexec */

struct probe {
	int kexec, init_module, tiocsti, umount_force, umount_plain, i386_kexec;
};

static void pty_pair(int *master, int *slave)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	*slave = -1;
	if (*master < 0 || grantpt(*master) < 0 || unlockpt(*master) < 0)
		return;
	*slave = open(ptsname(*master), O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/* Makes each call the tests check and records its errno. */
static void probe_calls(struct probe *out, bool ia32)
{
	char c = 'x';
	int master, slave;
	pty_pair(&master, &slave);
	out->kexec = ERR_OF(syscall(SYS_kexec_load, 0UL, 0UL, NULL, KEXEC_BAD_FLAGS));
	out->init_module = ERR_OF(syscall(SYS_init_module, NULL, 0UL, ""));
	out->tiocsti = slave < 0 ? -1
				 : ERR_OF(syscall(SYS_ioctl, slave,
						  (unsigned long)TIOCSTI | (1UL << 32), &c));
	out->umount_force = ERR_OF(umount2("/nonexistent-hako", MNT_FORCE));
	out->umount_plain = ERR_OF(umount2("/nonexistent-hako", 0));
	out->i386_kexec = -1;
#ifdef __x86_64__
	if (ia32) {
		long r = int80(283 /* i386 kexec_load */, 0, 0, 0, (long)KEXEC_BAD_FLAGS);
		out->i386_kexec = r < 0 ? (int)-r : 0;
	}
#else
	(void)ia32;
#endif
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
}

static int child_default(const void *arg)
{
	bool ia32 = *(const bool *)arg;
	struct probe before, after;
	probe_calls(&before, ia32);
	hk_autoseccomp_plan struct hk_seccomp_plan *p = hk_seccomp_default_plan(false);
	CHILD_CHECK(load_in_child(p) == 0);
	probe_calls(&after, ia32);

	CHILD_CHECK(before.kexec != EPERM && after.kexec == EPERM);
	CHILD_CHECK(after.init_module == EPERM);
	if (before.tiocsti == -1)
		fprintf(stderr, "note: no pty here (/dev/ptmx): TIOCSTI not checked\n");
	else
		CHILD_CHECK(after.tiocsti == EPERM);
	CHILD_CHECK(before.umount_force == ENOENT && after.umount_force == EPERM);
	CHILD_CHECK(after.umount_plain == ENOENT); /* a normal umount still works */
	CHILD_CHECK(syscall(SYS_getppid) > 0);
	if (ia32)
		CHILD_CHECK(before.i386_kexec != EPERM && after.i386_kexec == EPERM);
	else
		fprintf(stderr, "note: no IA32 emulation, i386 checked through the BPF only\n");
	if (before.init_module == EPERM || before.tiocsti == EPERM)
		fprintf(stderr, "note: EPERM without the filter too; test_filter_marked proves the "
				"match\n");
	return 0;
}

static bool ia32_supported(void)
{
#ifdef __x86_64__
	return have_ia32();
#else
	return false;
#endif
}

static void test_default_filter(void **state)
{
	(void)state;
	bool ia32 = ia32_supported();
	in_child(child_default, &ia32);
}

/* Same calls with every rule returning MARK_ERRNO: no kernel path returns it
 * on its own, so each match is proven even where the plain call is EPERM. */
static int child_marked(const void *arg)
{
	bool ia32 = *(const bool *)arg;
	hk_autoseccomp_plan struct hk_seccomp_plan *p = marked(hk_seccomp_default_plan(false));
	CHILD_CHECK(load_in_child(p) == 0);
	struct probe after;
	probe_calls(&after, ia32);
	CHILD_CHECK(after.kexec == MARK_ERRNO);
	CHILD_CHECK(after.init_module == MARK_ERRNO);
	CHILD_CHECK(after.tiocsti == MARK_ERRNO || after.tiocsti == -1);
	CHILD_CHECK(after.umount_force == MARK_ERRNO);
	CHILD_CHECK(after.umount_plain == ENOENT);
	if (ia32)
		CHILD_CHECK(after.i386_kexec == MARK_ERRNO);
	/* Without the high bit, and a harmless ioctl, for contrast. */
	int master, slave;
	pty_pair(&master, &slave);
	if (slave < 0)
		return 0; /* no pty: noted by test_default_filter */
	char c = 'y';
	CHILD_CHECK(ioctl(slave, TIOCSTI, &c) < 0 && errno == MARK_ERRNO);
	int n;
	CHILD_CHECK(ioctl(slave, FIONREAD, &n) == 0);
	return 0;
}

static void test_filter_marked(void **state)
{
	(void)state;
	bool ia32 = ia32_supported();
	in_child(child_marked, &ia32);
}

/* A container installs its own filter on top of ours. */
static int child_nested(const void *arg)
{
	(void)arg;
	hk_autoseccomp_plan struct hk_seccomp_plan *outer = hk_seccomp_default_plan(true);
	CHILD_CHECK(load_in_child(outer) == 0);
	const char *text = "2\ndenylist\ngetppid errno 33\n";
	hk_autoerr struct hk_error *err = NULL;
	hk_autoseccomp_plan struct hk_seccomp_plan *inner =
		hk_seccomp_policy_parse(text, strlen(text), "inner", 0, &err);
	CHILD_CHECK(inner != NULL);
	CHILD_CHECK(hk_seccomp_load(inner, &err) == 0);
	/* syscall(): glibc's getppid() never sets errno. */
	CHILD_CHECK(syscall(SYS_getppid) == -1 && errno == EDOM);
	CHILD_CHECK(syscall(SYS_kexec_load, 0UL, 0UL, NULL, KEXEC_BAD_FLAGS) < 0 && errno == EPERM);
	return 0;
}

static void test_nested_filter(void **state)
{
	(void)state;
	in_child(child_nested, NULL);
}

static int child_strict(const void *arg)
{
	bool strict = *(const bool *)arg;
	hk_autoseccomp_plan struct hk_seccomp_plan *p = marked(hk_seccomp_default_plan(strict));
	CHILD_CHECK(load_in_child(p) == 0);
	int keyctl_err = ERR_OF(syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0));
	int alg_err = ERR_OF(socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
	int alg_hi_err = ERR_OF(syscall(SYS_socket, (1UL << 32) | AF_ALG, SOCK_SEQPACKET, 0));
	int unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHILD_CHECK(unix_fd >= 0);
	close(unix_fd);
	if (strict) {
		CHILD_CHECK(keyctl_err == MARK_ERRNO);
		CHILD_CHECK(alg_err == MARK_ERRNO);
		CHILD_CHECK(alg_hi_err == MARK_ERRNO);
	} else {
		CHILD_CHECK(keyctl_err != MARK_ERRNO);
		CHILD_CHECK(alg_err != MARK_ERRNO);
	}
	return 0;
}

static void test_strict_filter(void **state)
{
	(void)state;
	bool strict = true;
	in_child(child_strict, &strict);
	strict = false;
	in_child(child_strict, &strict);
}

/* Loading needs no_new_privs or CAP_SYS_ADMIN: without both it fails
 * with a message that says so.  Root drops CAP_SYS_ADMIN in the child. */
static int child_no_privs(const void *arg)
{
	(void)arg;
	hk_autocap cap_t caps = cap_get_proc();
	cap_value_t admin[] = { CAP_SYS_ADMIN };
	CHILD_CHECK(caps && cap_set_flag(caps, CAP_EFFECTIVE, 1, admin, CAP_CLEAR) == 0);
	CHILD_CHECK(cap_set_flag(caps, CAP_PERMITTED, 1, admin, CAP_CLEAR) == 0);
	CHILD_CHECK(cap_set_proc(caps) == 0);
	hk_autoseccomp_plan struct hk_seccomp_plan *p = hk_seccomp_default_plan(false);
	hk_autoerr struct hk_error *err = NULL;
	CHILD_CHECK(hk_seccomp_load(p, &err) == -1);
	CHILD_CHECK(err->code == EACCES && strstr(err->msg, "no_new_privs"));
	return 0;
}

static void test_load_without_privilege(void **state)
{
	(void)state;
	in_child(child_no_privs, NULL);
}

int main(void)
{
	hk_log_set_level(HK_LOG_WARN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v1_whitelist_unknown_number),
		cmocka_unit_test(test_v2_denylist),
		cmocka_unit_test(test_v2_allowlist),
		cmocka_unit_test(test_v2_blacklist_default_action),
		cmocka_unit_test(test_v2_sections_x86_64),
		cmocka_unit_test(test_v2_sections_aarch64),
		cmocka_unit_test(test_v2_conditions),
		cmocka_unit_test(test_build_error_names_line),
		cmocka_unit_test(test_v2_six_conditions),
		cmocka_unit_test(test_v2_unknown_syscall_warns),
		cmocka_unit_test(test_load_file_and_missing),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_nul_byte_and_empty),
		cmocka_unit_test(test_default_plan),
		cmocka_unit_test(test_strict_plan),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_compat_arches_and_names),
		cmocka_unit_test(test_export_bpf_covers_compat_arches),
		cmocka_unit_test(test_default_filter),
		cmocka_unit_test(test_filter_marked),
		cmocka_unit_test(test_nested_filter),
		cmocka_unit_test(test_strict_filter),
		cmocka_unit_test(test_load_without_privilege),
		cmocka_unit_test(test_compile_matches_export),
		cmocka_unit_test(test_prepare_cached),
		cmocka_unit_test(test_compile_deadline),
		cmocka_unit_test(test_compile_budget_is_cpu_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
