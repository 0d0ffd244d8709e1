/* app-theme.c - colour themes: INI files (read with inih) mapping each
 * role to "FOREGROUND, BACKGROUND[, ATTRIBUTES]":
 *
 *   [theme]
 *   description = ...
 *   [colors]
 *   selection = black, cyan, bold
 *
 * A theme starts from the built-in default, so it only lists what it
 * changes.  Files are looked up as NAME.theme in $HAKO_THEME_DIR, the
 * config directory's themes/, the build tree (next to the binary), then
 * PREFIX/share/hako/themes and /usr/share/hako/themes.  A bad file is an
 * error naming file:line, and the default is used instead. */
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app-internal.h"
#include "term.h"

/* The built-in default (and the NO_COLOR / monochrome look). */
static const struct hkw_style builtin[HKW_ROLE_COUNT] = {
	[HKW_NORMAL] = { -1, -1, 0 },
	[HKW_HEADER] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[HKW_COLHEAD] = { COLOR_BLACK, COLOR_GREEN, 0 },
	[HKW_SELECTION] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
	[HKW_RUNNING] = { COLOR_GREEN, -1, A_BOLD },
	[HKW_STOPPED] = { -1, -1, 0 },
	[HKW_FROZEN] = { COLOR_CYAN, -1, 0 },
	[HKW_BUSY] = { COLOR_YELLOW, -1, 0 },
	[HKW_ERROR] = { COLOR_RED, -1, A_BOLD },
	[HKW_KEY] = { -1, -1, A_BOLD },
	[HKW_KEYTEXT] = { COLOR_BLACK, COLOR_CYAN, 0 },
	[HKW_STATUS] = { -1, -1, 0 },
	[HKW_BORDER] = { COLOR_WHITE, COLOR_BLUE, 0 },
	[HKW_DIALOG] = { COLOR_WHITE, COLOR_BLUE, 0 },
	[HKW_INPUT] = { COLOR_BLACK, COLOR_WHITE, 0 },
	[HKW_TAB] = { -1, -1, 0 },
	[HKW_TAB_ACTIVE] = { COLOR_BLACK, COLOR_CYAN, A_BOLD },
	[HKW_BAR] = { COLOR_GREEN, -1, 0 },
	[HKW_MARK] = { COLOR_YELLOW, -1, A_BOLD },
	[HKW_DIM] = { -1, -1, A_DIM },
};

/* Without colour every role still has to be told apart. */
static const int mono_attrs[HKW_ROLE_COUNT] = {
	[HKW_HEADER] = A_REVERSE,
	[HKW_COLHEAD] = A_REVERSE | A_BOLD,
	[HKW_SELECTION] = A_REVERSE,
	[HKW_RUNNING] = A_BOLD,
	[HKW_ERROR] = A_BOLD | A_UNDERLINE,
	[HKW_KEY] = A_BOLD,
	[HKW_KEYTEXT] = A_REVERSE,
	[HKW_INPUT] = A_UNDERLINE,
	[HKW_TAB_ACTIVE] = A_REVERSE,
	[HKW_MARK] = A_BOLD | A_UNDERLINE,
	[HKW_DIM] = A_DIM,
	[HKW_BUSY] = A_UNDERLINE,
};

struct parse_state {
	struct hkw_style *styles;
	const char *path;
	struct hk_error **err;
};

static int on_line(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *ps = user;
	if (strcmp(section, "theme") == 0)
		return 1; /* name, description: free text */
	if (strcmp(section, "colors") != 0 && strcmp(section, "colours") != 0) {
		hk_error_set(ps->err, EINVAL, "unknown section [%s] (use [theme] and [colors])",
			     section);
		return 0;
	}
	int role = hkw_role_from_name(key);
	if (role < 0) {
		hk_error_set(ps->err, EINVAL, "unknown role \"%s\" (see hako-themes(5))", key);
		return 0;
	}
	char why[160];
	if (!hkw_style_parse(value, &ps->styles[role], why, sizeof(why))) {
		hk_error_set(ps->err, EINVAL, "%s: %s", key, why);
		return 0;
	}
	return 1;
}

