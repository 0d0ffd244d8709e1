/* stub-proto.h - what hako and its sealed stub (tui/hako-stub.c) say to
 * each other: the stub's command line and the one error message it can
 * send back.  Shared by both; the stub is built static and knows nothing
 * else of core/. */
#ifndef HAKO_STUB_PROTO_H
#define HAKO_STUB_PROTO_H

#include <stdint.h>

/* argv[1] of every run of the stub by hako: anything else (the container
 * running /proc/self/exe, say) is refused. */
#define HK_STUB_MAGIC "hako-stub-1"

/* The error message, as spawn.c's sync messages: a stage, errno, text. */
struct hk_stub_msg {
	uint32_t stage;
	int32_t code;
	char text[2048];
};

#endif
