/*
 * epoll inside one guest (tests/unixsock.bats): over a pipe, an eventfd,
 * AF_UNIX sockets and TCP over lwIP's loopback; level and edge triggers,
 * EPOLLONESHOT, timeouts, the errors.  TAP checks run in the guest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static void errors(void)
{
	int ep = epoll_create1(0);
	ok(ep >= 3, "epoll_create1");
	int ep2 = epoll_create1(EPOLL_CLOEXEC);
	ok(ep2 >= 0 && (fcntl(ep2, F_GETFD) & FD_CLOEXEC), "epoll_create1(EPOLL_CLOEXEC)");
	errno = 0;
	ok(epoll_create1(1) == -1 && errno == EINVAL, "epoll_create1 with a bad flag: EINVAL");
	errno = 0;
	ok(epoll_create(0) == -1 && errno == EINVAL, "epoll_create(0): EINVAL");
	int ep3 = epoll_create(10);
	ok(ep3 >= 0, "epoll_create(10)");
	int p[2];
	pipe(p);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = p[0] };
	ok(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e) == 0, "EPOLL_CTL_ADD");
	errno = 0;
	ok(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e) == -1 && errno == EEXIST, "add twice: EEXIST");
	errno = 0;
	ok(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e) == -1 && errno == ENOENT, "MOD of an fd not in the set: ENOENT");
	errno = 0;
	ok(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL) == -1 && errno == ENOENT, "DEL of an fd not in the set: ENOENT");
	errno = 0;
	ok(epoll_ctl(ep, EPOLL_CTL_ADD, 99, &e) == -1 && errno == EBADF, "a bad fd: EBADF");
	errno = 0;
	ok(epoll_ctl(99, EPOLL_CTL_ADD, p[0], &e) == -1 && errno == EBADF, "a bad epoll fd: EBADF");
	errno = 0;
	ok(epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &e) == -1 && errno == EINVAL, "not an epoll fd: EINVAL");
	errno = 0;
	ok(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e) == -1 && errno == EINVAL, "an epoll set in itself: EINVAL");
	errno = 0;
	ok(epoll_ctl(ep, 42, p[1], &e) == -1 && errno == EINVAL, "a bad op: EINVAL");
	errno = 0;
	ok(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], NULL) == -1 && errno == EFAULT, "ADD without an event: EFAULT");
	ok(add(ep2, ep, EPOLLIN, 0) == 0, "a set inside another");
	errno = 0;
	ok(add(ep, ep2, EPOLLIN, 0) == -1 && errno == ELOOP, "a loop of sets: ELOOP");
	struct epoll_event out[4];
	errno = 0;
	ok(epoll_wait(ep, out, 0, 0) == -1 && errno == EINVAL, "maxevents 0: EINVAL");
	errno = 0;
	ok(epoll_wait(p[0], out, 4, 0) == -1 && errno == EINVAL, "epoll_wait on a pipe: EINVAL");
	errno = 0;
	ok(epoll_wait(99, out, 4, 0) == -1 && errno == EBADF, "epoll_wait on a bad fd: EBADF");
	ok(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0 && epoll_wait(ep, out, 4, 0) == 0, "EPOLL_CTL_DEL");
	char c;
	errno = 0;
	ok(read(ep, &c, 1) == -1 && errno == EINVAL, "read on an epoll fd: EINVAL");
	close(p[0]);
	close(p[1]);
	close(ep);
	close(ep2);
	close(ep3);
}

static void mix(void)
{
	int ep = epoll_create1(0);
	int p[2], sv[2];
	pipe(p);
	int efd = eventfd(0, EFD_NONBLOCK);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	ok(add(ep, p[0], EPOLLIN, 1) == 0 && add(ep, efd, EPOLLIN, 2) == 0 && add(ep, sv[0], EPOLLIN, 3) == 0,
	   "a pipe, an eventfd and a unix socket in one set");
	struct epoll_event out[8];
	ok(epoll_wait(ep, out, 8, 0) == 0, "nothing ready");
	uint64_t t0 = now_ms();
	ok(epoll_wait(ep, out, 8, 50) == 0 && now_ms() - t0 >= 45, "a 50 ms timeout waits (%d ms)",
	   (int)(now_ms() - t0));
	write(p[1], "x", 1);
	ok(epoll_wait(ep, out, 8, -1) == 1 && out[0].data.u64 == 1 && out[0].events == EPOLLIN, "the pipe is readable");
	eventfd_write(efd, 5);
	write(sv[1], "y", 1);
	int n = epoll_wait(ep, out, 8, 0);
	uint64_t seen = 0;
	for (int i = 0; i < n; i++)
		seen |= 1u << out[i].data.u64;
	ok(n == 3 && seen == (2 | 4 | 8), "all three ready (level-triggered: the pipe again)");
	ok(epoll_wait(ep, out, 2, 0) == 2, "maxevents caps the answer");
	/* data.ptr and data.fd come back as given. */
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &seen };
	ok(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e) == 0, "EPOLL_CTL_MOD to data.ptr");
	n = epoll_wait(ep, out, 8, 0);
	int found = 0;
	for (int i = 0; i < n; i++)
		found |= out[i].data.ptr == &seen;
	ok(found, "data.ptr returned");
	/* EPOLLOUT and EPOLLHUP. */
	e = (struct epoll_event){ .events = EPOLLOUT, .data.fd = p[1] };
	ok(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e) == 0, "the pipe's write end for EPOLLOUT");
	n = epoll_wait(ep, out, 8, 0);
	found = 0;
	for (int i = 0; i < n; i++)
		found |= out[i].data.fd == p[1] && (out[i].events & EPOLLOUT);
	ok(found, "EPOLLOUT with data.fd");
	close(sv[1]);
	e = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.u64 = 3 };
	epoll_ctl(ep, EPOLL_CTL_MOD, sv[0], &e);
	n = epoll_wait(ep, out, 8, 0);
	found = 0;
	for (int i = 0; i < n; i++)
		if (out[i].data.u64 == 3)
			found = out[i].events;
	ok((found & EPOLLHUP) && (found & EPOLLRDHUP), "a closed peer: EPOLLHUP | EPOLLRDHUP (%#x)", found);
	/* A closed descriptor leaves the set. */
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	uint64_t v;
	eventfd_read(efd, &v);
	ok(epoll_wait(ep, out, 8, 0) == 0, "closed descriptors leave the set");
	errno = 0;
	ok(epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL) == -1 && errno == EBADF, "DEL of a closed fd: EBADF");
	close(efd);
	close(ep);
}