/* Directories holding *.theme files, in search order. */
static void theme_dirs(struct hk_app *app, struct hk_strv *dirs)
{
	const char *env = getenv("HAKO_THEME_DIR");
	if (env && *env)
		hk_strv_push(dirs, env);
	hk_strv_push_owned(dirs, xasprintf("%s/themes", hk_store_conf_dir(app->st)));
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			hk_strv_push_owned(dirs, xasprintf("%s/../themes", exe));
		}
	}
	hk_strv_push(dirs, HAKO_PREFIX "/share/hako/themes");
	hk_strv_push(dirs, "/usr/share/hako/themes");
}

static char *find_theme(struct hk_app *app, const char *name)
{
	if (strchr(name, '/'))
		return xstrdup(name);
	hk_autostrv struct hk_strv dirs = { 0 };
	theme_dirs(app, &dirs);
	char *found = NULL;
	for (size_t i = 0; i < dirs.n && !found; i++) {
		char *p = xasprintf("%s/%s.theme", dirs.v[i], name);
		if (access(p, R_OK) == 0)
			found = p;
		else
			free(p);
	}
	return found;
}

int hk_app_theme_load(struct hk_app *app, const char *name, struct hkw_style *styles,
		      struct hk_error **err)
{
	memcpy(styles, builtin, sizeof(builtin));
	hk_autofree char *path = find_theme(app, name);
	if (!path)
		return strcmp(name, "default") == 0
			       ? 0 /* the built-in one is the default */
			       : hk_error_set(err, ENOENT,
					      "theme \"%s\": no %s.theme in $HAKO_THEME_DIR, "
					      "%s/themes or %s/share/hako/themes",
					      name, name, hk_store_conf_dir(app->st), HAKO_PREFIX);
	struct hkw_style tmp[HKW_ROLE_COUNT];
	memcpy(tmp, builtin, sizeof(builtin));
	struct hk_error *e = NULL;
	struct parse_state ps = { .styles = tmp, .path = path, .err = &e };
	int line = ini_parse(path, on_line, &ps);
	if (line < 0) {
		hk_error_free(e);
		return hk_error_set(err, ENOENT, "theme \"%s\": cannot read \"%s\"", name, path);
	}
	if (line > 0) {
		if (!e)
			hk_error_set(&e, EINVAL, "not a KEY = VALUE line");
		hk_error_propagate(err, &e);
		return hk_error_prefix(err, "theme \"%s\": %s:%d", name, path, line);
	}
	memcpy(styles, tmp, sizeof(tmp));
	return 0;
}

void hk_app_theme_apply(struct hk_app *app, const char *name)
{
	hk_autoerr struct hk_error *err = NULL;
	struct hkw_style styles[HKW_ROLE_COUNT];
	if (hk_app_theme_load(app, name, styles, &err) < 0) {
		hk_app_error(app, "Bad theme: using the default", err);
		name = "default";
		hk_error_free(err);
		err = NULL;
		if (hk_app_theme_load(app, name, styles, &err) < 0)
			memcpy(styles, builtin, sizeof(builtin));
	} else {
		hkw_status_set(app->status, HKW_STATUS, "Theme \"%s\".", name);
	}
	if (hk_term_mono())
		for (int r = 0; r < HKW_ROLE_COUNT; r++)
			styles[r].attrs = mono_attrs[r];
	memcpy(app->styles, styles, sizeof(styles));
	char *copy = xstrdup(name);
	free(app->theme);
	app->theme = copy;
	hk_term_set_styles(app->styles);
	clearok(curscr, TRUE);
}

char *hk_app_theme_next(struct hk_app *app, const char *current)
{
	struct hk_strv dirs = { 0 }, names = { 0 };
	theme_dirs(app, &dirs);
	for (size_t i = 0; i < dirs.n; i++) {
		DIR *d = opendir(dirs.v[i]);
		for (struct dirent *de; d && (de = readdir(d));) {
			size_t len = strlen(de->d_name);
			if (len <= 6 || strcmp(de->d_name + len - 6, ".theme") != 0)
				continue;
			char *n = xstrndup(de->d_name, len - 6);
			if (!hk_strv_contains(&names, n))
				hk_strv_push(&names, n);
			free(n);
		}
		if (d)
			closedir(d);
	}
	hk_strv_clear(&dirs);
	if (!names.n) {
		hk_strv_clear(&names);
		return xstrdup("default");
	}
	hk_strv_sort(&names);
	size_t next = 0;
	for (size_t i = 0; current && i < names.n; i++)
		if (strcmp(names.v[i], current) == 0)
			next = (i + 1) % names.n;
	char *r = xstrdup(names.v[next]);
	hk_strv_clear(&names);
	return r;
}
