/* fuzz_nic_request.c - hako-nic's arguments and the monitor's reading of
 * its answer from arbitrary bytes (NUL-separated words for the request).
 * Never crashes; an accepted request holds only valid names, a pid in
 * range, the veth type and an MTU of 0 or 68..65535; an accepted reply or
 * `hako-nic list` line only valid names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nic/nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const struct hk_nic_request *req)
{
	if (req->op == HK_NIC_LIST)
		return;
	if (req->pid <= 0 || req->pid > 4194304 || !req->name[0] || strchr(req->name, '/'))
		abort();
	if (req->op == HK_NIC_CREATE && req->mtu &&
	    (req->mtu < HK_NIC_MTU_MIN || req->mtu > HK_NIC_MTU_MAX))
		abort();
	if (req->op == HK_NIC_CREATE &&
	    (strcmp(req->type, "veth") || hk_net_ifname_validate(req->bridge, "b", NULL) < 0 ||
	     hk_net_ifname_validate(req->ifname, "i", NULL) < 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[16];
	int argc = 0;
	for (size_t i = 0; i <= size && argc < 16;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	struct hk_nic_request req;
	if (hk_nic_request_parse(argc, argv, &req, NULL) == 0)
		check_request(&req);
	struct hk_nic_reply rep;
	if (hk_nic_reply_parse(buf, &rep, NULL) == 0 &&
	    (hk_net_ifname_validate(rep.host, "h", NULL) < 0 ||
	     (rep.lease.family && rep.lease.family != AF_INET)))
		abort();
	struct hk_nic_record r;
	if (hk_nic_listing_parse(buf, &r, NULL) == 0 &&
	    (hk_net_ifname_validate(r.host, "h", NULL) < 0 ||
	     hk_net_ifname_validate(r.bridge, "b", NULL) < 0 || r.pid <= 0 || !r.name[0] ||
	     strchr(r.name, '/')))
		abort();
	free(buf);
	return 0;
}
