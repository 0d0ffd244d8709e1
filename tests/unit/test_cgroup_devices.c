/* test_cgroup_devices.c - lxc.cgroup2.devices.* as an eBPF program: the
 * rule parser and its refusals, v1's default-and-exceptions meaning, and
 * the program's verdicts, run here by a small interpreter of the
 * instructions the generator uses (what the kernel would answer for each
 * device and access), then loaded by the kernel itself when root may. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "cgroup-devices.h"
#include "util.h"

#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

/* Runs the subset of eBPF the generator emits on one request. */
static int run(const struct bpf_insn *p, size_t n, char type, unsigned access, unsigned major,
	       unsigned minor)
{
	uint32_t ctx[3] = { (access << 16) |
				    (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR),
			    major, minor };
	uint64_t r[11] = { 0 };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & (uint32_t)i->imm);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			r[i->dst_reg] = r[i->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[i->dst_reg] != (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			if (r[i->dst_reg] == (uint64_t)(int64_t)i->imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			fail_msg("instruction %zu: unknown code %#x", pc, i->code);
		}
	}
	fail_msg("the program ran off its end");
	return -1;
}

static struct hk_dev_policy policy_of(const char *const *lines)
{
	struct hk_dev_policy p;
	hk_dev_policy_init(&p);
	for (; *lines; lines += 2)
		assert_int_equal(hk_dev_policy_add(&p, lines[0], lines[1], "lxc.cgroup2.x", NULL),
				 0);
	return p;
}

static int verdict(const struct hk_dev_policy *pol, char type, unsigned access, unsigned major,
		   unsigned minor)
{
	struct bpf_insn *insns;
	size_t n;
	hk_dev_policy_program(pol, &insns, &n);
	int v = run(insns, n, type, access, major, minor);
	free(insns);
	return v;
}

static void test_parse_refusals(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",	     "x 1:3 rwm",	"c 1:3",	  "c 1 rwm", "c 1:3 rwx",
		"c a:3 rwm", "c 1:3 rwm extra", "c 99999999:1 r", "c :3 r",  "b 1:* "
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hk_dev_policy p;
		hk_dev_policy_init(&p);
		struct hk_error *err = NULL;
		assert_int_equal(hk_dev_policy_add(&p, "devices.allow", bad[i],
						   "lxc.cgroup2.devices.allow", &err),
				 -1);
		assert_non_null(strstr(err->msg, "lxc.cgroup2.devices.allow = "));
		assert_non_null(strstr(err->msg, "TYPE MAJOR:MINOR ACCESS"));
		hk_error_free(err);
		hk_dev_policy_free(&p);
	}
}

/* LXC's common.conf: deny everything, then the standard nodes. */
static void test_common_conf(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"devices.deny",
		"a",
		"devices.allow",
		"c *:* m",
		"devices.allow",
		"b *:* m",
		"devices.allow",
		"c 1:3 rwm",
		"devices.allow",
		"c 1:5 rwm",
		"devices.allow",
		"c 136:* rwm",
		NULL,
	};
	struct hk_dev_policy p = policy_of(lines);
	assert_false(p.default_allow);
	assert_int_equal(verdict(&p, 'c', R | W, 1, 3), 1);    /* /dev/null */
	assert_int_equal(verdict(&p, 'c', R, 1, 5), 1);	       /* /dev/zero */
	assert_int_equal(verdict(&p, 'c', W, 136, 7), 1);      /* a pty */
	assert_int_equal(verdict(&p, 'b', M, 8, 0), 1);	       /* mknod is allowed */
	assert_int_equal(verdict(&p, 'b', R, 8, 0), 0);	       /* reading a disk is not */
	assert_int_equal(verdict(&p, 'c', R, 1, 1), 0);	       /* /dev/mem */
	assert_int_equal(verdict(&p, 'c', M | R, 10, 200), 0); /* more than m on a wildcard */
	hk_dev_policy_free(&p);
}

/* Allow by default, deny exceptions: a request touching a denied access
 * is refused; "allow" of the same device takes the exception back. */
static void test_deny_exceptions(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"devices.deny", "c 1:3 w", "devices.deny", "b *:* rwm", NULL,
	};
	struct hk_dev_policy p = policy_of(lines);
	assert_true(p.default_allow);
	assert_int_equal(verdict(&p, 'c', R, 1, 3), 1);
	assert_int_equal(verdict(&p, 'c', R | W, 1, 3), 0);
	assert_int_equal(verdict(&p, 'b', R, 8, 1), 0);
	assert_int_equal(verdict(&p, 'c', R | W, 4, 1), 1);
	assert_int_equal(hk_dev_policy_add(&p, "devices.allow", "c 1:3 w", "k", NULL), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(verdict(&p, 'c', R | W, 1, 3), 1);
	/* "allow a" resets: everything allowed, no exception left. */
	assert_int_equal(hk_dev_policy_add(&p, "devices.allow", "a", "k", NULL), 0);
	assert_int_equal(p.n, 0);
	assert_int_equal(verdict(&p, 'b', R, 8, 1), 1);
	hk_dev_policy_free(&p);
}

