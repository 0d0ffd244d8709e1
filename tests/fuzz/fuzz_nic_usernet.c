/* fuzz_nic_usernet.c - hako-nic's root-owned texts from arbitrary bytes:
 * the usernet policy and the record database.  Never crashes; a quota is
 * never above the cap; a record kept is well-formed and survives a
 * format -> parse round trip unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nic/nic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_records(const char *text)
{
	struct hk_nic_record *r = NULL;
	unsigned bad = 0;
	size_t n = hk_nic_records_parse(text, &r, &bad);
	for (size_t i = 0; i < n; i++) {
		struct hk_buf b = { 0 }, b2 = { 0 };
		hk_nic_record_format(&r[i], &b);
		struct hk_nic_record again;
		if (hk_nic_record_parse(b.data, &again, NULL) < 0)
			abort();
		hk_nic_record_format(&again, &b2);
		if (strcmp(b.data, b2.data) ||
		    hk_net_ifname_validate(again.host, "host", NULL) < 0 || again.pid <= 0)
			abort();
		hk_buf_free(&b);
		hk_buf_free(&b2);
	}
	free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_autofree char *text = xstrndup((const char *)data, size);
	struct hk_strv groups = { 0 };
	hk_strv_push(&groups, "users");
	unsigned bad = 0;
	unsigned q = hk_nic_usernet_quota(text, "alice", &groups, "veth", "br0", &bad);
	unsigned q_user = hk_nic_usernet_quota(text, "alice", NULL, "veth", "br0", NULL);
	/* Groups only add; nothing passes the cap. */
	if (q > HK_NIC_MAX_COUNT || q_user > q)
		abort();
	/* Every bridge listed is a valid name, listed once. */
	struct hk_strv br = { 0 };
	hk_nic_usernet_bridges(text, "alice", &groups, "veth", &br);
	for (size_t i = 0; i < br.n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(br.v[i], br.v[j]) ||
			    hk_net_ifname_validate(br.v[i], "b", NULL) < 0)
				abort();
	hk_strv_clear(&br);
	hk_strv_clear(&groups);
	check_records(text);
	return 0;
}
