/* checkpoint.c - hako checkpoint (criu dump, run here) and the front half
 * of hako restore (the checks; the monitor runs criu restore, see
 * monitor-restore.c).  A checkpoint directory holds criu's images, its
 * logs (dump.log, restore.log) and hako's record HK_CKPT_FILE: which
 * container it is of and the terminals its processes held, whose other
 * ends stay with hako's monitor and are external to criu. */
#include "checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "lifecycle.h"
#include "mount-entry.h"
#include "runner.h"
#include "safepath.h"
#include "state.h"

/* ---- shared by the dump and the restore ---- */

/* A bind's host source as the start's mount(2) found it: symlinks
 * followed (Debian's /lib is one to usr/lib), since criu's restore
 * moves the mount from the path it is given and fails on a symlink
 * ("mnt-v2: Failed to move_mount from /lib ...: Invalid argument").  The
 * source is the host's, from the config, never the container's.  One
 * that does not resolve is given as written, for criu to name. */
static char *bind_source(const char *source)
{
	char *real = realpath(source, NULL);
	return real ? real : xstrdup(source);
}

int hk_ckpt_mounts_of(const struct hk_config *cfg, struct hk_ckpt_mounts *out,
		      struct hk_error **err)
{
	memset(out, 0, sizeof(*out));
	out->v = xcalloc(cfg->mount_entries.n + 1, sizeof(*out->v));
	for (size_t i = 0; i < cfg->mount_entries.n; i++) {
		struct hk_mount_entry e;
		if (hk_mount_entry_parse(cfg->mount_entries.v[i], &e, err) < 0)
			return hk_error_prefix(err, "lxc.mount.entry");
		if (e.bind) {
			/* each string is its own allocation: the pointers stay */
			hk_strv_push_owned(&out->strings, xasprintf("/%s", e.target));
			hk_strv_push(&out->strings, e.target);
			hk_strv_push_owned(&out->strings, bind_source(e.source));
			char **s = out->strings.v + out->strings.n - 3;
			out->v[out->n++] = (struct hk_criu_ext_mount){ .target = s[0],
								       .id = s[1],
								       .source = s[2] };
		}
		hk_mount_entry_free(&e);
	}
	return 0;
}

void hk_ckpt_mounts_free(struct hk_ckpt_mounts *m)
{
	free(m->v);
	hk_strv_clear(&m->strings);
	memset(m, 0, sizeof(*m));
}

/* The leaf's path in hierarchy h, as criu names cgroups (from the
 * hierarchy's root). */
static char *leaf_path(const struct hk_cgroup_hier *h, const char *dir)
{
	const char *rel = hk_str_has_prefix(dir, h->mountpoint) ? dir + strlen(h->mountpoint) : dir;
	const char *root = h->mount_root && strcmp(h->mount_root, "/") != 0 ? h->mount_root : "";
	return xasprintf("%s%s/%s", root, rel, HK_CGROUP_LEAF);
}

void hk_ckpt_cgroup_roots(const struct hk_cgroup *cg, struct hk_strv *roots, char **freeze)
{
	if (freeze)
		*freeze = NULL;
	for (size_t i = 0; cg && i < hk_cgroup_count(cg); i++) {
		const struct hk_cgroup_hier *h;
		const char *dir = hk_cgroup_dir_at(cg, i, &h);
		hk_autofree char *path = leaf_path(h, dir);
		if (h->version == 2) {
			hk_strv_push(roots, path);
		} else {
			struct hk_buf b = { 0 };
			for (size_t c = 0; c < h->controllers.n; c++)
				hk_buf_printf(&b, "%s%s", c ? "," : "", h->controllers.v[c]);
			if (h->name)
				hk_buf_printf(&b, "%sname=%s", b.len ? "," : "", h->name);
			hk_buf_printf(&b, ":%s", path);
			hk_strv_push_owned(roots, hk_buf_steal(&b));
		}
		bool v1_freezer = h->version == 1 && hk_strv_contains(&h->controllers, "freezer");
		if (freeze && (v1_freezer || (h->version == 2 && !*freeze))) {
			free(*freeze);
			*freeze = xasprintf("%s/%s", dir, HK_CGROUP_LEAF);
		}
	}
}

