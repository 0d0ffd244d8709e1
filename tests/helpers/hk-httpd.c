/* hk-httpd.c - a tiny HTTP/1.1 file server for the image tests, on
 * 127.0.0.1 only: `hk-httpd ROOT PORTFILE LOGFILE`.
 *
 * Serves GET and HEAD of files below ROOT (no "..", no directory listings),
 * one connection at a time, Connection: close.  Honours `Range: bytes=N-`
 * with 206 (416 past the end).  Writes the port it got to PORTFILE once it
 * listens, and one line per request to LOGFILE: "GET /path range=N CODE".
 * Misbehaves on request, for the tests of broken downloads: when
 * ROOT/.stop-after holds a number N, the next whole-file GET of a file
 * longer than N sends the full Content-Length but only N bytes, closes the
 * connection and removes .stop-after; while ROOT/.slow exists, file data
 * goes out 4 KiB every 50 ms.  Stop it with SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static const char *root;
static FILE *log_file;

static void reply(int c, int code, const char *msg)
{
	dprintf(c, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", code, msg);
}

static long stop_after(void)
{
	char path[4096], buf[32] = "";
	snprintf(path, sizeof(path), "%s/.stop-after", root);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atol(buf) : -1;
}

/* ROOT/.slow present: 4 KiB every 50 ms (for interrupting a download). */
static bool slow(void)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/.slow", root);
	return access(path, F_OK) == 0;
}

static void send_range(int c, int fd, off_t from, off_t len)
{
	bool crawl = slow();
	while (len > 0) {
		if (crawl)
			usleep(50000);
		ssize_t n = sendfile(c, fd, &from, crawl && len > 4096 ? 4096 : (size_t)len);
		if (n <= 0)
			return;
		len -= n;
	}
}

static int serve_file(int c, const char *method, const char *path, long range)
{
	char full[8192];
	snprintf(full, sizeof(full), "%s/%s", root, path);
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		reply(c, 404, "Not Found");
		return 404;
	}
	off_t size = sb.st_size, from = range > 0 ? range : 0;
	if (from && from >= size) {
		dprintf(c,
			"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */%lld\r\n"
			"Content-Length: 0\r\nConnection: close\r\n\r\n",
			(long long)size);
		close(fd);
		return 416;
	}
	int code = from ? 206 : 200;
	dprintf(c, "HTTP/1.1 %d %s\r\nContent-Length: %lld\r\nAccept-Ranges: bytes\r\n", code,
		from ? "Partial Content" : "OK", (long long)(size - from));
	if (from)
		dprintf(c, "Content-Range: bytes %lld-%lld/%lld\r\n", (long long)from,
			(long long)size - 1, (long long)size);
	dprintf(c, "Connection: close\r\n\r\n");
	if (strcmp(method, "HEAD")) {
		long stop = from ? -1 : stop_after();
		off_t len = size - from;
		if (stop >= 0 && stop < len) {
			char ctl[4096];
			snprintf(ctl, sizeof(ctl), "%s/.stop-after", root);
			unlink(ctl); /* once */
			len = stop;
			code = 599; /* logged as "cut" */
		}
		send_range(c, fd, from, len);
	}
	close(fd);
	return code;
}

static void handle(int c)
{
	char req[8192];
	size_t got = 0;
	while (got < sizeof(req) - 1) {
		ssize_t n = read(c, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			return;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	char method[16], path[4096];
	if (sscanf(req, "%15s /%4095s HTTP/", method, path) != 2) {
		reply(c, 400, "Bad Request");
		return;
	}
	long range = -1;
	const char *r = strcasestr(req, "\r\nRange: bytes=");
	if (r)
		range = atol(r + strlen("\r\nRange: bytes="));
	int code;
	if (strstr(path, "..") || path[0] == '/')
		reply(c, code = 400, "Bad Request");
	else if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		reply(c, code = 405, "Method Not Allowed");
	else
		code = serve_file(c, method, path, range);
	fprintf(log_file, "%s /%s range=%ld %d\n", method, path, range, code);
	fflush(log_file);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: hk-httpd ROOT PORTFILE LOGFILE\n");
		return 2;
	}
	root = argv[1];
	log_file = fopen(argv[3], "ae");
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	if (!log_file || s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s, 16) < 0 || getsockname(s, (struct sockaddr *)&a, &alen) < 0) {
		perror("hk-httpd");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	FILE *pf = fopen(tmp, "we");
	if (!pf || fprintf(pf, "%d\n", ntohs(a.sin_port)) < 0 || fclose(pf) ||
	    rename(tmp, argv[2])) {
		perror("hk-httpd: port file");
		return 1;
	}
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		struct timeval tv = { .tv_sec = 5 };
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		handle(c);
		close(c);
	}
}
