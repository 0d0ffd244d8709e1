/* remote.c - remote names, ssh:// URLs and REMOTE:NAME addresses
 * (remote.h).  Everything here is parsing: no file, no process, no
 * network.  A parsed remote is the only form the transport will ever see,
 * so the rules are strict and every refusal says what a good value looks
 * like.  hako.conf's editing lives in remote-conf.c. */
#include "remote.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store-internal.h"

#define URL_FORM     "write ssh://[USER@]HOST[:PORT], e.g. ssh://admin@web1.example.org:2222"
#define SCHEME	     "ssh://"
#define USER_MAX     32
#define HOST_MAX     253
#define LABEL_MAX    63
#define PATH_MAX_LEN 4095
#define PATH_CHARS   "/_.,+@%=:-"

void hk_remote_clear(struct hk_remote *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->user);
	free(r->host);
	free(r->path);
	*r = (struct hk_remote){ 0 };
}

void hk_address_clear(struct hk_address *a)
{
	if (!a)
		return;
	free(a->remote);
	free(a->name);
	*a = (struct hk_address){ 0 };
}

static bool is_reserved(const char *name)
{
	return strcasecmp(name, HK_REMOTE_LOCAL) == 0 || strcasecmp(name, HK_REMOTE_ALL) == 0;
}

int hk_remote_name_validate(const char *name, struct hk_error **err)
{
	hk_autofree char *shown = hk_str_escape(name ? name : "", 80);
	if (hk_name_validate(name, NULL) < 0)
		return hk_error_set(err, EINVAL,
				    "remote name \"%s\" is not valid: name a remote like a "
				    "container, with 1 to %d letters, digits, '_', '.' or '-', "
				    "not starting with '.' or '-'",
				    shown, HK_NAME_MAX);
	if (is_reserved(name))
		return hk_error_set(err, EINVAL,
				    "remote name \"%s\" is reserved (" HK_REMOTE_LOCAL
				    " is this host, " HK_REMOTE_ALL
				    " means every remote); choose another name",
				    shown);
	return 0;
}

/* What a byte that may not be in a URL or a path is, for the message. */
static char *describe_byte(unsigned char c)
{
	if (c == ' ' || c == '\t')
		return xstrdup("white space (ssh would read what follows as more arguments)");
	if (c < 0x20 || c == 0x7f)
		return xasprintf("the control byte \\x%02x", c);
	return xasprintf("the non-ASCII byte \\x%02x (write an international host name in "
			 "its xn-- form)",
			 c);
}

/* Only printable ASCII, no space: nothing ssh or a shell would split. */
static int check_bytes(const char *what, const char *s, const char *fix, struct hk_error **err)
{
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c > 0x20 && c < 0x7f)
			continue;
		hk_autofree char *shown = hk_str_escape(s, 200);
		hk_autofree char *bad = describe_byte(c);
		return hk_error_set(err, EINVAL, "%s \"%s\" contains %s; %s", what, shown, bad,
				    fix);
	}
	return 0;
}

static int bad_url(struct hk_error **err, const char *url, const char *why)
{
	hk_autofree char *shown = hk_str_escape(url, 200);
	return hk_error_set(err, EINVAL, "URL \"%s\" %s; " URL_FORM, shown, why);
}

static bool in_set(char c, const char *extra)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr(extra, c));
}

/* A login name as useradd(8) takes it. */
static int check_user(const char *url, const char *user, size_t n, struct hk_error **err)
{
	if (n == 0)
		return bad_url(err, url, "has an empty user name before '@'");
	if (n > USER_MAX)
		return bad_url(err, url, "has a user name longer than 32 characters");
	if (user[0] == '-')
		return bad_url(err, url,
			       "has a user name starting with '-' (ssh would read an option)");
	for (size_t i = 0; i < n; i++)
		if (!in_set(user[i], "_.-"))
			return bad_url(err, url,
				       "has a user name with a character other than letters, "
				       "digits, '_', '.' and '-'");
	return 0;
}

/* Digits only, 1-65535, no sign, no leading zero. */
static int parse_port(const char *url, const char *p, unsigned *port, struct hk_error **err)
{
	size_t n = strlen(p);
	bool digits = n > 0 && n <= 5 && p[0] != '0' && strspn(p, "0123456789") == n;
	unsigned long v = digits ? strtoul(p, NULL, 10) : 0;
	if (!digits || v < 1 || v > 65535)
		return bad_url(err, url, "has a port that is not a number from 1 to 65535");
	*port = (unsigned)v;
	return 0;
}

