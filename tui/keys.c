/* keys.c - the binding table and what is generated from it (key bar,
 * help screen), with [keys] remaps.  The current keys of each action sit
 * in `bound`, filled from the defaults and replaced by remaps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "keyname.h"
#include "keys.h"

static const struct hk_binding table[] = {
	{ HK_ACT_HELP, "help", "? F1", "Help", "show this help", false },
	{ HK_ACT_START_STOP, "start-stop", "s", "Start/stop",
	  "start or stop it (stop: [tui] stop_timeout)", true },
	{ HK_ACT_CONSOLE, "console", "c", "Console",
	  "join the console (its escape key, then q, comes back: [console] escape)", true },
	{ HK_ACT_ATTACH, "attach", "a", "Shell", "run a shell in the container", true },
	{ HK_ACT_EXEC, "exec", "e", NULL, "run a command in the container", true },
	{ HK_ACT_CREATE, "create", "n", "New", "create a container", true },
	{ HK_ACT_CLONE, "clone", "C", NULL, "clone the container (copy or snapshot)", true },
	{ HK_ACT_RENAME, "rename", "R", NULL, "rename the stopped container", true },
	{ HK_ACT_CHECKPOINT, "checkpoint", "P", NULL,
	  "checkpoint the running container into a directory, or restore the stopped one (CRIU)",
	  true },
	{ HK_ACT_DEVICE, "device", "V", NULL,
	  "give it a host device node or interface, or take it back", true },
	{ HK_ACT_AUTOSTART, "autostart", "A", NULL,
	  "start it at boot or not (lxc.start.auto; hako-autostart(1))", true },
	{ HK_ACT_DESTROY, "destroy", "D Delete", "Destroy", "destroy the container (asks first)",
	  true },
	{ HK_ACT_REFRESH, "refresh", "F5", "Refresh", "refresh now", false },
	{ HK_ACT_SORT_NEXT, "sort-next", "> F6", "Sort", "sort by the next column", false },
	{ HK_ACT_FILTER, "filter", "/ F3 F4", "Filter",
	  "filter names by a regex (!RE inverts, Esc clears)", false },
	{ HK_ACT_QUIT, "quit", "q F10", "Quit", "quit", false },
	{ HK_ACT_DETAILS, "details", "Enter", NULL, "details of the container (tabs)", false },
	{ HK_ACT_BACK, "back", "Esc", NULL, "back to the list; clears the filter", false },
	{ HK_ACT_SORT_PREV, "sort-prev", "<", NULL, "sort by the previous column", false },
	{ HK_ACT_SORT_REVERSE, "sort-reverse", "I", NULL, "reverse the sort order", false },
	{ HK_ACT_RESTART, "restart", "r", NULL, "restart the container", true },
	{ HK_ACT_KILL, "kill", "K F9", NULL, "kill the container (asks first)", true },
	{ HK_ACT_FREEZE, "freeze", "p", NULL, "freeze or thaw the container", true },
	{ HK_ACT_EDIT, "edit", "E", NULL, "edit the config in $EDITOR, then check it", true },
	{ HK_ACT_MARK, "mark", "Space", NULL, "mark; actions then apply to every marked one",
	  false },
	{ HK_ACT_COPY, "copy", "y", NULL, "copy the name to the clipboard (OSC 52)", false },
	{ HK_ACT_COPY_IP, "copy-ip", "Y", NULL, "copy the first IP address to the clipboard",
	  false },
	{ HK_ACT_REPAINT, "repaint", "C-l", NULL, "repaint the screen", false },
	{ HK_ACT_FASTER, "faster", "+", NULL, "refresh more often", false },
	{ HK_ACT_SLOWER, "slower", "-", NULL, "refresh less often", false },
	{ HK_ACT_THEME, "theme", "T", NULL, "switch to the next theme", false },
};

static int bound[HK_ACT_COUNT][HK_KEYS_PER_ACTION];

/* Fills keys[] from "k1 k2"; false (keys untouched) on an unknown name. */
static bool parse_keys(const char *text, int keys[HK_KEYS_PER_ACTION], char **bad)
{
	int out[HK_KEYS_PER_ACTION] = { 0 };
	char *copy = xstrdup(text), *save = NULL;
	size_t n = 0;
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		int k = hkw_key_parse(w);
		if (k < 0 || n == HK_KEYS_PER_ACTION) {
			*bad = xstrdup(w);
			free(copy);
			return false;
		}
		out[n++] = k;
	}
	free(copy);
	if (n == 0) {
		*bad = xstrdup("");
		return false;
	}
	memcpy(keys, out, sizeof(out));
	return true;
}

void hk_keys_reset(void)
{
	memset(bound, 0, sizeof(bound));
	for (size_t i = 0; i < HK_ARRAY_SIZE(table); i++) {
		char *bad = NULL;
		if (!parse_keys(table[i].defaults, bound[table[i].action], &bad))
			abort(); /* a typo in the table above */
	}
}

