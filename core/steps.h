/* steps.h - the numbered steps of hako's multi-step operations, one table
 * for the code, the tests and the documentation.  Each step has a number,
 * which is what HAKO_TEST_FAIL_STEP=N names (tests/HACKING.md lists them,
 * and a unit test checks that list against this table), and a few words
 * that messages show ("step 105 (cgroup and limits) failed ...").
 *
 * A step of create, clone, snapshot, rename or start fails on purpose
 * there (hk_cleanup_at); a stop step is a crash point, where the monitor
 * dies by SIGKILL (hk_cleanup_crash_at).  Numbers are per operation:
 * create, clone and snapshot each count from 1.
 */
#ifndef HAKO_STEPS_H
#define HAKO_STEPS_H

/* X(OPERATION, NAME, NUMBER, WHAT), in each operation's order. */
#define HK_STEPS(X)                                                                                \
	X(CREATE, TEMPLATE, 1, "template")                                                         \
	X(CREATE, CONFIG, 2, "config")                                                             \
	X(CREATE, PATH, 3, "container path")                                                       \
	X(CREATE, DIR, 4, "container directory")                                                   \
	X(CREATE, ROOTFS, 5, "rootfs")                                                             \
	X(CREATE, BUILD, 6, "template build")                                                      \
	X(CREATE, CONFIG_FILE, 7, "config file")                                                   \
	X(CREATE, COMMIT, 8, "commit")                                                             \
	X(CLONE, DIR, 1, "container directory")                                                    \
	X(CLONE, ROOTFS, 2, "rootfs")                                                              \
	X(CLONE, CONFIG, 3, "config")                                                              \
	X(CLONE, COMMIT, 4, "commit")                                                              \
	X(SNAPSHOT, ROOTFS, 1, "rootfs")                                                           \
	X(SNAPSHOT, SWAP, 2, "swap")                                                               \
	X(RENAME, DIR, 121, "directory")                                                           \
	X(RENAME, CONFIGS, 122, "configs")                                                         \
	X(RENAME, COMMIT, 123, "commit")                                                           \
	X(START, TERMINALS, 101, "terminals")                                                      \
	X(START, CGROUP, 102, "cgroup")                                                            \
	X(START, SPAWN, 103, "spawn")                                                              \
	X(START, IDMAPS, 104, "id maps")                                                           \
	X(START, LIMITS, 105, "cgroup and limits")                                                 \
	X(START, NETWORK, 106, "network and limits")                                               \
	X(START, ROOTFS, 107, "rootfs")                                                            \
	X(START, CONSOLE, 108, "console")                                                          \
	X(START, SECURITY, 109, "security")                                                        \
	X(STOP, REQUESTED, 111, "stop requested")                                                  \
	X(STOP, INIT_EXITED, 112, "init exited")                                                   \
	X(STOP, NETWORK_REMOVED, 113, "network removed")                                           \
	X(STOP, CGROUP_REMOVED, 114, "cgroup removed")                                             \
	X(STOP, STATE_RECORDED, 115, "state recorded")                                             \
	X(STOP, LOCK_RELEASED, 116, "lock released")

/* HK_STEP_CREATE_TEMPLATE, ...: names, not numbers (hk_step_of gives
 * those). */
enum hk_step {
#define HK_STEP_ENUM(op, name, number, what) HK_STEP_##op##_##name,
	HK_STEPS(HK_STEP_ENUM)
#undef HK_STEP_ENUM
		HK_STEP__COUNT
};

struct hk_step_def {
	const char *op; /* "CREATE", "CLONE", "SNAPSHOT", "RENAME", "START", "STOP" */
	unsigned number;
	const char *what;
};

const struct hk_step_def *hk_step_of(enum hk_step step);

#endif
