/* pty.c - pty pairs, window sizes, raw mode and the detach escape key.
 *
 * The raw-mode state is the one static in this module: the terminal
 * settings to restore and the fd they belong to, so that a fatal-signal
 * handler can put the user's terminal back without taking locks.
 */
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>
#include <linux/magic.h>

#include "util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define PTS_MAJOR_FIRST 136 /* UNIX98_PTY_SLAVE_MAJOR */

/* ---- pty pairs ---- */

int hk_pty_peer_by_name(int master, struct hk_error **err)
{
	char name[PATH_MAX];
	unsigned index;
	if (ioctl(master, TIOCGPTN, &index) < 0)
		return hk_error_errno(err, "cannot get the number of a new pty");
	int r = ptsname_r(master, name, sizeof(name));
	if (r != 0)
		return hk_error_set(err, r, "cannot get the name of pty %u", index);
	hk_autoclose int fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return hk_error_errno(err, "cannot open pty peer \"%s\"", name);
	struct stat st;
	struct statfs sfs;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
		return hk_error_errno(err, "cannot inspect pty peer \"%s\"", name);
	dev_t want = makedev(PTS_MAJOR_FIRST + index / 256, index % 256);
	if (!S_ISCHR(st.st_mode) || st.st_rdev != want || sfs.f_type != DEVPTS_SUPER_MAGIC)
		return hk_error_set(err, EPERM,
				    "\"%s\" is not pty %u on a devpts file system; "
				    "is something mounted over /dev/pts?",
				    name, index);
	return hk_steal_fd(&fd);
}

int hk_pty_peer(int master, struct hk_error **err)
{
	int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != EINVAL && errno != ENOTTY)
		return hk_error_errno(err, "cannot open the peer of a new pty");
	return hk_pty_peer_by_name(master, err);
}

int hk_pty_open(struct hk_pty *p, struct hk_error **err)
{
	p->master = p->peer = -1;
	hk_autoclose int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return hk_error_errno(err,
				      "cannot open a new pty (is devpts mounted on /dev/pts?)");
	if (grantpt(m) < 0 || unlockpt(m) < 0)
		return hk_error_errno(err, "cannot unlock a new pty");
	if (ioctl(m, TIOCGPTN, &p->index) < 0)
		return hk_error_errno(err, "cannot get the number of a new pty");
	int peer = hk_pty_peer(m, err);
	if (peer < 0)
		return -1;
	p->peer = peer;
	p->master = hk_steal_fd(&m);
	return 0;
}

void hk_pty_close(struct hk_pty *p)
{
	hk_closep(&p->master);
	hk_closep(&p->peer);
}

/* ---- window size ---- */

int hk_pty_get_winsize(int fd, struct winsize *ws, struct hk_error **err)
{
	if (ioctl(fd, TIOCGWINSZ, ws) < 0)
		return hk_error_errno(err, "cannot read the window size of terminal fd %d", fd);
	return 0;
}

int hk_pty_set_winsize(int fd, unsigned short rows, unsigned short cols, struct hk_error **err)
{
	struct winsize ws = { .ws_row = rows, .ws_col = cols };
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return hk_error_errno(err, "cannot set the window size of terminal fd %d", fd);
	return 0;
}

/* ---- raw mode ---- */

static struct termios raw_saved;
static volatile sig_atomic_t raw_fd = -1;

int hk_pty_raw_enter(int fd, struct hk_error **err)
{
	if (raw_fd >= 0)
		return hk_error_set(err, EBUSY, "terminal fd %d is already in raw mode",
				    (int)raw_fd);
	struct termios t;
	if (tcgetattr(fd, &t) < 0)
		return hk_error_errno(err, "cannot read the settings of terminal fd %d", fd);
	raw_saved = t;
	cfmakeraw(&t);
	/* TCSADRAIN, not TCSAFLUSH: what the user typed before the console
	 * or shell was connected (over ssh, typing ahead) is kept for it. */
	if (tcsetattr(fd, TCSADRAIN, &t) < 0)
		return hk_error_errno(err, "cannot put terminal fd %d in raw mode", fd);
	raw_fd = fd;
	return 0;
}

void hk_pty_raw_restore(void)
{
	int saved = errno;
	int fd = raw_fd;
	if (fd >= 0) {
		raw_fd = -1;
		tcsetattr(fd, TCSADRAIN, &raw_saved);
	}
	errno = saved;
}

bool hk_pty_is_raw(void)
{
	return raw_fd >= 0;
}

/* ---- escape key ---- */

void hk_escape_init(struct hk_escape *e, int ch)
{
	e->ch = ch > 0 && ch <= 255 ? ch : HK_ESCAPE_DEFAULT;
	e->pending = false;
	e->detached = false;
}

size_t hk_escape_feed(struct hk_escape *e, const void *in, size_t n, void *out)
{
	const unsigned char *src = in;
	unsigned char *dst = out;
	size_t k = 0;
	for (size_t i = 0; i < n && !e->detached; i++) {
		int c = src[i];
		if (!e->pending) {
			if (c == e->ch)
				e->pending = true;
			else
				dst[k++] = (unsigned char)c;
			continue;
		}
		e->pending = false;
		if (c == 'q') {
			e->detached = true;
		} else if (c == e->ch) {
			dst[k++] = (unsigned char)c; /* ESC ESC: one literal */
		} else {
			dst[k++] = (unsigned char)e->ch;
			dst[k++] = (unsigned char)c;
		}
	}
	return k;
}

/* Ctrl-x for a key name letter or one of @[\]^_; -1 otherwise. */
static int ctrl_of(char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 1;
	if (c >= '@' && c <= '_')
		return c - '@';
	return -1;
}

int hk_escape_parse(const char *s, int *ch, struct hk_error **err)
{
	int v = -1;
	unsigned long n;
	if ((s[0] == '^' && s[1] && !s[2]) || (s[0] == 'C' && s[1] == '-' && s[2] && !s[3]))
		v = ctrl_of(s[strlen(s) - 1]);
	else if (s[0] && !s[1] && s[0] != '^' && !(s[0] >= '0' && s[0] <= '9'))
		v = ctrl_of(s[0]);
	else if (hk_parse_ulong(s, &n) && n >= 1 && n <= 255)
		v = (int)n;
	if (v <= 0)
		return hk_error_set(err, EINVAL,
				    "escape key \"%s\" is not valid; use ^a, a letter, or a number "
				    "1-255",
				    s);
	*ch = v;
	return 0;
}
