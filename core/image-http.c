/* image-http.c - fetching image files over HTTP(S) with libcurl.
 *
 * One easy handle per fetch, written straight into the caller's file
 * descriptor.  A fetch into a file that already holds data resumes it with
 * a Range request (the cache keeps a broken download as a .partial file);
 * a server that ignores the range and sends the whole file again makes the
 * write callback start the file over.  Only http and https, for the first
 * request and for redirects; curl honours http_proxy and friends, as every
 * other download tool does.
 * Progress goes to the caller's callback; nothing here prints.
 *
 * libcurl is loaded with dlopen at the first download, not linked: linked,
 * it brings some 40 shared libraries (TLS, Kerberos, LDAP, ICU ...) into
 * the exec of every hako command, most of the time a short `hako ls` takes.
 *
 * HAKO_NO_CURL: the static hako that nesting containers run (make
 * hako-static) cannot load shared libraries: there a fetch is refused with
 * the way round it.
 */
#include "image.h"

#include <strings.h>

bool hk_image_url_is_https(const char *url)
{
	return url && !strncasecmp(url, "https://", 8);
}

#ifdef HAKO_NO_CURL
#include <errno.h>
#include <string.h>

int hk_image_fetch(const char *url, int fd, uint64_t max, const struct hk_progress *p,
		   const char *what, struct hk_error **err)
{
	(void)fd, (void)max, (void)p, (void)what;
	return hk_error_set(
		err, ENOTSUP,
		"cannot download \"%s\": this is the static hako for use inside "
		"containers, built without an HTTP client; download the image on the host "
		"and create from the file with -t tar:FILE, or copy the host's cache in",
		url);
}

int hk_image_fetch_mem(const char *url, size_t max, char **out, size_t *len, struct hk_error **err)
{
	(void)max, (void)out, (void)len;
	return hk_image_fetch(url, -1, 0, NULL, url, err);
}
#else
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

#define CONNECT_TIMEOUT 30L
#define STALL_SECONDS	60L

#define LIBCURL "libcurl.so.4"

/* The libcurl entry points hako uses, from dlopen. */
static struct {
	bool loaded;
	CURL *(*init)(void);
	CURLcode (*setopt)(CURL *, CURLoption, ...);
	CURLcode (*perform)(CURL *);
	CURLcode (*getinfo)(CURL *, CURLINFO, ...);
	void (*cleanup)(CURL *);
	const char *(*strerror)(CURLcode);
} lc;

static int load_libcurl(const char *url, struct hk_error **err)
{
	if (lc.loaded)
		return 0;
	void *lib = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return hk_error_set(err, ENOENT,
				    "cannot download \"%s\": %s cannot be loaded (%s); install it: "
				    "apt-get install libcurl4",
				    url, LIBCURL, dlerror());
	struct {
		const char *name;
		void **slot;
	} syms[] = {
		{ "curl_easy_init", (void **)&lc.init },
		{ "curl_easy_setopt", (void **)&lc.setopt },
		{ "curl_easy_perform", (void **)&lc.perform },
		{ "curl_easy_getinfo", (void **)&lc.getinfo },
		{ "curl_easy_cleanup", (void **)&lc.cleanup },
		{ "curl_easy_strerror", (void **)&lc.strerror },
	};
	for (size_t i = 0; i < HK_ARRAY_SIZE(syms); i++)
		if (!(*syms[i].slot = dlsym(lib, syms[i].name)))
			return hk_error_set(
				err, ENOENT,
				"cannot download \"%s\": %s lacks %s; install a current "
				"libcurl4",
				url, LIBCURL, syms[i].name);
	lc.loaded = true; /* the library stays loaded for the process */
	return 0;
}

struct fetch {
	int fd;
	uint64_t start; /* bytes the file held before (the resume offset) */
	uint64_t got;	/* bytes written this time */
	uint64_t max;
	bool checked; /* response code looked at */
	bool too_big;
	int write_errno;
	CURL *h;
	const struct hk_progress *p;
	const char *what;
};

/* On the first data: a 200 answer to a Range request is the whole file. */
static void check_restart(struct fetch *f)
{
	f->checked = true;
	long code = 0;
	lc.getinfo(f->h, CURLINFO_RESPONSE_CODE, &code);
	if (f->start && code == 200) {
		hk_log(HK_LOG_INFO, "%s: the server does not resume; downloading it again",
		       f->what);
		if (ftruncate(f->fd, 0) == 0)
			lseek(f->fd, 0, SEEK_SET);
		f->start = 0;
	}
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * nmemb;
	if (!f->checked)
		check_restart(f);
	if (f->max && f->start + f->got + len > f->max) {
		f->too_big = true;
		return 0;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(f->fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			f->write_errno = n < 0 ? errno : EIO;
			return 0;
		}
		off += (size_t)n;
	}
	f->got += len;
	return len;
}

/* create holds SIGINT/SIGTERM/SIGHUP blocked so that its undo runs; a long
 * download must still stop when one of them is pending. */
static int interrupted(void)
{
	sigset_t pending;
	if (sigpending(&pending) < 0)
		return 0;
	return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1 ||
	       sigismember(&pending, SIGHUP) == 1;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	(void)ultotal;
	(void)ulnow;
	struct fetch *f = arg;
	if (f->p && f->p->fn)
		f->p->fn(f->p->data, f->what, f->start + (uint64_t)dlnow,
			 dltotal ? f->start + (uint64_t)dltotal : 0);
	return interrupted(); /* non-zero aborts the transfer */
}

