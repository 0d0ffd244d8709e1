/* attach.h - running a command inside a running container.
 *
 * The attaching process is made non-dumpable, joins every namespace of
 * the container's init at once through a pidfd (setns), is put in the
 * container's cgroup by the parent, then forks (to enter the pid
 * namespace); that child takes the container's capability bounding set,
 * no_new_privs and seccomp filter, a fresh session keyring, a cleared
 * environment, and execs.  The user's own terminal and descriptors never
 * enter the container: an interactive command gets a pty allocated from
 * the container's devpts, proxied by hako; otherwise stdio goes through
 * pipes hako makes.  User names (-u NAME) are read from the container's
 * /etc/passwd as text, never through NSS. */
#ifndef HAKO_ATTACH_H
#define HAKO_ATTACH_H

#include <stdbool.h>

#include "error.h"
#include "store.h"
#include "util.h"

struct hk_attach_opts {
	char *const *argv; /* NULL: the user's login shell */
	const char *user;  /* NULL: root; a decimal uid or a name in /etc/passwd */
	const char *group; /* NULL: the user's group; a decimal gid or a name */
	bool keep_env;
	const struct hk_strv *env; /* extra VAR=VALUE */
	bool pty;		   /* interactive: a pty inside the container */
	int in_fd, out_fd, err_fd; /* 0, 1, 2 when all are 0 */
};

/* Runs the command; *exit_code gets its exit status (128+N for signal N). */
int hk_attach(const struct hk_store *st, const char *name, const struct hk_attach_opts *o,
	      int *exit_code, struct hk_error **err);

/* Parses a -u/-g value strictly: true with *id for a plain decimal number
 * (no sign, blanks, or base prefix) below 2^32-1; false otherwise. */
bool hk_attach_parse_id(const char *s, unsigned long *id);

#endif
