/* remote-ssh.h - the transport to a remote (remote.h): the system's
 * ssh(1), one multiplexed connection per host.
 *
 * Every ssh hako runs shares the host's connection through a control
 * socket (ControlMaster=auto, ControlPersist) in a private directory, so
 * that a verb or a dashboard refresh costs a channel, not a login.  The
 * user's ssh configuration and host-key checking are left as they are:
 * hako only adds the multiplexing, BatchMode for work nobody watches,
 * ConnectTimeout, and -F FILE when hako.conf's [ssh] config names one.
 *
 * The remote side runs one string through the user's login shell: every
 * word in it is single-quoted here (hk_shell_quote), and the words come
 * from hako's own argument parsing and from a remote that
 * hk_remote_parse accepted.  Nothing is ever run through a shell on this
 * side: ssh is exec'd with an argument vector.
 *
 * Failures are told apart by ssh's exit status and its message (a login
 * that needs a password, a host key that changed or is unknown, a host
 * that cannot be reached, no hako on the remote PATH) and reported with
 * the remote's name and the command that fixes it.
 */
#ifndef HAKO_REMOTE_SSH_H
#define HAKO_REMOTE_SSH_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "remote.h"
#include "util.h"

#define HK_SSH_PERSIST_S 60 /* ControlPersist: the connection outlives its last use */

struct hk_ssh {
	const char *config;	  /* ssh -F FILE ([ssh] config), NULL: ssh's own */
	const char *control_dir;  /* the private socket directory (hk_ssh_control_dir) */
	unsigned connect_timeout; /* seconds, 0: ssh's own */
	bool batch;		  /* BatchMode=yes: never a prompt */
	bool tty;		  /* -t (a terminal on the remote side), else -T */
};

/* What ssh is asked to do. */
enum hk_ssh_mode {
	HK_SSH_RUN,    /* run the remote command */
	HK_SSH_CHECK,  /* -O check: is the host's connection up? */
	HK_SSH_MASTER, /* -f -N: open the host's connection and leave it */
	HK_SSH_EXIT,   /* -O exit: close the host's connection */
};

/* word in single quotes for a POSIX shell, a ' as '\''. */
char *hk_shell_quote(const char *word);
/* "hako 'w0' 'w1' ..." : the remote command line, every word quoted. */
char *hk_ssh_remote_command(char *const *words, size_t n);
/* The argument vector of ssh for r (argv[0] "ssh"); remote_cmd only for
 * HK_SSH_RUN.  Options go before "--", then the host, then the command. */
void hk_ssh_argv(const struct hk_ssh *s, const struct hk_remote *r, enum hk_ssh_mode mode,
		 const char *remote_cmd, struct hk_strv *argv);
/* The plain ssh command a person runs to log in to r once (to answer a
 * host-key question or type a password), shell-quoted: "ssh -p 2222
 * admin@web1". */
char *hk_ssh_login_command(const struct hk_ssh *s, const struct hk_remote *r);

/* The directory of the control sockets, made (0700) if missing and
 * checked to be a directory owned by the caller, reached without a
 * symlink and closed to others: HAKO_RUN_DIR/ssh (the tests), root's
 * /run/hako/ssh, $XDG_RUNTIME_DIR/hako/ssh for a user, else
 * /tmp/hako-ssh-UID (a short path: a socket's path has at most 107
 * bytes, and ssh's %C adds 41). */
int hk_ssh_control_dir(char **out, struct hk_error **err);

/* How an ssh run ended, told from its exit status and its standard
 * error. */
enum hk_ssh_fault {
	HK_SSH_OK,
	HK_SSH_AUTH,	     /* no key or password it could use (BatchMode) */
	HK_SSH_KEY_CHANGED,  /* the host's key differs from known_hosts */
	HK_SSH_KEY_UNKNOWN,  /* the host's key is not in known_hosts */
	HK_SSH_UNREACHABLE,  /* refused, no route, timed out, no such name */
	HK_SSH_NO_HAKO,	     /* the remote shell found no hako (127) */
	HK_SSH_SSH_FAILED,   /* any other ssh failure (255) */
	HK_SSH_REMOTE_FAILED /* the remote command failed (its own status) */
};
enum hk_ssh_fault hk_ssh_classify(int status, const char *err_text);
/* Sets *err to what failed on remote r, why and how to fix it; what is
 * the work that failed ("ls"). */
int hk_ssh_fail(const struct hk_ssh *s, const struct hk_remote *r, const char *what, int status,
		const char *err_text, struct hk_error **err);

/* A running ssh.  in_fd/out_fd: pipes when asked for (non-blocking,
 * close-on-exec), else -1; its standard error goes to a memfd, read by
 * hk_ssh_proc_wait (a pipe would stay open in the connection that ssh
 * leaves behind, ControlPersist). */
struct hk_ssh_proc {
	pid_t pid;
	int in_fd, out_fd, err_fd;
};
enum {
	HK_SSH_PIPE_IN = 1 << 0,
	HK_SSH_PIPE_OUT = 1 << 1,
	HK_SSH_INHERIT = 1 << 2, /* this process's stdio, stderr too */
};
int hk_ssh_spawn(char *const *argv, unsigned flags, struct hk_ssh_proc *p, struct hk_error **err);
/* Waits for it; *status: the exit status (128 + signal); *err_text: its
 * standard error (the last 16 KiB), when wanted.  Closes the fds. */
int hk_ssh_proc_wait(struct hk_ssh_proc *p, int *status, char **err_text);
/* The text in a memfd (the last 16 KiB). */
char *hk_ssh_read_err(int fd);

/* Makes sure r's connection is up: -O check, and when it is not, opens
 * it (-f -N) and reports why it could not be opened. */
int hk_ssh_connect(const struct hk_ssh *s, const struct hk_remote *r, struct hk_error **err);
/* Runs "hako WORDS..." on r in the foreground with this process's
 * stdio; returns the remote command's exit status (ssh failures are
 * reported in *err, with -1). */
int hk_ssh_run_foreground(const struct hk_ssh *s, const struct hk_remote *r, char *const *words,
			  size_t n, struct hk_error **err);
/* Runs "hako WORDS..." on r with no input and collects its standard
 * output (at most 1 MiB) and error; waits at most timeout_ms. */
int hk_ssh_capture(const struct hk_ssh *s, const struct hk_remote *r, char *const *words, size_t n,
		   unsigned timeout_ms, char **out, int *status, char **err_text,
		   struct hk_error **err);

#endif
