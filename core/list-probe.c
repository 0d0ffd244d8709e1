/* list-probe.c - a listing's one look at the run directory and at the
 * bound socket names (list-probe.h). */
#include "list-probe.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lxc-cmd.h"

/* One getdents of RUNDIR/s-HASH: missing means nothing of this store
 * runs (the first start makes it). */
static bool list_run_dir(const struct hk_store *st, struct hk_strv *out)
{
	DIR *d = opendir(hk_store_run_dir(st)); /* glibc opens it O_CLOEXEC */
	if (!d)
		return errno == ENOENT;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			hk_strv_push(out, de->d_name);
	bool ok = errno == 0;
	closedir(d);
	hk_strv_sort(out);
	return ok;
}

/* Past the n whitespace-separated fields at the start of line. */
static const char *skip_fields(const char *p, const char *end, int n)
{
	for (int i = 0; i < n; i++) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			return NULL;
		while (p < end && *p != ' ')
			p++;
	}
	return p;
}

int hk_list_probe_parse_unix(const char *text, struct hk_strv *out)
{
	/* "Num RefCount Protocol Flags Type St Inode Path": the first seven
	 * hold no space; the path, when there is one, follows one space. */
	if (strncmp(text, "Num ", 4) != 0)
		return -1;
	const char *line = strchr(text, '\n');
	while (line && *++line) {
		const char *end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		const char *p = skip_fields(line, end, 7);
		if (p && end - p > 2 && p[0] == ' ' && p[1] == '@')
			hk_strv_push_owned(out, xstrndup(p + 2, (size_t)(end - p - 2)));
		line = *end ? end : NULL;
	}
	hk_strv_sort(out);
	return 0;
}

/* The bound abstract names.  A container path holding a newline could
 * not be told from two lines: then the rows probe each socket. */
static bool list_socks(const struct hk_store *st, struct hk_strv *out)
{
	if (strchr(hk_store_path(st), '\n'))
		return false;
	hk_autofree char *text = NULL;
	hk_autoerr struct hk_error *err = NULL;
	if (hk_read_file("/proc/net/unix", &text, NULL, &err) < 0) {
		hk_log(HK_LOG_DEBUG, "listing: each LXC socket is probed: %s", err->msg);
		return false;
	}
	return hk_list_probe_parse_unix(text, out) == 0;
}

void hk_list_probe_take(const struct hk_store *st, struct hk_list_probe *p)
{
	*p = (struct hk_list_probe){ 0 };
	p->run_known = list_run_dir(st, &p->run_names);
	p->socks_known = list_socks(st, &p->socks);
}

void hk_list_probe_clear(struct hk_list_probe *p)
{
	hk_strv_clear(&p->run_names);
	hk_strv_clear(&p->socks);
	p->run_known = p->socks_known = false;
}

bool hk_list_probe_may_have_run_dir(const struct hk_list_probe *p, const char *name)
{
	return !p || !p->run_known || hk_strv_sorted_has(&p->run_names, name);
}

bool hk_list_probe_may_have_runner(const struct hk_list_probe *p, const struct hk_store *st,
				   const char *name)
{
	if (!p || !p->socks_known)
		return true;
	hk_autofree char *sock = hk_lxc_sock_name(hk_store_path(st), name);
	return hk_strv_sorted_has(&p->socks, sock);
}
