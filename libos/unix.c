/*
 * AF_UNIX sockets inside one guest: SOCK_STREAM, SOCK_DGRAM and
 * SOCK_SEQPACKET, as open files on the descriptor table with the socket
 * calls of sockops.h.  No network stack is involved: a socket's receive
 * queue is a list of messages (a stream reads across them, the other types
 * one message per call) that the sender appends to directly.
 *
 * Names: a path name is a file created in the VFS by bind() (it stays until
 * unlink(), as on Linux, and connect() finds the socket by the file's
 * device and inode); an abstract name (sun_path[0] == 0) lives only in the
 * list of bound sockets.  connect() on a listening socket makes the
 * server's end at once and queues it for accept().
 *
 * Threads are cooperative, so no locks: a blocked call parks on the wait
 * queue of the socket whose state it waits for (its own, or the receiver's
 * when sending), holding a reference; every change wakes that queue and
 * poll()/select()/epoll (fd_activity).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"
#include "sched.h"
#include "sockops.h"

#define UNIX_BUF (256 * 1024) /* bytes a receive queue holds (SO_RCVBUF) */
#define UNIX_QLEN 512 /* datagrams a receive queue holds (Linux's max_dgram_qlen) */
#define UNIX_BACKLOG 128
#define ADDR_MIN offsetof(struct sockaddr_un, sun_path)

struct umsg {
	struct umsg *next;
	size_t len, off; /* off: bytes a stream reader already took */
	struct sockaddr_un from; /* the sender's name (datagrams) */
	socklen_t fromlen;
	unsigned char data[];
};

enum { U_NEW, U_LISTENING, U_CONNECTED };

struct usock {
	int type, state;
	int refs; /* the open file (or a place in an accept queue), peers, blocked threads */
	unsigned closed : 1;
	unsigned rcv_shut : 1, snd_shut : 1; /* no more data in / out (shutdown, peer gone) */
	int err; /* pending error (SO_ERROR), positive errno */
	struct usock *peer; /* connected to (a reference) */
	struct umsg *rq, *rq_tail; /* received, not yet read */
	size_t rq_bytes;
	unsigned rq_count;
	struct usock *aq, *aq_tail, *aq_next; /* accept queue; the link in a listener's */
	int aq_len, backlog;
	struct sockaddr_un addr; /* bound name */
	socklen_t addrlen; /* 0: unbound */
	dev_t dev; /* path names: the socket file */
	ino_t ino;
	struct usock *bound_next; /* the list of bound sockets */
	uint64_t rcvtimeo, sndtimeo; /* ns, 0: none */
	struct tc_waitq q;
};

static struct usock *bound; /* sockets with a name */
static unsigned autobind_seq;

static const struct file_ops unix_ops;

static void put(struct usock *s)
{
	if (--s->refs == 0) {
		while (s->rq) {
			struct umsg *m = s->rq;
			s->rq = m->next;
			free(m);
		}
		free(s);
	}
}

static void wake(struct usock *s)
{
	tc_wake_all(&s->q);
	tc_wake_all(&fd_activity);
}

/* A write to a stream whose reader is gone: SIGPIPE unless MSG_NOSIGNAL,
 * then EPIPE if the signal was ignored or handled. */
static int epipe(int flags)
{
	if (!(flags & MSG_NOSIGNAL))
		__tincan_sig_pipe();
	return -EPIPE;
}

/*
 * Wait on target's queue for a change (its data, room, a peer) until the
 * timeout (ns, 0: none).  -EAGAIN on timeout; -EBADF if self was closed by
 * another thread meanwhile.
 */
static int wait_on(struct usock *self, struct usock *target, uint64_t timeout)
{
	uint64_t deadline = timeout ? plat_clock_monotonic_ns() + timeout : TC_NO_DEADLINE;
	self->refs++;
	target->refs++;
	long r = tc_block(&target->q, deadline, 0);
	int closed = self->closed;
	put(target);
	put(self);
	if (closed)
		return -EBADF;
	return r == -ETIMEDOUT ? -EAGAIN : 0;
}