const struct hk_binding *hk_keys_binding(enum hk_action a)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(table); i++)
		if (table[i].action == a)
			return &table[i];
	return NULL;
}

static const struct hk_binding *by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(table); i++)
		if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
			return &table[i];
	return NULL;
}

/* One "action=keys" line. */
static int remap_one(const char *line, struct hk_error **err)
{
	const char *eq = strchr(line, '=');
	if (!eq)
		return hk_error_set(err, EINVAL, "[keys] line \"%s\": write ACTION = KEY", line);
	const struct hk_binding *b = by_name(line, (size_t)(eq - line));
	if (!b)
		return hk_error_set(err, EINVAL,
				    "[keys] \"%.*s\": no such action (see the help screen, ?)",
				    (int)(eq - line), line);
	char *bad = NULL;
	if (!parse_keys(eq + 1, bound[b->action], &bad)) {
		int r = hk_error_set(err, EINVAL,
				     "[keys] %s: unknown key \"%s\" (names: q, C-a, F5, Enter, "
				     "Esc, Delete, PgUp...; at most %d keys)",
				     b->name, bad, HK_KEYS_PER_ACTION);
		free(bad);
		return r;
	}
	return 0;
}

int hk_keys_remap(const struct hk_strv *lines, struct hk_error **err)
{
	int r = 0;
	for (size_t i = 0; lines && i < lines->n; i++) {
		struct hk_error *e = NULL;
		if (remap_one(lines->v[i], &e) < 0) {
			if (r == 0 && err)
				*err = e;
			else
				hk_error_free(e);
			r = -1;
		}
	}
	return r;
}

enum hk_action hk_keys_action(int key)
{
	for (int a = 0; a < HK_ACT_COUNT; a++)
		for (int i = 0; i < HK_KEYS_PER_ACTION; i++)
			if (bound[a][i] && bound[a][i] == key)
				return (enum hk_action)a;
	return HK_ACT_NONE;
}

char *hk_keys_describe(enum hk_action a)
{
	struct hk_buf b = { 0 };
	char name[32];
	for (int i = 0; i < HK_KEYS_PER_ACTION && bound[a][i]; i++) {
		if (i)
			hk_buf_puts(&b, ", ");
		hk_buf_puts(&b, hkw_key_name(bound[a][i], name, sizeof(name)));
	}
	return hk_buf_steal(&b);
}

void hk_keys_fill_keybar(struct hkw_keybar *kb, bool read_only)
{
	struct hkw_keybar_item items[HK_ARRAY_SIZE(table)];
	char names[HK_ARRAY_SIZE(table)][32];
	size_t n = 0;
	for (size_t i = 0; i < HK_ARRAY_SIZE(table); i++) {
		const struct hk_binding *b = &table[i];
		if (!b->label || (read_only && b->changes) || !bound[b->action][0])
			continue;
		hkw_key_name(bound[b->action][0], names[n], sizeof(names[n]));
		items[n] = (struct hkw_keybar_item){ .key = names[n], .text = b->label };
		n++;
	}
	hkw_keybar_set(kb, items, n);
}

/* One binding's help line: keys and name in 32 columns, the help wrapped
 * to the rest of width, continuation lines under it. */
static void help_line(struct hk_buf *b, const char *keys, const char *name, const char *help,
		      int width)
{
	enum { LEFT = 32 };
	char *lines[8];
	int room = width - LEFT > 24 ? width - LEFT : 24;
	size_t n = hkw_wrap(help, room, lines, HK_ARRAY_SIZE(lines));
	for (size_t i = 0; i < n && i < HK_ARRAY_SIZE(lines); i++) {
		if (i == 0)
			hk_buf_printf(b, "  %-14s %-14s %s\n", keys, name, lines[i]);
		else
			hk_buf_printf(b, "%*s%s\n", LEFT, "", lines[i]);
		free(lines[i]);
	}
}

char *hk_keys_help_text(bool read_only, int width)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, "hako dashboard keys ([keys] in hako.conf remaps them; man hako)\n\n");
	for (size_t i = 0; i < HK_ARRAY_SIZE(table); i++) {
		hk_autofree char *keys = hk_keys_describe(table[i].action);
		hk_autofree char *help =
			xasprintf("%s%s", table[i].help,
				  read_only && table[i].changes ? " (off: read-only)" : "");
		help_line(&b, keys, table[i].name, help, width);
	}
	hk_buf_puts(&b, "\nIn lists and views:\n"
			"  Up/Down, j/k   move          PgUp/PgDn  page\n"
			"  Home/End, g/G  first/last    Tab/S-Tab  next/previous tab\n"
			"  + - *          unfold, fold, unfold all (Cgroups tree)\n"
			"  f              follow new output (Console log)\n"
			"  Esc            back; in a dialog: cancel; y/n answer a question\n");
	return hk_buf_steal(&b);
}
