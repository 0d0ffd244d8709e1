/* test_elf_static.c - hk_elf_is_static (core/elf-static.c) on real and on
 * crafted files (32- and 64-bit, PT_INTERP early and past the 256th
 * header, too many headers, headers too small, truncated, no ELF); and
 * its two callers, `hako doctor`'s busybox check and the busybox
 * template, giving the same verdict on every one of those files (they
 * used to read them each with their own limits). */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "doctor.h"
#include "elf-static.h"
#include "template.h"
#include "util.h"

enum verdict { STATIC, DYNAMIC, INVALID };

struct craft {
	const char *label;
	bool is64;
	unsigned phnum;	  /* in the header */
	unsigned written; /* program headers in the file */
	long interp;	  /* index of PT_INTERP, -1: none */
	unsigned entsize; /* 0: the class's */
	bool not_elf;
	enum verdict want;
};

static const struct craft crafts[] = {
	{ "static 64-bit", true, 4, 4, -1, 0, false, STATIC },
	{ "dynamic 64-bit", true, 4, 4, 1, 0, false, DYNAMIC },
	{ "static 32-bit", false, 3, 3, -1, 0, false, STATIC },
	{ "dynamic 32-bit", false, 3, 3, 0, 0, false, DYNAMIC },
	{ "PT_INTERP as the 300th header", true, 300, 300, 299, 0, false, DYNAMIC },
	{ "more headers than the limit", true, HK_ELF_MAX_PHDRS + 1, 8, -1, 0, false, INVALID },
	{ "headers smaller than the class's", true, 4, 4, -1, 8, false, INVALID },
	{ "truncated program headers", true, 10, 2, -1, 0, false, INVALID },
	{ "a shell script", true, 0, 0, -1, 0, true, INVALID },
};

/* Appends c's ELF header and program headers in class EHDR/PHDR. */
#define CRAFT(b, c, EHDR, PHDR, class, machine)                                                    \
	do {                                                                                       \
		EHDR h = { .e_type = ET_EXEC, .e_machine = (machine), .e_version = EV_CURRENT };   \
		memcpy(h.e_ident, ELFMAG, SELFMAG);                                                \
		h.e_ident[EI_CLASS] = (class);                                                     \
		h.e_ident[EI_DATA] = ELFDATA2LSB;                                                  \
		h.e_ident[EI_VERSION] = EV_CURRENT;                                                \
		h.e_ehsize = sizeof(h);                                                            \
		h.e_phoff = sizeof(h);                                                             \
		h.e_phnum = (c)->phnum;                                                            \
		h.e_phentsize = (c)->entsize ? (c)->entsize : sizeof(PHDR);                        \
		hk_buf_append((b), &h, sizeof(h));                                                 \
		for (unsigned i_ = 0; i_ < (c)->written; i_++) {                                   \
			PHDR p_ = { .p_type = (long)i_ == (c)->interp ? PT_INTERP : PT_NOTE };     \
			hk_buf_append((b), &p_, sizeof(p_));                                       \
		}                                                                                  \
	} while (0)

/* Writes the crafted file to path (mode 0755, as an executable). */
static void write_craft(const char *path, const struct craft *c)
{
	struct hk_buf b = { 0 };
	if (c->not_elf)
		hk_buf_puts(&b, "#!/bin/sh\necho hi\n");
	else if (c->is64)
		CRAFT(&b, c, Elf64_Ehdr, Elf64_Phdr, ELFCLASS64, EM_X86_64);
	else
		CRAFT(&b, c, Elf32_Ehdr, Elf32_Phdr, ELFCLASS32, EM_386);
	assert_int_equal(hk_write_file_atomic(path, b.data, b.len, 0755, NULL), 0);
	hk_buf_free(&b);
}

static enum verdict direct(const char *path)
{
	hk_autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	hk_autoerr struct hk_error *err = NULL;
	int r = hk_elf_is_static(fd, path, &err);
	if (r < 0) {
		assert_int_equal(err->code, ENOEXEC);
		assert_non_null(strstr(err->msg, path));
	}
	return r < 0 ? INVALID : r ? STATIC : DYNAMIC;
}

static void keep_busybox(void *ctx, const struct hk_doctor_check *c)
{
	if (strcmp(c->name, "busybox") != 0)
		return;
	enum verdict *v = ctx;
	if (c->status == HK_DOCTOR_OK)
		*v = STATIC;
	else
		*v = strstr(c->detail, "dynamically linked") ? DYNAMIC : INVALID;
}

/* hako doctor's verdict on a fake host whose /usr/bin/busybox is the file. */
static enum verdict by_doctor(const char *root)
{
	struct hk_doctor_opts o;
	hk_doctor_opts_init(&o);
	o.root = root;
	o.no_probes = true;
	enum verdict v = (enum verdict) - 1;
	hk_autoerr struct hk_error *err = NULL;
	assert_true(hk_doctor_run(&o, keep_busybox, &v, &err) >= 0);
	assert_int_not_equal(v, -1);
	return v;
}

/* The busybox template's: past its ELF check, prepare runs the file with
 * --list-full, which a crafted file fails (so "listed no applets"). */
static enum verdict by_template(const char *path)
{
	char *args[] = { (char *)"--busybox-path", (char *)path, NULL };
	struct hk_template_ctx ctx = { .name = "elf1", .args = args };
	hk_autoerr struct hk_error *err = NULL;
	int r = hk_template_busybox.prepare(&ctx, &err);
	hk_template_busybox.release(&ctx);
	if (r == 0 || strstr(err->msg, "--list-full"))
		return STATIC;
	return strstr(err->msg, "dynamically linked") ? DYNAMIC : INVALID;
}

static void test_callers_agree(void **state)
{
	(void)state;
	char root[] = "/tmp/hk-elf-XXXXXX";
	assert_non_null(mkdtemp(root));
	hk_autofree char *dir = xasprintf("%s/usr/bin", root);
	assert_int_equal(hk_mkdir_p(dir, 0755, NULL), 0);
	hk_autofree char *path = xasprintf("%s/busybox", dir);
	for (size_t i = 0; i < HK_ARRAY_SIZE(crafts); i++) {
		const struct craft *c = &crafts[i];
		write_craft(path, c);
		enum verdict d = direct(path), doc = by_doctor(root), tpl = by_template(path);
		if (d != c->want || doc != c->want || tpl != c->want)
			fail_msg("%s: want %d, hk_elf_is_static %d, doctor %d, template %d",
				 c->label, c->want, d, doc, tpl);
	}
	hk_rm_rf(root, NULL);
}

/* The host's own files: a dynamic /bin/true, a static busybox where there
 * is one (Debian's busybox-static), no ELF at all in /etc/passwd. */
static void test_real_files(void **state)
{
	(void)state;
	assert_int_equal(direct("/bin/true"), DYNAMIC);
	assert_int_equal(direct("/etc/passwd"), INVALID);
	static const char *const bb[] = { "/bin/busybox", "/usr/bin/busybox" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(bb); i++)
		if (access(bb[i], X_OK) == 0)
			assert_int_equal(direct(bb[i]), STATIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callers_agree),
		cmocka_unit_test(test_real_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