/* A host name or ssh_config alias: dot-separated labels of letters,
 * digits, '_' and '-', none empty or starting with '-'; all-numeric
 * labels only as a dotted-quad IPv4 address (getaddrinfo would read
 * "10.1" or "167772161" as an address too). */
static int check_host(const char *url, const char *host, struct hk_error **err)
{
	size_t n = strlen(host);
	if (n == 0)
		return bad_url(err, url, "names no host");
	if (n > HOST_MAX)
		return bad_url(err, url, "has a host name longer than 253 characters");
	if (strspn(host, "0123456789.") == n) {
		struct in_addr a;
		if (inet_pton(AF_INET, host, &a) != 1)
			return bad_url(err, url,
				       "has a host that is neither a name nor an IPv4 address "
				       "(a.b.c.d, each 0-255)");
		return 0;
	}
	for (const char *l = host; l;) {
		const char *dot = strchr(l, '.');
		size_t len = dot ? (size_t)(dot - l) : strlen(l);
		if (len == 0 || len > LABEL_MAX)
			return bad_url(err, url,
				       "has a host name with an empty part or one longer than 63 "
				       "characters");
		if (l[0] == '-')
			return bad_url(err, url,
				       "has a host name part starting with '-' (ssh would read an "
				       "option)");
		for (size_t i = 0; i < len; i++)
			if (!in_set(l[i], "_-"))
				return bad_url(err, url,
					       "has a host name with a character other than "
					       "letters, digits, '.', '_' and '-'");
		l = dot ? dot + 1 : NULL;
	}
	return 0;
}

/* "[v6]" or "[v6]:port"; hp starts at '['. */
static int parse_ipv6(const char *url, const char *hp, struct hk_remote *r, struct hk_error **err)
{
	const char *close = strchr(hp, ']');
	if (!close)
		return bad_url(err, url, "has '[' without ']' around an IPv6 address");
	hk_autofree char *addr = xstrndup(hp + 1, (size_t)(close - hp - 1));
	struct in6_addr a;
	if (strchr(addr, '%'))
		return bad_url(err, url, "has an IPv6 zone (%); give a global or ULA address");
	if (inet_pton(AF_INET6, addr, &a) != 1)
		return bad_url(err, url, "has brackets that do not hold an IPv6 address");
	if (close[1] && close[1] != ':')
		return bad_url(err, url, "has something other than :PORT after ']'");
	if (close[1] && parse_port(url, close + 2, &r->port, err) < 0)
		return -1;
	r->host = hk_steal_ptr(&addr);
	r->ipv6 = true;
	return 0;
}

static int parse_hostport(const char *url, const char *hp, struct hk_remote *r,
			  struct hk_error **err)
{
	if (hp[0] == '[')
		return parse_ipv6(url, hp, r, err);
	const char *colon = strchr(hp, ':');
	if (colon && strchr(colon + 1, ':'))
		return bad_url(err, url,
			       "has more than one ':' (an IPv6 address goes in brackets: "
			       "ssh://[2001:db8::1]:22)");
	hk_autofree char *host = colon ? xstrndup(hp, (size_t)(colon - hp)) : xstrdup(hp);
	if (check_host(url, host, err) < 0)
		return -1;
	if (colon && parse_port(url, colon + 1, &r->port, err) < 0)
		return -1;
	r->host = hk_steal_ptr(&host);
	return 0;
}

static int parse_url(const char *url, struct hk_remote *r, struct hk_error **err)
{
	if (check_bytes("URL", url, URL_FORM, err) < 0)
		return -1;
	if (strncmp(url, SCHEME, strlen(SCHEME)) != 0)
		return bad_url(err, url, "does not start with ssh:// (ssh is the only transport)");
	const char *auth = url + strlen(SCHEME);
	if (strpbrk(auth, "/?#"))
		return bad_url(err, url,
			       "has something after the host; give the container path as "
			       "path=LXCPATH instead");
	const char *at = strchr(auth, '@');
	if (at && strchr(at + 1, '@'))
		return bad_url(err, url, "has more than one '@'");
	if (at && check_user(url, auth, (size_t)(at - auth), err) < 0)
		return -1;
	if (parse_hostport(url, at ? at + 1 : auth, r, err) < 0)
		return -1;
	if (at)
		r->user = xstrndup(auth, (size_t)(at - auth));
	return 0;
}

/* The container path on the remote host: absolute, and only bytes that
 * need no quoting in the remote shell ssh runs the command in. */
