/* cgroup-verdict.c - whether a user gets a cgroup for its containers on
 * this host, through which delegation, and if not why and the exact fix:
 * one answer that doctor prints, start warns or refuses with, and
 * setup-user checks its work against (cgroup-systemd.h). */
#include "cgroup-systemd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "memory: \"/sys/...\" is not writable ... (and 3 more hierarchies)" */
static char *describe_missing(const struct hk_cgroup_delegation *d)
{
	size_t bad = 0;
	const struct hk_cgroup_access *first = NULL;
	for (size_t i = 0; i < d->n; i++) {
		if (d->a[i].required && !d->a[i].writable) {
			bad++;
			if (!first)
				first = &d->a[i];
		}
	}
	if (!first)
		return xstrdup("?");
	hk_autofree char *label = hk_cgroup_hier_label(first->hier);
	if (bad == 1)
		return xasprintf("%s: %s", label, first->missing);
	return xasprintf("%s: %s (and %zu more hierarch%s)", label, first->missing, bad - 1,
			 bad == 2 ? "y" : "ies");
}

static char *describe_delegated(const struct hk_cgroup_delegation *d)
{
	struct hk_buf b = { 0 };
	size_t shown = 0, more = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!d->a[i].required)
			continue;
		if (shown++ >= 2) {
			more++;
			continue;
		}
		hk_autofree char *label = hk_cgroup_hier_label(d->a[i].hier);
		const char *dir = d->a[i].writable ? d->a[i].dir : "(systemd's transient scope)";
		hk_buf_printf(&b, "%s%s %s%s", b.len ? ", " : "", label, dir,
			      strstr(dir, "/" HK_CGROUP_USERS_DIR "/") ? " (hako's own delegation)"
								       : "");
	}
	if (more)
		hk_buf_printf(&b, " (and %zu more)", more);
	return hk_buf_steal(&b);
}

/* Only the v2 hierarchy is missing, and systemd hands out scopes there. */
static bool scope_covers(const struct hk_cgroup_info *info, uid_t uid,
			 const struct hk_cgroup_delegation *d)
{
	if (hk_cgroup_systemd_mode(info, uid) != HK_SD_SCOPE)
		return false;
	for (size_t i = 0; i < d->n; i++)
		if (d->a[i].required && !d->a[i].writable && d->a[i].hier->version != 2)
			return false;
	return true;
}

/* A pure v2 host without systemd: only a cgroup root made and gave away
 * delegates, and only to processes that start inside it. */
static char *v2_fix(const struct hk_cgroup_info *info, uid_t uid, const char *user)
{
	const struct hk_cgroup_hier *u = hk_cgroup_unified(info);
	hk_autofree char *mine =
		xasprintf("%s/%s/%u", u->mountpoint, HK_CGROUP_USERS_DIR, (unsigned)uid);
	hk_autofree char *full = hk_cgroup_path(info, mine);
	struct stat st;
	bool made = stat(full, &st) == 0 && st.st_uid == uid;
	hk_autofree char *first =
		made ? xstrdup("")
		     : xasprintf("as root: hako setup-user %s makes that cgroup; then ", user);
	return xasprintf(
		"%sstart hako from a process inside %s/%s (a login through pam_cgfs puts the "
		"session there; for one shell, as root: echo $$ > %s/%s/cgroup.procs; su %s)",
		first, mine, HK_CGROUP_LOGIN_LEAF, mine, HK_CGROUP_LOGIN_LEAF, user);
}

void hk_cgroup_verdict_get(const struct hk_cgroup_info *info, uid_t uid, gid_t gid,
			   const char *user, struct hk_cgroup_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (uid == 0) {
		v->usable = true;
		v->what = xstrdup("root may create cgroups in every hierarchy");
		return;
	}
	struct hk_cgroup_delegation d;
	hk_cgroup_check_delegation(info, uid, gid, &d);
	hk_autofree char *bus = hk_cgroup_systemd_bus_path(uid);
	struct stat st;
	bool bus_there = stat(bus, &st) == 0 && S_ISSOCK(st.st_mode);
	if (d.ok || (scope_covers(info, uid, &d) && bus_there)) {
		hk_autofree char *where = describe_delegated(&d);
		v->usable = true;
		v->what = xasprintf("user \"%s\" may use %s", user, where);
	} else if (scope_covers(info, uid, &d)) {
		v->what = xasprintf(
			"user \"%s\" gets no cgroup: systemd runs, but no D-Bus answers on \"%s\" "
			"(no login session and no linger), so no systemd user manager can "
			"delegate one",
			user, bus);
		v->fix = xasprintf(
			"as root: loginctl enable-linger %s (hako setup-user %s does it), or log "
			"in through a pam_systemd session (ssh, su -l, machinectl shell)",
			user, user);
	} else {
		hk_autofree char *why = describe_missing(&d);
		v->what = xasprintf("user \"%s\" has no writable delegated cgroup: %s", user, why);
		v->fix = info->layout == HK_CGROUP_V2 &&
					 hk_cgroup_systemd_mode(info, uid) == HK_SD_NONE
				 ? v2_fix(info, uid, user)
				 : xasprintf("hako setup-user %s (as root)", user);
	}
	hk_cgroup_delegation_free(&d);
}

void hk_cgroup_verdict_free(struct hk_cgroup_verdict *v)
{
	free(v->what);
	free(v->fix);
	v->what = v->fix = NULL;
}
