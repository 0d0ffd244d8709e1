/* runner.h - one container, one runner.
 *
 * A container of a path is run by this hako (its monitor holds the
 * container's lock, state.h) or by a program that holds LXC's command
 * socket name for it (lxc-cmd.h): LXC itself, or a hako of another user
 * or run directory, whose monitor holds that name too.  hako shows such a
 * container RUNNING, marked with its runner, and never acts on it: start,
 * destroy, clone, snapshot restore, config edits, attach, console, freeze
 * and cgroup refuse, naming the lxc-* command that does it instead.  The
 * one exception is stop of a container LXC runs, done the way lxc-stop
 * does it (hk_runner_stop), since LXC's own monitor then cleans up.
 *
 * The other way round, an operation that must not race with lxc-start
 * claims LXC's name first (hk_runner_claim): while it holds the name,
 * lxc-start of the container fails at its own bind; a start hands the
 * claim to its monitor, which listens and answers LXC's tools.
 *
 * An abstract name has no permissions, so who holds it is judged by the
 * kernel's credentials of the listener: root, the caller, and the owner
 * of the container's directory are believed (any of them can run it);
 * anyone else holding the name is ignored, and warned about where it
 * matters.  Stopping through a runner's answers (the pid it names) needs
 * root or the caller.
 */
#ifndef HAKO_RUNNER_H
#define HAKO_RUNNER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"
#include "store.h"

struct hk_ct;

enum hk_runner_kind {
	HK_RUNNER_NONE,	 /* stopped, or nobody believed holds the name */
	HK_RUNNER_HAKO,	 /* this hako (its lock): set by list.c, never by a probe */
	HK_RUNNER_LXC,	 /* LXC's monitor ("[lxc monitor] PATH NAME") */
	HK_RUNNER_OTHER, /* another program, e.g. a hako of another user */
};

struct hk_runner {
	enum hk_runner_kind kind;
	uid_t uid;	     /* the listener's (SO_PEERCRED) */
	bool may_act;	     /* root's or the caller's: hk_runner_stop may use its answers */
	pid_t monitor_pid;   /* init's parent; 0 = unknown */
	pid_t init_pid;	     /* from LXC_CMD_GET_INIT_PID; 0 = it did not say */
	enum hk_state state; /* from LXC_CMD_GET_STATE; RUNNING when it did not say */
	char comm[17];	     /* the monitor's command name, "" = unknown */
};

/* "-", "hako", "lxc", "other": the RUNNER column of ls. */
const char *hk_runner_kind_name(enum hk_runner_kind k);

/* How long a probe waits for a runner's answer (per request): one that
 * does not answer in time is still running, with what it did not say
 * unknown. */
#define HK_RUNNER_TIMEOUT_MS 1000

/* Who, other than this hako, runs NAME of st: asks the holder of LXC's
 * name for it (state, init pid).  kind NONE when nobody believed listens
 * there.  Never fails. */
void hk_runner_probe(const struct hk_store *st, const char *name, struct hk_runner *out);

/* The operations that refuse on a container another runner runs. */
enum hk_runner_op {
	HK_OP_START,
	HK_OP_DESTROY,
	HK_OP_CLONE,
	HK_OP_RESTORE,
	HK_OP_CONFIG,
	HK_OP_ATTACH,
	HK_OP_CONSOLE,
	HK_OP_FREEZE,
	HK_OP_UNFREEZE,
	HK_OP_CGROUP,
	HK_OP_STOP,
	HK_OP_REBOOT,
	HK_OP_RENAME,
	HK_OP_DEVICE,
	HK_OP_CHECKPOINT,
	HK_OP_CRIU_RESTORE,
	HK_OP_COUNT
};

/* The refusal of op on a container that r runs: always -1 with EBUSY,
 * naming the runner, its monitor and the lxc-* command to use instead. */
int hk_runner_refusal(const struct hk_store *st, const char *name, const struct hk_runner *r,
		      enum hk_runner_op op, struct hk_error **err);

/* For an operation on a container: 0 when this hako runs it (its lock is
 * held) or nobody else does, else the refusal. */
int hk_runner_refuse(const struct hk_ct *ct, enum hk_runner_op op, struct hk_error **err);

/* Claims LXC's name for the container (bound, not listening) for an
 * operation that must not race with lxc-start; take the container's lock
 * first.  Returns the descriptor to close when done; -1 with the refusal
 * when another runner runs it; HK_RUNNER_UNCLAIMED when the name is held
 * by someone who is not believed (warned: lxc-start of it fails meanwhile
 * anyway) or cannot be bound here. */
#define HK_RUNNER_UNCLAIMED (-2)
int hk_runner_claim(const struct hk_store *st, const char *name, enum hk_runner_op op,
		    struct hk_error **err);

/* Stops a container that LXC runs, as lxc-stop does: its init gets the
 * halt signal (lxc.signal.halt, else SIGRTMIN+3 for systemd, else
 * SIGPWR) through the pidfd LXC hands out, and LXC_CMD_STOP kills it when
 * it has not halted within timeout_s (at once with kill); then waits
 * until LXC's monitor has cleaned up and let go of the name.  *killed
 * says whether it had to be killed after a halt.  Refused (as
 * hk_runner_refusal) for a runner that is not LXC or not may_act. */
int hk_runner_stop(struct hk_store *st, const char *name, const struct hk_runner *r,
		   unsigned timeout_s, bool kill, bool *killed, struct hk_error **err);

#endif
