/* state.c - the state file of a container (key=value text, written
 * atomically by its monitor) and the effective state ls shows, which
 * trusts the per-container lock first and the file second. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "store-internal.h"
#include "util.h"

static const char *const state_names[HK_STATE_COUNT] = {
	[HK_STATE_STOPPED] = "STOPPED",
	[HK_STATE_STARTING] = "STARTING",
	[HK_STATE_RUNNING] = "RUNNING",
	[HK_STATE_STOPPING] = "STOPPING",
	[HK_STATE_FROZEN] = "FROZEN",
	[HK_STATE_ABORTING] = "ABORTING",
	[HK_STATE_ORPHANED] = "ORPHANED",
	[HK_STATE_BUSY] = "BUSY",
	[HK_STATE_UNRESPONSIVE] = "UNRESPONSIVE",
};

const char *hk_state_name(enum hk_state s)
{
	if ((unsigned)s >= HK_STATE_COUNT)
		return "UNKNOWN";
	return state_names[s];
}

int hk_state_from_name(const char *name)
{
	for (int i = 0; i < HK_STATE_COUNT; i++)
		if (name && strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

bool hk_state_is_active(enum hk_state s)
{
	return s != HK_STATE_STOPPED && s != HK_STATE_BUSY;
}

void hk_state_file_init(struct hk_state_file *sf)
{
	memset(sf, 0, sizeof(*sf));
	sf->state = HK_STATE_STOPPED;
	sf->exit_status = -1;
}

const char *hk_state_boot_id(struct hk_error **err)
{
	static char boot_id[HK_BOOT_ID_LEN + 1];
	if (boot_id[0])
		return boot_id;
	hk_autofree char *text = NULL;
	if (hk_read_file("/proc/sys/kernel/random/boot_id", &text, NULL, err) < 0)
		return NULL;
	char *id = hk_str_trim(text);
	id[strcspn(id, "\n")] = '\0';
	if (strlen(id) != HK_BOOT_ID_LEN) {
		hk_error_set(err, 0, "unexpected boot id \"%s\" in /proc/sys/kernel/random/boot_id",
			     id);
		return NULL;
	}
	memcpy(boot_id, id, HK_BOOT_ID_LEN + 1);
	return boot_id;
}

/* One line of the file: how to parse and print its value. */
enum field_kind { F_STATE, F_PID, F_TIME, F_BOOT_ID, F_INT };

static const struct field {
	const char *key;
	enum field_kind kind;
	size_t off;
} fields[] = {
	{ "state", F_STATE, offsetof(struct hk_state_file, state) },
	{ "init_pid", F_PID, offsetof(struct hk_state_file, init_pid) },
	{ "init_start", F_TIME, offsetof(struct hk_state_file, init_start) },
	{ "monitor_pid", F_PID, offsetof(struct hk_state_file, monitor_pid) },
	{ "started", F_TIME, offsetof(struct hk_state_file, started) },
	{ "boot_id", F_BOOT_ID, offsetof(struct hk_state_file, boot_id) },
	{ "exit_status", F_INT, offsetof(struct hk_state_file, exit_status) },
	{ "stopped", F_TIME, offsetof(struct hk_state_file, stopped) },
};

char *hk_state_format(const struct hk_state_file *sf)
{
	struct hk_buf b = { 0 };
	for (size_t i = 0; i < HK_ARRAY_SIZE(fields); i++) {
		const void *p = (const char *)sf + fields[i].off;
		hk_buf_printf(&b, "%s=", fields[i].key);
		switch (fields[i].kind) {
		case F_STATE:
			hk_buf_puts(&b, hk_state_name(*(const enum hk_state *)p));
			break;
		case F_PID:
			hk_buf_printf(&b, "%ld", (long)*(const pid_t *)p);
			break;
		case F_TIME:
			hk_buf_printf(&b, "%lld", *(const long long *)p);
			break;
		case F_BOOT_ID:
			hk_buf_puts(&b, (const char *)p);
			break;
		case F_INT:
			hk_buf_printf(&b, "%d", *(const int *)p);
			break;
		}
		hk_buf_puts(&b, "\n");
	}
	return hk_buf_steal(&b);
}

static int parse_value(const struct field *f, const char *v, struct hk_state_file *sf)
{
	void *p = (char *)sf + f->off;
	long n;
	switch (f->kind) {
	case F_STATE: {
		int s = hk_state_from_name(v);
		if (s < 0)
			return -1;
		*(enum hk_state *)p = (enum hk_state)s;
		return 0;
	}
	case F_PID:
		if (!hk_parse_long(v, &n) || n < 0 || n > 0x3fffffff)
			return -1;
		*(pid_t *)p = (pid_t)n;
		return 0;
	case F_TIME:
		if (!hk_parse_long(v, &n))
			return -1;
		*(long long *)p = n;
		return 0;
	case F_BOOT_ID:
		if (strlen(v) > HK_BOOT_ID_LEN)
			return -1;
		strcpy((char *)p, v);
		return 0;
	case F_INT:
		if (!hk_parse_long(v, &n) || n < -1 || n > 0xffff)
			return -1;
		*(int *)p = (int)n;
		return 0;
	}
	return -1;
}

