/*
 * The pc platform's own test guest (tests/pc/boot.bats), one command per
 * boot: exit N, null, wx, overflow, abort, env NAME, sleep MS, now, random,
 * tls, heap MIB, readro, thread-overflow.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static __thread int tls_counter = 41;

static int deep(int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	return deep(n + 1) + pad[0];
}

static void *thread_deep(void *arg)
{
	return (void *)(intptr_t)deep((int)(intptr_t)arg);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "exit") && argc > 2)
		return atoi(argv[2]);
	if (!strcmp(cmd, "null"))
		return *(volatile int *)(uintptr_t)(argc - 2 + 8);
	if (!strcmp(cmd, "wx")) {
		*(volatile unsigned char *)(uintptr_t)main = 0xc3;
		return 0;
	}
	if (!strcmp(cmd, "overflow"))
		return deep(0);
	if (!strcmp(cmd, "thread-overflow")) {
		pthread_t t;
		pthread_create(&t, NULL, thread_deep, NULL);
		pthread_join(t, NULL);
		return 0;
	}
	if (!strcmp(cmd, "abort"))
		abort();
	if (!strcmp(cmd, "env") && argc > 2) {
		const char *v = getenv(argv[2]);
		printf("%s=%s\n", argv[2], v ? v : "(unset)");
		return 0;
	}
	if (!strcmp(cmd, "sleep") && argc > 2) {
		struct timespec a, b, d = { atoi(argv[2]) / 1000, (atoi(argv[2]) % 1000) * 1000000L };
		clock_gettime(CLOCK_MONOTONIC, &a);
		nanosleep(&d, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("slept %ld ms\n", (long)((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000));
		return 0;
	}
	if (!strcmp(cmd, "now")) {
		printf("%lld\n", (long long)time(NULL));
		return 0;
	}
	if (!strcmp(cmd, "random")) {
		unsigned char r[16];
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
			return 1;
		for (size_t i = 0; i < sizeof r; i++)
			printf("%02x", r[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(cmd, "tls")) {
		tls_counter++;
		printf("tls %d\n", tls_counter);
		return 0;
	}
	if (!strcmp(cmd, "heap") && argc > 2) {
		size_t n = (size_t)atoi(argv[2]) << 20;
		unsigned char *p = malloc(n);
		if (!p)
			return printf("malloc(%zu): out of memory\n", n), 1;
		memset(p, 0x5a, n);
		printf("heap %s\n", p[n - 1] == 0x5a ? "ok" : "bad");
		return 0;
	}
	if (!strcmp(cmd, "readro")) {
		static const char ro[4096] __attribute__((aligned(4096))) = "read-only";
		ssize_t n = read(0, (void *)(uintptr_t)ro, 8);
		printf("read: %zd %s\n", n, n < 0 ? strerror(errno) : "");
		return 0;
	}
	fprintf(stderr, "usage: pcboot exit N|null|wx|overflow|abort|env NAME|sleep MS|now|random|tls|heap MIB\n");
	return 2;
}
