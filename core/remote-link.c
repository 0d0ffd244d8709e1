/* remote-link.c - alive, silent or due again: the timing rules of a
 * remote's watch stream (remote-link.h). */
#include "remote-link.h"

long long hk_rlink_backoff_ms(unsigned failures)
{
	long long ms = 1000;
	for (unsigned i = 0; i < failures && ms < HK_RLINK_BACKOFF_MAX; i++)
		ms *= 2;
	return ms < HK_RLINK_BACKOFF_MAX ? ms : HK_RLINK_BACKOFF_MAX;
}

void hk_rlink_start(struct hk_rlink *l, long long now)
{
	l->state = HK_RLINK_CONNECTING;
	l->heard_ms = now;
}

void hk_rlink_heard(struct hk_rlink *l, long long now)
{
	l->heard_ms = now;
}

void hk_rlink_up(struct hk_rlink *l, long long now)
{
	l->state = HK_RLINK_UP;
	l->failures = 0;
	l->heard_ms = now;
}

void hk_rlink_down(struct hk_rlink *l, long long now)
{
	l->state = HK_RLINK_DOWN;
	l->next_try_ms = now + hk_rlink_backoff_ms(l->failures);
	l->failures++;
}

static long long silence_limit(const struct hk_rlink *l, long long connect_ms)
{
	return l->heard_ms + HK_RLINK_SILENCE_MS +
	       (l->state == HK_RLINK_CONNECTING ? connect_ms : 0);
}

bool hk_rlink_silent(const struct hk_rlink *l, long long now, long long connect_ms)
{
	return l->state != HK_RLINK_DOWN && now >= silence_limit(l, connect_ms);
}

bool hk_rlink_due(const struct hk_rlink *l, long long now)
{
	return l->state == HK_RLINK_DOWN && now >= l->next_try_ms;
}

long long hk_rlink_deadline(const struct hk_rlink *l, long long connect_ms)
{
	return l->state == HK_RLINK_DOWN ? l->next_try_ms : silence_limit(l, connect_ms);
}
