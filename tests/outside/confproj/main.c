#include "config.h"

#include <math.h>
#include <stdio.h>

int main(void)
{
#if defined(HAVE_CLOCK_GETTIME) && defined(HAVE_NANOSLEEP) && defined(HAVE_GETENTROPY) &&                              \
    defined(HAVE_SYS_RANDOM_H) && defined(RUNS_IN_GUEST)
	printf("configured: clock_gettime nanosleep getentropy sys/random.h, run probes in a guest\n");
#else
	printf("configure missed something\n");
#endif
	printf("sqrt(16) = %g\n", sqrt(16.0));
	return 0;
}
