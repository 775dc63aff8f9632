/* stats: read numbers from stdin, print a summary. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stats.h"

int main(int argc, char **argv)
{
	struct sample s = { 0 };
	char line[1024];
	int lines = 0;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (fgets(line, sizeof line, stdin)) {
		lines++;
		sample_read(&s, line);
	}
	printf("%s: %d lines, %zu numbers\n", argc > 1 ? argv[1] : "stats", lines, s.n);
	printf("mean   %.6f\n", mean(&s));
	printf("median %.6f\n", median(&s));
	printf("stddev %.6g\n", stddev(&s));
	printf("min %g max %g\n", s.n ? s.v[0] : 0.0, s.n ? s.v[s.n - 1] : 0.0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("clock %s\n",
	       t1.tv_sec > t0.tv_sec || (t1.tv_sec == t0.tv_sec && t1.tv_nsec >= t0.tv_nsec) ? "ok" : "backwards");
	return strcmp(line, "") == 0 ? 1 : 0;
}
