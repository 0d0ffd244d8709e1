/* fuzz_settings.c - hako.conf text from arbitrary bytes: parsing never
 * crashes or leaks, a success leaves only values the parser promises
 * (refresh in range, absolute lxcpath, "action=key" bindings, remotes
 * with a valid name and host, each name once), a failure
 * names the file and a line, and inih's global options are put back. */
#include <ini.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ok(const struct hk_settings *s)
{
	if (s->refresh_ms < 100 || s->refresh_ms > 60000)
		abort();
	if (s->lxcpath && s->lxcpath[0] != '/')
		abort();
	if (!s->default_backend || !s->bridge || !s->subnet || !s->theme)
		abort();
	if (strlen(s->bridge) > 15 || !strchr(s->subnet, '/'))
		abort();
	for (size_t i = 0; i < s->keys.n; i++) {
		const char *eq = strchr(s->keys.v[i], '=');
		if (!eq || eq == s->keys.v[i] || !eq[1])
			abort();
		/* one binding per action */
		for (size_t j = 0; j < i; j++)
			if (strncmp(s->keys.v[j], s->keys.v[i], (size_t)(eq - s->keys.v[i]) + 1) ==
			    0)
				abort();
	}
	/* [remotes]: one line per name, each a valid remote with a host */
	for (size_t i = 0; i < s->n_remotes; i++) {
		const struct hk_remote *r = &s->remotes[i];
		if (hk_remote_name_validate(r->name, NULL) < 0 || !r->host || !*r->host ||
		    r->host[0] == '-' || strpbrk(r->host, " \t\n") || s->remote_lines[i] == 0)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(s->remotes[j].name, r->name) == 0)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool multiline = ini_allow_multiline, stop = ini_stop_on_first_error;
	int max_line = ini_max_line;
	struct hk_settings s;
	hk_settings_init(&s);
	struct hk_error *err = NULL;
	int r = hk_settings_parse(&s, (const char *)data, size, "fuzz.conf", &err);
	if (r == 0) {
		if (err)
			abort();
		check_ok(&s);
	} else if (!err || strncmp(err->msg, "fuzz.conf:", 10) != 0) {
		abort();
	}
	hk_error_free(err);
	hk_settings_free(&s);
	if (ini_allow_multiline != multiline || ini_stop_on_first_error != stop ||
	    ini_max_line != max_line)
		abort();
	return 0;
}
