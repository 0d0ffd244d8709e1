/* fuzz_remote.c - remote names, [remotes] values and REMOTE:NAME
 * addresses from arbitrary bytes (core/remote.h).  The input is split at
 * its first NUL into a name and a value.  Parsing never crashes or
 * leaks; a remote that parses holds nothing ssh or a shell could read as
 * more than a value (no byte outside printable ASCII, no space, no
 * leading '-'), its port is 0 or 1-65535, its path absolute, and its
 * value prints back to itself; an address holds a valid container name
 * and no ':' in either part; every failure has a message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "store-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_word(const char *s, bool may_be_null)
{
	if (!s) {
		if (!may_be_null)
			abort();
		return;
	}
	if (!*s || s[0] == '-')
		abort();
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

static void check_remote(const struct hk_remote *r, const char *name)
{
	if (!r->name || strcmp(r->name, name) != 0 || hk_remote_name_validate(r->name, NULL) < 0)
		abort();
	check_word(r->user, true);
	check_word(r->host, false);
	check_word(r->path, true);
	if (r->port > 65535 || (r->path && r->path[0] != '/'))
		abort();
	/* the value prints back to itself */
	char *v = hk_remote_value(r);
	struct hk_remote again;
	if (hk_remote_parse_value(name, v, &again, NULL) < 0)
		abort();
	char *v2 = hk_remote_value(&again);
	if (strcmp(v, v2) != 0)
		abort();
	free(v);
	free(v2);
	hk_remote_clear(&again);
}

static void check_address(const char *arg)
{
	struct hk_address a;
	struct hk_error *err = NULL;
	if (hk_address_parse(arg, &a, &err) < 0) {
		if (!err || a.name || a.remote)
			abort();
		hk_error_free(err);
		return;
	}
	if (err || (a.name && hk_name_validate(a.name, NULL) < 0))
		abort();
	if ((a.scope == HK_ADDRESS_REMOTE) != (a.remote != NULL))
		abort();
	if (a.remote && hk_remote_name_validate(a.remote, NULL) < 0)
		abort();
	if (a.scope == HK_ADDRESS_ALL && a.name)
		abort();
	hk_address_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 2);
	memcpy(buf, data, size);
	buf[size] = buf[size + 1] = '\0';
	const char *name = buf;
	size_t n = strlen(name);
	const char *value = n < size ? buf + n + 1 : "";

	struct hk_remote r;
	struct hk_error *err = NULL;
	if (hk_remote_parse_value(name, value, &r, &err) == 0) {
		if (err)
			abort();
		check_remote(&r, name);
		hk_remote_clear(&r);
	} else if (!err || !err->msg[0] || r.host || r.name) {
		abort();
	}
	hk_error_free(err);
	check_address(name);
	check_address(value);
	free(buf);
	return 0;
}
