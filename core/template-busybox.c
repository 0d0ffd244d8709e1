/* template-busybox.c - the busybox template: a tiny system made of the
 * host's static busybox, one symlink per applet, a directory skeleton and
 * the few files busybox init and its scripts read.  Needs no network.
 *
 * prepare (in the caller) finds the host binary, refuses a dynamically
 * linked one and asks it for its applet list; build (possibly inside a user
 * namespace) only copies from the open descriptor and writes new files
 * with openat(O_CREAT|O_EXCL|O_NOFOLLOW) below the rootfs descriptor.
 * Nothing inside the rootfs is ever executed.
 *
 * root has no password in the container (`root::0:0`): `hako console` and
 * `hako attach` log in without one; set one with passwd inside if the
 * container is reachable otherwise.
 */
#include "template.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elf-static.h"
#include "log.h"
#include "util.h"

#define BUSYBOX_FIX "apt-get install busybox-static"
#define MAX_APPLETS 4096

static const char *const search_dirs[] = { "/bin", "/usr/bin", "/sbin", "/usr/sbin" };

struct busybox {
	char *path;
	int fd;
	struct hk_strv applets;
};

/* ---- prepare: find and check the host binary ---- */

bool hk_busybox_applet_ok(const char *line)
{
	static const char *const dirs[] = { "bin/", "sbin/", "usr/bin/", "usr/sbin/" };
	for (size_t i = 0; i < HK_ARRAY_SIZE(dirs); i++) {
		if (!hk_str_has_prefix(line, dirs[i]))
			continue;
		const char *name = line + strlen(dirs[i]);
		if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
		    strlen(name) > 64)
			return false;
		for (const char *p = name; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				return false;
		return true;
	}
	return false;
}

static char *find_busybox(void)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(search_dirs); i++) {
		char *p = xasprintf("%s/busybox", search_dirs[i]);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static __attribute__((noreturn)) void exec_list(int fd, int out)
{
	static char *const envp[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	char *const argv[] = { (char *)"busybox", (char *)"--list-full", NULL };
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(out, STDOUT_FILENO);
	fexecve(fd, argv, envp);
	_exit(127);
}

/* Runs the host busybox (from its open descriptor) with --list-full. */
static int list_applets(struct busybox *bb, struct hk_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hk_error_errno(err, "cannot create a pipe");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		exec_list(bb->fd, p[1]);
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return hk_error_errno(err, "cannot fork to run \"%s\"", bb->path);
	}
	hk_autofclose FILE *f = fdopen(p[0], "re");
	hk_autofree char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) { /* read it all: the child must not block */
		line[strcspn(line, "\n")] = '\0';
		if (bb->applets.n >= MAX_APPLETS)
			continue;
		if (hk_busybox_applet_ok(line) && strcmp(line, "bin/busybox") != 0)
			hk_strv_push(&bb->applets, line);
		else if (*line)
			hk_log(HK_LOG_DEBUG, "busybox: skipping applet \"%s\"", line);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || bb->applets.n == 0)
		return hk_error_set(err, 0,
				    "\"%s --list-full\" failed or listed no applets; "
				    "a busybox without --list-full is too old (%s)",
				    bb->path, BUSYBOX_FIX);
	return 0;
}

static int parse_args(char *const *args, const char **path, struct hk_error **err)
{
	for (size_t i = 0; args && args[i]; i++) {
		if ((!strcmp(args[i], "--busybox-path") || !strcmp(args[i], "--busyboxpath")) &&
		    args[i + 1]) {
			*path = args[++i];
			continue;
		}
		return hk_error_set(err, EINVAL,
				    "template busybox: unknown argument \"%s\" "
				    "(usage: %s)",
				    args[i], hk_template_busybox.usage);
	}
	return 0;
}

