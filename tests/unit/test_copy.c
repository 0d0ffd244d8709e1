/* test_copy.c - the full-copy engine: data, owners, modes, setuid bits,
 * xattrs (user.*, security.capability, POSIX ACLs), hard links, sparse
 * files, device nodes and fifos, symlinks never followed, mount points not
 * crossed, progress reports, and its errors.  Owner, device and mount cases need root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "testutil.h"

#include "copy.h"
#include "util.h"

struct dirs {
	char top[64];
	char *src, *dst;
};

static int setup(void **state)
{
	struct dirs *d = xcalloc(1, sizeof(*d));
	strcpy(d->top, "/var/tmp/hk-copy-XXXXXX"); /* not tmpfs: xattrs, SEEK_DATA */
	if (!mkdtemp(d->top))
		return -1;
	d->src = xasprintf("%s/src", d->top);
	d->dst = xasprintf("%s/dst", d->top);
	mkdir(d->src, 0755);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dirs *d = *state;
	hk_autofree char *m = xasprintf("%s/mnt", d->src);
	umount2(m, MNT_DETACH);
	hk_rm_rf(d->top, NULL);
	free(d->src);
	free(d->dst);
	free(d);
	return 0;
}

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	hk_autofree char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static char *slurp(const char *dir, const char *name)
{
	hk_autofree char *p = xasprintf("%s/%s", dir, name);
	char *t = NULL;
	assert_int_equal(hk_read_file(p, &t, NULL, NULL), 0);
	return t;
}

static void copy_ok(struct dirs *d, unsigned flags, struct hk_copy_stats *st)
{
	struct hk_error *err = NULL;
	if (hk_copy_tree(d->src, d->dst, flags, st, &err) < 0)
		fail_msg("%s", err->msg);
}

static void lstat_at(const char *dir, const char *name, struct stat *sb)
{
	hk_autofree char *p = xasprintf("%s/%s", dir, name);
	assert_int_equal(lstat(p, sb), 0);
}

static void test_files_dirs_modes(void **state)
{
	struct dirs *d = *state;
	put(d->src, "a", "hello\n", 0640);
	hk_autofree char *sub = xasprintf("%s/sub", d->src);
	assert_int_equal(mkdir(sub, 0700), 0);
	put(sub, "b", "deep\n", 0604);
	assert_int_equal(chmod(sub, 0555), 0); /* read-only dir: filled before its mode */
	copy_ok(d, HK_COPY_NO_REFLINK, NULL);
	hk_autofree char *a = slurp(d->dst, "a");
	assert_string_equal(a, "hello\n");
	hk_autofree char *dsub = xasprintf("%s/sub", d->dst);
	hk_autofree char *b = slurp(dsub, "b");
	assert_string_equal(b, "deep\n");
	struct stat sb;
	lstat_at(d->dst, "a", &sb);
	assert_int_equal(sb.st_mode & 07777, 0640);
	lstat_at(d->dst, "sub", &sb);
	assert_int_equal(sb.st_mode & 07777, 0555);
	lstat_at(dsub, "b", &sb);
	assert_int_equal(sb.st_mode & 07777, 0604);
	chmod(sub, 0755);
	chmod(dsub, 0755);
}

static void test_times_kept(void **state)
{
	struct dirs *d = *state;
	put(d->src, "old", "x", 0644);
	hk_autofree char *p = xasprintf("%s/old", d->src);
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 5 } };
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	copy_ok(d, 0, NULL);
	struct stat sb;
	lstat_at(d->dst, "old", &sb);
	assert_int_equal(sb.st_mtim.tv_sec, 1000000000);
	assert_int_equal(sb.st_mtim.tv_nsec, 5);
}

static void test_symlink_not_followed(void **state)
{
	struct dirs *d = *state;
	hk_autofree char *l = xasprintf("%s/evil", d->src);
	assert_int_equal(symlink("/etc/shadow", l), 0);
	hk_autofree char *l2 = xasprintf("%s/dangling", d->src);
	assert_int_equal(symlink("../../nowhere", l2), 0);
	copy_ok(d, 0, NULL);
	char buf[64] = { 0 };
	hk_autofree char *c = xasprintf("%s/evil", d->dst);
	assert_int_equal(readlink(c, buf, sizeof(buf) - 1), 11);
	assert_string_equal(buf, "/etc/shadow");
	struct stat sb;
	lstat_at(d->dst, "dangling", &sb);
	assert_true(S_ISLNK(sb.st_mode));
}

static void test_hard_links_kept(void **state)
{
	struct dirs *d = *state;
	put(d->src, "one", "same inode\n", 0644);
	hk_autofree char *a = xasprintf("%s/one", d->src);
	hk_autofree char *sub = xasprintf("%s/s", d->src);
	mkdir(sub, 0755);
	hk_autofree char *b = xasprintf("%s/s/two", d->src);
	assert_int_equal(link(a, b), 0);
	struct hk_copy_stats st = { 0 };
	copy_ok(d, 0, &st);
	assert_int_equal(st.links, 1);
	struct stat x, y;
	lstat_at(d->dst, "one", &x);
	hk_autofree char *dsub = xasprintf("%s/s", d->dst);
	lstat_at(dsub, "two", &y);
	assert_int_equal(x.st_ino, y.st_ino);
	assert_int_equal(x.st_nlink, 2);
}

