/*
 * make bench, file part: read throughput of one file, the same source as a
 * tincan guest (the file in the image's embedded tree) and as a Linux
 * process (the file on the host, in the page cache).  Times only the reads,
 * never the start, and prints the median of PASSES passes:
 *   fsread FILE [PASSES]
 *   cat  BYTES SECONDS    read() in 64 KiB pieces from 0 to the end
 *   rand COUNT SECONDS    pread() of 4 KiB at COUNT random 4 KiB offsets
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PASS_MAX 15
#define RAND_COUNT 65536

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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, by_value);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static char buf[65536];
	double cat[PASS_MAX], rnd[PASS_MAX];
	int passes = argc > 2 ? atoi(argv[2]) : 5;
	struct stat st;
	if (argc < 2 || passes < 1 || passes > PASS_MAX) {
		fprintf(stderr, "usage: fsread FILE [PASSES (1 to %d)]\n", PASS_MAX);
		return 2;
	}
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 4096) {
		perror(argv[1]);
		return 1;
	}
	uint64_t pages = (uint64_t)st.st_size / 4096, x = 88172645463325252ULL, sum = 0;
	for (int p = 0; p < passes; p++) {
		ssize_t n;
		off_t total = 0;
		double t = now();
		if (lseek(fd, 0, SEEK_SET) != 0)
			return perror("lseek"), 1;
		while ((n = read(fd, buf, sizeof buf)) > 0)
			total += n, sum += (unsigned char)buf[0];
		cat[p] = now() - t;
		if (n < 0 || total != st.st_size)
			return fprintf(stderr, "short read: %lld of %lld\n", (long long)total, (long long)st.st_size),
			       1;
		t = now();
		for (int i = 0; i < RAND_COUNT; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (pread(fd, buf, 4096, (off_t)(x % pages) * 4096) != 4096)
				return perror("pread"), 1;
			sum += (unsigned char)buf[0];
		}
		rnd[p] = now() - t;
	}
	printf("cat %lld %.6f\nrand %d %.6f\n", (long long)st.st_size, median(cat, passes), RAND_COUNT,
	       median(rnd, passes));
	fprintf(stderr, "(checksum %llu)\n", (unsigned long long)sum);
	return 0;
}