/* The child: criu's output into the pipe, nothing else inherited. */
static __attribute__((noreturn)) void exec_criu(const struct hk_strv *argv, int out,
						int (*prep)(void *, struct hk_error **), void *ctx)
{
	hk_autoerr struct hk_error *err = NULL;
	if (prep && prep(ctx, &err) < 0) {
		dprintf(out, "Error (hako): %s\n", err->msg);
		_exit(127);
	}
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	execv(argv->v[0], argv->v);
	dprintf(2, "Error (hako): cannot run %s: %s\n", argv->v[0], strerror(errno));
	_exit(127);
}

/* What criu printed: its output goes to a memfd, not a pipe, as a
 * restored process may keep criu's descriptors a while (a pipe would
 * not close). */
static void read_output(int fd, struct hk_buf *out)
{
	char chunk[4096];
	off_t off = 0;
	for (ssize_t n; (n = pread(fd, chunk, sizeof(chunk), off)) > 0 && out->len < (1u << 20);
	     off += n)
		hk_buf_append(out, chunk, (size_t)n);
}

/* Waits for criu at most HK_CRIU_TIMEOUT_MS, then kills it. */
static int wait_criu(pid_t pid, int *status)
{
	hk_autoclose int pidfd = hk_pidfd_open(pid);
	struct pollfd pf = { .fd = pidfd, .events = POLLIN };
	int timed_out = 0;
	if (pidfd >= 0 && poll(&pf, 1, HK_CRIU_TIMEOUT_MS) == 0) {
		kill(pid, SIGKILL);
		timed_out = 1;
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return timed_out;
}

static int criu_failed(const char *dir, const char *action, int status, const struct hk_buf *output,
		       struct hk_error **err)
{
	hk_autofree char *log = xasprintf("%s/%s.log", dir, action);
	hk_autofree char *text = NULL;
	hk_read_file(log, &text, NULL, NULL);
	hk_autofree char *lines = hk_criu_log_errors(text, 5);
	const char *where = "its log";
	if (!*lines && output->len) { /* criu stopped before its log: what it printed */
		free(lines);
		hk_autofree char *printed = xstrndup(output->data, output->len);
		lines = hk_criu_log_errors(printed, 5);
		where = "its output";
	}
	hk_autofree char *how = WIFSIGNALED(status)
					? xasprintf("was killed by %s", strsignal(WTERMSIG(status)))
					: xasprintf("exited with status %d", WEXITSTATUS(status));
	if (!*lines)
		return hk_error_say(err, EIO, "criu %s %s; the whole log is \"%s\"", action, how,
				    log);
	return hk_error_say(err, EIO,
			    "criu %s %s; the whole log is \"%s\"; the last errors in %s:%s", action,
			    how, log, where, lines);
}

int hk_ckpt_run_criu(const struct hk_strv *argv, const char *dir, const char *action,
		     int (*prep)(void *ctx, struct hk_error **err), void *ctx,
		     struct hk_error **err)
{
	hk_autoclose int out = memfd_create("criu-output", MFD_CLOEXEC);
	if (out < 0)
		return hk_error_errno(err, "memfd");
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return hk_error_errno(err, "fork");
	if (pid == 0)
		exec_criu(argv, out, prep, ctx);
	int status = 0;
	int timed_out = wait_criu(pid, &status);
	struct hk_buf output = { 0 };
	read_output(out, &output);
	int rc = 0;
	if (timed_out)
		rc = hk_error_say(err, ETIMEDOUT,
				  "criu %s did not finish within %d s and was killed; its log is "
				  "\"%s/%s.log\"",
				  action, HK_CRIU_TIMEOUT_MS / 1000, dir, action);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		rc = criu_failed(dir, action, status, &output, err);
	hk_buf_free(&output);
	return rc;
}

/* ---- checks ---- */

static int refuse_user(const struct hk_store *st, const char *name, const char *verb,
		       struct hk_error **err)
{
	if (hk_store_is_root(st) && geteuid() == 0)
		return 0;
	return hk_error_say(
		err, EPERM,
		"%s \"%s\": CRIU needs root (CAP_SYS_ADMIN in the host's user namespace) to dump "
		"and restore namespaces, and Debian's criu has no rootless mode for containers; "
		"an ordinary user's container cannot be checkpointed: stop it and start it again "
		"instead, or run it as root's container",
		verb, name);
}

/* Interfaces criu can dump and hako can give back: none, or a network
 * namespace without devices from the host. */
static int check_nets(const char *name, const struct hk_config *cfg, struct hk_error **err)
{
	for (size_t i = 0; i < cfg->n_nets; i++) {
		const char *type = cfg->nets[i].type;
		if (!type || strcmp(type, "empty") == 0 || strcmp(type, "none") == 0)
			continue;
		return hk_error_say(
			err, ENOTSUP,
			"container \"%s\" has a %s interface (lxc.net.%zu): hako checkpoints "
			"containers without host interfaces only (lxc.net.N.type = empty or none); "
			"set lxc.net.%zu.type = empty, or use lxc-checkpoint with LXC",
			name, type, i, i);
	}
	return 0;
}

static unsigned n_terms_of(const struct hk_config *cfg)
{
	return 1 + (cfg->tty_max < HK_CKPT_MAX_TTYS - 1 ? cfg->tty_max : HK_CKPT_MAX_TTYS - 1);
}

/* The terminals init's processes may hold: /dev/console and /dev/ttyN
 * inside (resolved in its root, never following a link out), as criu
 * names them: tty[RDEV:DEV]. */
static int find_ttys(pid_t pid, const struct hk_config *cfg, struct hk_ckpt_info *info,
		     struct hk_error **err)
{
	hk_autofree char *rootpath = xasprintf("/proc/%d/root", (int)pid);
	hk_autoclose int root = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hk_error_errno(err, "the root of its init (pid %d)", (int)pid);
	unsigned n = n_terms_of(cfg);
	for (unsigned i = 0; i < n && info->n_ttys < HK_CKPT_MAX_TTYS; i++) {
		hk_autofree char *target = hk_criu_tty_target(i);
		hk_autoclose int fd =
			hk_safe_open(root, target + 1, O_PATH | O_NOFOLLOW, 0, 0, NULL);
		struct stat sb;
		if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISCHR(sb.st_mode))
			continue;
		info->ttys[info->n_ttys++] =
			(struct hk_ckpt_tty){ .index = i,
					      .rdev = (unsigned long long)sb.st_rdev,
					      .dev = (unsigned long long)sb.st_dev };
	}
	return 0;
}

