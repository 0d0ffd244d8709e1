/* fuzz_proc_cgroup.c - /proc/PID/cgroup text: no crash, no leak, and an
 * accepted line has a path starting with '/' and controllers exactly when
 * its hierarchy id is not 0. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct hk_proc_cgroup pc;
	struct hk_error *err = NULL;
	if (hk_cgroup_parse_proc(text, &pc, &err) == 0) {
		for (size_t i = 0; i < pc.n; i++) {
			const struct hk_proc_cgroup_entry *e = &pc.e[i];
			if (e->path[0] != '/' || (e->id == 0) != (e->controllers[0] == '\0') ||
			    strchr(e->path, '\n'))
				abort();
		}
		hk_proc_cgroup_free(&pc);
	} else if (!err || !err->msg) {
		abort();
	}
	hk_error_free(err);
	free(text);
	return 0;
}
