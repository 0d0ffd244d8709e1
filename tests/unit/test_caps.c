/* test_caps.c - the bounding-set plan for every lxc.cap.* combination, and
 * hk_caps_apply() for real in a forked child (root only): afterwards
 * /proc/self/status shows the dropped capabilities gone from CapBnd and
 * empty inheritable and ambient sets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "caps.h"
#include "util.h"

#define BIT(c) (UINT64_C(1) << (c))

static const uint64_t lxc_default_drop = BIT(CAP_MAC_ADMIN) | BIT(CAP_MAC_OVERRIDE) |
					 BIT(CAP_SYS_MODULE) | BIT(CAP_SYS_RAWIO) |
					 BIT(CAP_SYS_TIME);

/* Builds a strv from a NULL-terminated list of config values. */
static struct hk_strv strv_of(const char *first, ...)
{
	struct hk_strv sv = { 0 };
	va_list ap;
	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *))
		hk_strv_push(&sv, s);
	va_end(ap);
	return sv;
}

/* The binary search finds what a scan of every number finds, and asks
 * the same again from its cache. */
static void test_last_cap_matches_scan(void **state)
{
	(void)state;
	unsigned scan = 0;
	for (unsigned cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0 && errno == EINVAL)
			break;
		scan = cap;
	}
	assert_int_equal(hk_caps_last_cap(), scan);
	assert_int_equal(hk_caps_last_cap(), scan);
}

static void test_last_cap_matches_proc(void **state)
{
	(void)state;
	hk_autofree char *text = NULL;
	assert_int_equal(hk_read_file("/proc/sys/kernel/cap_last_cap", &text, NULL, NULL), 0);
	assert_int_equal(hk_caps_last_cap(), strtoul(text, NULL, 10));
	assert_true(hk_caps_last_cap() >= CAP_SETFCAP);
	assert_int_equal(hk_caps_all(0), 1);
	assert_int_equal(hk_caps_all(40), (UINT64_C(1) << 41) - 1);
	assert_int_equal(hk_caps_all(63), UINT64_MAX);
}

static void test_parse_name(void **state)
{
	(void)state;
	assert_int_equal(hk_caps_parse_name("sys_module", "k", 40, NULL), CAP_SYS_MODULE);
	assert_int_equal(hk_caps_parse_name("SYS_ADMIN", "k", 40, NULL), CAP_SYS_ADMIN);
	assert_int_equal(hk_caps_parse_name("cap_net_raw", "k", 40, NULL), CAP_NET_RAW);
	assert_int_equal(hk_caps_parse_name("0", "k", 40, NULL), CAP_CHOWN);
	assert_int_equal(hk_caps_parse_name("40", "k", 40, NULL), 40);

	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_caps_parse_name("41", "lxc.cap.drop", 40, &err), -1);
	assert_non_null(strstr(err->msg, "41"));
	assert_non_null(strstr(err->msg, "(40)"));
	hk_error_freep(&err);
	assert_int_equal(hk_caps_parse_name("cap_", "lxc.cap.drop", 40, &err), -1);
	hk_error_freep(&err);
	assert_int_equal(hk_caps_parse_name("-1", "lxc.cap.drop", 40, &err), -1);
}

static void test_plan_default(void **state)
{
	(void)state;
	struct hk_caps_plan p;
	assert_int_equal(hk_caps_plan(NULL, NULL, &p, NULL), 0);
	uint64_t all = hk_caps_all(hk_caps_last_cap());
	assert_int_equal(p.keep, all & ~lxc_default_drop);
	assert_int_equal(p.last_cap, hk_caps_last_cap());
	assert_true(p.keep & BIT(CAP_SYS_ADMIN));
	assert_false(p.keep & BIT(CAP_SYS_MODULE));
}

static void test_plan_empty_lists_default(void **state)
{
	(void)state;
	struct hk_strv empty = { 0 };
	struct hk_caps_plan p;
	assert_int_equal(hk_caps_plan(&empty, &empty, &p, NULL), 0);
	assert_int_equal(p.keep, hk_caps_all(hk_caps_last_cap()) & ~lxc_default_drop);
}