/* An absolute path for dir (criu runs elsewhere): caller frees. */
static char *absolute(const char *dir)
{
	if (dir[0] == '/')
		return xstrdup(dir);
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(dir);
	return xasprintf("%s/%s", cwd, dir);
}

/* The directory for a new checkpoint: made when missing, else empty. */
static int prepare_dir(const char *dir, struct hk_error **err)
{
	struct stat sb;
	if (lstat(dir, &sb) < 0 && errno == ENOENT)
		return hk_mkdir_p(dir, 0700, err);
	if (lstat(dir, &sb) < 0)
		return hk_error_errno(err, "checkpoint directory \"%s\"", dir);
	if (!S_ISDIR(sb.st_mode))
		return hk_error_say(err, ENOTDIR,
				    "checkpoint directory \"%s\" is not a directory; give a new "
				    "or empty directory with -D",
				    dir);
	DIR *d = opendir(dir);
	if (!d)
		return hk_error_errno(err, "checkpoint directory \"%s\"", dir);
	bool empty = true;
	for (struct dirent *e; empty && (e = readdir(d));)
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	if (!empty)
		return hk_error_say(err, EEXIST,
				    "checkpoint directory \"%s\" is not empty (an earlier "
				    "checkpoint?); give a new or empty directory with -D",
				    dir);
	return 0;
}

/* The container is running here (its monitor holds it): its state. */
static int require_running(const struct hk_ct *ct, struct hk_state_file *sf, struct hk_error **err)
{
	const char *name = ct->name;
	if (hk_runner_refuse(ct, HK_OP_CHECKPOINT, err) < 0)
		return -1;
	enum hk_state s = hk_state_effective_ct(ct, sf);
	if (s == HK_STATE_ORPHANED)
		return hk_error_say(err, ESRCH,
				    "container \"%s\" has lost its monitor (ORPHANED); stop it "
				    "with \"hako stop -k %s\"",
				    name, name);
	if (s != HK_STATE_RUNNING && s != HK_STATE_FROZEN)
		return hk_state_is_active(s)
			       ? hk_error_say(err, EBUSY,
					      "container \"%s\" is %s; checkpoint it once it runs",
					      name, hk_state_name(s))
			       : hk_ct_refuse_not_running(ct, err);
	return 0;
}

