/* fuzz_config.c - libFuzzer target for the container config parser.
 * Parses the input as config text; when it parses, prints it back with
 * hk_config_format(), parses that, and requires the second print to equal
 * the first (the round trip must be lossless).  Also runs the text editor
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
	if (a.n_nets != b.n_nets || a.idmap.n != b.idmap.n)
		abort();
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
