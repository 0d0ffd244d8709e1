/* proctitle.c - what ps shows for a process that outlives its command.
 *
 * The monitor is a forked child of whatever started the container: from
 * the dashboard its command line stayed "hako -P PATH", a stray-looking
 * process with PPID 1 whose death kills the container.  It rewrites the
 * argument area it was given (never beyond: that would clobber the
 * environment) to say what it is.
 */
#include "util.h"

#include <string.h>

static char *area;	/* argv[0] .. the end of the last contiguous argument */
static size_t area_len; /* including the last NUL */

void hk_proctitle_init(int argc, char **argv)
{
	if (argc < 1 || !argv || !argv[0])
		return;
	char *end = argv[0] + strlen(argv[0]);
	for (int i = 1; i < argc && argv[i] == end + 1; i++)
		end = argv[i] + strlen(argv[i]);
	area = argv[0];
	area_len = (size_t)(end - area) + 1;
}

size_t hk_proctitle_room(void)
{
	return area_len ? area_len - 1 : 0;
}

void hk_proctitle_set(const char *title)
{
	if (!area || area_len < 2)
		return;
	size_t n = strlen(title);
	if (n > area_len - 1)
		n = area_len - 1;
	memcpy(area, title, n);
	memset(area + n, 0, area_len - n);
}