static int open_busybox(struct busybox *bb, struct hk_error **err)
{
	bb->fd = open(bb->path, O_RDONLY | O_CLOEXEC);
	if (bb->fd < 0)
		return hk_error_errno(err, "cannot open busybox \"%s\"", bb->path);
	struct stat st;
	if (fstat(bb->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return hk_error_set(err, EINVAL, "busybox \"%s\" is not a regular file", bb->path);
	int is_static = hk_elf_is_static(bb->fd, bb->path, err);
	if (is_static < 0)
		return -1;
	if (!is_static)
		return hk_error_set(err, 0,
				    "busybox \"%s\" is dynamically linked and would not run "
				    "inside the container; install a static one (%s)",
				    bb->path, BUSYBOX_FIX);
	return 0;
}

static void busybox_release(struct hk_template_ctx *ctx)
{
	struct busybox *bb = ctx->priv;
	if (!bb)
		return;
	if (bb->fd >= 0)
		close(bb->fd);
	free(bb->path);
	hk_strv_clear(&bb->applets);
	free(bb);
	ctx->priv = NULL;
}

static int busybox_prepare(struct hk_template_ctx *ctx, struct hk_error **err)
{
	const char *given = NULL;
	if (parse_args(ctx->args, &given, err) < 0)
		return -1;
	struct busybox *bb = xcalloc(1, sizeof(*bb));
	bb->fd = -1;
	ctx->priv = bb;
	bb->path = given ? xstrdup(given) : find_busybox();
	if (!bb->path)
		return hk_error_set(err, ENOENT,
				    "no busybox in /bin, /usr/bin, /sbin or /usr/sbin; "
				    "the busybox template copies the host's (%s)",
				    BUSYBOX_FIX);
	if (open_busybox(bb, err) < 0 || list_applets(bb, err) < 0)
		return hk_error_prefix(err, "template busybox");
	return 0;
}

static void busybox_config(const struct hk_template_ctx *ctx, struct hk_buf *out)
{
	(void)ctx;
	hk_buf_puts(out,
		    "# Template busybox: busybox init halts on SIGUSR1 and reboots on SIGTERM;\n"
		    "# one getty on tty1 and the console (/etc/inittab).\n"
		    "lxc.signal.halt = SIGUSR1\n"
		    "lxc.signal.reboot = SIGTERM\n"
		    "lxc.tty.max = 1\n"
		    "lxc.pty.max = 1024\n"
		    "lxc.mount.auto = proc:mixed sys:ro\n");
}

/* ---- build: the tree ---- */

struct dir_spec {
	const char *path;
	mode_t mode;
};

static const struct dir_spec skeleton[] = {
	{ "bin", 0755 },
	{ "sbin", 0755 },
	{ "usr", 0755 },
	{ "usr/bin", 0755 },
	{ "usr/sbin", 0755 },
	{ "usr/share", 0755 },
	{ "usr/share/udhcpc", 0755 },
	{ "etc", 0755 },
	{ "etc/init.d", 0755 },
	{ "dev", 0755 },
	{ "proc", 0555 },
	{ "sys", 0555 },
	{ "tmp", 01777 },
	{ "root", 0700 },
	{ "run", 0755 },
	{ "var", 0755 },
	{ "var/log", 0755 },
	{ "home", 0755 },
	{ "mnt", 0755 },
	{ "lib", 0755 },
};

static const char inittab[] = "# /etc/inittab - busybox init (hako busybox template)\n"
			      "::sysinit:/etc/init.d/rcS\n"
			      "console::respawn:/sbin/getty -L console 0 vt100\n"
			      "tty1::respawn:/sbin/getty -L tty1 0 vt100\n"
			      "::ctrlaltdel:/sbin/reboot\n"
			      "::shutdown:/bin/sync\n";

static const char rcs[] =
	"#!/bin/sh\n"
	"# /etc/init.d/rcS - boot script of a hako busybox container.\n"
	"# Mounts what the container manager did not, names the host, brings up\n"
	"# the network.  Quiet on purpose: it runs on the console.\n"
	"mounted() { grep -q \" $1 \" /proc/mounts 2>/dev/null; }\n"
	"mounted /proc || mount -t proc proc /proc\n"
	"mounted /sys || mount -t sysfs -o ro sysfs /sys 2>/dev/null\n"
	"mkdir -p /dev/pts /dev/shm\n"
	"mounted /dev/pts || mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts "
	"2>/dev/null\n"
	"mounted /dev/shm || mount -t tmpfs -o mode=1777 shm /dev/shm 2>/dev/null\n"
	"mounted /run || mount -t tmpfs -o mode=0755 run /run 2>/dev/null\n"
	"# The manager sets the hostname (lxc.uts.name); /etc/hostname only when it did not.\n"
	"case \"$(hostname)\" in ''|'(none)'|localhost) [ -s /etc/hostname ] && hostname -F /etc/hostname ;; esac\n"
	"ifconfig lo up 2>/dev/null\n"
	"if [ -e /sys/class/net/eth0 ] && ! ip -4 addr show dev eth0 2>/dev/null | grep -q inet; "
	"then\n"
	"\tudhcpc -i eth0 -b -S -s /usr/share/udhcpc/default.script >/dev/null 2>&1\n"
	"fi\n"
	"exit 0\n";

static const char udhcpc_script[] =
	"#!/bin/sh\n"
	"# udhcpc event script (hako busybox template): applies a lease.\n"
	"# udhcpc passes the event as $1 and the lease in the environment.\n"
	"[ -n \"$1\" ] || { echo \"$0: run by udhcpc only\" >&2; exit 1; }\n"
	"case \"$1\" in\n"
	"deconfig)\n"
	"\tifconfig \"$interface\" 0.0.0.0\n"
	"\t;;\n"
	"bound|renew)\n"
	"\tifconfig \"$interface\" \"$ip\" ${subnet:+netmask $subnet} "
	"${broadcast:+broadcast $broadcast}\n"
	"\tif [ -n \"$router\" ]; then\n"
	"\t\twhile route del default gw 0.0.0.0 dev \"$interface\" 2>/dev/null; do :; done\n"
	"\t\tmetric=0\n"
	"\t\tfor gw in $router; do\n"
	"\t\t\troute add default gw \"$gw\" dev \"$interface\" metric $metric\n"
	"\t\t\tmetric=$((metric + 1))\n"
	"\t\tdone\n"
	"\tfi\n"
	"\t{\n"
	"\t\t[ -n \"$domain\" ] && echo \"search $domain\"\n"
	"\t\tfor ns in $dns; do echo \"nameserver $ns\"; done\n"
	"\t} >/etc/resolv.conf\n"
	"\t;;\n"
	"esac\n"
	"exit 0\n";

static const char profile[] = "# /etc/profile (hako busybox template)\n"
			      "export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"
			      "export PS1='\\u@\\h:\\w\\$ '\n"
			      "umask 022\n";

static const char passwd[] = "root::0:0:root:/root:/bin/sh\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
static const char group[] = "root:x:0:\n"
			    "tty:x:5:\n"
			    "nogroup:x:65534:\n";

struct file_spec {
	const char *path;
	mode_t mode;
	const char *text; /* NULL: built from the container name */
};

static const struct file_spec files[] = {
	{ "etc/inittab", 0644, inittab },
	{ "etc/init.d/rcS", 0755, rcs },
	{ "etc/passwd", 0644, passwd },
	{ "etc/group", 0644, group },
	{ "etc/profile", 0644, profile },
	{ "etc/fstab", 0644, "" },
	{ "etc/resolv.conf", 0644, "" },
	{ "etc/hostname", 0644, NULL },
	{ "etc/hosts", 0644, NULL },
	{ "usr/share/udhcpc/default.script", 0755, udhcpc_script },
};

/* Opens directory `path` below rootfd without following any symlink. */
static int open_dir(int rootfd, const char *path, struct hk_error **err)
{
	hk_autofree char *copy = xstrdup(path);
	int fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c && fd >= 0; c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return hk_error_errno(err, "cannot open directory \"%s\" in the rootfs", path);
	return fd;
}

/* Splits "a/b/c" into the open directory "a/b" and the name "c". */
static int open_parent(int rootfd, const char *path, const char **name, struct hk_error **err)
{
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	if (!slash)
		return fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	hk_autofree char *dir = xstrndup(path, (size_t)(slash - path));
	return open_dir(rootfd, dir, err);
}

static int make_dir(int rootfd, const struct dir_spec *d, struct hk_error **err)
{
	const char *name;
	hk_autoclose int pfd = open_parent(rootfd, d->path, &name, err);
	if (pfd < 0)
		return -1;
	if (mkdirat(pfd, name, 0700) < 0)
		return hk_error_errno(err, "cannot create \"/%s\" in the rootfs", d->path);
	hk_autoclose int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, d->mode) < 0) /* exact mode, whatever the umask */
		return hk_error_errno(err, "cannot set the mode of \"/%s\" in the rootfs", d->path);
	return 0;
}

