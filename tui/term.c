/* term.c - owns the terminal (initscr/endwin), maps colour roles to
 * curses attributes, reads keys, and restores the terminal when a fatal
 * signal arrives so that a crash never leaves the user's shell in raw
 * mode.  Nothing else in hako calls initscr, endwin or getch. */
#include <langinfo.h>
#include <locale.h>
#include <ncurses.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "term.h"
#include "util.h"

#include <term.h> /* setupterm, tigetstr: curses' terminfo layer */

static bool active;
static bool ascii;
static bool mono;
static int attrs[HKW_ROLE_COUNT];

static const int fatal_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGSEGV,
				     SIGBUS,  SIGFPE, SIGILL, SIGABRT };

/* Restores the terminal, then dies of the same signal. */
static void on_fatal(int sig)
{
	if (active)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

bool hk_term_want_ascii(void)
{
	const char *force = getenv("HAKO_ASCII");
	if (force && *force)
		return strcmp(force, "0") != 0;
	const char *term = getenv("TERM");
	static const char *const plain[] = { "vt100", "vt102", "vt220", "linux", "dumb" };
	for (size_t i = 0; term && i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(term, plain[i]) == 0)
			return true;
	const char *cs = nl_langinfo(CODESET);
	return !cs || (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "utf8") != 0);
}

bool hk_term_ascii(void)
{
	return ascii;
}

bool hk_term_mono(void)
{
	return mono;
}

static char error_text[256];

const char *hk_term_error(void)
{
	return error_text[0] ? error_text
			     : "the dashboard needs a terminal; use 'hako ls -f' in scripts";
}

/* Whether terminfo knows $TERM and it can address the cursor: initscr()
 * would exit with a bare "Error opening terminal" for the first, and draw
 * only a title and a key bar on the second (TERM=dumb). */
static bool terminal_usable(void)
{
	const char *term = getenv("TERM");
	int e = 0;
	if (setupterm(NULL, STDOUT_FILENO, &e) != OK) {
		snprintf(error_text, sizeof(error_text),
			 "terminal type \"%.64s\" is not in the terminfo database; set TERM to "
			 "your terminal's (xterm-256color, screen, vt100 ...) or install its entry "
			 "(ncurses-term); 'hako ls -f' works on any terminal",
			 term && *term ? term : "(unset)");
		return false;
	}
	const char *cup = tigetstr("cup");
	bool ok = cup && cup != (char *)-1;
	del_curterm(cur_term);
	if (!ok)
		snprintf(
			error_text, sizeof(error_text),
			"terminal type \"%.64s\" cannot move the cursor, which the dashboard needs; "
			"set TERM to your terminal's (vt100 works nearly everywhere), or use "
			"'hako ls -f'",
			term ? term : "");
	return ok;
}

bool hk_term_init(const struct hk_term_opts *o)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return false;
	if (!terminal_usable())
		return false;
	setlocale(LC_ALL, "");
	ascii = hk_term_want_ascii();
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	if (!initscr())
		return false;
	active = true;
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		signal(fatal_signals[i], on_fatal);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	const char *nc = getenv("NO_COLOR");
	mono = (nc && *nc) || !has_colors();
	if (!mono) {
		start_color();
		use_default_colors();
	}
	if (o && o->mouse)
		mousemask(BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	return true;
}

void hk_term_end(void)
{
	if (!active)
		return;
	endwin();
	active = false;
	for (size_t i = 0; i < sizeof(fatal_signals) / sizeof(fatal_signals[0]); i++)
		signal(fatal_signals[i], SIG_DFL);
}

/* A colour the terminal has: bright colours fold onto the 8 basic ones
 * on an 8-colour terminal. */
static short usable(short c)
{
	return c < 0 || c < COLORS ? c : (short)(c % 8);
}

void hk_term_set_styles(const struct hkw_style *styles)
{
	for (int r = 0; r < HKW_ROLE_COUNT; r++) {
		int a = styles[r].attrs;
		if (!mono && COLOR_PAIRS > HKW_ROLE_COUNT) {
			init_pair((short)(r + 1), usable(styles[r].fg), usable(styles[r].bg));
			a |= COLOR_PAIR(r + 1);
		}
		attrs[r] = a;
	}
	if (active)
		bkgdset((chtype)' ' | (chtype)attrs[HKW_NORMAL]);
}

const int *hk_term_attrs(void)
{
	return attrs;
}

static int normalise(int k)
{
	switch (k) {
	case '\r':
	case KEY_ENTER:
		return '\n';
	case 127:
	case 8:
		return KEY_BACKSPACE;
	}
	return k;
}

int hk_term_key(int timeout_ms, const int *fds, size_t n)
{
	/* Keys ncurses has buffered already come first. */
	timeout(0);
	int k = getch();
	if (k != ERR)
		return normalise(k);
	struct pollfd small[9], *p = n < 9 ? small : xcalloc(n + 1, sizeof(*p));
	p[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
	for (size_t i = 0; i < n; i++)
		p[i + 1] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	int r = poll(p, n + 1, timeout_ms);
	bool key = r > 0 && p[0].revents;
	if (p != small)
		free(p);
	if (r < 0) /* EINTR: SIGWINCH, which getch turns into KEY_RESIZE */
		return normalise(getch());
	if (r == 0)
		return ERR;
	if (key) {
		timeout(50); /* the rest of an escape sequence */
		return normalise(getch());
	}
	return HK_TERM_WAKE;
}

void hk_term_suspend(void)
{
	def_prog_mode();
	endwin();
}

void hk_term_resume(void)
{
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
}

void hk_term_present(int cur_y, int cur_x)
{
	if (cur_y >= 0) {
		move(cur_y, cur_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	refresh();
}
