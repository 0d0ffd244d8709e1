/* container.h - a handle on one container of a store: its name checked
 * once and its directories joined once, then passed down the layers
 * (start -> lock, state, monitor, cgroups) instead of a (store, name) pair
 * that every layer validated and joined again.  Each command's entry point
 * (hk_start, hk_attach, hk_destroy ...) opens one and passes it down.
 */
#ifndef HAKO_CONTAINER_H
#define HAKO_CONTAINER_H

#include <stdbool.h>

#include "error.h"
#include "store.h"

struct hk_ct {
	const struct hk_store *st; /* borrowed: outlives the handle */
	char *name;		   /* valid (hk_name_validate), a copy of the caller's */
	char *dir;		   /* PATH/NAME */
	char *config_path;	   /* PATH/NAME/config */
	char *run_dir;		   /* RUNDIR/s-HASH/NAME (not made here) */
	char *cgroup_name;	   /* NAME, or NAME@HASH outside the default path */
};

enum hk_ct_flags {
	HK_CT_EXISTING = 0,	   /* refuse a container that does not exist */
	HK_CT_MAY_BE_MISSING = 1u, /* create, a lock taken before it exists */
};

/* The handle on container name of st: -1 with the refusal for a bad name
 * (and, unless HK_CT_MAY_BE_MISSING, for a container that does not exist,
 * as hk_ct_refuse_missing words it). */
int hk_ct_open(const struct hk_store *st, const char *name, unsigned flags, struct hk_ct **out,
	       struct hk_error **err);
void hk_ct_free(struct hk_ct *ct);
void hk_ct_freep(struct hk_ct **ct);
#define hk_autoct __attribute__((cleanup(hk_ct_freep)))

/* Its lock (lock.c): WAIT waits up to timeout_ms, then fails naming the
 * holder's pid and command; TRY fails at once with EBUSY, also naming the
 * holder.  The probe: 0 when free, else the holder's pid (-1 when held
 * but the pid is unknown); it never blocks. */
int hk_ct_lock(const struct hk_ct *ct, enum hk_lock_mode mode, unsigned timeout_ms,
	       struct hk_lock **out, struct hk_error **err);
pid_t hk_ct_lock_probe(const struct hk_ct *ct);

/* true when its directory still holds a config. */
bool hk_ct_exists(const struct hk_ct *ct);
/* The refusal for a container that does not exist ("does not exist in
 * PATH; create it with ...", ENOENT).  Returns -1. */
int hk_ct_refuse_missing(const struct hk_ct *ct, struct hk_error **err);
/* Its run directory, made (with the store's) when missing. */
int hk_ct_make_run_dir(const struct hk_ct *ct, struct hk_error **err);

#endif
