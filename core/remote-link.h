/* remote-link.h - when a remote's watch stream is alive, silent or due
 * for another try: the clock side of the dashboard's many-host list.
 *
 * No I/O and no clock of its own: the caller passes the time (ms,
 * monotonic) with every call, so the rules are unit-tested exactly.
 *
 * The stream is asked for a heartbeat line every HK_RLINK_BEAT_S seconds
 * (`hako ls --json --watch --heartbeat 1`); any byte counts as a sign of
 * life.  A stream that sent nothing for HK_RLINK_SILENCE_MS is taken as
 * down (the host stopped answering: a cable, a frozen host, a firewall
 * that drops), as is one that ended (sshd killed, connection refused).
 * A down link is tried again after 1, 2, 4, 8, 16, then every 30 s; the
 * count starts again once a stream has delivered its snapshot. */
#ifndef HAKO_REMOTE_LINK_H
#define HAKO_REMOTE_LINK_H

#include <stdbool.h>

#define HK_RLINK_BEAT_S	     1
#define HK_RLINK_SILENCE_MS  2500 /* two beats missed, and a little: marked within 3 s */
#define HK_RLINK_BACKOFF_MAX 30000

enum hk_rlink_state {
	HK_RLINK_CONNECTING, /* a stream was started; no snapshot yet */
	HK_RLINK_UP,	     /* its snapshot came; it speaks */
	HK_RLINK_DOWN,	     /* it ended or fell silent; next_try says when again */
};

struct hk_rlink {
	enum hk_rlink_state state;
	unsigned failures;  /* tries that failed since the last snapshot */
	long long heard_ms; /* the last byte (or the start of the try) */
	long long next_try_ms;
};

/* The wait before try number `failures` + 1: 1 s, 2 s, 4 s ... 30 s. */
long long hk_rlink_backoff_ms(unsigned failures);

/* A stream was started at now. */
void hk_rlink_start(struct hk_rlink *l, long long now);
/* Bytes came at now. */
void hk_rlink_heard(struct hk_rlink *l, long long now);
/* Its snapshot came: the link is up and the backoff starts over. */
void hk_rlink_up(struct hk_rlink *l, long long now);
/* It ended or fell silent at now: down, next try after the backoff. */
void hk_rlink_down(struct hk_rlink *l, long long now);
/* Whether a live (or connecting) stream has been silent too long.  A
 * connecting one is given the ssh connect time too (connect_ms). */
bool hk_rlink_silent(const struct hk_rlink *l, long long now, long long connect_ms);
/* Whether a down link is due for its next try. */
bool hk_rlink_due(const struct hk_rlink *l, long long now);
/* The time at which one of the two above next becomes true. */
long long hk_rlink_deadline(const struct hk_rlink *l, long long connect_ms);

#endif