static int check_path(const char *path, struct hk_error **err)
{
	static const char fix[] =
		"give an absolute path of letters, digits and / _ . , + @ % = : -";
	if (check_bytes("path", path, fix, err) < 0)
		return -1;
	hk_autofree char *shown = hk_str_escape(path, 200);
	if (path[0] != '/')
		return hk_error_set(err, EINVAL, "path \"%s\" is not absolute; %s", shown, fix);
	if (strlen(path) > PATH_MAX_LEN)
		return hk_error_set(err, EINVAL, "path \"%s\" is longer than %d bytes; %s", shown,
				    PATH_MAX_LEN, fix);
	for (const char *p = path; *p; p++) {
		if (in_set(*p, PATH_CHARS))
			continue;
		return hk_error_set(err, EINVAL,
				    "path \"%s\" contains '%c', which the remote shell would "
				    "interpret; %s",
				    shown, *p, fix);
	}
	return 0;
}

int hk_remote_parse(const char *name, const char *url, const char *path, struct hk_remote *r,
		    struct hk_error **err)
{
	*r = (struct hk_remote){ 0 };
	if (hk_remote_name_validate(name, err) < 0)
		return -1;
	if (parse_url(url, r, err) < 0 || (path && check_path(path, err) < 0)) {
		hk_remote_clear(r);
		return -1;
	}
	r->name = xstrdup(name);
	r->path = path ? xstrdup(path) : NULL;
	return 0;
}

int hk_remote_parse_value(const char *name, const char *value, struct hk_remote *r,
			  struct hk_error **err)
{
	*r = (struct hk_remote){ 0 };
	/* Control bytes first: the split below would hide a newline or a tab
	 * behind a message about what follows it. */
	for (const char *p = value; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if ((c >= 0x20 && c != 0x7f) || c == '\t')
			continue;
		hk_autofree char *shown = hk_str_escape(value, 200);
		hk_autofree char *bad = describe_byte(c);
		return hk_error_set(err, EINVAL, "value \"%s\" contains %s; %s", shown, bad,
				    URL_FORM);
	}
	size_t n = strcspn(value, " \t");
	hk_autofree char *url = xstrndup(value, n);
	const char *rest = value + n + strspn(value + n, " \t");
	const char *path = NULL;
	if (*rest) {
		if (strncmp(rest, "path=", 5) != 0) {
			hk_autofree char *shown = hk_str_escape(rest, 80);
			return hk_error_set(err, EINVAL,
					    "\"%s\" follows the URL; only path=LXCPATH may "
					    "follow it (%s)",
					    shown, URL_FORM);
		}
		path = rest + 5;
	}
	return hk_remote_parse(name, url, path, r, err);
}

char *hk_remote_url(const struct hk_remote *r)
{
	struct hk_buf b = { 0 };
	hk_buf_puts(&b, SCHEME);
	if (r->user)
		hk_buf_printf(&b, "%s@", r->user);
	hk_buf_printf(&b, r->ipv6 ? "[%s]" : "%s", r->host);
	if (r->port)
		hk_buf_printf(&b, ":%u", r->port);
	return hk_buf_steal(&b);
}

char *hk_remote_value(const struct hk_remote *r)
{
	hk_autofree char *url = hk_remote_url(r);
	return r->path ? xasprintf("%s path=%s", url, r->path) : hk_steal_ptr(&url);
}

int hk_address_parse(const char *arg, struct hk_address *a, struct hk_error **err)
{
	*a = (struct hk_address){ 0 };
	hk_autofree char *shown = hk_str_escape(arg, 140);
	const char *colon = strchr(arg, ':');
	const char *name = colon ? colon + 1 : arg;
	hk_autofree char *remote = colon ? xstrndup(arg, (size_t)(colon - arg)) : NULL;
	if (remote && !*remote)
		return hk_error_set(err, EINVAL,
				    "address \"%s\" names no remote before ':'; write "
				    "REMOTE:NAME, or NAME alone for this host",
				    shown);
	if ((!remote || *name) && hk_name_validate(name, err) < 0)
		return hk_error_prefix(err, "address \"%s\"", shown);
	if (!remote || strcasecmp(remote, HK_REMOTE_LOCAL) == 0) {
		a->scope = HK_ADDRESS_LOCAL;
	} else if (strcasecmp(remote, HK_REMOTE_ALL) == 0) {
		if (*name)
			return hk_error_set(err, EINVAL,
					    "address \"%s\": " HK_REMOTE_ALL
					    ": means every remote and holds no container; name "
					    "the remote it is on, as REMOTE:NAME",
					    shown);
		a->scope = HK_ADDRESS_ALL;
	} else {
		if (hk_remote_name_validate(remote, err) < 0)
			return hk_error_prefix(err, "address \"%s\"", shown);
		a->scope = HK_ADDRESS_REMOTE;
		a->remote = hk_steal_ptr(&remote);
	}
	a->name = *name ? xstrdup(name) : NULL;
	return 0;
}
