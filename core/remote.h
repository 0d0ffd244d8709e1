/* remote.h - other hosts that hako reaches over OpenSSH: their names,
 * their addresses and how a command line names a container on one.
 *
 * hako.conf's [remotes] section holds one line per remote:
 *
 *     NAME = ssh://[USER@]HOST[:PORT] [path=LXCPATH]
 *
 * NAME is spelt like a container name; "local" (this host) and "all"
 * (every remote) are reserved.  HOST is a host name (or an ssh_config
 * alias), an IPv4 address or an IPv6 address in brackets.  Every part
 * will be given to ssh(1) as an argument, and the path to the remote
 * hako through the remote shell, so the parser refuses anything that
 * ssh or a shell could read as more than a value: a leading '-',
 * white space, control bytes, shell metacharacters in the path.
 *
 * Addresses (Incus style): "NAME" is a container on this host,
 * "REMOTE:NAME" one on REMOTE, "REMOTE:" the remote itself, "local:"
 * this host.  A container name never holds ':' (hk_name_validate).
 */
#ifndef HAKO_REMOTE_H
#define HAKO_REMOTE_H

#include <stdbool.h>

#include "error.h"

#define HK_REMOTE_LOCAL "local"
#define HK_REMOTE_ALL	"all"

struct hk_remote {
	char *name;
	char *user;    /* NULL: ssh's choice (ssh_config, then the login name) */
	char *host;    /* without the brackets of an IPv6 literal */
	bool ipv6;     /* host is an IPv6 literal: the URL puts it in brackets */
	unsigned port; /* 0: ssh's choice (ssh_config, then 22) */
	char *path;    /* NULL: the remote hako's default container path */
};
void hk_remote_clear(struct hk_remote *r);

/* A remote's name: a container name's rules, and not local or all. */
int hk_remote_name_validate(const char *name, struct hk_error **err);

/* Parses url ("ssh://[USER@]HOST[:PORT]") and path (NULL, or an absolute
 * LXCPATH) into r, named name.  The message says which part is wrong and
 * how a good one looks; callers put the file:line or the command in
 * front. */
int hk_remote_parse(const char *name, const char *url, const char *path, struct hk_remote *r,
		    struct hk_error **err);
/* Parses a [remotes] value: "URL" or "URL path=LXCPATH". */
int hk_remote_parse_value(const char *name, const char *value, struct hk_remote *r,
			  struct hk_error **err);
/* "ssh://user@host:port" (only the parts that were given).  Caller frees. */
char *hk_remote_url(const struct hk_remote *r);
/* The [remotes] value: the URL, then " path=LXCPATH" when there is one. */
char *hk_remote_value(const struct hk_remote *r);

/* What an address names. */
enum hk_address_scope {
	HK_ADDRESS_LOCAL,  /* this host: "NAME", "local:NAME", "local:" */
	HK_ADDRESS_REMOTE, /* "REMOTE:NAME", "REMOTE:" */
	HK_ADDRESS_ALL,	   /* "all:": every remote (no container name) */
};
struct hk_address {
	enum hk_address_scope scope;
	char *remote; /* HK_ADDRESS_REMOTE: the remote's name, else NULL */
	char *name;   /* the container, or NULL for "REMOTE:" */
};
void hk_address_clear(struct hk_address *a);
/* Splits arg into remote and container name and checks both spellings
 * (whether the remote exists is the caller's business). */
int hk_address_parse(const char *arg, struct hk_address *a, struct hk_error **err);

/* hako.conf edits for `hako remote add|remove`: the file is rewritten
 * atomically (a temp file beside it, fsync, rename), keeping its other
 * lines, comments and order; a symlink is followed.  The new text is
 * parsed before it is written, so hako can always read what it wrote.
 * Nothing is changed on any refusal: a duplicate or bad remote, a missing
 * one, a file that does not parse. */
int hk_remote_conf_add(const char *conf, const struct hk_remote *r, struct hk_error **err);
int hk_remote_conf_remove(const char *conf, const char *name, struct hk_error **err);

#endif
