/* wait.c - until a container is in one of some states (wait.h). */
#include "wait.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <strings.h>

#include "container.h"
#include "list.h"
#include "sanitize.h"
#include "store-watch.h"
#include "util.h"

#define RECHECK_MS 250
#define SETTLE_MS  20 /* while the monitor finishes */

/* LXC's names for the moments hako folds into a state. */
static const struct {
	const char *name;
	enum hk_state state;
} aliases[] = { { "FREEZING", HK_STATE_FROZEN }, { "THAWED", HK_STATE_RUNNING } };

static int state_of_word(const char *w, size_t len)
{
	for (int i = 0; i < HK_STATE_COUNT; i++) {
		const char *n = hk_state_name((enum hk_state)i);
		if (strlen(n) == len && strncasecmp(w, n, len) == 0)
			return i;
	}
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strlen(aliases[i].name) == len && strncasecmp(w, aliases[i].name, len) == 0)
			return (int)aliases[i].state;
	return -1;
}

int hk_wait_parse_states(const char *spec, unsigned *mask, struct hk_error **err)
{
	*mask = 0;
	for (const char *p = spec;; p++) {
		size_t len = strcspn(p, "|");
		int s = state_of_word(p, len);
		if (s < 0) {
			hk_autofree char *all = hk_wait_states_text((1u << HK_STATE_COUNT) - 1);
			hk_autofree char *word = hk_sanitize_line_n(p, len);
			return hk_error_set(
				err, EINVAL,
				"\"%s\" is not a state: give one or more of %s|FREEZING|THAWED, "
				"joined with '|' (RUNNING|FROZEN)",
				word, all);
		}
		*mask |= 1u << s;
		p += len;
		if (!*p)
			return 0;
	}
}

char *hk_wait_states_text(unsigned mask)
{
	struct hk_buf b = { 0 };
	for (int i = 0; i < HK_STATE_COUNT; i++)
		if (mask & (1u << i))
			hk_buf_printf(&b, "%s%s", b.len ? "|" : "",
				      hk_state_name((enum hk_state)i));
	return hk_buf_steal(&b);
}

/* Has the watcher look at name's run directory (made by its first
 * start) and at the container path. */
static void watch_one(struct hk_store_watch *w, const char *name)
{
	struct hk_list_row row = { .name = (char *)name };
	struct hk_list one = { .rows = &row, .n = 1 };
	hk_store_watch_update(w, &one);
}

/* The state as ls shows it, but STOPPED only once nothing holds the
 * container any more: the monitor writes STOPPED before it lets go of the
 * lock, and a start in between would find it busy. */
static enum hk_state state_now(struct hk_store *st, const struct hk_ct *ct)
{
	enum hk_state s = hk_list_state_of(st, ct->name, NULL);
	if (s == HK_STATE_STOPPED && hk_ct_lock_probe(ct) != 0)
		return HK_STATE_STOPPING;
	return s;
}

int hk_wait_for(struct hk_store *st, const char *name, unsigned mask, int timeout_ms,
		enum hk_state *reached, struct hk_error **err)
{
	hk_autoct struct hk_ct *ct = NULL;
	if (hk_ct_open(st, name, HK_CT_EXISTING, &ct, err) < 0)
		return -1;
	name = ct->name;
	hk_autoerr struct hk_error *werr = NULL;
	hk_autowatch struct hk_store_watch *w =
		hk_store_watch_new(st, &werr); /* NULL: look every RECHECK_MS */
	long long deadline = timeout_ms < 0 ? -1 : hk_now_ms() + timeout_ms;
	for (;;) {
		watch_one(w, name); /* before looking: a change after it wakes the poll */
		*reached = state_now(st, ct);
		if (mask & (1u << *reached))
			return 1;
		/* a lock let go is no file event: look again soon */
		int every = *reached == HK_STATE_STOPPING ? SETTLE_MS : RECHECK_MS;
		long long left = deadline < 0 ? every : deadline - hk_now_ms();
		if (left <= 0)
			return 0;
		struct pollfd pfd = { .fd = hk_store_watch_fd(w), .events = POLLIN };
		poll(&pfd, 1, (int)(left < every ? left : every));
		hk_store_watch_drain(w);
	}
}