static void test_plan_drop(void **state)
{
	(void)state;
	struct hk_strv drop = strv_of("sys_admin net_raw", "mknod", NULL);
	struct hk_caps_plan p;
	uint64_t all = hk_caps_all(hk_caps_last_cap());
	uint64_t dropped = BIT(CAP_SYS_ADMIN) | BIT(CAP_NET_RAW) | BIT(CAP_MKNOD);

	/* The config's drops come on top of LXC's defaults. */
	assert_int_equal(hk_caps_plan(&drop, NULL, &p, NULL), 0);
	assert_int_equal(p.keep, all & ~dropped & ~lxc_default_drop);
	hk_strv_clear(&drop);
}

static void test_plan_keep(void **state)
{
	(void)state;
	struct hk_strv keep = strv_of("chown setuid", "setgid sys_module", NULL);
	struct hk_caps_plan p;
	uint64_t want = BIT(CAP_CHOWN) | BIT(CAP_SETUID) | BIT(CAP_SETGID) | BIT(CAP_SYS_MODULE);
	/* keep wins over the default drop list: sys_module stays. */
	assert_int_equal(hk_caps_plan(NULL, &keep, &p, NULL), 0);
	assert_int_equal(p.keep, want);
	hk_strv_clear(&keep);
}

static void test_plan_keep_none(void **state)
{
	(void)state;
	struct hk_strv keep = strv_of("none", NULL);
	struct hk_caps_plan p = { .keep = 1 };
	assert_int_equal(hk_caps_plan(NULL, &keep, &p, NULL), 0);
	assert_int_equal(p.keep, 0);
	hk_strv_clear(&keep);
	/* As in LXC, "none" forgets what came before it, not what follows. */
	keep = strv_of("sys_admin", "none net_admin", NULL);
	assert_int_equal(hk_caps_plan(NULL, &keep, &p, NULL), 0);
	assert_int_equal(p.keep, BIT(CAP_NET_ADMIN));
	hk_strv_clear(&keep);
}

static void test_plan_both_is_error(void **state)
{
	(void)state;
	struct hk_strv drop = strv_of("sys_admin", NULL);
	struct hk_strv keep = strv_of("chown", NULL);
	struct hk_caps_plan p = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_caps_plan(&drop, &keep, &p, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->msg, "lxc.cap.drop"));
	assert_non_null(strstr(err->msg, "lxc.cap.keep"));
	assert_non_null(strstr(err->msg, "only one"));
	hk_strv_clear(&drop);
	hk_strv_clear(&keep);
}

static void test_plan_unknown_name(void **state)
{
	(void)state;
	struct hk_strv drop = strv_of("sys_admin sys_modul", NULL);
	struct hk_caps_plan p = { 0 };
	hk_autoerr struct hk_error *err = NULL;
	assert_int_equal(hk_caps_plan(&drop, NULL, &p, &err), -1);
	assert_non_null(strstr(err->msg, "lxc.cap.drop"));
	assert_non_null(strstr(err->msg, "\"sys_modul\""));
	assert_non_null(strstr(err->msg, "without \"cap_\""));
	hk_strv_clear(&drop);

	struct hk_strv keep = strv_of("chown bogus", NULL);
	hk_error_freep(&err);
	assert_int_equal(hk_caps_plan(NULL, &keep, &p, &err), -1);
	assert_non_null(strstr(err->msg, "lxc.cap.keep"));
	assert_non_null(strstr(err->msg, "\"bogus\""));
	hk_strv_clear(&keep);
}

static void test_format(void **state)
{
	(void)state;
	hk_autofree char *none = hk_caps_format(0);
	assert_string_equal(none, "none");
	hk_autofree char *two = hk_caps_format(BIT(CAP_CHOWN) | BIT(CAP_SYS_ADMIN));
	assert_string_equal(two, "chown,sys_admin");
	hk_autofree char *high = hk_caps_format(BIT(62));
	assert_string_equal(high, "62");
}

/* The value of a "Name:\t%llx" line of /proc/self/status. */
static uint64_t status_field(const char *name)
{
	hk_autofree char *text = NULL;
	if (hk_read_file("/proc/self/status", &text, NULL, NULL) < 0)
		return UINT64_MAX;
	hk_autofree char *key = xasprintf("\n%s:", name);
	const char *p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : UINT64_MAX;
}