static void setup(struct fetch *f, const char *url, char *errbuf)
{
	CURL *h = f->h;
	lc.setopt(h, CURLOPT_URL, url);
	lc.setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	lc.setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	lc.setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	lc.setopt(h, CURLOPT_MAXREDIRS, 5L);
	lc.setopt(h, CURLOPT_FAILONERROR, 1L);
	lc.setopt(h, CURLOPT_NOSIGNAL, 1L);
	lc.setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	lc.setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	lc.setopt(h, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	lc.setopt(h, CURLOPT_USERAGENT, "hako/" HAKO_VERSION);
	lc.setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	lc.setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	lc.setopt(h, CURLOPT_WRITEDATA, f);
	lc.setopt(h, CURLOPT_NOPROGRESS, 0L);
	lc.setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	lc.setopt(h, CURLOPT_XFERINFODATA, f);
	if (f->start)
		lc.setopt(h, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)f->start);
}

/* Turns a failed transfer into a message naming the URL and what to do. */
static int fetch_error(struct fetch *f, const char *url, CURLcode rc, const char *errbuf,
		       struct hk_error **err)
{
	long code = 0;
	lc.getinfo(f->h, CURLINFO_RESPONSE_CODE, &code);
	const char *detail = *errbuf ? errbuf : lc.strerror(rc);
	if (f->write_errno)
		return hk_error_set(err, f->write_errno, "cannot save \"%s\" (is the disk full?)",
				    url);
	if (f->too_big)
		return hk_error_set(err, EFBIG, "\"%s\" is larger than %llu bytes; refused", url,
				    (unsigned long long)f->max);
	if (rc == CURLE_HTTP_RETURNED_ERROR)
		return hk_error_set(err, 0,
				    "\"%s\": the server answered HTTP %ld%s; check --server, -d, "
				    "-r, -a and --variant against `hako create -t download -- "
				    "--list`",
				    url, code, code == 404 ? " (not found)" : "");
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return hk_error_set(err, EINTR,
				    "download of \"%s\" interrupted after %llu bytes; what "
				    "arrived is kept: run the same command again to resume",
				    url, (unsigned long long)(f->start + f->got));
	if (rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_OPERATION_TIMEDOUT)
		return hk_error_set(err, 0,
				    "download of \"%s\" broke off after %llu bytes (%s); what "
				    "arrived is kept: run the same command again to resume",
				    url, (unsigned long long)(f->start + f->got), detail);
	return hk_error_set(err, 0, "cannot download \"%s\": %s", url, detail);
}

int hk_image_fetch(const char *url, int fd, uint64_t max, const struct hk_progress *p,
		   const char *what, struct hk_error **err)
{
	struct stat sb;
	if (fstat(fd, &sb) < 0)
		return hk_error_errno(err, "cannot look at the download file for \"%s\"", url);
	if (lseek(fd, 0, SEEK_END) < 0)
		return hk_error_errno(err, "cannot seek in the download file for \"%s\"", url);
	struct fetch f = {
		.fd = fd, .start = (uint64_t)sb.st_size, .max = max, .p = p, .what = what
	};
	if (load_libcurl(url, err) < 0)
		return -1;
	if (f.start)
		hk_log(HK_LOG_INFO, "%s: resuming after %llu bytes", what,
		       (unsigned long long)f.start);
	f.h = lc.init();
	if (!f.h)
		return hk_error_set(err, ENOMEM, "cannot start libcurl for \"%s\"", url);
	char errbuf[CURL_ERROR_SIZE] = "";
	setup(&f, url, errbuf);
	CURLcode rc = lc.perform(f.h);
	long code = 0;
	lc.getinfo(f.h, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416 && f.start) {
		/* The partial file is as long as the server's or longer: stale. */
		lc.cleanup(f.h);
		if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
			return hk_error_errno(err, "cannot restart the download of \"%s\"", url);
		return hk_image_fetch(url, fd, max, p, what, err);
	}
	int ret = rc == CURLE_OK ? 0 : fetch_error(&f, url, rc, errbuf, err);
	lc.cleanup(f.h);
	if (ret == 0 && p && p->fn)
		p->fn(p->data, what, f.start + f.got, f.start + f.got);
	return ret;
}

int hk_image_fetch_mem(const char *url, size_t max, char **out, size_t *len, struct hk_error **err)
{
	hk_autoclose int fd = memfd_create("hako-fetch", MFD_CLOEXEC);
	if (fd < 0)
		return hk_error_errno(err, "cannot create a memory file");
	if (hk_image_fetch(url, fd, max, NULL, url, err) < 0)
		return -1;
	struct hk_buf b = { 0 };
	char chunk[8192];
	ssize_t n;
	off_t off = 0;
	while ((n = pread(fd, chunk, sizeof(chunk), off)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0) {
			hk_buf_append(&b, chunk, (size_t)n);
			off += n;
		}
	if (n < 0) {
		hk_buf_free(&b);
		return hk_error_errno(err, "cannot read what came from \"%s\"", url);
	}
	*len = b.len;
	*out = hk_buf_steal(&b);
	return 0;
}
#endif /* HAKO_NO_CURL */
