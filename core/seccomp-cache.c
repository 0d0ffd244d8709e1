/* seccomp-cache.c - compiled seccomp programs kept between runs.
 *
 * Compiling a plan costs a forked child and libseccomp's work: 2-7 ms,
 * the largest single step of `hako attach` and a large one of a start.
 * The same plan gives the same program, so the program is kept in
 * CACHE/seccomp/HASH.bpf (CACHE: /var/cache/hako, or ~/.cache/hako for
 * an ordinary user), keyed by everything the program depends on: the
 * plan's rules, default action and architectures, libseccomp's version
 * and the kernel release (libseccomp asks the kernel what it supports).
 * A file holds that key in full, a NUL, then the program: a read compares
 * the whole key, so a hash collision or a torn file is a miss, never a
 * wrong filter.  A filter is the container's confinement: a file is used
 * only when it and its directory belong to the caller and nobody else may
 * write them.  Anything wrong with the cache is a miss and the plan is
 * compiled as before; a failed write only costs the next run the compile. */
#include <seccomp.h>

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Bumped when the key or the file layout changes. */
#define CACHE_FORMAT 1
/* More entries than this (edited policy files) and the others go. */
#define CACHE_MAX_ENTRIES 32

char *hk_seccomp_plan_key(const struct hk_seccomp_plan *p)
{
	struct hk_buf b = { 0 };
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	hk_buf_printf(&b,
		      "hako seccomp cache %d\nlibseccomp %u.%u.%u\nkernel %s\ndefault %u\narches",
		      CACHE_FORMAT, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, u.release,
		      p->default_action);
	for (size_t i = 0; i < p->n_arches; i++)
		hk_buf_printf(&b, " %u", p->arches[i]);
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct hk_seccomp_rule *r = &p->rules[i];
		hk_buf_printf(&b, "\nrule %u %s %u", r->arch, r->name, r->action);
		for (unsigned c = 0; c < r->n_conds; c++)
			hk_buf_printf(&b, " [%u %d %llu %llu]", r->conds[c].index, r->conds[c].op,
				      (unsigned long long)r->conds[c].value,
				      (unsigned long long)r->conds[c].mask);
	}
	return hk_buf_steal(&b);
}

/* FNV-1a: only names the file; the key inside decides. */
static uint64_t key_hash(const char *key)
{
	uint64_t h = 1469598103934665603ULL;
	for (const unsigned char *s = (const unsigned char *)key; *s; s++)
		h = (h ^ *s) * 1099511628211ULL;
	return h;
}

/* Ours alone: owned by the caller, writable by nobody else. */
static bool trusted(int fd, mode_t type)
{
	struct stat st;
	return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == type && st.st_uid == geteuid() &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && !trusted(fd, S_IFDIR)) {
		hk_log(HK_LOG_DEBUG, "seccomp cache \"%s\" is not the caller's alone: not used",
		       dir);
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

static bool read_all(int fd, struct hk_buf *out)
{
	char chunk[8192];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0;
		if (out->len + (size_t)r > (1u << 20))
			return false;
		hk_buf_append(out, chunk, (size_t)r);
	}
}

/* The program stored under key in dir_fd, appended to bpf: true on a hit. */
static bool cache_read(int dir_fd, const char *file, const char *key, struct hk_buf *bpf)
{
	hk_autoclose int fd = openat(dir_fd, file, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || !trusted(fd, S_IFREG))
		return false;
	struct hk_buf got = { 0 };
	size_t klen = strlen(key) + 1;
	bool hit = read_all(fd, &got) && got.len > klen && memcmp(got.data, key, klen) == 0 &&
		   (got.len - klen) % sizeof(struct sock_filter) == 0 &&
		   (got.len - klen) / sizeof(struct sock_filter) <= BPF_MAXINSNS;
	if (hit)
		hk_buf_append(bpf, got.data + klen, got.len - klen);
	hk_buf_free(&got);
	return hit;
}

/* Keeps the directory small: past CACHE_MAX_ENTRIES, every entry but
 * the one about to be written goes (they are only ever a compile away). */
static void cache_trim(int dir_fd, const char *keep)
{
	int dup_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
	DIR *d = dup_fd < 0 ? NULL : fdopendir(dup_fd);
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	struct hk_strv names = { 0 };
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.' && strcmp(e->d_name, keep) != 0)
			hk_strv_push(&names, e->d_name);
	closedir(d);
	for (size_t i = 0; names.n >= CACHE_MAX_ENTRIES && i < names.n; i++)
		unlinkat(dir_fd, names.v[i], 0);
	hk_strv_clear(&names);
}

static void cache_write(const char *dir, int dir_fd, const char *file, const char *key,
			const struct hk_buf *bpf)
{
	cache_trim(dir_fd, file);
	struct hk_buf all = { 0 };
	hk_buf_append(&all, key, strlen(key) + 1);
	hk_buf_append(&all, bpf->data, bpf->len);
	hk_autofree char *path = xasprintf("%s/%s", dir, file);
	hk_autoerr struct hk_error *err = NULL;
	if (hk_write_run_file(path, all.data, all.len, 0600, &err) < 0)
		hk_log(HK_LOG_DEBUG, "seccomp cache: %s", err->msg);
	hk_buf_free(&all);
}

int hk_seccomp_prepare_cached(const struct hk_seccomp_plan *p, const char *cache_dir,
			      struct hk_seccomp_prog *out, struct hk_error **err)
{
	if (!cache_dir)
		return hk_seccomp_prepare(p, out, err);
	hk_autofree char *dir = xasprintf("%s/seccomp", cache_dir);
	hk_autofree char *key = hk_seccomp_plan_key(p);
	char file[32];
	snprintf(file, sizeof(file), "%016llx.bpf", (unsigned long long)key_hash(key));
	hk_autoclose int dir_fd = open_dir(dir);
	if (dir_fd < 0 && errno == ENOENT && hk_mkdir_p(dir, 0700, NULL) == 0)
		dir_fd = open_dir(dir);
	memset(out, 0, sizeof(*out));
	if (dir_fd >= 0 && cache_read(dir_fd, file, key, &out->bpf)) {
		out->source = xstrdup(p->source);
		out->n_rules = p->n_rules;
		return 0;
	}
	if (hk_seccomp_prepare(p, out, err) < 0)
		return -1;
	if (dir_fd >= 0)
		cache_write(dir, dir_fd, file, key, &out->bpf);
	return 0;
}
