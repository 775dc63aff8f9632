/*
 * httpd: a small HTTP/1.1 static server, one thread per connection.
 *   httpd [-p PORT] [-d DIR]   (default 80; files from DIR, e.g. an image's
 *                               embedded tree, else the built-in site)
 * GET and HEAD; keep-alive (HTTP/1.1 default, or "Connection: keep-alive"
 * on 1.0); pipelined requests; 400, 404, 405, 413, 431 and 505 replies;
 * requests are bounded (headers 8 KiB, bodies 64 KiB).
 *
 * SIGTERM or SIGINT (on tincan: the host's, sent to tincan-run) stops it
 * gracefully: no new connections, idle keep-alive connections closed, the
 * requests under way answered (with "Connection: close"), then exit 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "docroot.h"
#include "site.h"

#define HEAD_MAX 8192
#define BODY_MAX 65536
#define IDLE_SECONDS 30

static const char *docroot; /* -d DIR, or NULL: the built-in site */

struct conn {
	int fd;
	int busy; /* a request has begun: let it finish when stopping */
	struct conn *next, **prev; /* in the list of live connections */
	char buf[HEAD_MAX];
	size_t len; /* bytes in buf */
};

/* Live connections, for a graceful stop. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_gone = PTHREAD_COND_INITIALIZER;
static struct conn *live;
static volatile int stopping;

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int reply(int fd, int code, const char *reason, const char *type, const char *body, size_t len, int head,
		 int keep, const char *extra)
{
	char h[512];
	int n = snprintf(h, sizeof h,
			 "HTTP/1.1 %d %s\r\nServer: tincan-httpd\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: %s\r\n%s\r\n",
			 code, reason, type, len, keep ? "keep-alive" : "close", extra ? extra : "");
	/* Header and a small body in one send: one segment, one exit. */
	if (!head && len && len <= sizeof h - (size_t)n && n > 0) {
		char all[1024];
		memcpy(all, h, (size_t)n);
		memcpy(all + n, body, len);
		return send_all(fd, all, (size_t)n + len);
	}
	if (send_all(fd, h, (size_t)n) < 0)
		return -1;
	return head ? 0 : send_all(fd, body, len);
}

/* size bytes of file in to the socket, in chunks. */
static int send_file(int fd, int in, off_t size)
{
	char *buf = malloc(16384);
	int r = buf ? 0 : -1;
	while (size > 0 && r == 0) {
		ssize_t n = read(in, buf, 16384);
		if (n <= 0)
			r = -1; /* shorter than it said: close, the length is a lie now */
		else {
			r = send_all(fd, buf, (size_t)n);
			size -= n;
		}
	}
	free(buf);
	return r;
}

static int error(int fd, int code, const char *reason, int keep, const char *extra)
{
	char body[128];
	int n = snprintf(body, sizeof body, "%d %s\n", code, reason);
	return reply(fd, code, reason, "text/plain; charset=utf-8", body, (size_t)n, 0, keep, extra);
}

/* The value of header name in [h, end), or NULL; *vlen its length. */
static const char *header(const char *h, const char *end, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	for (const char *line = h; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			const char *v = line + nl + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			const char *ve = eol;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		line = eol + 1;
	}
	return NULL;
}

static int has_token(const char *v, size_t len, const char *token)
{
	size_t tl = strlen(token);
	for (size_t i = 0; i + tl <= len; i++)
		if (strncasecmp(v + i, token, tl) == 0)
			return 1;
	return 0;
}

/* Handle one request at the start of c->buf; returns 1 to keep the
 * connection, 0 to close it. */