/* ---- hako checkpoint ---- */

struct dump_ctx {
	struct hk_config cfg;
	struct hk_ckpt_info info;
	struct hk_ckpt_mounts mounts;
	struct hk_ct_cgroup cg;
	bool have_cg;
	struct hk_strv roots;
	char *freeze;
};

static void dump_ctx_free(struct dump_ctx *c)
{
	hk_config_free(&c->cfg);
	hk_ckpt_mounts_free(&c->mounts);
	if (c->have_cg)
		hk_ct_cgroup_close(&c->cg);
	hk_strv_clear(&c->roots);
	free(c->freeze);
}

/* Everything the dump needs, read while the container runs. */
static int gather(const struct hk_ct *ct, pid_t pid, struct dump_ctx *c, struct hk_error **err)
{
	const char *name = ct->name;
	hk_autostrv struct hk_strv overrides = { 0 };
	hk_start_overrides_load(ct, &overrides);
	if (hk_config_load_for_start(ct, &overrides, &c->cfg, err) < 0 ||
	    check_nets(name, &c->cfg, err) < 0 || hk_ckpt_mounts_of(&c->cfg, &c->mounts, err) < 0 ||
	    find_ttys(pid, &c->cfg, &c->info, err) < 0)
		return -1;
	if (hk_ct_cgroup_open(ct, &c->cg, err) < 0)
		return -1;
	c->have_cg = true;
	hk_ckpt_cgroup_roots(c->cg.cg, &c->roots, &c->freeze);
	snprintf(c->info.name, sizeof(c->info.name), "%s", name);
	return 0;
}

/* -s: criu killed the processes; the monitor finishes the stop and lets
 * go of the lock, which is waited for. */
static int wait_stopped(const struct hk_ct *ct, struct hk_error **err)
{
	hk_autolock struct hk_lock *lock = NULL;
	if (hk_ct_lock(ct, HK_LOCK_WAIT, 15000, &lock, err) < 0)
		return hk_error_prefix(err, "container \"%s\" was dumped, but did not stop",
				       ct->name);
	return 0;
}

static int dump(struct hk_store *st, const char *name, const struct hk_checkpoint_opts *o,
		const char *dir, struct hk_error **err)
{
	struct hk_state_file sf;
	hk_autoct struct hk_ct *ct = NULL;
	if (refuse_user(st, name, "checkpoint", err) < 0 ||
	    hk_ct_open(st, name, HK_CT_EXISTING, &ct, err) < 0 || require_running(ct, &sf, err) < 0)
		return -1;
	hk_autofree char *criu = hk_criu_find(err);
	if (!criu)
		return -1;
	struct dump_ctx c = { 0 };
	hk_config_init(&c.cfg);
	int rc = gather(ct, sf.init_pid, &c, err);
	if (rc == 0)
		rc = prepare_dir(dir, err);
	hk_autofree char *record = xasprintf("%s/%s", dir, HK_CKPT_FILE);
	if (rc == 0) {
		hk_autofree char *text = hk_ckpt_info_format(&c.info);
		rc = hk_write_file_atomic(record, text, strlen(text), 0600, err);
	}
	if (rc == 0) {
		struct hk_criu_dump d = { .criu = criu,
					  .dir = dir,
					  .pid = sf.init_pid,
					  .freeze_cgroup = c.freeze,
					  .cgroup_roots = &c.roots,
					  .mounts = c.mounts.v,
					  .n_mounts = c.mounts.n,
					  .ttys = &c.info,
					  .leave_running = !o->stop,
					  .verbose = o->verbose };
		hk_autostrv struct hk_strv argv = { 0 };
		hk_criu_dump_argv(&d, &argv);
		rc = hk_ckpt_run_criu(&argv, dir, "dump", NULL, NULL, err);
		if (rc < 0)
			unlink(record); /* the log stays; the directory is no checkpoint */
	}
	dump_ctx_free(&c);
	if (rc == 0 && o->stop)
		rc = wait_stopped(ct, err);
	return rc;
}

