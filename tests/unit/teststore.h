/* teststore.h - a store of its own for a unit test that locks, records
 * states or lists: top (a mkdtemp template, filled in) becomes a fresh
 * temp dir holding the run directory (HAKO_RUN_DIR=TOP/run), the home
 * (HOME=TOP/home, XDG_CONFIG_HOME unset: no hako.conf of the caller's)
 * and the container path TOP/lxc.  Include it after testutil.h. */
#ifndef HK_TESTSTORE_H
#define HK_TESTSTORE_H

#include <limits.h>

#include "container.h"
#include "state.h"
#include "store.h"
#include "util.h"

static inline int hk_test_store_open(char *top, struct hk_store **st)
{
	if (!mkdtemp(top))
		return -1;
	hk_autofree char *run = xasprintf("%s/run", top);
	hk_autofree char *home = xasprintf("%s/home", top);
	hk_autofree char *lxc = xasprintf("%s/lxc", top);
	setenv("HAKO_RUN_DIR", run, 1);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	return hk_store_open(lxc, st, NULL);
}

/* Takes container name's lock (container.h's hk_ct_lock). */
static inline int hk_test_lock(const struct hk_store *st, const char *name, enum hk_lock_mode mode,
			       unsigned timeout_ms, struct hk_lock **out, struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0)
		return -1;
	return hk_ct_lock(ct, mode, timeout_ms, out, err);
}

/* Writes container name's state file as its monitor would (hk_state_write_ct). */
static inline int hk_test_state_write(const struct hk_store *st, const char *name,
				      const struct hk_state_file *sf, struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_MAY_BE_MISSING, &ct, err) < 0)
		return -1;
	return hk_state_write_ct(ct, sf, err);
}

/* The same as a cmocka fixture: a fresh store below template ("/tmp/hk-NAME-XXXXXX"),
 * freed and its directory removed by hk_store_fixture_free. */
struct hk_store_fixture {
	char top[PATH_MAX];
	struct hk_store *st;
};
static inline struct hk_store_fixture *hk_store_fixture_new(const char *template)
{
	struct hk_store_fixture *f = xcalloc(1, sizeof(*f));
	snprintf(f->top, sizeof(f->top), "%s", template);
	if (hk_test_store_open(f->top, &f->st) < 0) {
		free(f);
		return NULL;
	}
	return f;
}
static inline int hk_store_fixture_free(struct hk_store_fixture *f)
{
	hk_store_free(f->st);
	int r = hk_rm_rf(f->top, NULL);
	free(f);
	return r;
}

#endif
