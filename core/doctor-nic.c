/* doctor-nic.c - `hako doctor`'s checks of what gives an ordinary user's
 * containers their network: hako-nic where the monitor runs it, setuid
 * root on a mount that honours the bit (hako-nic refuses to work
 * otherwise); /etc/hako/usernet present and trusted exactly as hako-nic
 * trusts it (hk_nic_usernet_read); and how many veths the user may have
 * on each bridge.  What is missing is a WARN (a container without
 * lxc.net.N runs without it, as with a missing bridge); only what makes
 * hako-nic unsafe or refuse (a writable helper, an untrusted usernet) is a
 * FAIL. */
#include "doctor-internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "nic-client.h"
#include "util.h"

static size_t put(struct hk_doctor_result *out, const char *name, enum hk_doctor_status st,
		  char *detail, char *fix)
{
	*out = (struct hk_doctor_result){
		.name = name, .status = st, .detail = detail, .fix = fix
	};
	return 1;
}

static size_t check_helper(struct hk_doctor_result *out)
{
	hk_autofree char *path = hk_nic_helper_path();
	struct stat st;
	struct statvfs vfs;
	bool missing = stat(path, &st) < 0;
	if (missing || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return put(
			out, "hako-nic", HK_DOCTOR_WARN,
			xasprintf("\"%s\" is %s: unprivileged containers get no network", path,
				  missing ? "not installed" : "no executable file"),
			xstrdup("make install (as root) installs it setuid root; or set HAKO_NIC to its path"));
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return put(
			out, "hako-nic", HK_DOCTOR_FAIL,
			xasprintf(
				"\"%s\" is writable by its group or others (mode %04o): anyone could "
				"replace a program that runs as root",
				path, (unsigned)(st.st_mode & 07777)),
			xasprintf("chmod go-w %s (as root)", path));
	if (st.st_uid != 0 || !(st.st_mode & S_ISUID))
		return put(
			out, "hako-nic", HK_DOCTOR_WARN,
			xasprintf(
				"\"%s\" is not setuid root (owner uid %u, mode %04o): unprivileged "
				"containers get no network",
				path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777)),
			xasprintf("chown root:root %s && chmod u+s %s (as root; make install does)",
				  path, path));
	if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		return put(
			out, "hako-nic", HK_DOCTOR_WARN,
			xasprintf("\"%s\" is on a nosuid mount, so its setuid bit does nothing: "
				  "unprivileged containers get no network",
				  path),
			xstrdup("install it on a filesystem mounted without nosuid (make install PREFIX=...)"));
	return put(out, "hako-nic", HK_DOCTOR_OK, xasprintf("\"%s\", setuid root", path), NULL);
}

/* *text gets the trusted usernet file, or stays NULL. */
static size_t check_usernet(const struct hk_doctor_opts *o, const char *root, char **text,
			    struct hk_doctor_result *out)
{
	hk_autofree char *path = xasprintf("%s%s", root, HK_NIC_USERNET);
	hk_autoerr struct hk_error *err = NULL;
	*text = hk_nic_usernet_read(path, &err);
	if (!*text && err->code == ENOENT)
		return put(
			out, "usernet", HK_DOCTOR_WARN,
			xasprintf("no %s: no ordinary user may have a veth", path),
			xasprintf(
				"hako setup-user %s -n 1 (as root) grants one on the default bridge",
				o->uid == 0 ? "USER" : o->user));
	if (!*text)
		return put(
			out, "usernet", HK_DOCTOR_FAIL,
			xasprintf("hako-nic will not trust it: %s", err->msg),
			xasprintf(
				"chown root:root %s && chmod 644 %s, and make its directory root's and "
				"not group- or other-writable (as root)",
				path, path));
	unsigned bad = 0;
	hk_nic_usernet_quota(*text, NULL, NULL, NULL, NULL, &bad);
	if (bad)
		return put(
			out, "usernet", HK_DOCTOR_WARN,
			xasprintf("%s has %u malformed line%s, which grant nothing", path, bad,
				  bad == 1 ? "" : "s"),
			xasprintf(
				"write each line as USER veth BRIDGE COUNT or @GROUP veth BRIDGE COUNT "
				"(hako-nic(8)) in %s",
				path));
	return put(out, "usernet", HK_DOCTOR_OK,
		   xasprintf("%s present, root's, not writable by others", path), NULL);
}

/* "1 veth on hakobr0, 2 on br1" for the bridges with a count. */
static size_t describe_allowance(const char *text, const char *user, const struct hk_strv *groups,
				 struct hk_buf *b)
{
	hk_autostrv struct hk_strv bridges = { 0 };
	hk_nic_usernet_bridges(text, user, groups, "veth", &bridges);
	size_t n = 0;
	for (size_t i = 0; i < bridges.n; i++) {
		unsigned q = hk_nic_usernet_quota(text, user, groups, "veth", bridges.v[i], NULL);
		if (q)
			hk_buf_printf(b, n++ ? ", %u on %s" : "%u veth on %s", q, bridges.v[i]);
	}
	return n;
}

static size_t check_allowance(const struct hk_doctor_opts *o, const char *text,
			      struct hk_doctor_result *out)
{
	if (o->uid == 0)
		return put(out, "veth allowance", HK_DOCTOR_OK,
			   xstrdup("root's containers make their veths themselves"), NULL);
	const char *br = o->bridge && *o->bridge ? o->bridge : "hakobr0";
	hk_autofree char *fix = xasprintf("hako setup-user %s -n 1 -b %s (as root)", o->user, br);
	if (!text)
		return put(out, "veth allowance", HK_DOCTOR_WARN,
			   xasprintf("user \"%s\" may have no veth: no usable %s", o->user,
				     HK_NIC_USERNET),
			   hk_steal_ptr(&fix));
	hk_autostrv struct hk_strv groups = { 0 };
	hk_nic_user_groups(o->user, o->gid, &groups);
	struct hk_buf b = { 0 };
	size_t n = describe_allowance(text, o->user, &groups, &b);
	unsigned on_default = hk_nic_usernet_quota(text, o->user, &groups, "veth", br, NULL);
	hk_autofree char *list = hk_buf_steal(&b);
	if (n == 0)
		return put(
			out, "veth allowance", HK_DOCTOR_WARN,
			xasprintf(
				"user \"%s\" may have no veth on any bridge: %s has no line for the user "
				"or the user's groups",
				o->user, HK_NIC_USERNET),
			hk_steal_ptr(&fix));
	if (on_default == 0)
		return put(
			out, "veth allowance", HK_DOCTOR_WARN,
			xasprintf(
				"user \"%s\" may have %s, but none on \"%s\" (hako.conf [net] bridge)",
				o->user, list, br),
			hk_steal_ptr(&fix));
	return put(out, "veth allowance", HK_DOCTOR_OK,
		   xasprintf("user \"%s\" may have %s", o->user, list), NULL);
}

size_t hk_doctor_nic_checks(const struct hk_doctor_opts *o, const char *root,
			    struct hk_doctor_result out[HK_DOCTOR_NIC_CHECKS])
{
	size_t n = check_helper(out);
	hk_autofree char *text = NULL;
	n += check_usernet(o, root, &text, out + n);
	n += check_allowance(o, text, out + n);
	return n;
}
