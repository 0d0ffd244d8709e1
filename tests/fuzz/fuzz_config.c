/* fuzz_config.c - libFuzzer target for the container config parser.
 * Parses the input as config text; when it parses, prints it back with
 * hk_config_format(), parses that, and requires the second print to equal
 * the first, and every key of the table (each interface's for lxc.net.N
 * keys) to have the same values in both (the round trip must be
 * lossless: a printer that dropped a value would still print the same
 * text twice).  Also runs the text editor
 * on the input, whose result must parse whenever it is returned. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, enum hk_log_level level, const char *msg)
{
	(void)ctx, (void)level, (void)msg;
}

static void compare_key(const struct hk_config *a, const struct hk_config *b, const char *key,
			const char *f1)
{
	struct hk_strv va = { 0 }, vb = { 0 };
	struct hk_error *ea = NULL, *eb = NULL;
	int ra = hk_config_get(a, key, &va, &ea), rb = hk_config_get(b, key, &vb, &eb);
	bool same = ra == rb && va.n == vb.n;
	for (size_t i = 0; same && i < va.n; i++)
		same = strcmp(va.v[i], vb.v[i]) == 0;
	if (!same) {
		fprintf(stderr, "%s differs after the round trip:\n", key);
		for (size_t i = 0; i < va.n || i < vb.n; i++)
			fprintf(stderr, "  [%zu] \"%s\" | \"%s\"\n", i, i < va.n ? va.v[i] : "-",
				i < vb.n ? vb.v[i] : "-");
		fprintf(stderr, "--\n%s--\n", f1);
		abort();
	}
	hk_error_free(ea);
	hk_error_free(eb);
	hk_strv_clear(&va);
	hk_strv_clear(&vb);
}

/* The key/value lists of a and b (every key of the table, as `hako
 * config` shows them) are the same.  Wildcard keys (lxc.cgroup.*, ...)
 * are covered by the printed texts being equal. */
static void compare_values(const struct hk_config *a, const struct hk_config *b, const char *f1)
{
	if (a->n_nets != b->n_nets)
		abort();
	for (size_t i = 0; i < a->n_nets; i++)
		if (a->nets[i].index != b->nets[i].index)
			abort();
	for (size_t k = 0; k < hk_config_key_count(); k++) {
		const char *name = hk_config_key_at(k)->name;
		const char *n = strstr(name, ".N.");
		if (strchr(name, '*') || !strcmp(name, "lxc.include") || !strcmp(name, "lxc.net"))
			continue;
		if (!n) {
			compare_key(a, b, name, f1);
			continue;
		}
		for (size_t i = 0; i < a->n_nets; i++) {
			char key[128];
			snprintf(key, sizeof(key), "%.*s.%u.%s", (int)(n - name), name,
				 a->nets[i].index, n + 3);
			compare_key(a, b, key, f1);
		}
	}
}

static void check_round_trip(const char *text)
{
	struct hk_config a, b;
	struct hk_error *e = NULL;
	hk_config_init(&a);
	if (hk_config_parse_string(&a, text, "fuzz", &e) < 0) {
		hk_error_free(e);
		hk_config_free(&a);
		return;
	}
	char *f1 = hk_config_format(&a);
	hk_config_init(&b);
	if (hk_config_parse_string(&b, f1, "format", &e) < 0) {
		fprintf(stderr, "formatted config does not parse: %s\n--\n%s--\n", e->msg, f1);
		abort();
	}
	char *f2 = hk_config_format(&b);
	if (strcmp(f1, f2) != 0) {
		fprintf(stderr, "round trip differs:\n--\n%s--\n%s--\n", f1, f2);
		abort();
	}
	compare_values(&a, &b, f1);
	free(f1);
	free(f2);
	hk_config_free(&a);
	hk_config_free(&b);
}

static void check_edit(const char *text)
{
	struct hk_error *e = NULL;
	char *out = hk_config_text_set(text, "lxc.uts.name", "fuzzed", &e);
	if (!out) {
		hk_error_free(e);
		return;
	}
	struct hk_config c;
	hk_config_init(&c);
	if (hk_config_parse_string(&c, out, "edit", &e) < 0 || !c.uts_name ||
	    strcmp(c.uts_name, "fuzzed") != 0)
		abort();
	hk_config_free(&c);
	free(out);
}

/* Does a non-comment line mention lxc.include? */
static bool has_include(const char *text)
{
	for (const char *p = strstr(text, "include"); p; p = strstr(p + 1, "include")) {
		const char *bol = p;
		while (bol > text && bol[-1] != '\n')
			bol--;
		bol += strspn(bol, " \t\r\v\f");
		if (*bol != '#')
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hk_log_set_sink(quiet, NULL);
	/* lxc.include would read files of the fuzzing host: not the parser's
	 * input, so it is left out. */
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (!has_include(text)) {
		check_round_trip(text);
		check_edit(text);
	}
	free(text);
	return 0;
}