static int write_new(int rootfd, const char *path, mode_t mode, const char *data, size_t len,
		     struct hk_error **err)
{
	const char *name;
	hk_autoclose int pfd = open_parent(rootfd, path, &name, err);
	if (pfd < 0)
		return -1;
	hk_autoclose int fd =
		openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return hk_error_errno(err, "cannot create \"/%s\" in the rootfs", path);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hk_error_errno(err, "cannot write \"/%s\" in the rootfs", path);
		off += (size_t)n;
	}
	if (fchmod(fd, mode) < 0)
		return hk_error_errno(err, "cannot set the mode of \"/%s\" in the rootfs", path);
	return 0;
}

static char *named_text(const char *path, const char *name)
{
	if (!strcmp(path, "etc/hostname"))
		return xasprintf("%s\n", name);
	return xasprintf("127.0.0.1\tlocalhost\n127.0.1.1\t%s\n"
			 "::1\tlocalhost ip6-localhost ip6-loopback\n",
			 name);
}

static int write_files(int rootfd, const char *name, struct hk_error **err)
{
	for (size_t i = 0; i < HK_ARRAY_SIZE(files); i++) {
		const struct file_spec *f = &files[i];
		hk_autofree char *made = f->text ? NULL : named_text(f->path, name);
		const char *text = f->text ? f->text : made;
		if (write_new(rootfd, f->path, f->mode, text, strlen(text), err) < 0)
			return -1;
	}
	return 0;
}

