/* keys.h - the dashboard's key bindings: one table of actions, each with
 * its name (as hako.conf [keys] writes it), default keys, a key-bar label
 * and a help line.  The key bar and the help screen are generated from
 * it, and [keys] remaps replace an action's keys. */
#ifndef HAKO_KEYS_H
#define HAKO_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "bars.h"
#include "error.h"
#include "util.h"

enum hk_action {
	HK_ACT_NONE,
	HK_ACT_QUIT,
	HK_ACT_HELP,
	HK_ACT_DETAILS,
	HK_ACT_BACK,
	HK_ACT_FILTER,
	HK_ACT_SORT_NEXT,
	HK_ACT_SORT_PREV,
	HK_ACT_SORT_REVERSE,
	HK_ACT_START_STOP,
	HK_ACT_RESTART,
	HK_ACT_KILL,
	HK_ACT_FREEZE,
	HK_ACT_CONSOLE,
	HK_ACT_ATTACH,
	HK_ACT_EXEC,
	HK_ACT_CREATE,
	HK_ACT_CLONE,
	HK_ACT_RENAME,
	HK_ACT_CHECKPOINT,
	HK_ACT_DEVICE,
	HK_ACT_AUTOSTART,
	HK_ACT_DESTROY,
	HK_ACT_EDIT,
	HK_ACT_MARK,
	HK_ACT_COPY,
	HK_ACT_COPY_IP,
	HK_ACT_REFRESH,
	HK_ACT_REPAINT,
	HK_ACT_FASTER,
	HK_ACT_SLOWER,
	HK_ACT_THEME,
	HK_ACT_COUNT
};

#define HK_KEYS_PER_ACTION 3

struct hk_binding {
	enum hk_action action;
	const char *name;     /* "start-stop": the [keys] name */
	const char *defaults; /* "s" or "q F10": space-separated key names */
	const char *label;    /* key-bar text, NULL = not on the bar */
	const char *help;
	bool changes; /* changes a container: refused with --read-only */
};

/* Back to the defaults. */
void hk_keys_reset(void);
/* Applies "action=KEY [KEY...]" lines ([keys] of hako.conf).  Every
 * good line applies; the first bad one is reported in err (naming the
 * line and what is wrong) and -1 returned. */
int hk_keys_remap(const struct hk_strv *lines, struct hk_error **err);
/* The action bound to key, HK_ACT_NONE if none. */
enum hk_action hk_keys_action(int key);
const struct hk_binding *hk_keys_binding(enum hk_action a);
/* "q, F10" for an action's current keys.  Caller frees. */
char *hk_keys_describe(enum hk_action a);
/* The key bar of the list screen (changing actions left out when
 * read_only). */
void hk_keys_fill_keybar(struct hkw_keybar *kb, bool read_only);
/* The help screen's text: every binding (its help wrapped to fit width
 * columns), then the keys widgets handle. */
char *hk_keys_help_text(bool read_only, int width);

#endif
