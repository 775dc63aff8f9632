/* A tiny TAP emitter for C unit tests run by prove. */
#ifndef TINCAN_TAP_H
#define TINCAN_TAP_H

#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

#define ok(cond, ...)                                                                                                  \
	do {                                                                                                           \
		int tap_c = !!(cond);                                                                                  \
		printf("%sok %d - ", tap_c ? "" : "not ", ++tap_n);                                                    \
		printf(__VA_ARGS__);                                                                                   \
		printf("\n");                                                                                          \
		if (!tap_c) {                                                                                          \
			tap_failed++;                                                                                  \
			printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);                                \
		}                                                                                                      \
	} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
