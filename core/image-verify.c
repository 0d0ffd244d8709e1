/* image-verify.c - detached OpenPGP signatures, checked with gpgv.
 *
 * gpgv is the verify-only part of GnuPG (what apt uses): it needs no home
 * directory and no trust database, only a keyring.  It runs from a fixed
 * path with an empty environment, its stdin on /dev/null, its output
 * discarded, and exactly four more descriptors: 3 the status pipe, 4 the
 * data, 5 the signature, 6 the keyring, each opened by hako with the
 * caller's own rights and named to gpgv as /proc/self/fd/N.  Only the
 * machine-readable status lines decide: GOODSIG and VALIDSIG, no BADSIG or
 * ERRSIG, and exit status 0.
 */
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define GPGV	   "/usr/bin/gpgv"
#define STATUS_MAX 65536
#define GPGV_FIX   "apt-get install gpgv"
#define KEYRING_FIX                                                                                \
	"put the image server's public key there (gpg --export KEYID > FILE), or name "            \
	"another with --keyring FILE"

/* A status line "[GNUPG:] WORD rest"; returns rest or NULL. */
static const char *status_word(const char *line, const char *word)
{
	static const char prefix[] = "[GNUPG:] ";
	if (strncmp(line, prefix, sizeof(prefix) - 1))
		return NULL;
	line += sizeof(prefix) - 1;
	size_t n = strlen(word);
	if (strncmp(line, word, n) || (line[n] != ' ' && line[n] != '\0'))
		return NULL;
	return line[n] ? line + n + 1 : line + n;
}

/* Status words that mean "no": why, in words a user can act on. */
static const struct {
	const char *word;
	const char *why;
} refusals[] = {
	{ "BADSIG", "the signature does not match the file (it was changed or damaged)" },
	{ "ERRSIG", "the signature cannot be checked (unknown key or algorithm)" },
	{ "NO_PUBKEY", "the signing key is not in the keyring" },
	{ "EXPKEYSIG", "the signing key has expired" },
	{ "REVKEYSIG", "the signing key was revoked" },
	{ "EXPSIG", "the signature has expired" },
	{ "NODATA", "the signature file holds no OpenPGP signature" },
};

int hk_image_verify_status(const char *status, const char *shown, char **fpr, struct hk_error **err)
{
	bool good = false;
	hk_autofree char *valid = NULL;
	const char *why = NULL;
	hk_autofree char *copy = xstrdup(status ? status : "");
	char *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		const char *rest;
		if (status_word(l, "GOODSIG"))
			good = true;
		else if ((rest = status_word(l, "VALIDSIG")) && !valid)
			valid = xstrndup(rest, strcspn(rest, " "));
		for (size_t i = 0; i < HK_ARRAY_SIZE(refusals) && !why; i++)
			if (status_word(l, refusals[i].word))
				why = refusals[i].why;
	}
	if (why || !good || !valid || !*valid)
		return hk_error_set(err, 0,
				    "signature check of \"%s\" failed: %s; the file is refused "
				    "(fix the server or the keyring, or --no-validate over https "
				    "at your own risk)",
				    shown, why ? why : "gpgv reported no good, valid signature");
	if (fpr)
		*fpr = hk_steal_ptr(&valid);
	return 0;
}

static __attribute__((noreturn)) void exec_gpgv(const int fds[4])
{
	static char *const envp[] = { (char *)"LC_ALL=C", NULL };
	char *const argv[] = { (char *)GPGV,
			       (char *)"--homedir",
			       (char *)"/nonexistent",
			       (char *)"--status-fd",
			       (char *)"3",
			       (char *)"--keyring",
			       (char *)"/proc/self/fd/6",
			       (char *)"/proc/self/fd/5",
			       (char *)"/proc/self/fd/4",
			       NULL };
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int high[4];
	for (int i = 0; i < 4; i++) /* out of the way first: targets may collide */
		if ((high[i] = fcntl(fds[i], F_DUPFD, 10)) < 0)
			_exit(126);
	int devnull = open("/dev/null", O_RDWR);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
		_exit(126);
	for (int i = 0; i < 4; i++)
		if (dup2(high[i], 3 + i) < 0)
			_exit(126);
	close_range(7, ~0U, 0);
	execve(GPGV, argv, envp);
	_exit(127);
}

static char *read_status(int fd)
{
	struct hk_buf b = { 0 };
	char chunk[1024];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && b.len < STATUS_MAX)
			hk_buf_append(&b, chunk, (size_t)n);
	return hk_buf_steal(&b);
}

static int open_keyring(const char *keyring, struct hk_error **err)
{
	int fd = open(keyring, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot open keyring \"%s\"; %s", keyring, KEYRING_FIX);
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
		close(fd);
		return hk_error_set(err, EINVAL, "keyring \"%s\" is not a non-empty file; %s",
				    keyring, KEYRING_FIX);
	}
	return fd;
}

int hk_image_verify(const char *keyring, int data_fd, int sig_fd, const char *shown, char **fpr,
		    struct hk_error **err)
{
	if (access(GPGV, X_OK) < 0)
		return hk_error_errno(err,
				      "cannot check the signature of \"%s\": %s is missing (%s)",
				      shown, GPGV, GPGV_FIX);
	hk_autoclose int kfd = open_keyring(keyring, err);
	if (kfd < 0)
		return -1;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hk_error_errno(err, "cannot create a pipe for gpgv");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		const int fds[4] = { p[1], data_fd, sig_fd, kfd };
		close(p[0]);
		exec_gpgv(fds);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return hk_error_errno(err, "cannot fork to run gpgv");
	}
	hk_autofree char *status = read_status(p[0]);
	close(p[0]);
	int ws;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (hk_image_verify_status(status, shown, fpr, err) < 0)
		return -1;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		return hk_error_set(err, 0,
				    "signature check of \"%s\" failed: gpgv exited with status "
				    "%d; the file is refused",
				    shown, WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	return 0;
}