static void test_sparse_file_stays_sparse(void **state)
{
	struct dirs *d = *state;
	hk_autofree char *p = xasprintf("%s/sparse", d->src);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "head", 4, 0), 4);
	assert_int_equal(pwrite(fd, "tail", 4, 64 << 20), 4);
	close(fd);
	struct hk_copy_stats st = { 0 };
	copy_ok(d, HK_COPY_NO_REFLINK, &st);
	struct stat sb;
	lstat_at(d->dst, "sparse", &sb);
	assert_int_equal(sb.st_size, (64 << 20) + 4);
	assert_true(sb.st_blocks * 512 < (1 << 20)); /* not 64 MiB of zeros */
	assert_true(st.bytes < (1 << 20));
	hk_autofree char *q = xasprintf("%s/sparse", d->dst);
	char buf[5] = { 0 };
	fd = open(q, O_RDONLY | O_CLOEXEC);
	assert_int_equal(pread(fd, buf, 4, 64 << 20), 4);
	assert_string_equal(buf, "tail");
	close(fd);
}

static void test_user_xattr_and_acl(void **state)
{
	struct dirs *d = *state;
	put(d->src, "x", "x", 0644);
	hk_autofree char *p = xasprintf("%s/x", d->src);
	if (setxattr(p, "user.hako", "v1", 2, 0) < 0) {
		fprintf(stderr, "skipped: no user xattrs on /var/tmp\n");
		skip();
	}
	/* ACL v2: user_obj rw, user 1000 r, group_obj r, mask r, other r */
	struct {
		uint32_t version;
		struct {
			uint16_t tag, perm;
			uint32_t id;
		} __attribute__((packed)) e[5];
	} __attribute__((packed)) acl = { 2,
					  { { 1, 6, UINT32_MAX },
					    { 2, 4, 1000 },
					    { 4, 4, UINT32_MAX },
					    { 0x10, 4, UINT32_MAX },
					    { 0x20, 4, UINT32_MAX } } };
	assert_int_equal(setxattr(p, "system.posix_acl_access", &acl, sizeof(acl), 0), 0);
	copy_ok(d, 0, NULL);
	hk_autofree char *q = xasprintf("%s/x", d->dst);
	char v[8] = { 0 };
	assert_int_equal(getxattr(q, "user.hako", v, sizeof(v)), 2);
	assert_string_equal(v, "v1");
	char buf[128];
	assert_int_equal(getxattr(q, "system.posix_acl_access", buf, sizeof(buf)),
			 (ssize_t)sizeof(acl));
	assert_memory_equal(buf, &acl, sizeof(acl));
}

static void test_owner_setuid_caps_devices(void **state)
{
	struct dirs *d = *state;
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: owners and device nodes need root\n");
		skip();
	}
	put(d->src, "suid", "#!/bin/sh\n", 04755);
	hk_autofree char *p = xasprintf("%s/suid", d->src);
	assert_int_equal(chown(p, 1234, 2345), 0);
	assert_int_equal(chmod(p, 04755), 0);
	put(d->src, "capped", "bin", 0755);
	hk_autofree char *c = xasprintf("%s/capped", d->src);
	/* vfs_cap_data v2: CAP_NET_RAW (13) permitted + effective */
	uint32_t cap[5] = { 0x02000001, 1u << 13, 0, 0, 0 };
	assert_int_equal(setxattr(c, "security.capability", cap, sizeof(cap), 0), 0);
	hk_autofree char *dev = xasprintf("%s/null", d->src);
	assert_int_equal(mknod(dev, S_IFCHR | 0666, makedev(1, 3)), 0);
	hk_autofree char *fifo = xasprintf("%s/fifo", d->src);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	copy_ok(d, 0, NULL);
	struct stat sb;
	lstat_at(d->dst, "suid", &sb);
	assert_int_equal(sb.st_uid, 1234);
	assert_int_equal(sb.st_gid, 2345);
	assert_int_equal(sb.st_mode & 07777, 04755);
	hk_autofree char *dc = xasprintf("%s/capped", d->dst);
	uint32_t got[5] = { 0 };
	assert_int_equal(getxattr(dc, "security.capability", got, sizeof(got)), sizeof(cap));
	assert_int_equal(got[1], 1u << 13);
	lstat_at(d->dst, "null", &sb);
	assert_true(S_ISCHR(sb.st_mode));
	assert_int_equal(sb.st_rdev, makedev(1, 3));
	lstat_at(d->dst, "fifo", &sb);
	assert_true(S_ISFIFO(sb.st_mode));
	assert_int_equal(sb.st_mode & 07777, 0600);
}

