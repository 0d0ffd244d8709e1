/* init-probe.h - a running container's init, as /proc shows it to the
 * monitor: has it settled into its main loop (a start is reported good
 * once it has, or once it died, see hako(1) "start"), and which signal
 * halts it when lxc.signal.halt does not say. */
#ifndef HAKO_INIT_PROBE_H
#define HAKO_INIT_PROBE_H

#include <stdbool.h>
#include <sys/types.h>

/* /proc/PID/syscall text: blocked in a call where an init waits once it
 * is up (epoll/poll/select, wait4/waitid, pause, a signal wait). */
bool hk_init_syscall_settled(const char *text);
/* The same for a live process (false when /proc does not tell). */
bool hk_init_settled(pid_t pid);

/* SIGRTMIN+3 for a systemd init (its executable is named systemd, or it
 * blocks or catches SIGRTMIN+3, as systemd does: LXC's test), else
 * SIGPWR.  status is /proc/PID/status text, exe the executable's path
 * (either may be NULL). */
int hk_init_halt_signal_for(const char *status, const char *exe);
int hk_init_halt_signal(pid_t pid);

/* true when fd (an O_PATH descriptor of the init a config names, resolved
 * inside the rootfs) is systemd: its file is named "systemd". */
bool hk_init_file_is_systemd(int fd);

#endif
