/* test_cgroup_io.c - block I/O bytes from the kernel's cgroup text
 * (cgroup-io.c): what the IO column and `hako info`'s BlkIO use show. */
#include "testutil.h"

#include "cgroup-manage.h"

static void v2_sums_read_and_written_bytes_of_every_device(void **state)
{
	(void)state;
	const char *t = "8:0 rbytes=1024 wbytes=4096 rios=1 wios=2 dbytes=999 dios=1\n"
			"253:1 rbytes=10 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n";
	assert_int_equal(hk_cgroup_io_v2_bytes(t), 1024 + 4096 + 10);
}

static void v2_empty_is_zero_and_garbage_is_unknown(void **state)
{
	(void)state;
	assert_int_equal(hk_cgroup_io_v2_bytes(""), 0);
	assert_int_equal(hk_cgroup_io_v2_bytes(NULL), -1);
	assert_int_equal(hk_cgroup_io_v2_bytes("8:0 something else\n"), -1);
	assert_int_equal(hk_cgroup_io_v2_bytes("8:0 rbytes=x wbytes=1\n"), -1);
	/* "xrbytes" is not "rbytes" */
	assert_int_equal(hk_cgroup_io_v2_bytes("8:0 xrbytes=5 wbytes=1\n"), 1);
}

static void v1_sums_read_and_write_lines_not_total(void **state)
{
	(void)state;
	const char *t = "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 8192\n8:0 Async 4096\n"
			"8:0 Discard 512\n8:0 Total 12800\n"
			"8:16 Read 100\n8:16 Write 0\n8:16 Total 100\nTotal 12900\n";
	assert_int_equal(hk_cgroup_io_v1_bytes(t), 4096 + 8192 + 100);
	/* no device counted: unknown (6.x counts only throttled devices) */
	assert_int_equal(hk_cgroup_io_v1_bytes("Total 0\n"), -1);
	assert_int_equal(hk_cgroup_io_v1_bytes("8:0 Read 0\n8:0 Write 0\n8:0 Total 0\nTotal 0\n"),
			 0);
	assert_int_equal(hk_cgroup_io_v1_bytes(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v2_sums_read_and_written_bytes_of_every_device),
		cmocka_unit_test(v2_empty_is_zero_and_garbage_is_unknown),
		cmocka_unit_test(v1_sums_read_and_write_lines_not_total),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