static int copy_busybox(int rootfd, int src, struct hk_error **err)
{
	struct stat st;
	if (fstat(src, &st) < 0)
		return hk_error_errno(err, "cannot stat the host busybox");
	hk_autoclose int bin = open_dir(rootfd, "bin", err);
	if (bin < 0)
		return -1;
	hk_autoclose int fd =
		openat(bin, "busybox", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
	if (fd < 0)
		return hk_error_errno(err, "cannot create \"/bin/busybox\" in the rootfs");
	off_t off = 0; /* sendfile with an offset leaves the shared file position alone */
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return hk_error_errno(err, "cannot copy busybox to \"/bin/busybox\"");
	}
	if (fchmod(fd, 0755) < 0)
		return hk_error_errno(err, "cannot set the mode of \"/bin/busybox\"");
	return 0;
}

static int link_applets(int rootfd, const struct hk_strv *applets, struct hk_error **err)
{
	for (size_t i = 0; i < applets->n; i++) {
		const char *name;
		hk_autoclose int pfd = open_parent(rootfd, applets->v[i], &name, err);
		if (pfd < 0)
			return -1;
		if (symlinkat("/bin/busybox", pfd, name) < 0 && errno != EEXIST)
			return hk_error_errno(err, "cannot create \"/%s\" in the rootfs",
					      applets->v[i]);
	}
	return 0;
}

static int busybox_build(int rootfd, const struct hk_template_ctx *ctx, struct hk_error **err)
{
	const struct busybox *bb = ctx->priv;
	if (fchmod(rootfd, 0755) < 0)
		return hk_error_errno(err, "cannot set the mode of rootfs \"%s\"", ctx->rootfs);
	for (size_t i = 0; i < HK_ARRAY_SIZE(skeleton); i++)
		if (make_dir(rootfd, &skeleton[i], err) < 0)
			return -1;
	hk_autoclose int var = open_dir(rootfd, "var", err);
	if (var < 0)
		return -1;
	if (symlinkat("../run", var, "run") < 0)
		return hk_error_errno(err, "cannot create \"/var/run\" in the rootfs");
	if (copy_busybox(rootfd, bb->fd, err) < 0 || link_applets(rootfd, &bb->applets, err) < 0 ||
	    write_files(rootfd, ctx->name, err) < 0)
		return -1;
	return 0;
}

const struct hk_template hk_template_busybox = {
	.name = "busybox",
	.summary = "a tiny system from the host's static busybox (no network needed)",
	.usage = "[--busybox-path PATH]",
	.prepare = busybox_prepare,
	.config = busybox_config,
	.build = busybox_build,
	.release = busybox_release,
};
