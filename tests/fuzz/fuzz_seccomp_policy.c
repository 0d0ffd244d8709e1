/* fuzz_seccomp_policy.c - LXC seccomp policy text from arbitrary bytes:
 * parsing never crashes, either a plan or an error comes back (never
 * both, never neither), the error names a line, every rule kept is
 * well-formed, and the plan compiles to BPF or is refused, without a crash
 * and within hako's deadline (libseccomp itself hangs on some rule sets;
 * nothing is loaded).  Parsed for x86_64 and aarch64, whose compat arches
 * and [section] handling differ. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "seccomp.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libseccomp 2.5.4 itself leaks tree nodes when it merges some rules of
 * one syscall (seccomp_rule_add_array, with the context released): not
 * ours to fix, so LeakSanitizer ignores allocations made inside it. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libseccomp.so\n";
}

static void check_plan(const struct hk_seccomp_plan *p)
{
	if (p->n_arches < 1 || p->n_arches > HK_SECCOMP_MAX_ARCHES || !p->source)
		abort();
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct hk_seccomp_rule *r = &p->rules[i];
		if (!r->name || !*r->name || r->n_conds > HK_SECCOMP_MAX_CONDS || r->line == 0)
			abort();
		if (r->arch && !hk_seccomp_plan_has_arch(p, r->arch))
			abort(); /* a skipped section leaked a rule */
		for (unsigned c = 0; c < r->n_conds; c++)
			if (r->conds[c].index >= HK_SECCOMP_MAX_CONDS ||
			    (r->conds[c].op != SCMP_CMP_MASKED_EQ && r->conds[c].mask))
				abort();
	}
}

static void one(const uint8_t *data, size_t size, uint32_t native, bool build)
{
	struct hk_error *err = NULL;
	struct hk_seccomp_plan *p =
		hk_seccomp_policy_parse((const char *)data, size, "fuzz", native, &err);
	if (!p == !err)
		abort();
	if (err) {
		if (!hk_str_has_prefix(err->msg, "fuzz:"))
			abort();
		hk_error_free(err);
		return;
	}
	check_plan(p);
	if (build) { /* as hako compiles: in a child, with a deadline */
		struct hk_buf bpf = { 0 };
		int rc = hk_seccomp_compile(p, 2000, &bpf, &err);
		if ((rc < 0) != !!err || (rc == 0 && bpf.len == 0))
			abort();
		hk_buf_free(&bpf);
		hk_error_free(err);
	}
	hk_seccomp_plan_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_log_set_level(HK_LOG_ERROR); /* unknown-syscall warnings are expected */
	if (size > 8192)
		return 0;
	one(data, size, SCMP_ARCH_X86_64, true);
	one(data, size, SCMP_ARCH_AARCH64, false); /* build needs the real native */
	return 0;
}
