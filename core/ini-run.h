/* ini-run.h - running inih with hako's options.  Debian's libinih keeps its
 * options in process-wide globals; the config parser and the settings
 * parser need different ones, so each parse sets them and puts the old
 * ones back. */
#ifndef HAKO_INI_RUN_H
#define HAKO_INI_RUN_H

#include <stdbool.h>

#include <ini.h>

struct hk_ini_options {
	bool multiline, inline_comments, stop_on_first_error, use_stack, allow_realloc;
	bool no_value;
	char *comment_prefixes;
	int max_line;
};

/* ini_parse_stream with o in force; the library's globals are restored. */
int hk_ini_parse_stream(const struct hk_ini_options *o, ini_reader reader, void *stream,
			ini_handler handler, void *user);

#endif