static void test_type_a_matches_both(void **state)
{
	(void)state;
	static const char *const lines[] = { "devices.deny", "a", "devices.allow", "a 7:* r",
					     NULL };
	struct hk_dev_policy p = policy_of(lines);
	assert_int_equal(verdict(&p, 'b', R, 7, 3), 1);
	assert_int_equal(verdict(&p, 'c', R, 7, 3), 1);
	assert_int_equal(verdict(&p, 'c', W, 7, 3), 0);
	assert_int_equal(verdict(&p, 'c', R, 6, 3), 0);
	hk_dev_policy_free(&p);
}

/* hk_dev_policy_allows (what `hako device` asks before it adds an allow)
 * answers as the program does, over a grid of requests and policies. */
static void test_allows_matches_program(void **state)
{
	(void)state;
	static const char *const p1[] = {
		"devices.deny",
		"a",
		"devices.allow",
		"c *:* m",
		"devices.allow",
		"b *:* m",
		"devices.allow",
		"c 1:3 rwm",
		"devices.allow",
		"c 136:* rwm",
		"devices.allow",
		"b 7:0 rwm",
		NULL,
	};
	static const char *const p2[] = { "devices.deny", "c 1:3 w", "devices.deny", "b *:* rwm",
					  NULL };
	static const char *const p3[] = { "devices.deny", "a", "devices.allow", "a 7:* r", NULL };
	static const char *const p4[] = { NULL };
	const char *const *const all[] = { p1, p2, p3, p4 };
	static const unsigned majors[] = { 1, 7, 8, 136 }, minors[] = { 0, 3, 5 };
	for (size_t k = 0; k < 4; k++) {
		struct hk_dev_policy p = policy_of(all[k]);
		for (unsigned acc = 1; acc <= 7; acc++)
			for (size_t a = 0; a < 4; a++)
				for (size_t b = 0; b < 3; b++)
					for (int t = 0; t < 2; t++) {
						char type = t ? 'b' : 'c';
						bool want = verdict(&p, type, acc, majors[a],
								    minors[b]) == 1;
						if (hk_dev_policy_allows(&p, type, majors[a],
									 minors[b], acc) != want)
							fail_msg(
								"policy %zu, %c %u:%u access %u: allows says %d",
								k, type, majors[a], minors[b], acc,
								!want);
					}
		hk_dev_policy_free(&p);
	}
}

/* The kernel's verifier takes the program, and it attaches to a cgroup2
 * directory (root on a host with cgroup2 only). */
static void test_kernel_loads_it(void **state)
{
	(void)state;
	const char *base = access("/sys/fs/cgroup/unified/cgroup.procs", F_OK) == 0
				   ? "/sys/fs/cgroup/unified"
				   : "/sys/fs/cgroup";
	hk_autofree char *dir = xasprintf("%s/hk-devtest-%d", base, (int)getpid());
	if (geteuid() != 0 || mkdir(dir, 0755) < 0) {
		skip();
		return;
	}
	static const char *const lines[] = { "devices.deny", "a", "devices.allow", "c 1:3 rwm",
					     NULL };
	struct hk_dev_policy p = policy_of(lines);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct hk_error *err = NULL;
	int rc = hk_dev_policy_attach(&p, fd, dir, &err);
	if (rc < 0)
		print_message("%s\n", err->msg);
	assert_int_equal(rc, 0);
	/* `hako device` replaces it in place: one program stays attached
	 * (a second replace finds exactly one to replace). */
	assert_int_equal(hk_dev_policy_add(&p, "devices.allow", "b 7:0 rwm", "k", NULL), 0);
	rc = hk_dev_policy_replace(&p, fd, dir, &err);
	if (rc < 0)
		print_message("%s\n", err->msg);
	assert_int_equal(rc, 0);
	assert_int_equal(hk_dev_policy_replace(&p, fd, dir, NULL), 0);
	close(fd);
	hk_dev_policy_free(&p);
	assert_int_equal(rmdir(dir), 0);
	/* Nothing attached: nothing of hako's to replace, refused. */
	assert_int_equal(mkdir(dir, 0755), 0);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	p = policy_of(lines);
	assert_int_equal(hk_dev_policy_replace(&p, fd, dir, &err), -1);
	assert_non_null(strstr(err->msg, "0 eBPF device programs are attached"));
	hk_error_free(err);
	close(fd);
	hk_dev_policy_free(&p);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_common_conf),
		cmocka_unit_test(test_deny_exceptions),
		cmocka_unit_test(test_type_a_matches_both),
		cmocka_unit_test(test_allows_matches_program),
		cmocka_unit_test(test_kernel_loads_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
