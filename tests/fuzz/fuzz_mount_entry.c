/* fuzz_mount_entry.c - lxc.mount.entry lines: no crash, no leak, and a
 * parsed target never starts with '/'. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mount-entry.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = xstrndup((const char *)data, size);
	struct hk_mount_entry e;
	struct hk_error *err = NULL;
	if (hk_mount_entry_parse(line, &e, &err) == 0) {
		if (e.target[0] == '/')
			abort();
		hk_mount_entry_free(&e);
	}
	hk_error_free(err);
	free(line);
	return 0;
}
