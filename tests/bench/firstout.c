/*
 * The OCI bench's timer (tests/bench/oci.sh; a Linux program): from the
 * spawn of a command to the first byte it writes to stdout.
 *   firstout MS -- CMD [ARGS...]
 * Spawn CMD (stdout to a pipe, stderr kept), wait for its first byte on
 * stdout, then read the rest (to /dev/null) and reap it.  Print the
 * microseconds from just before the spawn to that first byte.  Exit 1 if it
 * wrote nothing, did not exit 0, or took more than MS ms in all (then it is
 * SIGKILLed and reaped).  Every wait is bounded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	char *end;
	long ms = argc > 3 ? strtol(argv[1], &end, 10) : 0;
	if (argc < 4 || *end || ms <= 0 || ms > 3600000 || strcmp(argv[2], "--")) {
		fprintf(stderr, "usage: firstout MS -- CMD [ARGS...]\n");
		return 2;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		perror("firstout: pipe");
		return 2;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	pid_t pid;
	int64_t t0 = now_us(), first = -1, deadline = t0 + ms * 1000;
	int e = posix_spawnp(&pid, argv[3], &fa, NULL, argv + 3, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (e) {
		fprintf(stderr, "firstout: cannot start %s: %s\n", argv[3], strerror(e));
		return 2;
	}
	for (;;) {
		int64_t left = deadline - now_us();
		struct pollfd q = { p[0], POLLIN, 0 };
		int r = left > 0 ? poll(&q, 1, (int)(left / 1000) + 1) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "firstout: %s took more than %ld ms\n", argv[3], ms);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return 1;
		}
		char buf[4096];
		ssize_t n = read(p[0], buf, sizeof buf);
		if (n > 0 && first < 0)
			first = now_us();
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
	}
	close(p[0]);
	/* Its stdout is closed: its exit is near, but still bounded. */
	int st = 0;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (now_us() > deadline) {
			fprintf(stderr, "firstout: %s did not exit within %ld ms\n", argv[3], ms);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return 1;
		}
		usleep(1000);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "firstout: %s ended with status 0x%x\n", argv[3], (unsigned)st);
		return 1;
	}
	if (first < 0) {
		fprintf(stderr, "firstout: %s wrote nothing\n", argv[3]);
		return 1;
	}
	printf("%lld\n", (long long)(first - t0));
	return 0;
}
