/* fuzz_mountinfo.c - /proc/PID/mountinfo text: no crash, no leak, and an
 * accepted entry has every field set, an absolute mount point, and is
 * found again by its mount point. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mountinfo.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct hk_mountinfo *mi, const struct hk_mountinfo_entry *e)
{
	if (!e->root || !e->mountpoint || !e->options || !e->optional || !e->fstype || !e->source ||
	    !e->super_options)
		abort();
	if (e->mountpoint[0] != '/' || !e->fstype[0] || strchr(e->options, ' '))
		abort();
	if (!hk_mountinfo_find(mi, e->mountpoint))
		abort();
	char *v = hk_mount_opt_value(e->super_options, "name");
	if (v && !hk_mount_opt_has(e->super_options, "name="))
		abort();
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct hk_mountinfo mi;
	struct hk_error *err = NULL;
	if (hk_mountinfo_parse(text, &mi, &err) == 0) {
		for (size_t i = 0; i < mi.n; i++)
			check_entry(&mi, &mi.e[i]);
		hk_mountinfo_free(&mi);
	} else if (!err || !err->msg) {
		abort();
	}
	hk_error_free(err);
	free(text);
	return 0;
}
