/* test_cgroup_v2to1.c - lxc.cgroup2.* limits in the files of a v1
 * controller (a hybrid host): each translation, the limits v1 has no
 * spelling for (skipped, with why), values v2 would refuse, and the start
 * notes on the hybrid fixture host. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "cgroup-v2to1.h"
#include "util.h"

/* Translates KEY=VALUE and checks the result against "F=V;F=V" (or rc). */
static void expect(const char *key, const char *value, int want_rc, const char *want)
{
	struct hk_kvlist out = { 0 };
	const char *why = NULL;
	hk_autoerr struct hk_error *err = NULL;
	int rc = hk_cgroup_v2_to_v1(key, value, &out, &why, &err);
	if (rc != want_rc)
		fail_msg("%s = %s: rc %d, want %d (%s)", key, value, rc, want_rc,
			 err ? err->msg : "");
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < out.n; i++)
		hk_buf_printf(&b, "%s%s=%s", i ? ";" : "", out.v[i].key, out.v[i].value);
	hk_autofree char *got = hk_buf_steal(&b);
	if (want_rc == 1)
		assert_string_equal(got, want);
	else if (want_rc == 0) {
		assert_non_null(why);
		assert_non_null(strstr(why, want));
		assert_int_equal(out.n, 0);
	} else {
		assert_non_null(err);
		assert_non_null(strstr(err->msg, want));
	}
	hk_kvlist_clear(&out);
}

static void test_translated(void **state)
{
	(void)state;
	expect("memory.max", "268435456", 1, "memory.limit_in_bytes=268435456");
	expect("memory.max", "max", 1, "memory.limit_in_bytes=-1");
	expect("memory.max", "1G", 1, "memory.limit_in_bytes=1G");
	expect("pids.max", "100", 1, "pids.max=100");
	expect("cpuset.cpus", "0-1", 1, "cpuset.cpus=0-1");
	expect("cpu.max", "50000 100000", 1, "cpu.cfs_period_us=100000;cpu.cfs_quota_us=50000");
	expect("cpu.max", "max", 1, "cpu.cfs_period_us=100000;cpu.cfs_quota_us=-1");
	expect("cpu.max", "20000", 1, "cpu.cfs_period_us=100000;cpu.cfs_quota_us=20000");
	expect("cpu.weight", "100", 1, "cpu.shares=1024");
	expect("cpu.weight", "1", 1, "cpu.shares=10");
	expect("cpu.weight", "10000", 1, "cpu.shares=102400");
	expect("io.weight", "100", 1, "blkio.weight=500");
	expect("io.weight", "default 1", 1, "blkio.weight=10");
	expect("io.weight", "8:0 10000", 1, "blkio.weight_device=8:0 1000");
	expect("io.max", "8:0 rbps=1048576 wiops=max", 1,
	       "blkio.throttle.read_bps_device=8:0 1048576;blkio.throttle.write_iops_device=8:0 0");
	expect("hugetlb.2MB.max", "max", 1, "hugetlb.2MB.limit_in_bytes=-1");
	expect("hugetlb.2MB.rsvd.max", "1", 1, "hugetlb.2MB.rsvd.limit_in_bytes=1");
}

static void test_skipped(void **state)
{
	(void)state;
	expect("memory.swap.max", "0", 0, "memory.memsw.limit_in_bytes");
	expect("memory.high", "1G", 0, "no such memory threshold");
	expect("memory.low", "1G", 0, "no such memory threshold");
	expect("cpu.idle", "1", 0, "no such file");
	expect("hugetlb.2MB.events", "1", 0, "only the .max limit");
}

static void test_refused(void **state)
{
	(void)state;
	expect("cpu.max", "lots", -1, "lxc.cgroup2.cpu.max = lots");
	expect("cpu.max", "1000 10", -1, "QUOTA PERIOD");
	expect("cpu.weight", "0", -1, "1 to 10000");
	expect("cpu.weight", "20000", -1, "1 to 10000");
	expect("io.weight", "x", -1, "1 to 10000");
	expect("io.weight", "8:0 5 6", -1, "1 to 10000");
	expect("io.max", "8:0", -1, "rbps=N");
	expect("io.max", "8:0 rbps=fast", -1, "rbps=N");
	expect("io.max", "rbps=5", -1, "rbps=N");
	expect("io.max", "8:0 xbps=5", -1, "rbps=N");
}

static void test_controller_of(void **state)
{
	(void)state;
	assert_string_equal(hk_cgroup_v1_controller_of("io.max"), "blkio");
	assert_string_equal(hk_cgroup_v1_controller_of("memory.swap.max"), "memory");
	assert_string_equal(hk_cgroup_v1_controller_of("cpu.weight"), "cpu");
	assert_string_equal(hk_cgroup_v1_controller_of("cpuset.mems"), "cpuset");
	assert_null(hk_cgroup_v1_controller_of("cgroup.max.depth"));
	assert_null(hk_cgroup_v1_controller_of("devices.allow"));
}

/* On the hybrid fixture (memory, pids on v1): a note for what is skipped,
 * none for what is translated; an error for a bad value. */
static void test_notes(void **state)
{
	(void)state;
	struct hk_cgroup_info info;
	hk_autoerr struct hk_error *err = NULL;
	const char *top = getenv("HK_TEST_FIXTURES");
	hk_autofree char *root = xasprintf("%s/cgroup/hybrid", top ? top : "tests/fixtures");
	assert_int_equal(hk_cgroup_detect(root, &info, &err), 0);
	struct hk_kvlist v2 = { 0 };
	hk_kvlist_add(&v2, "memory.max", "1G");
	hk_kvlist_add(&v2, "memory.high", "900M");
	hk_kvlist_add(&v2, "devices.deny", "a");
	struct hk_strv notes = { 0 };
	assert_int_equal(hk_cgroup_v2_on_v1_notes(&info, &v2, &notes, &err), 0);
	assert_int_equal(notes.n, 1);
	assert_non_null(strstr(notes.v[0], "lxc.cgroup2.memory.high = 900M: skipped: this host's "
					   "memory controller is on cgroup v1"));
	hk_strv_clear(&notes);
	assert_non_null(hk_cgroup_v1_for(&info, "cpu"));
	hk_kvlist_add(&v2, "cpu.max", "soon");
	assert_int_equal(hk_cgroup_v2_on_v1_notes(&info, &v2, &notes, &err), -1);
	assert_non_null(strstr(err->msg, "cpu.max = soon"));
	hk_strv_clear(&notes);
	hk_kvlist_clear(&v2);
	hk_cgroup_info_free(&info);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translated), cmocka_unit_test(test_skipped),
		cmocka_unit_test(test_refused),	   cmocka_unit_test(test_controller_of),
		cmocka_unit_test(test_notes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
