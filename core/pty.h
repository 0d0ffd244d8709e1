/* pty.h - pseudo-terminal helpers for the console: opening a pty pair
 * without ever taking a controlling terminal or following a path the
 * container could swap, window sizes, raw mode for the user's terminal,
 * and the detach escape key ("Ctrl-a q" by default) as a state machine.
 */
#ifndef HAKO_PTY_H
#define HAKO_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/ioctl.h>

#include "error.h"

struct hk_pty {
	int master;	/* O_RDWR|O_NOCTTY|O_CLOEXEC */
	int peer;	/* the pts side, O_RDWR|O_NOCTTY|O_CLOEXEC */
	unsigned index; /* N of /dev/pts/N */
};

/* Opens a new pair: posix_openpt, grantpt, unlockpt, then the peer through
 * TIOCGPTPEER (no path lookup at all) or, on kernels before 4.13, by name
 * with a check that what was opened is that very pts.  On failure both
 * fds are -1. */
int hk_pty_open(struct hk_pty *p, struct hk_error **err);
void hk_pty_close(struct hk_pty *p);

/* The peer of master: TIOCGPTPEER, else hk_pty_peer_by_name. */
int hk_pty_peer(int master, struct hk_error **err);
/* The fallback: ptsname_r + open(O_NOCTTY|O_CLOEXEC|O_NOFOLLOW), then
 * fstat must show a char device with the pts major and the minor that
 * TIOCGPTN names, on a devpts filesystem. */
int hk_pty_peer_by_name(int master, struct hk_error **err);

int hk_pty_get_winsize(int fd, struct winsize *ws, struct hk_error **err);
int hk_pty_set_winsize(int fd, unsigned short rows, unsigned short cols, struct hk_error **err);

/* Puts the terminal fd in raw mode (cfmakeraw), saving its settings in a
 * static so that hk_pty_raw_restore() can run from a signal handler.  A
 * second call while raw is refused (EBUSY). */
int hk_pty_raw_enter(int fd, struct hk_error **err);
/* Restores the saved settings (tcsetattr is async-signal-safe); does
 * nothing when not raw.  Preserves errno. */
void hk_pty_raw_restore(void);
bool hk_pty_is_raw(void);

/* ---- detach escape ----
 * ESC q        -> detach (bytes after it are not forwarded)
 * ESC ESC      -> one literal ESC is forwarded
 * ESC other    -> ESC and other are both forwarded (nothing typed is lost)
 * where ESC is the escape char.  A sequence split across reads works. */
#define HK_ESCAPE_DEFAULT 1 /* Ctrl-a */

struct hk_escape {
	int ch;	       /* escape char, 1..255 */
	bool pending;  /* saw the escape char, waiting for the next byte */
	bool detached; /* saw the detach sequence */
};

void hk_escape_init(struct hk_escape *e, int ch);
/* Filters in[0..n) into out, which must hold n + 1 bytes and not overlap
 * in (an escape char held back from the previous call may come out now).
 * Returns the number of bytes to forward; sets e->detached once "ESC q"
 * was typed, after which everything is swallowed. */
size_t hk_escape_feed(struct hk_escape *e, const void *in, size_t n, void *out);

/* Parses an escape char the way lxc-console's -e does: "^a"/"^A" or "a"
 * for Ctrl-a (letters and @[\]^_), or a decimal number 1..255 ("1" is
 * Ctrl-a too).  Also accepts hako's key names "C-a". */
int hk_escape_parse(const char *s, int *ch, struct hk_error **err);

#endif