static int handle(struct conn *c, size_t head_len)
{
	const char *req = c->buf, *end = c->buf + head_len;
	const char *sp1 = memchr(req, ' ', (size_t)(end - req));
	const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1)) : NULL;
	const char *eol = memchr(req, '\r', (size_t)(end - req));
	if (!sp1 || !sp2 || !eol || sp2 > eol || eol - sp2 - 1 != 8 || strncmp(sp2 + 1, "HTTP/", 5) != 0 ||
	    sp2[7] != '.' || sp1[1] != '/') {
		error(c->fd, 400, "Bad Request", 0, NULL);
		return 0;
	}
	char minor = sp2[8];
	if (sp2[6] != '1' || (minor != '0' && minor != '1')) {
		error(c->fd, 505, "HTTP Version Not Supported", 0, NULL);
		return 0;
	}
	size_t vlen;
	const char *conn = header(eol + 2, end, "Connection", &vlen);
	int keep =
	    minor == '1' ? !(conn && has_token(conn, vlen, "close")) : (conn && has_token(conn, vlen, "keep-alive"));
	if (stopping)
		keep = 0;

	/* A body is read and dropped: these methods have no use for one. */
	const char *cl = header(eol + 2, end, "Content-Length", &vlen);
	if (cl) {
		char num[24] = { 0 };
		memcpy(num, cl, vlen < sizeof num - 1 ? vlen : sizeof num - 1);
		char *e;
		unsigned long body = strtoul(num, &e, 10);
		if (*e || !vlen) {
			error(c->fd, 400, "Bad Request", 0, NULL);
			return 0;
		}
		if (body > BODY_MAX) {
			error(c->fd, 413, "Content Too Large", 0, NULL);
			return 0;
		}
		size_t have = c->len - head_len;
		while (have < body) {
			char sink[4096];
			ssize_t r = recv(c->fd, sink, body - have < sizeof sink ? body - have : sizeof sink, 0);
			if (r <= 0)
				return 0;
			have += (size_t)r;
		}
		head_len += body;
	}
	if (header(eol + 2, end, "Transfer-Encoding", &vlen)) {
		error(c->fd, 400, "Bad Request", 0, NULL); /* no chunked request bodies */
		return 0;
	}

	size_t mlen = (size_t)(sp1 - req);
	int head = mlen == 4 && memcmp(req, "HEAD", 4) == 0;
	int ok;
	if (!head && !(mlen == 3 && memcmp(req, "GET", 3) == 0)) {
		ok = error(c->fd, 405, "Method Not Allowed", keep, "Allow: GET, HEAD\r\n") == 0;
	} else {
		const char *path = sp1 + 1;
		const char *q = memchr(path, '?', (size_t)(sp2 - path));
		size_t plen = (size_t)((q ? q : sp2) - path);
		const struct site_file *f = docroot ? NULL : site_find(path, plen);
		struct docroot_file df;
		if (docroot && docroot_open(docroot, path, plen, &df) == 0) {
			ok = reply(c->fd, 200, "OK", df.type, NULL, (size_t)df.size, 1, keep, NULL) == 0 &&
			     (head || send_file(c->fd, df.fd, df.size) == 0);
			close(df.fd);
		} else if (f)
			ok = reply(c->fd, 200, "OK", f->type, f->data, f->len, head, keep, NULL) == 0;
		else if (head)
			ok = reply(c->fd, 404, "Not Found", "text/plain; charset=utf-8", "", 14, 1, keep, NULL) == 0;
		else
			ok = error(c->fd, 404, "Not Found", keep, NULL) == 0;
	}
	/* Keep what follows (a pipelined request) for the next round. */
	memmove(c->buf, c->buf + head_len, c->len - head_len);
	c->len -= head_len;
	return ok && keep;
}

