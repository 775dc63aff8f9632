/*
 * Guest memory that grows on demand (tests/memgrow.bats).  argv[1]:
 *   alloc MIB KIB  malloc MIB MiB in KIB KiB pieces, writing every page,
 *                  then check them all; on NULL say how far it got and
 *                  exit 3 (our own status, not the monitor's)
 *   mmap MIB       one anonymous mapping of MIB MiB, every page written
 *   sbrk           sbrk refusals: ENOMEM, nothing moved
 *   time MIB       malloc and write MIB MiB in 1 MiB pieces; print the ms
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void fill(unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i += 4096)
		p[i] = (unsigned char)(tag + i / 4096);
	p[n - 1] = (unsigned char)tag;
}

static int check(const unsigned char *p, size_t n, unsigned tag)
{
	for (size_t i = 0; i < n; i += 4096)
		if (p[i] != (unsigned char)(tag + i / 4096))
			return 0;
	return p[n - 1] == (unsigned char)tag;
}

static int alloc(size_t mib, size_t kib)
{
	size_t piece = kib << 10, n = (mib << 20) / piece;
	unsigned char **v = malloc(n * sizeof *v);
	if (!v)
		return 1;
	for (size_t i = 0; i < n; i++) {
		errno = 0;
		v[i] = malloc(piece);
		if (!v[i]) {
			printf("malloc: NULL after %zu KiB, %s\n", i * kib,
			       errno == ENOMEM ? "ENOMEM" : strerror(errno));
			return 3;
		}
		fill(v[i], piece, (unsigned)i);
	}
	for (size_t i = 0; i < n; i++)
		if (!check(v[i], piece, (unsigned)i)) {
			printf("piece %zu changed\n", i);
			return 1;
		}
	printf("allocated %zu MiB\n", mib);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	size_t a = argc > 2 ? strtoul(argv[2], NULL, 0) : 0, b = argc > 3 ? strtoul(argv[3], NULL, 0) : 64;

	if (!strcmp(cmd, "alloc"))
		return alloc(a, b);
	if (!strcmp(cmd, "mmap")) {
		unsigned char *p = mmap(NULL, a << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			printf("mmap: %s\n", errno == ENOMEM ? "ENOMEM" : strerror(errno));
			return 3;
		}
		fill(p, a << 20, 7);
		printf(check(p, a << 20, 7) ? "mapped %zu MiB\n" : "mapping changed\n", a);
		return 0;
	}
	if (!strcmp(cmd, "sbrk")) {
		void *brk = sbrk(0);
		errno = 0;
		int huge = sbrk(PTRDIFF_MAX) == (void *)-1 && errno == ENOMEM;
		errno = 0;
		int below = sbrk(-(ptrdiff_t)((uintptr_t)brk + 4096)) == (void *)-1 && errno == ENOMEM;
		errno = 0;
		int wrap = sbrk(PTRDIFF_MAX - 4095) == (void *)-1 && errno == ENOMEM;
		/* A growth across the backed end then gives back what it took. */
		char *p = sbrk(64 << 20);
		int grew = p == brk && (p[(64 << 20) - 1] = 1) && sbrk(-(64 << 20)) == p + (64 << 20);
		printf("huge %d below %d wrap %d grew %d same %d\n", huge, below, wrap, grew, sbrk(0) == brk);
		return 0;
	}
	if (!strcmp(cmd, "time")) {
		double t = now_ms();
		for (size_t i = 0; i < a; i++) {
			unsigned char *p = malloc(1 << 20);
			if (!p)
				return 3;
			fill(p, 1 << 20, (unsigned)i);
		}
		printf("%zu MiB in %.1f ms\n", a, now_ms() - t);
		return 0;
	}
	return 2;
}
