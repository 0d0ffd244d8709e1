/* fuzz_device_records.c - `hako device`'s records file (device.h): no
 * crash, no leak, and accepted text formats to text that parses to the
 * same text again (the file is rewritten after every add and del). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xstrndup((const char *)data, size);
	struct hk_device_records r;
	struct hk_error *err = NULL;
	if (hk_device_records_parse(text, &r, &err) == 0) {
		char *once = hk_device_records_format(&r);
		struct hk_device_records again;
		if (hk_device_records_parse(once, &again, NULL) < 0)
			abort();
		char *twice = hk_device_records_format(&again);
		if (strcmp(once, twice) != 0)
			abort();
		struct hk_dev_policy p;
		for (int v = 1; v <= 2; v++) {
			hk_device_policy(&again, v, 0, &p);
			hk_dev_policy_free(&p);
		}
		free(once);
		free(twice);
		hk_device_records_free(&again);
		hk_device_records_free(&r);
	} else if (!err || !err->msg) {
		abort();
	}
	hk_error_free(err);
	free(text);
	return 0;
}
