/* nic.h - hako-nic, the setuid-root helper that gives an ordinary user's
 * container its veth: its files, requests and replies, and its privileged
 * work.  The monitor's side of talking to it is core/nic-client.h.
 *
 * core/nic/ holds hako-nic's own code (built into build/libhakonic.a,
 * and into libhako.a for the rest of hako, which reads the same files);
 * below it only the base: util, error, log, sanitize, name, flock,
 * mountinfo, net-text, net-link, net-lease.  `make nic-link-check` fails
 * when the helper's link map holds anything of the config, the store, the
 * storage backends, the engine or a front end.
 *
 * Policy: /etc/hako/usernet (lxc-usernet format), lines
 *     USER TYPE BRIDGE COUNT      or      @GROUP TYPE BRIDGE COUNT
 * "#" starts a comment.  A user may hold, on BRIDGE, as many nics of TYPE
 * as the sum of the COUNTs of every line naming the user or one of the
 * user's groups.  Only TYPE veth is made; other types never grant anything.
 *
 * Records: /run/hako-nic/nics (root-owned, changed only under an flock on
 * /run/hako-nic/lock, rewritten atomically), one nic a line:
 *     UID TYPE BRIDGE HOST IFINDEX PID START LEASE NAME
 * HOST is the host end, IFINDEX its index (0 while it is being made), PID
 * and START (field 22 of /proc/PID/stat) the process whose network
 * namespace got the peer, LEASE the leased IPv4 ("-": none), NAME the
 * container.  A record whose process or host end is gone is stale: its
 * veth and lease are removed before anything is counted.
 *
 * Requests (hako-nic's arguments):
 *     create NAME PID veth BRIDGE IFNAME [lease] [mtu=N]
 *     delete NAME PID
 *     list
 * create answers one line "HOST IFNAME LEASE" (LEASE is IP/PREFIX or "-").
 *
 * The text functions are pure (unit tests and fuzzers drive them); the
 * privileged ones (nic-ops.c, nic-trust.c) run only inside hako-nic, but
 * for hk_nic_usernet_read and hk_nic_user_groups, which hako doctor and
 * setup-user share so that they judge the files as hako-nic does.
 */
#ifndef HAKO_NIC_H
#define HAKO_NIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "net-text.h"
#include "util.h"

#define HK_NIC_USERNET "/etc/hako/usernet"
/* LXC's: same lines, never read (another tool's grants are not hako's),
 * only named when hako's is missing. */
#define HK_NIC_LXC_USERNET "/etc/lxc/lxc-usernet"
#define HK_NIC_DB_DIR	   "/run/hako-nic"
#define HK_NIC_MAX_COUNT   4096 /* per line and in total */
#define HK_NIC_NAME_SIZE   64	/* a container name (HK_NAME_MAX) and the NUL */
#define HK_NIC_MAX_RECORDS 65536
#define HK_NIC_MTU_MIN	   68	 /* IPv4's minimum (RFC 791) */
#define HK_NIC_MTU_MAX	   65535 /* IP's maximum datagram */

/* ---- usernet (nic-parse.c) ---- */
/* How many nics of type on bridge the user (or a member of groups) may
 * hold; bad lines (counted in *bad) grant nothing. */
unsigned hk_nic_usernet_quota(const char *text, const char *user, const struct hk_strv *groups,
			      const char *type, const char *bridge, unsigned *bad);
/* Every bridge a valid line names for the user (or groups) and type,
 * appended to out once each, in file order (its count may be 0). */
void hk_nic_usernet_bridges(const char *text, const char *user, const struct hk_strv *groups,
			    const char *type, struct hk_strv *out);
/* The usernet file at path, read only when it and its directory are
 * trusted as hako-nic trusts them (hk_nic_open_trusted); NULL with *err
 * (ENOENT when missing) otherwise.  Caller frees. */
char *hk_nic_usernet_read(const char *path, struct hk_error **err);