static void test_mount_point_not_crossed(void **state)
{
	struct dirs *d = *state;
	hk_autofree char *m = xasprintf("%s/mnt", d->src);
	mkdir(m, 0755);
	if (geteuid() != 0 || mount("tmpfs", m, "tmpfs", 0, "size=1m") < 0) {
		fprintf(stderr, "skipped: mounting needs root\n");
		skip();
	}
	put(m, "other-fs", "must not be copied", 0644);
	copy_ok(d, 0, NULL);
	hk_autofree char *dm = xasprintf("%s/mnt", d->dst);
	struct stat sb;
	assert_int_equal(lstat(dm, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	hk_autofree char *f = xasprintf("%s/other-fs", dm);
	assert_int_equal(access(f, F_OK), -1);
	umount2(m, MNT_DETACH);
}

static void test_existing_empty_dst(void **state)
{
	struct dirs *d = *state;
	put(d->src, "f", "z", 0644);
	assert_int_equal(chmod(d->src, 0711), 0);
	assert_int_equal(mkdir(d->dst, 0700), 0);
	copy_ok(d, 0, NULL);
	struct stat sb;
	assert_int_equal(stat(d->dst, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0711);
}

struct seen {
	unsigned calls;
	uint64_t first_done, first_total, last_done, last_total;
};

static void record(void *data, const char *what, uint64_t done, uint64_t total)
{
	struct seen *s = data;
	assert_string_equal(what, "rootfs");
	if (s->calls++ == 0) {
		s->first_done = done;
		s->first_total = total;
	}
	s->last_done = done;
	s->last_total = total;
}

/* The walk that counts the bytes for the bar must not use up the top
 * directory's listing: it once shared the copy's descriptor offset, and a
 * copy with a progress bar came out empty, reported as 100 % done. */
static void test_progress(void **state)
{
	struct dirs *d = *state;
	put(d->src, "a", "hello\n", 0644);
	put(d->src, "b", "world!\n", 0644);
	hk_autofree char *a = xasprintf("%s/a", d->src);
	hk_autofree char *a2 = xasprintf("%s/a2", d->src);
	assert_int_equal(link(a, a2), 0); /* one file, counted once */
	struct seen seen = { 0 };
	struct hk_progress p = { .fn = record, .data = &seen };
	struct hk_error *err = NULL;
	if (hk_copy_tree_progress(d->src, d->dst, HK_COPY_NO_REFLINK, &p, NULL, &err) < 0)
		fail_msg("%s", err->msg);
	hk_autofree char *b = slurp(d->dst, "b");
	assert_string_equal(b, "world!\n");
	hk_autofree char *a2c = slurp(d->dst, "a2");
	assert_string_equal(a2c, "hello\n");
	assert_true(seen.calls >= 2);
	assert_int_equal(seen.first_done, 0);
	assert_int_equal(seen.first_total, 13);
	assert_int_equal(seen.last_done, 13);
	assert_int_equal(seen.last_total, 13);
}

/* The walk alone, as on a machine with one CPU: the same copy. */
static void test_one_thread(void **state)
{
	struct dirs *d = *state;
	put(d->src, "a", "one\n", 0600);
	hk_autofree char *a = xasprintf("%s/a", d->src);
	hk_autofree char *a2 = xasprintf("%s/a2", d->src);
	assert_int_equal(link(a, a2), 0);
	struct hk_copy_stats st = { 0 };
	copy_ok(d, HK_COPY_NO_REFLINK | HK_COPY_ONE_THREAD, &st);
	hk_autofree char *t = slurp(d->dst, "a2");
	assert_string_equal(t, "one\n");
	assert_int_equal(st.links, 1);
	assert_int_equal(st.bytes, 4);
}

static void test_errors(void **state)
{
	struct dirs *d = *state;
	struct hk_error *err = NULL;
	hk_autofree char *missing = xasprintf("%s/nope", d->top);
	assert_int_equal(hk_copy_tree(missing, d->dst, 0, NULL, &err), -1);
	assert_int_equal(err->code, ENOENT);
	assert_non_null(strstr(err->msg, "nope"));
	hk_error_free(err);
	err = NULL;
	hk_autofree char *deep = xasprintf("%s/no/such/dir", d->top);
	assert_int_equal(hk_copy_tree(d->src, deep, 0, NULL, &err), -1);
	assert_int_equal(err->code, ENOENT);
	hk_error_free(err);
	err = NULL;
	/* a destination file in the way of an entry */
	put(d->src, "clash", "a", 0644);
	mkdir(d->dst, 0755);
	put(d->dst, "clash", "b", 0644);
	assert_int_equal(hk_copy_tree(d->src, d->dst, 0, NULL, &err), -1);
	assert_int_equal(err->code, EEXIST);
	assert_non_null(strstr(err->msg, "clash"));
	hk_error_free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_files_dirs_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_times_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hard_links_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sparse_file_stays_sparse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_xattr_and_acl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_owner_setuid_caps_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount_point_not_crossed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_empty_dst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
