/* state.h - a container's state file and its effective state.
 *
 * The monitor of a running container keeps RUNDIR/s-HASH/NAME/state
 * (hk_store_container_run_dir) up to date: text `key=value` lines
 *
 *   state=RUNNING        STOPPED STARTING RUNNING STOPPING FROZEN ABORTING
 *   init_pid=1234
 *   monitor_pid=1230
 *   started=1700000000   unix time
 *   boot_id=...          /proc/sys/kernel/random/boot_id when written
 *   exit_status=0        wait status of init, -1 = none yet
 *   stopped=1700000100   unix time, 0 = not yet
 *
 * The file alone never says a container runs: the lock does.  Effective
 * state (what ls and the dashboard show):
 *   lock free                         -> STOPPED, or ORPHANED when the file of
 *                                        this boot names an active container
 *                                        whose init (same pid and start
 *                                        time) still runs: its monitor died
 *   lock held, file of this boot      -> the file's state, or ORPHANED when
 *                                        it names a monitor that is gone
 *   lock held, no file of this boot   -> BUSY (being created, destroyed,
 *                                        cloned or started)
 */
#ifndef HAKO_STATE_H
#define HAKO_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "store.h"

enum hk_state {
	HK_STATE_STOPPED,
	HK_STATE_STARTING,
	HK_STATE_RUNNING,
	HK_STATE_STOPPING,
	HK_STATE_FROZEN,
	HK_STATE_ABORTING,
	HK_STATE_ORPHANED,     /* lock held, its monitor is gone */
	HK_STATE_BUSY,	       /* lock held, no state: being created/destroyed */
	HK_STATE_UNRESPONSIVE, /* shown by ls only: its monitor is stopped (SIGSTOP, a tracer) */
};
#define HK_STATE_COUNT (HK_STATE_UNRESPONSIVE + 1)

/* "STOPPED", "RUNNING", ...; "UNKNOWN" for a value out of range. */
const char *hk_state_name(enum hk_state s);
/* Exact upper-case name; -1 if unknown. */
int hk_state_from_name(const char *name);

#define HK_BOOT_ID_LEN 36

struct hk_state_file {
	enum hk_state state;
	pid_t init_pid;	      /* 0 = none */
	long long init_start; /* init start time (/proc/PID/stat field 22): tells a reused pid */
	pid_t monitor_pid;    /* 0 = none */
	long long started;    /* unix time, 0 = unknown */
	char boot_id[HK_BOOT_ID_LEN + 1];
	int exit_status; /* -1 = none */
	long long stopped;
};

/* Zeroes sf: STOPPED, no pids, exit_status -1, empty boot id. */
void hk_state_file_init(struct hk_state_file *sf);

/* This boot's id (cached after the first read). */
const char *hk_state_boot_id(struct hk_error **err);

/* Text form and parser of the file.  Unknown keys are ignored (a newer
 * monitor may add some); a bad value or a missing/unknown state= is an
 * error naming the line. */
char *hk_state_format(const struct hk_state_file *sf);
int hk_state_parse(const char *text, const char *path, struct hk_state_file *sf,
		   struct hk_error **err);

/* Reads/writes a state file at path; writing is atomic (rename), without
 * fsync: the file is void after a reboot anyway (boot_id). */
int hk_state_read(const char *path, struct hk_state_file *sf, struct hk_error **err);
int hk_state_write(const char *path, const struct hk_state_file *sf, struct hk_error **err);

/* The effective state (see above).  sf (may be NULL) gets the file's
 * contents when they were used, else an initialised struct.  Never
 * blocks, never fails: what cannot be read counts as absent. */
enum hk_state hk_state_effective(const struct hk_store *st, const char *name,
				 struct hk_state_file *sf);
/* The same for a container handle (container.h); its state file's path
 * (RUN_DIR/state, caller frees); its state written, its run directory
 * made if needed. */
struct hk_ct;
enum hk_state hk_state_effective_ct(const struct hk_ct *ct, struct hk_state_file *sf);
char *hk_state_path_ct(const struct hk_ct *ct);
int hk_state_write_ct(const struct hk_ct *ct, const struct hk_state_file *sf,
		      struct hk_error **err);

/* Has processes: everything but STOPPED and BUSY. */
bool hk_state_is_active(enum hk_state s);

#endif