/* ---- records (nic-parse.c) ---- */
struct hk_nic_record {
	unsigned long uid;
	char type[8];
	char bridge[HK_IFNAME_SIZE];
	char host[HK_IFNAME_SIZE];
	unsigned long ifindex; /* 0: being made */
	long pid;
	long long start;
	char lease[HK_NET_IP_STRLEN]; /* "-": none */
	char name[HK_NIC_NAME_SIZE];
};

int hk_nic_record_parse(const char *line, struct hk_nic_record *r, struct hk_error **err);
/* One line with its newline, appended to b. */
void hk_nic_record_format(const struct hk_nic_record *r, struct hk_buf *b);
/* One line of `hako-nic list`: NAME PID BRIDGE HOST LEASE (uid, ifindex
 * and start stay 0). */
int hk_nic_listing_parse(const char *line, struct hk_nic_record *r, struct hk_error **err);
/* Every well-formed line of text (at most HK_NIC_MAX_RECORDS); the others
 * are counted in *bad and dropped.  Caller frees *out. */
size_t hk_nic_records_parse(const char *text, struct hk_nic_record **out, unsigned *bad);

/* ---- requests and replies (nic-parse.c) ---- */
enum hk_nic_op {
	HK_NIC_CREATE = 1,
	HK_NIC_DELETE,
	HK_NIC_LIST,
};

struct hk_nic_request {
	enum hk_nic_op op;
	char name[HK_NIC_NAME_SIZE];
	pid_t pid;
	char type[8];
	char bridge[HK_IFNAME_SIZE];
	char ifname[HK_IFNAME_SIZE];
	bool lease;
	unsigned mtu; /* host end's; 0 = the kernel's default */
};

/* argv without the program name; every field is checked. */
int hk_nic_request_parse(int argc, char *const argv[], struct hk_nic_request *req,
			 struct hk_error **err);

struct hk_nic_reply {
	char host[HK_IFNAME_SIZE];
	char ifname[HK_IFNAME_SIZE];
	struct hk_net_ip lease; /* family 0: none */
};

int hk_nic_reply_parse(const char *text, struct hk_nic_reply *r, struct hk_error **err);

/* ---- the privileged side (nic-trust.c, nic-ops.c), for hako-nic ---- */
struct hk_nic_caller {
	uid_t uid;
	gid_t gid;
	char user[64];
	struct hk_strv groups; /* names of the user's groups */
};

/* Where hako-nic keeps its files: fixed in hako-nic, temporary in tests. */
struct hk_nic_paths {
	const char *usernet; /* HK_NIC_USERNET */
	const char *db_dir;  /* HK_NIC_DB_DIR */
};

int hk_nic_caller_get(struct hk_nic_caller *c, struct hk_error **err);
/* The names of user's groups (primary gid and /etc/group), appended. */
void hk_nic_user_groups(const char *user, gid_t gid, struct hk_strv *out);
void hk_nic_caller_free(struct hk_nic_caller *c);

/* path must be a regular file (or directory, dir true) owned by root and
 * writable by nobody else, reached without a symbolic link at its last
 * component; what names it in the message.  Returns an O_PATH descriptor
 * (O_RDONLY for a file). */
int hk_nic_open_trusted(const char *path, bool dir, const char *what, struct hk_error **err);

/* Opens the network namespace of pid with the caller's credentials and
 * proves the caller owns it (see nic-trust.c).  One message for every
 * failure.  Returns an nsfs descriptor; *start gets pid's start time. */
int hk_nic_netns_open(pid_t pid, uid_t uid, gid_t gid, long long *start, struct hk_error **err);

/* Runs one request for the caller; out gets the answer text. */
int hk_nic_run(const struct hk_nic_paths *p, const struct hk_nic_request *req,
	       const struct hk_nic_caller *c, struct hk_buf *out, struct hk_error **err);

#endif