int hk_checkpoint(struct hk_store *st, const char *name, const struct hk_checkpoint_opts *o,
		  struct hk_error **err)
{
	hk_autofree char *dir = absolute(o->dir);
	if (dump(st, name, o, dir, err) < 0)
		return hk_error_prefix(err, "checkpoint \"%s\"", name);
	return 0;
}

/* ---- hako restore ---- */

/* dir holds a checkpoint hako made of name. */
static int read_checkpoint(const char *dir, const char *name, struct hk_ckpt_info *info,
			   struct hk_error **err)
{
	struct stat sb;
	if (stat(dir, &sb) < 0 && errno == ENOENT)
		return hk_error_say(err, ENOENT,
				    "checkpoint directory \"%s\" does not exist; give the -D "
				    "of an earlier \"hako checkpoint %s -D DIR\"",
				    dir, name);
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return hk_error_say(err, ENOTDIR, "checkpoint directory \"%s\" is not a directory",
				    dir);
	hk_autofree char *record = xasprintf("%s/%s", dir, HK_CKPT_FILE);
	hk_autofree char *inventory = xasprintf("%s/inventory.img", dir);
	hk_autofree char *text = NULL;
	if (access(inventory, F_OK) < 0 || hk_read_file(record, &text, NULL, NULL) < 0)
		return hk_error_say(err, ENOENT,
				    "\"%s\" is not a checkpoint (no %s and inventory.img in it); "
				    "make one with \"hako checkpoint %s -D DIR\"",
				    dir, HK_CKPT_FILE, name);
	if (hk_ckpt_info_parse(text, info, err) < 0)
		return hk_error_prefix(err, "checkpoint \"%s\": %s", dir, HK_CKPT_FILE);
	if (strcmp(info->name, name) != 0)
		return hk_error_say(err, EINVAL,
				    "checkpoint \"%s\" is of container \"%s\", not \"%s\"; restore "
				    "it with \"hako restore %s -D %s\"",
				    dir, info->name, name, info->name, dir);
	return 0;
}

/* A restore is for a stopped container: one that runs is said so
 * before its checkpoint is looked at. */
static int refuse_active(const struct hk_ct *ct, struct hk_error **err)
{
	const char *name = ct->name;
	if (hk_runner_refuse(ct, HK_OP_CRIU_RESTORE, err) < 0)
		return hk_error_prefix(err, "restore \"%s\"", name);
	struct hk_state_file sf;
	enum hk_state s = hk_state_effective_ct(ct, &sf);
	if (!hk_state_is_active(s) && s != HK_STATE_ORPHANED)
		return 0;
	return hk_error_say(err, EBUSY,
			    "restore \"%s\": container \"%s\" is already running (%s, pid %d); "
			    "stop it first (or dump it with \"hako checkpoint %s -s -D DIR\")",
			    name, name, hk_state_name(s), (int)sf.init_pid, name);
}

int hk_restore(struct hk_store *st, const char *name, const struct hk_restore_opts *o,
	       pid_t *init_pid, struct hk_error **err)
{
	struct hk_restore_req req = { .dir = absolute(o->dir), .verbose = o->verbose };
	hk_autoct struct hk_ct *ct = NULL;
	int rc = refuse_user(st, name, "restore", err);
	if (rc == 0)
		rc = hk_ct_open(st, name, HK_CT_EXISTING, &ct, err);
	if (rc == 0)
		rc = refuse_active(ct, err);
	if (rc == 0 && read_checkpoint(req.dir, name, &req.info, err) < 0)
		rc = hk_error_prefix(err, "restore \"%s\"", name);
	if (rc == 0 && !(req.criu = hk_criu_find(err)))
		rc = hk_error_prefix(err, "restore \"%s\"", name);
	if (rc == 0) {
		struct hk_start_opts so = { .restore = &req };
		rc = hk_start(st, name, &so, init_pid, err);
	}
	free(req.dir);
	free(req.criu);
	return rc;
}
