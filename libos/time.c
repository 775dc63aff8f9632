/* Clocks and sleeping.  Reading a clock never leaves the guest; sleeping is
 * one wait in the monitor, which costs the host no CPU. */
#include <errno.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "sched.h"

#define NS 1000000000ULL

int libos_sleep_until(uint64_t deadline)
{
	/* Other threads run meanwhile; the scheduler counts idle time.  A
	 * signal handler ends the sleep (even with SA_RESTART, as on Linux). */
	while (plat_clock_monotonic_ns() < deadline) {
		long r = tc_block(NULL, deadline, 0);
		if (r == -EINTR || r == TC_RESTART)
			return -EINTR;
	}
	return 0;
}

/* Guest CPU time: time since boot that was not spent waiting. */
static uint64_t cpu_ns(void)
{
	return plat_clock_monotonic_ns() - libos.start_ns - libos.idle_ns;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	uint64_t t;

	switch (id) {
	case CLOCK_REALTIME: t = plat_clock_realtime_ns(); break;
	case CLOCK_MONOTONIC: t = plat_clock_monotonic_ns(); break;
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID: t = cpu_ns(); break;
	default: return sys_fail(EINVAL);
	}
	ts->tv_sec = (time_t)(t / NS);
	ts->tv_nsec = (long)(t % NS);
	return 0;
}

int clock_getres(clockid_t id, struct timespec *res)
{
	if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC && id != CLOCK_PROCESS_CPUTIME_ID &&
	    id != CLOCK_THREAD_CPUTIME_ID)
		return sys_fail(EINVAL);
	if (res)
		*res = (struct timespec){ 0, 1 };
	return 0;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	uint64_t t = plat_clock_realtime_ns();
	if (tz) /* the system's zone is UTC */
		*(struct timezone *)tz = (struct timezone){ 0, 0 };
	if (tv) {
		tv->tv_sec = (time_t)(t / NS);
		tv->tv_usec = (suseconds_t)(t % NS / 1000);
	}
	return 0;
}

/* The inverse of gmtime(): fields out of range are carried (as mktime()
 * does) and *tm is rewritten normalized. */
time_t timegm(struct tm *tm)
{
	long long y = (long long)tm->tm_year + 1900, mon = tm->tm_mon;
	y += mon / 12;
	mon %= 12;
	if (mon < 0) {
		mon += 12;
		y--;
	}
	/* Days from 1970-01-01 to y-mon-01 (Howard Hinnant's days_from_civil). */
	long long yy = mon < 2 ? y - 1 : y, era = (yy >= 0 ? yy : yy - 399) / 400;
	long long yoe = yy - era * 400, mp = (mon + 10) % 12;
	long long doy = (153 * mp + 2) / 5, doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long long days = era * 146097 + doe - 719468 + tm->tm_mday - 1;
	long long t = days * 86400 + (long long)tm->tm_hour * 3600 + (long long)tm->tm_min * 60 + tm->tm_sec;
	time_t r = (time_t)t;
	if (!gmtime_r(&r, tm)) {
		errno = EOVERFLOW;
		return (time_t)-1;
	}
	return r;
}

/* clock() is times()'s utime in CLK_TCK units (newlib: CLOCKS_PER_SEC). */
clock_t times(struct tms *buf)
{
	uint64_t hz = CLOCKS_PER_SEC;
	if (buf) {
		buf->tms_utime = (clock_t)(cpu_ns() / (NS / hz));
		buf->tms_stime = buf->tms_cutime = buf->tms_cstime = 0;
	}
	return (clock_t)((plat_clock_monotonic_ns() - libos.start_ns) / (NS / hz));
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	if (!req || req->tv_nsec < 0 || req->tv_nsec >= (long)NS || req->tv_sec < 0)
		return sys_fail(EINVAL);
	uint64_t now = plat_clock_monotonic_ns();
	uint64_t d = (uint64_t)req->tv_sec > (UINT64_MAX - now) / NS - 1
			 ? UINT64_MAX
			 : now + (uint64_t)req->tv_sec * NS + (uint64_t)req->tv_nsec;
	int r = libos_sleep_until(d);
	if (rem) {
		uint64_t after = plat_clock_monotonic_ns(), left = r && d > after ? d - after : 0;
		*rem = (struct timespec){ (time_t)(left / NS), (long)(left % NS) };
	}
	return r ? sys_fail(EINTR) : 0;
}

unsigned sleep(unsigned s)
{
	struct timespec ts = { (time_t)s, 0 }, rem;
	if (nanosleep(&ts, &rem) == 0)
		return 0;
	return (unsigned)rem.tv_sec + (rem.tv_nsec > 0); /* seconds left, rounded up */
}

int usleep(useconds_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
	return nanosleep(&ts, NULL);
}

int clock_nanosleep(clockid_t id, int flags, const struct timespec *req, struct timespec *rem)
{
	if (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC)
		return id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID ? ENOTSUP : EINVAL;
	if (!req || req->tv_nsec < 0 || req->tv_nsec >= (long)NS || req->tv_sec < 0)
		return EINVAL;
	if (!(flags & TIMER_ABSTIME))
		return nanosleep(req, rem) ? errno : 0;
	/* An absolute deadline on either clock becomes one on the monotonic clock. */
	uint64_t want =
	    (uint64_t)req->tv_sec >= UINT64_MAX / NS ? UINT64_MAX : (uint64_t)req->tv_sec * NS + (uint64_t)req->tv_nsec;
	uint64_t now = id == CLOCK_REALTIME ? plat_clock_realtime_ns() : plat_clock_monotonic_ns();
	uint64_t mono = plat_clock_monotonic_ns();
	if (want > now && libos_sleep_until(want - now > UINT64_MAX - mono ? UINT64_MAX : mono + (want - now)))
		return EINTR;
	return 0;
}

int clock_settime(clockid_t id, const struct timespec *ts)
{
	(void)id, (void)ts;
	return sys_fail(EPERM); /* the host owns the clock */
}

int clock_getcpuclockid(pid_t pid, clockid_t *id)
{
	if (pid != 0 && pid != 1)
		return ESRCH;
	*id = CLOCK_PROCESS_CPUTIME_ID;
	return 0;
}