static const struct field *find_field(const char *key)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(fields); i++)
		if (strcmp(fields[i].key, key) == 0)
			return &fields[i];
	return NULL;
}

int hk_state_parse(const char *text, const char *path, struct hk_state_file *sf,
		   struct hk_error **err)
{
	hk_state_file_init(sf);
	hk_autofree char *copy = xstrdup(text ? text : "");
	bool have_state = false;
	unsigned lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *eq = strchr(line, '=');
		if (!eq)
			return hk_error_set(err, EINVAL,
					    "state file \"%s\" line %u: no '=' in \"%s\"", path,
					    lineno, line);
		*eq = '\0';
		const struct field *f = find_field(line);
		if (!f)
			continue; /* written by a newer hako */
		if (parse_value(f, eq + 1, sf) < 0)
			return hk_error_set(err, EINVAL, "state file \"%s\" line %u: bad %s \"%s\"",
					    path, lineno, line, eq + 1);
		have_state |= f->kind == F_STATE;
	}
	if (!have_state)
		return hk_error_set(err, EINVAL, "state file \"%s\" has no state= line", path);
	return 0;
}

int hk_state_read(const char *path, struct hk_state_file *sf, struct hk_error **err)
{
	hk_autofree char *text = NULL;
	hk_state_file_init(sf);
	if (hk_read_file_at(AT_FDCWD, path, &text, NULL, 64 * 1024, err) < 0)
		return -1;
	return hk_state_parse(text, path, sf, err);
}

int hk_state_write(const char *path, const struct hk_state_file *sf, struct hk_error **err)
{
	hk_autofree char *text = hk_state_format(sf);
	return hk_write_run_file(path, text, strlen(text), 0644, err);
}

/* RUN_DIR/state. */
static char *state_file(const char *run_dir)
{
	return xasprintf("%s/state", run_dir);
}

static enum hk_state effective_in(const char *run_dir, struct hk_state_file *sf);

char *hk_state_path_ct(const struct hk_ct *ct)
{
	return state_file(ct->run_dir);
}

int hk_state_write_ct(const struct hk_ct *ct, const struct hk_state_file *sf, struct hk_error **err)
{
	if (hk_ct_make_run_dir(ct, err) < 0)
		return -1;
	hk_autofree char *path = state_file(ct->run_dir);
	return hk_state_write(path, sf, err);
}

static bool pid_gone(pid_t pid)
{
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

/* The pid still names the process that was recorded (not a reuse). */
static bool init_alive(pid_t pid, long long start)
{
	return pid > 0 && start > 0 && hk_proc_start_time(pid) == start;
}

/* The listing asks this for every container with a run directory, on
 * every refresh: only the run directory is joined, not a whole handle. */
enum hk_state hk_state_effective(const struct hk_store *st, const char *name,
				 struct hk_state_file *sf)
{
	if (hk_name_validate(name, NULL) < 0) {
		if (sf)
			hk_state_file_init(sf);
		return HK_STATE_STOPPED; /* a bad name: nothing runs under it */
	}
	hk_autofree char *run = hk_store_container_run_dir(st, name);
	return effective_in(run, sf);
}

enum hk_state hk_state_effective_ct(const struct hk_ct *ct, struct hk_state_file *sf)
{
	return effective_in(ct->run_dir, sf);
}

/* The effective state of the container whose run directory is run_dir. */
static enum hk_state effective_in(const char *run_dir, struct hk_state_file *sf)
{
	struct hk_state_file local;
	if (!sf)
		sf = &local;
	hk_state_file_init(sf);
	bool locked = hk_lock_probe_dir(run_dir) != 0;
	hk_autofree char *path = state_file(run_dir);
	const char *boot = hk_state_boot_id(NULL);
	bool current = hk_state_read(path, sf, NULL) == 0 && boot && strcmp(sf->boot_id, boot) == 0;
	if (!current)
		hk_state_file_init(sf);
	if (!locked) {
		/* No monitor holds the lock: stopped, unless its init survived it. */
		if (current && hk_state_is_active(sf->state) &&
		    init_alive(sf->init_pid, sf->init_start))
			return HK_STATE_ORPHANED;
		if (current && hk_state_is_active(sf->state))
			sf->state = HK_STATE_STOPPED;
		return HK_STATE_STOPPED;
	}
	if (!current)
		return HK_STATE_BUSY;
	if (hk_state_is_active(sf->state) && pid_gone(sf->monitor_pid))
		return HK_STATE_ORPHANED;
	return sf->state;
}