#define CHILD_CHECK(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "child: %s:%d: %s failed\n", __FILE__, __LINE__, #cond);   \
			_exit(1);                                                                  \
		}                                                                                  \
	} while (0)

/* In the child: raise something into inheritable and ambient so that the
 * apply has something to clear, then apply and read the kernel's view. */
static void child_apply(const struct hk_caps_plan *p)
{
	hk_autocap cap_t caps = cap_get_proc();
	cap_value_t raise[] = { CAP_NET_BIND_SERVICE };
	CHILD_CHECK(caps && cap_set_flag(caps, CAP_INHERITABLE, 1, raise, CAP_SET) == 0);
	CHILD_CHECK(cap_set_proc(caps) == 0);
	CHILD_CHECK(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0) == 0);
	CHILD_CHECK(status_field("CapInh") != 0 && status_field("CapAmb") != 0);

	uint64_t eff_before = status_field("CapEff");
	hk_autoerr struct hk_error *err = NULL;
	CHILD_CHECK(hk_caps_apply(p, &err) == 0);
	CHILD_CHECK(status_field("CapBnd") == p->keep);
	CHILD_CHECK(status_field("CapInh") == 0);
	CHILD_CHECK(status_field("CapAmb") == 0);
	/* effective/permitted stay for the rest of setup. */
	CHILD_CHECK(status_field("CapEff") == eff_before);
	CHILD_CHECK(prctl(PR_CAPBSET_READ, CAP_SYS_MODULE, 0, 0, 0) == 0);
	_exit(0);
}

static void test_apply_in_child(void **state)
{
	(void)state;
	if (geteuid() != 0 || !CAP_IS_SUPPORTED(CAP_SETPCAP) ||
	    prctl(PR_CAPBSET_READ, CAP_SETPCAP, 0, 0, 0) != 1) {
		skip(); /* needs root with CAP_SETPCAP in the bounding set */
		return;
	}
	struct hk_strv drop = strv_of("sys_admin net_raw", NULL);
	struct hk_caps_plan p;
	assert_int_equal(hk_caps_plan(&drop, NULL, &p, NULL), 0);
	hk_strv_clear(&drop);
	/* Only what this process still has can stay in a child's set. */
	p.keep &= status_field("CapBnd");

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		child_apply(&p);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* hk_caps_limit cuts the effective and permitted sets to the plan, in a
 * child (root only: otherwise there is nothing to cut). */
static void test_limit_in_child(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	struct hk_strv drop = strv_of("sys_module sys_time", NULL);
	struct hk_caps_plan p;
	assert_int_equal(hk_caps_plan(&drop, NULL, &p, NULL), 0);
	hk_strv_clear(&drop);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (hk_caps_limit(&p, NULL) < 0)
			_exit(1);
		uint64_t eff = status_field("CapEff"), prm = status_field("CapPrm");
		_exit((eff & ~p.keep) || (prm & ~p.keep) || !(eff & (UINT64_C(1) << CAP_CHOWN))
			      ? 2
			      : 0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_apply_without_privilege_fails(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip(); /* the child drops CAP_SETPCAP from root's sets itself */
		return;
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hk_autocap cap_t none = cap_init(); /* all sets empty */
		CHILD_CHECK(none && cap_set_proc(none) == 0);
		struct hk_caps_plan p = { .keep = 0, .last_cap = hk_caps_last_cap() };
		hk_autoerr struct hk_error *err = NULL;
		CHILD_CHECK(hk_caps_apply(&p, &err) == -1);
		CHILD_CHECK(err->code == EPERM && strstr(err->msg, "CAP_SETPCAP"));
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_cap_matches_proc),
		cmocka_unit_test(test_last_cap_matches_scan),
		cmocka_unit_test(test_parse_name),
		cmocka_unit_test(test_plan_default),
		cmocka_unit_test(test_plan_empty_lists_default),
		cmocka_unit_test(test_plan_drop),
		cmocka_unit_test(test_plan_keep),
		cmocka_unit_test(test_plan_keep_none),
		cmocka_unit_test(test_plan_both_is_error),
		cmocka_unit_test(test_plan_unknown_name),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_apply_in_child),
		cmocka_unit_test(test_apply_without_privilege_fails),
		cmocka_unit_test(test_limit_in_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
