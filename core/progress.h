/* progress.h - progress of a long step (a download, a rootfs copy), for
 * the front end to draw; core/ never prints.  total is 0 when unknown;
 * done == total ends the step. */
#ifndef HAKO_PROGRESS_H
#define HAKO_PROGRESS_H

#include <stdint.h>

typedef void (*hk_progress_fn)(void *data, const char *what, uint64_t done, uint64_t total);
struct hk_progress {
	hk_progress_fn fn; /* may be NULL */
	void *data;
};

#endif
