/* mount-lock.c - read-only binds whose read-only flag cannot be cleared.
 *
 * A mount that is read-only when the kernel copies it into a mount
 * namespace owned by a new user namespace gets MNT_LOCK_READONLY, and a
 * clone of it (open_tree) keeps the lock: no remount, mount_setattr or
 * superblock remount may then make it writable, whoever asks, the host's
 * root included (can_change_locked_flags).  A short-lived child of the
 * container's setup makes such a clone of the bind source and hands it
 * back; the setup attaches it in the container.  Without the lock, a
 * privileged container's root, or any root in a mount namespace of its
 * own, could `mount -o remount,rw,bind` a read-only bind and be left with
 * only file modes between it and the host's file (issue 16, item 10). */
#include "mountfd.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unixsock.h"
#include "util.h"

/* The child: in a private copy of our mount namespace, a read-only clone
 * of source is mounted over it; a new user and mount namespace then copies
 * it, locked; its clone goes back over sock.  Exits with the errno of the
 * step that failed. */
static __attribute__((noreturn)) void lock_child(const char *source, unsigned attrs, int sock)
{
	unsigned rec = (attrs & HK_MNT_RECURSIVE) ? AT_RECURSIVE : 0;
	hk_autofree char *copy = xstrdup(source);
	struct mount_attr ma = { .attr_set = hk_mount_attr_bits(attrs | HK_MNT_RDONLY) };
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(errno);
	int src = open(source, O_PATH | O_CLOEXEC);
	int tree = src < 0 ? -1
			   : open_tree(src, "",
				       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | rec);
	if (tree < 0 || mount_setattr(tree, "", AT_EMPTY_PATH | rec, &ma, sizeof(ma)) < 0 ||
	    move_mount(tree, "", src, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		_exit(errno);
	/* The working directory follows into the new namespace: resolve the
	 * name from there (the new user namespace maps nobody, so no
	 * capability helps a lookup from "/"). */
	struct stat st;
	const char *name = ".";
	if (stat(source, &st) < 0)
		_exit(errno);
	if (S_ISDIR(st.st_mode) ? chdir(source) < 0 : chdir(dirname(copy)) < 0)
		_exit(errno);
	if (!S_ISDIR(st.st_mode)) {
		const char *slash = strrchr(source, '/');
		name = slash ? slash + 1 : source;
	}
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		_exit(errno);
	int locked = open_tree(AT_FDCWD, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);
	if (locked < 0 || hk_unixsock_send_one_fd(sock, locked) < 0)
		_exit(errno ? errno : EIO);
	_exit(0);
}

int hk_mount_bind_locked(const char *source, int target_fd, unsigned attrs, struct hk_error **err)
{
	int sv[2];
	if (source[0] != '/')
		return hk_error_set(err, EINVAL, "bind source \"%s\" must be an absolute path",
				    source);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return hk_error_errno(err, "socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]), close(sv[1]);
		return hk_error_errno(err, "fork");
	}
	if (pid == 0) {
		close(sv[0]);
		lock_child(source, attrs, sv[1]);
	}
	close(sv[1]);
	hk_autoclose int locked = hk_unixsock_recv_one_fd(sv[0]);
	close(sv[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (locked < 0) {
		int e = WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status) : EIO;
		return hk_error_set(err, e,
				    "cannot make a locked read-only copy of the bind source \"%s\" "
				    "(it needs user "
				    "namespaces: check user.max_user_namespaces)",
				    source);
	}
	if (move_mount(locked, "", target_fd, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return hk_error_errno(err, "cannot attach the read-only bind of \"%s\"", source);
	return 0;
}
