/*
 * Resource limits and usage of the one process.  The limits describe the
 * guest (the descriptor table, guest memory, the main stack); lowering one
 * is accepted and reported back; libos enforces only RLIMIT_NOFILE's (new
 * descriptors stay below it: EMFILE).  Raising a hard limit fails with EPERM.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"

static struct rlimit lim[RLIMIT_NLIMITS];
static int lim_ready;

static void lim_init(void)
{
	for (int i = 0; i < RLIMIT_NLIMITS; i++)
		lim[i] = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	lim[RLIMIT_NOFILE] = (struct rlimit){ FD_MAX, FD_MAX };
	lim[RLIMIT_STACK] = (struct rlimit){ libos.stack_size, libos.stack_size };
	lim[RLIMIT_AS] = lim[RLIMIT_DATA] = lim[RLIMIT_RSS] = (struct rlimit){ libos.mem_size, libos.mem_size };
	lim[RLIMIT_CORE] = (struct rlimit){ 0, 0 };
	lim[RLIMIT_NPROC] = (struct rlimit){ 1, 1 };
	lim_ready = 1;
}

int getrlimit(int res, struct rlimit *r)
{
	if (res < 0 || res >= RLIMIT_NLIMITS)
		return sys_fail(EINVAL);
	if (!r)
		return sys_fail(EFAULT);
	if (!lim_ready)
		lim_init();
	*r = lim[res];
	return 0;
}

int setrlimit(int res, const struct rlimit *r)
{
	if (res < 0 || res >= RLIMIT_NLIMITS)
		return sys_fail(EINVAL);
	if (!r)
		return sys_fail(EFAULT);
	if (r->rlim_cur > r->rlim_max)
		return sys_fail(EINVAL);
	if (!lim_ready)
		lim_init();
	if (r->rlim_max > lim[res].rlim_max)
		return sys_fail(EPERM);
	lim[res] = *r;
	if (res == RLIMIT_NOFILE)
		fd_limit = r->rlim_cur < FD_MAX ? (int)r->rlim_cur : FD_MAX;
	return 0;
}

int getrusage(int who, struct rusage *u)
{
	if (who != RUSAGE_SELF && who != RUSAGE_THREAD && who != RUSAGE_CHILDREN)
		return sys_fail(EINVAL);
	if (!u)
		return sys_fail(EFAULT);
	*u = (struct rusage){ 0 };
	if (who == RUSAGE_CHILDREN)
		return 0; /* there are none */
	/* Guest CPU time is time since boot not spent waiting (as times()). */
	uint64_t cpu = plat_clock_monotonic_ns() - libos.start_ns - libos.idle_ns;
	u->ru_utime.tv_sec = (time_t)(cpu / 1000000000u);
	u->ru_utime.tv_usec = (suseconds_t)(cpu % 1000000000u / 1000u);
	/* Resident: the image and heap up to the break, plus the main stack. */
	u->ru_maxrss = (long)(((uintptr_t)sbrk(0) + libos.stack_size) / 1024);
	return 0;
}
