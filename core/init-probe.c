/* init-probe.c - what the monitor reads about a container's init in
 * /proc: whether it has settled into its main loop (a start is then
 * reported good) and which signal halts it (init-probe.h). */
#include "init-probe.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "safepath.h"
#include "util.h"

/* Where an init waits once it is up: an event loop, a wait for its
 * children, a signal wait.  (Not read(2): systemd reads files while it
 * sets itself up, and may still fail after.) */
static const long settled_calls[] = {
#ifdef __NR_epoll_wait
	__NR_epoll_wait,
#endif
#ifdef __NR_epoll_pwait
	__NR_epoll_pwait,
#endif
#ifdef __NR_epoll_pwait2
	__NR_epoll_pwait2,
#endif
#ifdef __NR_poll
	__NR_poll,
#endif
#ifdef __NR_ppoll
	__NR_ppoll,
#endif
#ifdef __NR_select
	__NR_select,
#endif
#ifdef __NR_pselect6
	__NR_pselect6,
#endif
#ifdef __NR_pause
	__NR_pause,
#endif
	__NR_rt_sigsuspend, __NR_rt_sigtimedwait,
#ifdef __NR_wait4
	__NR_wait4,
#endif
	__NR_waitid,
};

bool hk_init_syscall_settled(const char *text)
{
	char *end;
	long nr = text ? strtol(text, &end, 10) : -1;
	if (!text || end == text || (*end != ' ' && *end != '\n' && *end))
		return false; /* "running", or unreadable */
	for (size_t i = 0; i < HK_ARRAY_SIZE(settled_calls); i++)
		if (settled_calls[i] == nr)
			return true;
	return false;
}

bool hk_init_settled(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	hk_autofree char *text = NULL;
	return hk_read_file(path, &text, NULL, NULL) == 0 && hk_init_syscall_settled(text);
}

/* Whether the hex mask of a "SigBlk:\t..." style line of status text
 * holds signal sig. */
static bool mask_has(const char *status, const char *field, int sig)
{
	const char *p = status ? strstr(status, field) : NULL;
	if (!p)
		return false;
	unsigned long long mask = strtoull(p + strlen(field), NULL, 16);
	return sig >= 1 && sig <= 64 && (mask >> (sig - 1)) & 1;
}

int hk_init_halt_signal_for(const char *status, const char *exe)
{
	const char *base = exe ? strrchr(exe, '/') : NULL;
	base = base ? base + 1 : exe;
	/* systemd halts on SIGRTMIN+3 and ignores SIGPWR; it blocks every
	 * signal and reads them from a signalfd.  LXC's test is the blocked
	 * mask alone; the name covers an init that has not blocked it yet. */
	if ((base && strcmp(base, "systemd") == 0) || mask_has(status, "\nSigBlk:", SIGRTMIN + 3) ||
	    mask_has(status, "\nSigCgt:", SIGRTMIN + 3))
		return SIGRTMIN + 3;
	return SIGPWR;
}

bool hk_init_file_is_systemd(int fd)
{
	char link[32], path[4096];
	hk_fd_path(fd, link);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	const char *base = strrchr(path, '/');
	return strcmp(base ? base + 1 : path, "systemd") == 0;
}

int hk_init_halt_signal(pid_t pid)
{
	char path[64], exe[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	hk_autofree char *status = NULL;
	if (hk_read_file(path, &status, NULL, NULL) < 0)
		status = NULL;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	return hk_init_halt_signal_for(status, n > 0 ? exe : NULL);
}