static void *serve(void *arg)
{
	struct conn *c = arg;
	for (;;) {
		char *end = NULL;
		c->busy = c->len > 0;
		if (stopping && !c->busy)
			goto out;
		while (!(end = c->len >= 4 ? memmem(c->buf, c->len, "\r\n\r\n", 4) : NULL)) {
			if (c->len == sizeof c->buf) {
				error(c->fd, 431, "Request Header Fields Too Large", 0, NULL);
				goto out;
			}
			ssize_t r = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
			if (r <= 0)
				goto out;
			c->len += (size_t)r;
			c->busy = 1;
		}
		if (!handle(c, (size_t)(end - c->buf) + 4))
			break;
	}
out:
	/* A lingering close: closing with unread input would reset the
	 * connection, and the reset can overtake our last reply. */
	shutdown(c->fd, SHUT_WR);
	struct timeval brief = { 1, 0 };
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &brief, sizeof brief);
	for (int i = 0; i < 64 && recv(c->fd, c->buf, sizeof c->buf, 0) > 0; i++)
		;
	close(c->fd);
	pthread_mutex_lock(&live_lock);
	if ((*c->prev = c->next))
		c->next->prev = c->prev;
	if (!live)
		pthread_cond_signal(&live_gone);
	pthread_mutex_unlock(&live_lock);
	free(c);
	return NULL;
}

static int listener = -1;

/* Waits for SIGTERM/SIGINT (blocked in every other thread), then stops
 * accepting and wakes the connections that wait for a request. */
static void *stopper(void *arg)
{
	sigset_t *set = arg;
	int sig = 0;
	if (sigwait(set, &sig) != 0)
		return NULL;
	stopping = sig;
	shutdown(listener, SHUT_RD); /* accept() returns */
	pthread_mutex_lock(&live_lock);
	for (struct conn *c = live; c; c = c->next)
		if (!c->busy)
			shutdown(c->fd, SHUT_RD); /* its recv() returns 0 */
	pthread_mutex_unlock(&live_lock);
	return NULL;
}

int main(int argc, char **argv)
{
	int port = 80, opt, one = 1;
	while ((opt = getopt(argc, argv, "p:d:")) != -1) {
		if (opt == 'd') {
			docroot = optarg;
		} else if (opt != 'p' || (port = atoi(optarg)) <= 0 || port > 65535) {
			fprintf(stderr, "usage: httpd [-p PORT] [-d DIR]\n");
			return 2;
		}
	}
	struct stat st;
	errno = 0;
	if (docroot && (stat(docroot, &st) < 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "httpd: -d %s: %s\n", docroot, errno ? strerror(errno) : "not a directory");
		return 1;
	}
	/* [::]: IPv6 and IPv4 clients alike (a dual-stack socket). */
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 128) < 0) {
		fprintf(stderr, "httpd: cannot listen on port %d: %s\n", port, strerror(errno));
		return 1;
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Every thread but the stopper keeps SIGTERM and SIGINT blocked. */
	static sigset_t stop_sigs;
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
	listener = l;
	pthread_t stop_thread;
	if (pthread_create(&stop_thread, &attr, stopper, &stop_sigs) != 0) {
		fprintf(stderr, "httpd: cannot start a thread\n");
		return 1;
	}
	printf("httpd: listening on TCP port %d\n", port);
	fflush(stdout);
	struct timeval idle = { IDLE_SECONDS, 0 };
	while (!stopping) {
		int fd = accept(l, NULL, NULL);
		if (fd < 0)
			continue;
		if (stopping) {
			close(fd);
			break;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
		struct conn *c = malloc(sizeof *c);
		pthread_t t;
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->len = 0;
		c->busy = 0;
		pthread_mutex_lock(&live_lock);
		if ((c->next = live))
			live->prev = &c->next;
		c->prev = &live;
		live = c;
		pthread_mutex_unlock(&live_lock);
		if (pthread_create(&t, &attr, serve, c) != 0) {
			pthread_mutex_lock(&live_lock);
			if ((*c->prev = c->next))
				c->next->prev = c->prev;
			pthread_mutex_unlock(&live_lock);
			free(c);
			close(fd);
		}
	}
	/* Stopping: the requests under way finish, then we are done. */
	close(l);
	pthread_mutex_lock(&live_lock);
	while (live)
		pthread_cond_wait(&live_gone, &live_lock);
	pthread_mutex_unlock(&live_lock);
	printf("httpd: stopped by %s\n", stopping == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}
