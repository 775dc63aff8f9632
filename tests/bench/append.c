/*
 * make bench, block part: fsync'ed appends, the same source as a tincan
 * guest (the file on a block device's file system) and as a Linux process
 * (the file on the host's file system).  Each pass removes FILE, opens it
 * O_WRONLY|O_CREAT|O_APPEND and then, timed, writes 4 KiB and fsyncs it
 * COUNT times; prints the median of PASSES passes:
 *   append FILE [COUNT [PASSES]]
 *   append COUNT SECONDS
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PASS_MAX 15
#define COUNT_MAX 100000

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static char buf[4096];
	double t[PASS_MAX];
	int count = argc > 2 ? atoi(argv[2]) : 1000, passes = argc > 3 ? atoi(argv[3]) : 5;
	if (argc < 2 || count < 1 || count > COUNT_MAX || passes < 1 || passes > PASS_MAX) {
		fprintf(stderr, "usage: append FILE [COUNT (1 to %d) [PASSES (1 to %d)]]\n", COUNT_MAX, PASS_MAX);
		return 2;
	}
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)('a' + i % 26);
	for (int p = 0; p < passes; p++) {
		if (unlink(argv[1]) < 0 && errno != ENOENT)
			return perror(argv[1]), 1;
		int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd < 0)
			return perror(argv[1]), 1;
		double s = now();
		for (int i = 0; i < count; i++) {
			buf[0] = (char)i;
			if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
				return perror("write"), 1;
			if (fsync(fd) < 0)
				return perror("fsync"), 1;
		}
		t[p] = now() - s;
		if (close(fd) < 0)
			return perror("close"), 1;
	}
	qsort(t, (size_t)passes, sizeof *t, by_value);
	printf("append %d %.6f\n", count, t[passes / 2]);
	return 0;
}
