/* wait.h - waiting until a container is in one of some states, for
 * `hako wait` (lxc-wait) and scripts: "start, then wait for RUNNING".
 *
 * States are those ls shows (state.h), for hako's containers and for
 * those another program (LXC) runs.  LXC's two names for moments hako
 * does not report on their own are taken as the state they lead to:
 * FREEZING is reached at FROZEN, THAWED at RUNNING.  STOPPED is reached
 * once nothing holds the container (its monitor has let go of the lock):
 * a start right after works. */
#ifndef HAKO_WAIT_H
#define HAKO_WAIT_H

#include "error.h"
#include "state.h"
#include "store.h"

/* "RUNNING|STOPPED" (any case; lxc-wait's spelling) into a mask of
 * 1u << enum hk_state.  A name that is not a state is refused with the
 * list of those that are. */
int hk_wait_parse_states(const char *spec, unsigned *mask, struct hk_error **err);
/* "RUNNING|STOPPED" for a mask, in enum order.  Caller frees. */
char *hk_wait_states_text(unsigned mask);

/* Waits until NAME's state is in mask, at most timeout_ms (< 0: no
 * limit; 0: look once).  1 when reached (*reached set), 0 on timeout
 * (*reached the last state seen), -1 with *err when NAME is not a
 * container of st.  Changes are seen at once through the store watcher
 * (store-watch.h) and, for what no file event shows (another program's
 * container, a freeze), by looking again every 250 ms. */
int hk_wait_for(struct hk_store *st, const char *name, unsigned mask, int timeout_ms,
		enum hk_state *reached, struct hk_error **err);

#endif
