/*
 * The restore bench's timer (tests/bench/restore.sh; a Linux program):
 * from the spawn of a command to its exit, or to the first full HTTP
 * response of the server it starts.
 *   firstresp exit -- CMD [ARGS...]
 *       spawn CMD (stdout and stderr to /dev/null), wait for it; print the
 *       microseconds from just before the spawn to its exit.  Exit 1 if it
 *       did not exit 0.
 *   firstresp http IP PORT PATH MS -- CMD [ARGS...]
 *       spawn CMD, then open a new TCP connection to IP:PORT every 200 us
 *       (a SYN sent before the server's tap has a reader is dropped, and
 *       the kernel would retry it only after 1 s), at most 64 in flight;
 *       on the first that connects, GET PATH and read the whole response
 *       (its Content-Length).  Print the microseconds from just before
 *       the spawn to the response's last byte, then SIGKILL CMD and reap
 *       it.  Exit 1 if no response within MS ms, or not "HTTP/1.x 200".
 * Every wait is bounded.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define INFLIGHT 64
#define EVERY_US 200
#define GIVE_UP_US 50000 /* a connect still pending this long: its SYN was dropped */

extern char **environ;

static int64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static pid_t spawn(char **argv)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid;
	int e = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (e) {
		fprintf(stderr, "firstresp: cannot start %s: %s\n", argv[0], strerror(e));
		exit(2);
	}
	return pid;
}

static int time_exit(char **argv)
{
	int64_t t0 = now_us();
	pid_t pid = spawn(argv);
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		perror("firstresp: waitpid");
		return 2;
	}
	int64_t t1 = now_us();
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "firstresp: %s ended with status %d\n", argv[0], st);
		return 1;
	}
	printf("%lld\n", (long long)(t1 - t0));
	return 0;
}

/* GET path on the connected fd; 1 once the whole response is read, with
 * its status line checked. */
static int fetch(int fd, const char *ip, const char *path, int64_t end)
{
	char req[512], buf[65536];
	int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, ip);
	if (n <= 0 || (size_t)n >= sizeof req || send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		return 0;
	size_t got = 0;
	for (;;) {
		char *hend = memmem(buf, got, "\r\n\r\n", 4);
		if (hend) {
			if (got < 12 || strncmp(buf, "HTTP/1.", 7) || strncmp(buf + 8, " 200", 4))
				return 0;
			size_t head = (size_t)(hend - buf) + 4;
			long len = -1;
			for (char *l = buf; l && l < hend; l = memchr(l, '\n', (size_t)(hend - l))) {
				l += *l == '\n';
				if (!strncasecmp(l, "Content-Length:", 15))
					len = strtol(l + 15, NULL, 10);
			}
			if (len >= 0 && got >= head + (size_t)len)
				return 1;
		}
		int64_t left = end - now_us();
		struct pollfd p = { fd, POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, (int)(left / 1000) + 1) != 1)
			return 0;
		if (got == sizeof buf)
			return 0;
		ssize_t r = recv(fd, buf + got, sizeof buf - got, 0);
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r <= 0) /* closed: whole only if there was no length */
			return r == 0 && memmem(buf, got, "\r\n\r\n", 4) && !strncmp(buf, "HTTP/1.", 7) &&
			       !strncmp(buf + 8, " 200", 4) && !strcasestr(buf, "Content-Length:");
		got += (size_t)r;
	}
}

static int time_http(const char *ip, const char *port, const char *path, const char *ms, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1 || atoi(port) <= 0 || atoi(ms) <= 0) {
		fprintf(stderr, "firstresp: bad address, port or time: %s %s %s\n", ip, port, ms);
		return 2;
	}
	struct pollfd p[INFLIGHT];
	int64_t since[INFLIGHT];
	int n = 0, ok = 0;
	int64_t t0 = now_us(), end = t0 + (int64_t)atoi(ms) * 1000, next = t0, t1 = 0;
	pid_t pid = spawn(argv);
	while (!ok && now_us() < end) {
		int64_t t = now_us();
		if (t >= next && n < INFLIGHT) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				perror("firstresp: socket");
				break;
			}
			if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 || errno == EINPROGRESS) {
				p[n] = (struct pollfd){ fd, POLLOUT, 0 };
				since[n++] = t;
			} else {
				close(fd);
			}
			next = t + EVERY_US;
		}
		int64_t wait = n < INFLIGHT ? next - now_us() : 1000;
		struct timespec ts = { 0, wait > 0 ? wait * 1000 : 0 };
		if (ppoll(p, (nfds_t)n, &ts, NULL) < 0 && errno != EINTR)
			break;
		t = now_us();
		for (int i = 0; i < n && !ok; i++) {
			int err = 0;
			socklen_t l = sizeof err;
			if (p[i].revents) {
				getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &l);
				if (!err && (p[i].revents & POLLOUT)) {
					ok = fetch(p[i].fd, ip, path, end);
					t1 = now_us();
					if (!ok) /* an answer, but not the right one: no more tries */
						end = 0;
					err = 1;
				}
			} else if (t - since[i] < GIVE_UP_US) {
				continue;
			} else {
				err = 1;
			}
			if (err) { /* refused (nothing listening yet), dropped or done */
				close(p[i].fd);
				p[i] = p[n - 1];
				since[i] = since[n - 1];
				n--;
				i--;
			}
		}
	}
	for (int i = 0; i < n; i++)
		close(p[i].fd);
	kill(pid, SIGKILL);
	int st;
	waitpid(pid, &st, 0);
	if (!ok) {
		fprintf(stderr, "firstresp: no HTTP 200 from %s:%s%s within %s ms\n", ip, port, path, ms);
		return 1;
	}
	printf("%lld\n", (long long)(t1 - t0));
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 4 && !strcmp(argv[1], "exit") && !strcmp(argv[2], "--"))
		return time_exit(argv + 3);
	if (argc >= 8 && !strcmp(argv[1], "http") && !strcmp(argv[6], "--"))
		return time_http(argv[2], argv[3], argv[4], argv[5], argv + 7);
	fprintf(stderr, "usage: firstresp exit -- CMD [ARGS...]\n"
			"       firstresp http IP PORT PATH MS -- CMD [ARGS...]\n");
	return 2;
}