static void triggers(void)
{
	int ep = epoll_create1(0);
	int p[2];
	pipe(p);
	struct epoll_event out[4];
	ok(add(ep, p[0], EPOLLIN | EPOLLET, 7) == 0, "EPOLLET on a pipe");
	ok(epoll_wait(ep, out, 4, 0) == 0, "ET: nothing yet");
	write(p[1], "ab", 2);
	ok(epoll_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 7, "ET: reported when data arrives");
	ok(epoll_wait(ep, out, 4, 0) == 0, "ET: not again while nothing happens");
	write(p[1], "c", 1);
	ok(epoll_wait(ep, out, 4, 0) == 1, "ET: new data reports it again");
	char buf[8];
	read(p[0], buf, sizeof buf);
	ok(epoll_wait(ep, out, 4, 0) == 0, "ET: drained, nothing");
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 7 };
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e);
	write(p[1], "d", 1);
	ok(epoll_wait(ep, out, 4, 0) == 1 && epoll_wait(ep, out, 4, 0) == 1, "LT: reported on every wait");
	e.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e);
	ok(epoll_wait(ep, out, 4, 0) == 1, "ONESHOT: reported once");
	write(p[1], "e", 1);
	ok(epoll_wait(ep, out, 4, 0) == 0, "ONESHOT: then disabled");
	ok(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e) == 0 && epoll_wait(ep, out, 4, 0) == 1, "ONESHOT: MOD re-arms it");

	/* An epoll fd is itself pollable, and can sit in another set. */
	e.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e);
	struct pollfd pf = { ep, POLLIN, 0 };
	ok(poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN), "poll() on an epoll fd with a ready item");
	int outer = epoll_create1(0);
	add(outer, ep, EPOLLIN, 99);
	ok(epoll_wait(outer, out, 4, 0) == 1 && out[0].data.u64 == 99, "a nested set reports readiness");
	read(p[0], buf, sizeof buf);
	pf.revents = 0;
	ok(poll(&pf, 1, 0) == 0, "poll() on an epoll fd with nothing ready");
	close(outer);
	close(p[0]);
	close(p[1]);
	close(ep);
}

struct waker {
	int fd;
	int ms;
};

