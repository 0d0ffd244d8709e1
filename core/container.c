/* container.c - the container handle (container.h). */
#include "container.h"

#include <stdlib.h>

#include "store-internal.h"

int hk_ct_open(const struct hk_store *st, const char *name, unsigned flags, struct hk_ct **out,
	       struct hk_error **err)
{
	if (hk_name_validate(name, err) < 0)
		return -1;
	struct hk_ct *ct = xcalloc(1, sizeof(*ct));
	ct->st = st;
	ct->name = xstrdup(name);
	ct->dir = hk_store_container_dir(st, name);
	ct->config_path = xasprintf("%s/config", ct->dir);
	ct->run_dir = hk_store_container_run_dir(st, name);
	ct->cgroup_name = hk_store_cgroup_name(st, name);
	if (!(flags & HK_CT_MAY_BE_MISSING) && !hk_ct_exists(ct)) {
		hk_store_refuse_missing(st, name, err);
		hk_ct_free(ct);
		return -1;
	}
	*out = ct;
	return 0;
}

void hk_ct_free(struct hk_ct *ct)
{
	if (!ct)
		return;
	free(ct->name);
	free(ct->dir);
	free(ct->config_path);
	free(ct->run_dir);
	free(ct->cgroup_name);
	free(ct);
}

void hk_ct_freep(struct hk_ct **ct)
{
	hk_ct_free(*ct);
	*ct = NULL;
}

bool hk_ct_exists(const struct hk_ct *ct)
{
	return hk_store_dir_has_config(ct->dir);
}

int hk_ct_refuse_missing(const struct hk_ct *ct, struct hk_error **err)
{
	return hk_store_refuse_missing(ct->st, ct->name, err);
}

int hk_ct_make_run_dir(const struct hk_ct *ct, struct hk_error **err)
{
	return hk_store_make_run_dir_at(ct->st, ct->run_dir, err);
}
