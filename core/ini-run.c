/* ini-run.c - swapping inih's global options around one parse. */
#include "ini-run.h"

static void swap_options(struct hk_ini_options *o)
{
	struct hk_ini_options cur = {
		ini_allow_multiline,	    ini_allow_inline_comments,
		ini_stop_on_first_error,    ini_use_stack,
		ini_allow_realloc,	    ini_allow_no_value,
		ini_start_comment_prefixes, ini_max_line,
	};
	ini_allow_multiline = o->multiline;
	ini_allow_inline_comments = o->inline_comments;
	ini_stop_on_first_error = o->stop_on_first_error;
	ini_use_stack = o->use_stack;
	ini_allow_realloc = o->allow_realloc;
	ini_allow_no_value = o->no_value;
	ini_start_comment_prefixes = o->comment_prefixes;
	ini_max_line = o->max_line;
	*o = cur;
}

int hk_ini_parse_stream(const struct hk_ini_options *o, ini_reader reader, void *stream,
			ini_handler handler, void *user)
{
	struct hk_ini_options swap = *o;
	swap_options(&swap);
	int r = ini_parse_stream(reader, stream, handler, user);
	swap_options(&swap);
	return r;
}
