/*
 * The process calls inside a real guest (tests/proc.bats): one process, no
 * loader, no children; each call and its errors, as TAP.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"

static int fails(long r, int e)
{
	return r == -1 && errno == e;
}

static void names(void)
{
	struct utsname u;
	char host[64];
	ok(uname(&u) == 0, "uname");
	ok(strcmp(u.sysname, "tincan") == 0, "uname sysname %s", u.sysname);
	ok(strcmp(u.machine, "x86_64") == 0, "uname machine %s", u.machine);
	ok(gethostname(host, sizeof host) == 0 && strcmp(u.nodename, host) == 0, "uname nodename %s", u.nodename);
	ok(u.release[0] != '\0' && strstr(u.version, u.release) != NULL, "uname release %s, version %s", u.release,
	   u.version);
}

static void limits(void)
{
	struct rlimit r, lo;
	ok(getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur >= 64 && r.rlim_cur == r.rlim_max,
	   "RLIMIT_NOFILE is the fd table (%lu)", (unsigned long)r.rlim_cur);
	int fd = open("/dev/null", O_RDONLY);
	ok(fd >= 0 && (rlim_t)fd < r.rlim_cur, "an fd is below RLIMIT_NOFILE");
	close(fd);
	ok(getrlimit(RLIMIT_STACK, &r) == 0 && r.rlim_cur >= 4096 && r.rlim_cur != RLIM_INFINITY, "RLIMIT_STACK %lu",
	   (unsigned long)r.rlim_cur);
	ok(getrlimit(RLIMIT_AS, &r) == 0 && r.rlim_cur >= 1024 * 1024 && r.rlim_cur <= 4ul << 30, "RLIMIT_AS %lu",
	   (unsigned long)r.rlim_cur);
	ok(getrlimit(RLIMIT_DATA, &r) == 0 && r.rlim_cur != RLIM_INFINITY, "RLIMIT_DATA %lu",
	   (unsigned long)r.rlim_cur);
	ok(fails(getrlimit(RLIM_NLIMITS, &r), EINVAL), "getrlimit of a bad resource: EINVAL");
	ok(fails(getrlimit(-1, &r), EINVAL), "getrlimit(-1): EINVAL");

	getrlimit(RLIMIT_NOFILE, &r);
	lo = (struct rlimit){ 32, r.rlim_max };
	ok(setrlimit(RLIMIT_NOFILE, &lo) == 0, "setrlimit lowers the soft limit");
	ok(getrlimit(RLIMIT_NOFILE, &lo) == 0 && lo.rlim_cur == 32 && lo.rlim_max == r.rlim_max, "and keeps it");
	lo = (struct rlimit){ r.rlim_max, r.rlim_max + 1 };
	ok(fails(setrlimit(RLIMIT_NOFILE, &lo), EPERM), "raising the hard limit: EPERM");
	lo = (struct rlimit){ r.rlim_max + 1, r.rlim_max };
	ok(fails(setrlimit(RLIMIT_NOFILE, &lo), EINVAL), "soft above hard: EINVAL");
	ok(setrlimit(RLIMIT_NOFILE, &r) == 0, "soft limit back up to the hard");
	lo = (struct rlimit){ 0, 0 };
	ok(setrlimit(RLIMIT_CORE, &lo) == 0, "setrlimit(RLIMIT_CORE, 0)");
	lo = (struct rlimit){ 1, 1 };
	ok(fails(setrlimit(RLIMIT_CORE, &lo), EPERM), "then raising it: EPERM");
	ok(fails(setrlimit(99, &r), EINVAL), "setrlimit of a bad resource: EINVAL");
}

static void usage(void)
{
	struct rusage u;
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 30000000ul; i++)
		x += i;
	ok(getrusage(RUSAGE_SELF, &u) == 0, "getrusage(RUSAGE_SELF)");
	long us = u.ru_utime.tv_sec * 1000000l + u.ru_utime.tv_usec;
	ok(us > 0 && us < 60000000l && u.ru_utime.tv_usec < 1000000l, "ru_utime %ld us", us);
	ok(u.ru_maxrss > 16 && u.ru_maxrss < 4l << 20, "ru_maxrss %ld KiB", u.ru_maxrss);
	ok(getrusage(RUSAGE_CHILDREN, &u) == 0 && u.ru_utime.tv_sec == 0 && u.ru_utime.tv_usec == 0,
	   "RUSAGE_CHILDREN: none");
	ok(fails(getrusage(5, &u), EINVAL), "getrusage of a bad who: EINVAL");
}

static void ids(void)
{
	pid_t me = getpid();
	ok(getpgrp() == me && getsid(0) == me && getsid(me) == me && getpgid(0) == me, "group and session are pid %d",
	   (int)me);
	ok(setsid() == me, "setsid: already the leader");
	ok(setpgid(0, 0) == 0 && setpgid(me, me) == 0, "setpgid to itself");
	ok(fails(setpgid(me + 1, 0), ESRCH) && fails(getsid(me + 1), ESRCH) && fails(getpgid(me + 1), ESRCH),
	   "another pid: ESRCH");
	ok(fails(setpgid(0, me + 1), EPERM), "another group: EPERM");
	ok(fails(setpgid(0, -1), EINVAL), "negative group: EINVAL");
	ok(getppid() != me, "getppid is not getpid");
	ok(umask(027) == 022 && umask(0) == 027 && umask(022) == 0, "umask kept and returned");
}

static void children(void)
{
	int st;
	ok(fails(fork(), ENOSYS), "fork: ENOSYS");
	ok(fails(vfork(), ENOSYS), "vfork: ENOSYS");
	char *argv[] = { "sh", NULL }, *envp[] = { NULL };
	ok(fails(execve("/bin/sh", argv, envp), ENOSYS), "execve: ENOSYS");
	ok(fails(execv("/bin/sh", argv), ENOSYS) && fails(execvp("sh", argv), ENOSYS), "execv, execvp: ENOSYS");
	ok(fails(execl("/bin/sh", "sh", (char *)NULL), ENOSYS) && fails(execlp("sh", "sh", (char *)NULL), ENOSYS),
	   "execl, execlp: ENOSYS");
	errno = 0;
	ok(popen("ls", "r") == NULL && errno == ENOSYS, "popen: NULL, ENOSYS");
	ok(system(NULL) == 0, "system(NULL): no shell");
	ok(fails(system("true"), ENOSYS), "system(cmd): -1, ENOSYS");
	ok(fails(waitpid(-1, &st, WNOHANG), ECHILD) && fails(wait(&st), ECHILD), "waitpid, wait: ECHILD");
}

static void loader(void)
{
	ok(dlerror() == NULL, "dlerror: nothing yet");
	ok(dlopen("libfoo.so", RTLD_NOW) == NULL, "dlopen fails");
	const char *e = dlerror();
	ok(e && strcmp(e, "tincan: dynamic loading is not supported (one static image)") == 0, "dlerror: %s",
	   e ? e : "(null)");
	ok(dlerror() == NULL, "dlerror clears");
	ok(dlopen(NULL, RTLD_LAZY) == NULL && dlerror() != NULL, "dlopen(NULL) fails too");
	ok(dlsym(RTLD_DEFAULT, "main") == NULL && dlerror() != NULL, "dlsym fails with a message");
	ok(dlclose(NULL) != 0 && dlerror() != NULL, "dlclose fails with a message");
}

static void clocks(void)
{
	struct timeval tv;
	struct timezone tz;
	memset(&tz, 0x5a, sizeof tz);
	ok(gettimeofday(&tv, &tz) == 0 && tz.tz_minuteswest == 0 && tz.tz_dsttime == 0, "gettimeofday fills tz: UTC");
	ok(tv.tv_sec > 1600000000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000, "and the time");
	ok(gettimeofday(NULL, &tz) == 0, "gettimeofday with tz only");

	struct tm tm = {
		.tm_year = 2000 - 1900, .tm_mon = 1, .tm_mday = 29, .tm_hour = 12, .tm_min = 34, .tm_sec = 56
	};
	ok(timegm(&tm) == 951827696 && tm.tm_wday == 2 && tm.tm_yday == 59, "timegm 2000-02-29 12:34:56");
	tm = (struct tm){ .tm_year = 70, .tm_mday = 1 };
	ok(timegm(&tm) == 0, "timegm of the epoch");
	tm = (struct tm){ .tm_year = 69, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23, .tm_min = 59, .tm_sec = 59 };
	ok(timegm(&tm) == -1 && tm.tm_year == 69, "timegm of 1969-12-31 23:59:59 is -1");
	tm = (struct tm){ .tm_year = 123, .tm_mon = 13, .tm_mday = 0, .tm_hour = 25 };
	ok(timegm(&tm) == 1706749200 && tm.tm_year == 124 && tm.tm_mon == 1 && tm.tm_mday == 1 && tm.tm_hour == 1,
	   "timegm carries out-of-range fields");

	time_t t = 951827696;
	setenv("TZ", "UTC", 1);
	tzset();
	ok(localtime_r(&t, &tm) && tm.tm_hour == 12 && tm.tm_min == 34, "TZ=UTC: localtime is UTC");
	ok(mktime(&tm) == t, "TZ=UTC: mktime is timegm");
	setenv("TZ", "EST5", 1);
	tzset();
	ok(localtime_r(&t, &tm) && tm.tm_hour == 7, "TZ=EST5 (POSIX form): five hours behind");
	setenv("TZ", "UTC0", 1);
	tzset();
	ok(localtime_r(&t, &tm) && tm.tm_hour == 12, "TZ=UTC0: back to UTC");
}

static void locks(void)
{
	int fd = open("/tmp/lock", O_CREAT | O_RDWR, 0644);
	ok(fd >= 0 && flock(fd, LOCK_EX) == 0 && flock(fd, LOCK_SH | LOCK_NB) == 0 && flock(fd, LOCK_UN) == 0,
	   "flock: granted");
	ok(fails(flock(fd, 0), EINVAL) && fails(flock(fd, LOCK_EX | LOCK_SH), EINVAL), "flock with a bad op: EINVAL");
	close(fd);
	ok(fails(flock(fd, LOCK_EX), EBADF) && fails(flock(-1, LOCK_EX), EBADF), "flock on a closed fd: EBADF");
}

static void logging(void)
{
	/* The bats side checks the lines on stderr. */
	openlog("proctest", LOG_PID, LOG_DAEMON);
	syslog(LOG_INFO, "hello %d", 42);
	errno = ENOENT;
	syslog(LOG_ERR, "open failed: %m (100%%)");
	ok(errno == ENOENT, "syslog keeps errno");
	ok(setlogmask(LOG_UPTO(LOG_NOTICE)) == 0xff, "setlogmask returns the old mask");
	ok(setlogmask(0) == LOG_UPTO(LOG_NOTICE), "setlogmask(0) only reads");
	syslog(LOG_DEBUG, "masked out");
	syslog(LOG_NOTICE, "shown");
	closelog();
	syslog(LOG_WARNING, "after closelog");
}

int main(void)
{
	names();
	limits();
	usage();
	ids();
	children();
	loader();
	clocks();
	locks();
	logging();
	return done_testing();
}