static void *wake_later(void *arg)
{
	struct waker *w = arg;
	usleep((useconds_t)w->ms * 1000);
	eventfd_write(w->fd, 1);
	return NULL;
}

static void blocking(void)
{
	int ep = epoll_create1(0);
	int efd = eventfd(0, 0);
	add(ep, efd, EPOLLIN, 5);
	struct waker w = { efd, 30 };
	pthread_t th;
	pthread_create(&th, NULL, wake_later, &w);
	struct epoll_event out[2];
	uint64_t t0 = now_ms();
	int n = epoll_wait(ep, out, 2, 5000);
	ok(n == 1 && out[0].data.u64 == 5 && now_ms() - t0 < 4000, "epoll_wait blocks until another thread writes");
	pthread_join(th, NULL);
	sigset_t none;
	sigemptyset(&none);
	uint64_t v;
	eventfd_read(efd, &v);
	t0 = now_ms();
	ok(epoll_pwait(ep, out, 2, 20, &none) == 0 && now_ms() - t0 >= 15, "epoll_pwait times out");
	close(efd);
	close(ep);
}

/* TCP over lwIP's loopback in the same set as a unix socket. */
static void tcp(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5555) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok(l >= 0 && bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4) == 0, "a TCP listener on loopback");
	int ep = epoll_create1(0);
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	add(ep, l, EPOLLIN, 10);
	add(ep, sv[0], EPOLLIN, 20);
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof a);
	ok(r == 0 || errno == EINPROGRESS, "connect to it");
	struct epoll_event out[4];
	int n = epoll_wait(ep, out, 4, 2000);
	ok(n == 1 && out[0].data.u64 == 10, "the listener is readable (a connection)");
	int s = accept(l, NULL, NULL);
	add(ep, s, EPOLLIN, 30);
	add(ep, c, EPOLLOUT | EPOLLONESHOT, 40);
	n = epoll_wait(ep, out, 4, 2000);
	ok(n == 1 && out[0].data.u64 == 40, "the client is writable");
	send(c, "tcp", 3, 0);
	send(sv[1], "unix", 4, 0);
	uint64_t seen = 0;
	uint64_t t0 = now_ms();
	while (seen != ((1u << 2) | (1u << 3)) && now_ms() - t0 < 2000) {
		n = epoll_wait(ep, out, 4, 500);
		for (int i = 0; i < n; i++)
			seen |= 1u << (out[i].data.u64 / 10);
	}
	ok(seen == ((1u << 2) | (1u << 3)), "TCP and unix data in one set");
	int avail = -1;
	ok(ioctl(s, FIONREAD, &avail) == 0 && avail == 3, "FIONREAD on a TCP socket: %d", avail);
	ok(ioctl(sv[0], FIONREAD, &avail) == 0 && avail == 4, "FIONREAD on a unix datagram socket: %d", avail);
	close(s);
	close(c);
	close(l);
	close(sv[0]);
	close(sv[1]);
	close(ep);
}

/* Many registered descriptors, few ready. */
static void many(void)
{
	int ep = epoll_create1(0);
	int fds[24][2];
	int n = 0;
	for (; n < 24; n++)
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds[n]) || add(ep, fds[n][0], EPOLLIN, (uint64_t)n))
			break;
	ok(n == 24, "24 socket pairs registered");
	write(fds[5][1], "a", 1);
	write(fds[17][1], "b", 1);
	struct epoll_event out[32];
	int got = epoll_wait(ep, out, 32, 1000);
	uint64_t seen = 0;
	for (int i = 0; i < got; i++)
		seen |= 1u << out[i].data.u64;
	ok(got == 2 && seen == ((1u << 5) | (1u << 17)), "the two ready ones among them");
	/* One at a time: ready items take turns. */
	int first = epoll_wait(ep, out, 1, 0) == 1 ? (int)out[0].data.u64 : -1;
	int second = epoll_wait(ep, out, 1, 0) == 1 ? (int)out[0].data.u64 : -1;
	ok(first != second && first >= 0 && second >= 0, "maxevents 1 alternates between them (%d, %d)", first, second);
	for (int i = 0; i < n; i++) {
		close(fds[i][0]);
		close(fds[i][1]);
	}
	close(ep);
}

int main(void)
{
	errors();
	mix();
	triggers();
	blocking();
	many();
	tcp();
	return done_testing();
}