static struct usock *usock_new(int type)
{
	struct usock *s = calloc(1, sizeof *s);
	if (s) {
		s->type = type;
		s->refs = 1;
	}
	return s;
}

static struct usock *of(int fd, struct file **fp)
{
	struct file *f = fd_get(fd);
	if (fp)
		*fp = f;
	return f->priv;
}

static int nonblocking(const struct file *f, int flags)
{
	return (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
}

static void unbind(struct usock *s)
{
	for (struct usock **p = &bound; *p; p = &(*p)->bound_next)
		if (*p == s) {
			*p = s->bound_next;
			break;
		}
}

/* Let go of s as its owner (close, or an accept queue being dropped). */
static void release(struct usock *s)
{
	s->closed = 1;
	if (s->addrlen)
		unbind(s);
	while (s->aq) {
		struct usock *c = s->aq;
		s->aq = c->aq_next;
		if (c->peer)
			c->peer->err = ECONNRESET; /* refused before it was accepted */
		release(c);
	}
	struct usock *p = s->peer;
	if (p) {
		s->peer = NULL;
		/* A datagram socket connected to s keeps it: its sends now fail
		 * with ECONNREFUSED, as on Linux. */
		if (p->peer == s && s->type != SOCK_DGRAM) {
			p->peer = NULL;
			p->rcv_shut = p->snd_shut = 1;
			if (s->rq && s->type != SOCK_DGRAM)
				p->err = ECONNRESET; /* data it sent was never read */
			put(s);
		}
		wake(p);
		put(p);
	}
	while (s->rq) {
		struct umsg *m = s->rq;
		s->rq = m->next;
		free(m);
	}
	s->rq_tail = NULL;
	s->rq_bytes = 0;
	s->rq_count = 0;
	wake(s);
	put(s);
}

/* ---- names ---- */

/* The name in a sockaddr_un: *abstract set for a leading NUL; path gets
 * the path (NUL-terminated) or the abstract bytes, *n their length. */
static int parse_addr(const struct sockaddr *a, socklen_t len, char *path, size_t *n, int *abstract)
{
	const struct sockaddr_un *u = (const struct sockaddr_un *)a;
	if (!a)
		return -EFAULT;
	if (len < ADDR_MIN || len > sizeof *u)
		return -EINVAL;
	if (u->sun_family != AF_UNIX)
		return -EINVAL;
	size_t max = len - ADDR_MIN;
	if (max && u->sun_path[0] == 0) {
		*abstract = 1;
		*n = max - 1;
		memcpy(path, u->sun_path + 1, *n);
		return 0;
	}
	*abstract = 0;
	size_t k = strnlen(u->sun_path, max);
	if (k == 0)
		return -EINVAL;
	if (k == sizeof u->sun_path)
		return -ENAMETOOLONG;
	memcpy(path, u->sun_path, k);
	path[k] = 0;
	*n = k;
	return 0;
}

static struct usock *find_abstract(const char *name, size_t n)
{
	for (struct usock *s = bound; s; s = s->bound_next)
		if (s->addr.sun_path[0] == 0 && s->addrlen == ADDR_MIN + 1 + n &&
		    !memcmp(s->addr.sun_path + 1, name, n))
			return s;
	return NULL;
}

/* The socket named by a, or NULL with *err set as connect() reports it. */
static struct usock *lookup(const struct sockaddr *a, socklen_t len, int *err)
{
	char path[sizeof((struct sockaddr_un *)0)->sun_path + 1];
	size_t n;
	int abstract;
	if ((*err = parse_addr(a, len, path, &n, &abstract)))
		return NULL;
	if (abstract) {
		struct usock *s = find_abstract(path, n);
		*err = s ? 0 : -ECONNREFUSED;
		return s;
	}
	struct stat st;
	if (stat(path, &st)) {
		*err = -errno;
		return NULL;
	}
	for (struct usock *s = bound; s; s = s->bound_next)
		if (s->addr.sun_path[0] && s->dev == st.st_dev && s->ino == st.st_ino)
			return s;
	*err = -ECONNREFUSED; /* a file nobody listens on (any more) */
	return NULL;
}

static int unix_bind(int fd, const struct sockaddr *a, socklen_t len)
{
	struct usock *s = of(fd, NULL);
	char path[sizeof s->addr.sun_path + 1];
	size_t n;
	int abstract, e;
	if (s->addrlen)
		return -EINVAL;
	if (a && len == sizeof(sa_family_t) && a->sa_family == AF_UNIX) {
		/* Linux's autobind: an abstract name of five hex digits. */
		do
			snprintf(path, sizeof path, "%05x", ++autobind_seq & 0xfffff);
		while (find_abstract(path, 5));
		n = 5;
		abstract = 1;
	} else if ((e = parse_addr(a, len, path, &n, &abstract))) {
		return e;
	}
	if (abstract) {
		if (find_abstract(path, n))
			return -EADDRINUSE;
		s->addr.sun_path[0] = 0;
		memcpy(s->addr.sun_path + 1, path, n);
		s->addrlen = (socklen_t)(ADDR_MIN + 1 + n);
	} else {
		/* The socket file; an existing name is in use (even a stale one,
		 * as on Linux: the program unlinks it first). */
		int f = open(path, O_WRONLY | O_CREAT | O_EXCL, 0777);
		if (f < 0)
			return errno == EEXIST ? -EADDRINUSE : -errno;
		struct stat st;
		e = fstat(f, &st) ? -errno : 0;
		close(f);
		if (e)
			return e;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
		memcpy(s->addr.sun_path, path, n + 1);
		s->addrlen = (socklen_t)(ADDR_MIN + n + 1);
	}
	s->addr.sun_family = AF_UNIX;
	s->bound_next = bound;
	bound = s;
	return 0;
}

static void put_addr(struct sockaddr *a, socklen_t *len, const struct sockaddr_un *u, socklen_t ulen)
{
	struct sockaddr_un none = { .sun_family = AF_UNIX };
	if (!a || !len)
		return;
	if (!ulen) {
		u = &none;
		ulen = sizeof(sa_family_t);
	}
	memcpy(a, u, *len < ulen ? *len : ulen);
	*len = ulen;
}

static int unix_getsockname(int fd, struct sockaddr *a, socklen_t *len)
{
	struct usock *s = of(fd, NULL);
	if (!a || !len)
		return -EFAULT;
	put_addr(a, len, &s->addr, s->addrlen);
	return 0;
}

static int unix_getpeername(int fd, struct sockaddr *a, socklen_t *len)
{
	struct usock *s = of(fd, NULL);
	if (!a || !len)
		return -EFAULT;
	if (!s->peer)
		return -ENOTCONN;
	put_addr(a, len, &s->peer->addr, s->peer->addrlen);
	return 0;
}

/* ---- connections ---- */

static int unix_listen(int fd, int backlog)
{
	struct usock *s = of(fd, NULL);
	if (s->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (s->state == U_CONNECTED)
		return -EINVAL;
	if (!s->addrlen) {
		int e = unix_bind(fd, &(struct sockaddr){ .sa_family = AF_UNIX }, sizeof(sa_family_t));
		if (e)
			return e;
	}
	s->backlog = backlog <= 0 ? 1 : backlog > UNIX_BACKLOG ? UNIX_BACKLOG : backlog;
	s->state = U_LISTENING;
	s->rcv_shut = 0;
	wake(s);
	return 0;
}

static void link_peers(struct usock *a, struct usock *b)
{
	a->peer = b;
	b->refs++;
	b->peer = a;
	a->refs++;
	a->state = b->state = U_CONNECTED;
}

static int unix_connect(int fd, const struct sockaddr *a, socklen_t len)
{
	struct file *f;
	struct usock *s = of(fd, &f);
	int e;
	if (s->type == SOCK_DGRAM) {
		if (a && len >= sizeof(sa_family_t) && a->sa_family == AF_UNSPEC) {
			if (s->peer)
				put(s->peer);
			s->peer = NULL;
			return 0;
		}
		struct usock *t = lookup(a, len, &e);
		if (!t)
			return e;
		if (t->type != SOCK_DGRAM)
			return -EPROTOTYPE;
		t->refs++;
		if (s->peer)
			put(s->peer);
		s->peer = t;
		return 0;
	}
	if (s->state == U_CONNECTED)
		return -EISCONN;
	if (s->state == U_LISTENING)
		return -EINVAL;
	struct usock *l;
	for (;;) {
		l = lookup(a, len, &e);
		if (!l)
			return e;
		if (l->type != s->type)
			return -EPROTOTYPE;
		if (l->state != U_LISTENING || l->rcv_shut)
			return -ECONNREFUSED;
		if (l->aq_len < l->backlog)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((e = wait_on(s, l, s->sndtimeo)))
			return e == -EAGAIN ? -ETIMEDOUT : e;
		if (s->state != U_NEW)
			return -EISCONN;
	}
	struct usock *c = usock_new(s->type);
	if (!c)
		return -ENOMEM;
	c->addr = l->addr;
	c->addrlen = l->addrlen;
	link_peers(s, c);
	if (l->aq_tail)
		l->aq_tail->aq_next = c;
	else
		l->aq = c;
	l->aq_tail = c;
	l->aq_len++;
	wake(l);
	return 0;
}

static int unix_accept(int fd, struct sockaddr *a, socklen_t *len, int flags)
{
	struct file *f;
	struct usock *l = of(fd, &f);
	int e;
	if (l->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (l->state != U_LISTENING)
		return -EINVAL;
	while (!l->aq) {
		if (l->rcv_shut)
			return -EINVAL;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if ((e = wait_on(l, l, l->rcvtimeo)))
			return e;
		if (l->state != U_LISTENING)
			return -EINVAL;
	}
	struct usock *c = l->aq;
	int nfd = fd_install(&unix_ops, c, O_RDWR | (flags & SOCK_NONBLOCK ? O_NONBLOCK : 0), 0);
	if (nfd < 0)
		return nfd;
	l->aq = c->aq_next;
	if (!l->aq)
		l->aq_tail = NULL;
	l->aq_len--;
	c->aq_next = NULL;
	if (flags & SOCK_CLOEXEC)
		fcntl(nfd, F_SETFD, FD_CLOEXEC);
	if (c->peer)
		put_addr(a, len, &c->peer->addr, c->peer->addrlen);
	else
		put_addr(a, len, NULL, 0);
	wake(l); /* room in the backlog */
	return nfd;
}

static int unix_shutdown(int fd, int how)
{
	struct usock *s = of(fd, NULL);
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	if (s->state == U_LISTENING) {
		s->rcv_shut = 1; /* wakes a thread blocked in accept() */
		wake(s);
		return 0;
	}
	if (s->type != SOCK_DGRAM && !s->peer && s->state != U_CONNECTED)
		return -ENOTCONN;
	struct usock *p = s->type == SOCK_DGRAM ? NULL : s->peer;
	if (how != SHUT_WR) {
		s->rcv_shut = 1;
		if (p)
			p->snd_shut = 1;
	}
	if (how != SHUT_RD) {
		s->snd_shut = 1;
		if (p)
			p->rcv_shut = 1;
	}
	wake(s);
	if (p)
		wake(p);
	return 0;
}

/* ---- data ---- */

static int enqueue(struct usock *t, const struct usock *from, const void *buf, size_t len)
{
	struct umsg *m = malloc(sizeof *m + len);
	if (!m)
		return -ENOMEM;
	m->next = NULL;
	m->len = len;
	m->off = 0;
	m->fromlen = from->addrlen;
	if (from->addrlen)
		m->from = from->addr;
	memcpy(m->data, buf, len);
	if (t->rq_tail)
		t->rq_tail->next = m;
	else
		t->rq = m;
	t->rq_tail = m;
	t->rq_bytes += len;
	t->rq_count++;
	wake(t);
	return 0;
}

static ssize_t stream_send(struct file *f, struct usock *s, const unsigned char *buf, size_t len, int flags)
{
	size_t done = 0;
	if (s->state != U_CONNECTED)
		return -ENOTCONN;
	while (done < len || !len) {
		struct usock *p = s->peer;
		if (s->snd_shut || !p || p->closed)
			return done ? (ssize_t)done : epipe(flags);
		if (!len && s->type == SOCK_STREAM)
			return 0;
		size_t room = UNIX_BUF > p->rq_bytes ? UNIX_BUF - p->rq_bytes : 0;
		/* A SEQPACKET record goes whole. */
		if (s->type == SOCK_SEQPACKET && len > UNIX_BUF)
			return -EMSGSIZE;
		if (!room || (s->type == SOCK_SEQPACKET && (room < len || p->rq_count >= UNIX_QLEN))) {
			if (done)
				return (ssize_t)done;
			if (nonblocking(f, flags))
				return -EAGAIN;
			int e = wait_on(s, p, s->sndtimeo);
			if (e)
				return e;
			continue;
		}
		size_t n = len - done < room ? len - done : room;
		int e = enqueue(p, s, buf + done, n);
		if (e)
			return done ? (ssize_t)done : e;
		if (s->type == SOCK_SEQPACKET)
			return (ssize_t)len; /* one record, even an empty one */
		done += n;
	}
	return (ssize_t)done;
}

static ssize_t dgram_send(struct file *f, struct usock *s, const void *buf, size_t len, int flags,
			  const struct sockaddr *to, socklen_t tolen)
{
	struct usock *t;
	int e;
	if (to) {
		if (!(t = lookup(to, tolen, &e)))
			return e;
		if (t->type != SOCK_DGRAM)
			return -EPROTOTYPE;
	} else if (!(t = s->peer)) {
		return -ENOTCONN;
	}
	if (s->snd_shut)
		return epipe(flags);
	if (len > UNIX_BUF)
		return -EMSGSIZE;
	for (;;) {
		if (t->closed)
			return -ECONNREFUSED;
		if (t->rq_count < UNIX_QLEN && UNIX_BUF - t->rq_bytes >= len)
			break;
		if (nonblocking(f, flags))
			return -EAGAIN;
		t->refs++; /* the receiver may be closed while we wait */
		e = wait_on(s, t, s->sndtimeo);
		int gone = t->closed;
		put(t);
		if (e)
			return e;
		if (gone)
			return -ECONNREFUSED;
	}
	return (e = enqueue(t, s, buf, len)) ? e : (ssize_t)len;
}

static ssize_t usend(struct file *f, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	struct usock *s = f->priv;
	if (!buf && len)
		return -EFAULT;
	if (s->type == SOCK_DGRAM)
		return dgram_send(f, s, buf, len, flags, to, tolen);
	if (to && s->type == SOCK_STREAM)
		return s->state == U_CONNECTED ? -EISCONN : -EOPNOTSUPP; /* as Linux; seqpacket ignores it */
	return stream_send(f, s, buf, len, flags);
}

static void drop_head(struct usock *s)
{
	struct umsg *m = s->rq;
	s->rq = m->next;
	if (!s->rq)
		s->rq_tail = NULL;
	s->rq_bytes -= m->len - m->off;
	s->rq_count--;
	free(m);
}

static ssize_t recv_once(struct file *f, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	struct usock *s = f->priv;
	unsigned char *out = buf;
	size_t got = 0;
	if (!buf && len)
		return -EFAULT;
	if (s->type != SOCK_DGRAM && s->state != U_CONNECTED)
		return s->type == SOCK_STREAM ? -EINVAL : -ENOTCONN;
	for (;;) {
		if (s->rq)
			break;
		if (s->err) {
			int e = s->err;
			s->err = 0;
			return -e;
		}
		if (s->rcv_shut || (s->type != SOCK_DGRAM && !s->peer))
			return 0;
		if (nonblocking(f, flags))
			return -EAGAIN;
		int e = wait_on(s, s, s->rcvtimeo);
		if (e)
			return e;
	}
	if (s->type != SOCK_STREAM) {
		struct umsg *m = s->rq;
		size_t n = len < m->len ? len : m->len;
		memcpy(out, m->data, n);
		if (from && fromlen)
			put_addr(from, fromlen, &m->from, m->fromlen);
		size_t whole = m->len;
		if (!(flags & MSG_PEEK)) {
			drop_head(s); /* the rest of a long message is lost */
			if (s->peer)
				wake(s->peer);
			wake(s);
		}
		return (ssize_t)(flags & MSG_TRUNC ? whole : n);
	}
	/* A stream: read across messages. */
	for (struct umsg *m = s->rq; m && got < len;) {
		size_t n = m->len - m->off < len - got ? m->len - m->off : len - got;
		memcpy(out + got, m->data + m->off, n);
		got += n;
		if (flags & MSG_PEEK) {
			m = m->next;
			continue;
		}
		m->off += n;
		s->rq_bytes -= n;
		if (m->off == m->len) {
			drop_head(s);
			m = s->rq;
		}
	}
	if (from && fromlen)
		put_addr(from, fromlen, s->peer ? &s->peer->addr : NULL, s->peer ? s->peer->addrlen : 0);
	if (!(flags & MSG_PEEK))
		wake(s); /* room for writers, which wait on this queue */
	return (ssize_t)got;
}

static ssize_t urecv(struct file *f, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	struct usock *s = f->priv;
	ssize_t r = recv_once(f, buf, len, flags, from, fromlen);
	if (r <= 0 || s->type != SOCK_STREAM || (flags & (MSG_WAITALL | MSG_PEEK)) != MSG_WAITALL)
		return r;
	/* MSG_WAITALL: until len, end of file or an error (what came is kept). */
	size_t got = (size_t)r;
	while (got < len && (r = recv_once(f, (char *)buf + got, len - got, flags, NULL, NULL)) > 0)
		got += (size_t)r;
	return (ssize_t)got;
}

static ssize_t unix_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	struct file *f;
	of(fd, &f);
	return usend(f, buf, len, flags, to, tolen);
}

static ssize_t unix_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	struct file *f;
	of(fd, &f);
	return urecv(f, buf, len, flags, from, fromlen);
}

/* ---- options ---- */

static int put_int(void *v, socklen_t *len, int val)
{
	if (!v || !len)
		return -EFAULT;
	if (*len < sizeof(int))
		return -EINVAL;
	memcpy(v, &val, sizeof val);
	*len = sizeof val;
	return 0;
}

static int unix_getsockopt(int fd, int level, int name, void *v, socklen_t *len)
{
	struct usock *s = of(fd, NULL);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	switch (name) {
	case SO_ERROR: {
		int e = s->err;
		s->err = 0;
		return put_int(v, len, e);
	}
	case SO_TYPE: return put_int(v, len, s->type);
	case SO_SNDBUF:
	case SO_RCVBUF: return put_int(v, len, UNIX_BUF);
	case SO_ACCEPTCONN: return put_int(v, len, s->state == U_LISTENING);
	case SO_PEERCRED: {
		/* One process: the peer is always ourselves. */
		struct ucred c = { getpid(), getuid(), getgid() };
		if (!v || !len)
			return -EFAULT;
		if (*len < sizeof c)
			return -EINVAL;
		memcpy(v, &c, sizeof c);
		*len = sizeof c;
		return 0;
	}
	default: return -ENOPROTOOPT;
	}
}

static int unix_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	struct usock *s = of(fd, NULL);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	if (!v)
		return -EFAULT;
	switch (name) {
	case SO_SNDBUF:
	case SO_RCVBUF:
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
	case SO_PASSCRED:
		/* Accepted; the buffers stay UNIX_BUF (getsockopt says so). */
		return len < sizeof(int) ? -EINVAL : 0;
	case SO_RCVTIMEO:
	case SO_SNDTIMEO: {
		const struct timeval *tv = v;
		if (len < sizeof *tv || tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
			return -EINVAL;
		uint64_t ns = (uint64_t)tv->tv_sec * 1000000000ULL + (uint64_t)tv->tv_usec * 1000;
		*(name == SO_RCVTIMEO ? &s->rcvtimeo : &s->sndtimeo) = ns;
		return 0;
	}
	default: return -ENOPROTOOPT;
	}
}

/* ---- the socket as an open file ---- */

static ssize_t unix_read(struct file *f, void *buf, size_t len)
{
	return urecv(f, buf, len, 0, NULL, NULL);
}

static ssize_t unix_write(struct file *f, const void *buf, size_t len)
{
	return usend(f, buf, len, 0, NULL, 0);
}

static int unix_fstat(struct file *f, struct stat *st)
{
	*st = (struct stat){ 0 };
	st->st_mode = S_IFSOCK | 0777;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	st->st_ino = (ino_t)(uintptr_t)f->priv;
	return 0;
}

static int unix_setfl(struct file *f, int flags)
{
	(void)f;
	(void)flags;
	return 0; /* the calls read f->flags */
}

static short unix_poll(struct file *f, short events)
{
	struct usock *s = f->priv;
	short r = 0;
	if (s->state == U_LISTENING) {
		if (s->aq)
			r |= POLLIN | POLLRDNORM;
		return (short)(r & events);
	}
	if (s->rq)
		r |= POLLIN | POLLRDNORM;
	if (s->err)
		r |= POLLERR;
	if (s->rcv_shut)
		r |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (s->type == SOCK_DGRAM) {
		struct usock *t = s->peer;
		if (!t || (t->rq_count < UNIX_QLEN && t->rq_bytes < UNIX_BUF))
			r |= POLLOUT | POLLWRNORM;
	} else if (s->state == U_CONNECTED) {
		struct usock *p = s->peer;
		if (s->rcv_shut && s->snd_shut)
			r |= POLLHUP;
		if (!p || s->snd_shut)
			r |= POLLOUT | POLLWRNORM; /* a write fails at once */
		else if (p->rq_bytes < UNIX_BUF && p->rq_count < UNIX_QLEN)
			r |= POLLOUT | POLLWRNORM;
	} else {
		r |= POLLOUT | POLLWRNORM | POLLHUP; /* never connected, as Linux */
	}
	return (short)(r & (events | POLLERR | POLLHUP));
}

static int unix_nread(struct file *f)
{
	struct usock *s = f->priv;
	if (s->state == U_LISTENING)
		return -EINVAL;
	size_t n = s->type == SOCK_DGRAM ? (s->rq ? s->rq->len : 0) : s->rq_bytes;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

static void unix_close(struct file *f)
{
	release(f->priv);
}

static const struct sock_ops unix_sock_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.accept = unix_accept,
	.connect = unix_connect,
	.sendto = unix_sendto,
	.recvfrom = unix_recvfrom,
	.shutdown = unix_shutdown,
	.getsockopt = unix_getsockopt,
	.setsockopt = unix_setsockopt,
	.getsockname = unix_getsockname,
	.getpeername = unix_getpeername,
};

static const struct file_ops unix_ops = {
	.read = unix_read,
	.write = unix_write,
	.fstat = unix_fstat,
	.setfl = unix_setfl,
	.poll = unix_poll,
	.close = unix_close,
	.sock = &unix_sock_ops,
	.nread = unix_nread,
};

static int check_type(int type, int protocol)
{
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM && kind != SOCK_SEQPACKET)
		return -EPROTONOSUPPORT; /* Linux: ESOCKTNOSUPPORT, which newlib lacks */
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	return kind;
}

static int install(struct usock *s, int type)
{
	int fd = fd_install(&unix_ops, s, O_RDWR | (type & SOCK_NONBLOCK ? O_NONBLOCK : 0), 0);
	if (fd >= 0 && (type & SOCK_CLOEXEC))
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

int unix_socket(int type, int protocol)
{
	int kind = check_type(type, protocol);
	if (kind < 0)
		return kind;
	struct usock *s = usock_new(kind);
	if (!s)
		return -ENOMEM;
	int fd = install(s, type);
	if (fd < 0)
		free(s);
	return fd;
}

int unix_socketpair(int type, int protocol, int fds[2])
{
	int kind = check_type(type, protocol);
	if (kind < 0)
		return kind;
	struct usock *a = usock_new(kind), *b = usock_new(kind);
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	link_peers(a, b);
	int fa = install(a, type);
	if (fa < 0) {
		release(b);
		release(a);
		return fa;
	}
	int fb = install(b, type);
	if (fb < 0) {
		close(fa);
		release(b);
		return fb;
	}
	fds[0] = fa;
	fds[1] = fb;
	return 0;
}
