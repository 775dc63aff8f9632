/* The monitor's real seccomp filter (platforms/kvm/monitor/seccomp.c),
 * installed in forked children: a permitted call succeeds and the child
 * goes on, a forbidden call kills it by SIGSYS, and a read on an fd the
 * filter was not told about kills it too. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "module.h"
#include "monitor.h"

/* seccomp.c reports a filter it cannot build or install through die(). */
void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(status);
}

enum { PERMITTED, FORBIDDEN, WRONG_FD, DONTNEED, WILLNEED };

/* Runs one call under the filter in a child; returns its wait status. */
static int under_filter(int what)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	static char page[4096] __attribute__((aligned(4096)));
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct mod_fds f = { 0 };
		f.rd[f.nrd++] = (unsigned)p[0];
		f.wr[f.nwr++] = (unsigned)p[1];
		sandbox_enter(&f, 0);
		char c = 'x';
		struct timespec ts;
		switch (what) {
		case PERMITTED:
			if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0)
				syscall(SYS_exit_group, 2);
			if (syscall(SYS_write, p[1], &c, 1) != 1 || syscall(SYS_read, p[0], &c, 1) != 1)
				syscall(SYS_exit_group, 3);
			break;
		case FORBIDDEN: syscall(SYS_getpid); break;
		case WRONG_FD: syscall(SYS_read, 0, &c, 1); break;
		/* madvise: MADV_DONTNEED only (a guard page, guard.c). */
		case DONTNEED:
			if (syscall(SYS_madvise, page, 4096, MADV_DONTNEED) != 0)
				syscall(SYS_exit_group, 4);
			break;
		case WILLNEED: syscall(SYS_madvise, page, 4096, MADV_WILLNEED); break;
		}
		syscall(SYS_exit_group, 7);
	}
	close(p[0]);
	close(p[1]);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

int main(void)
{
	int st = under_filter(PERMITTED);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7,
	   "clock_gettime, write and read on its fds pass the filter (status 0x%x)", st);
	st = under_filter(FORBIDDEN);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "getpid kills the process by SIGSYS (status 0x%x)", st);
	st = under_filter(WRONG_FD);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	   "read on an fd not given kills the process by SIGSYS (status 0x%x)", st);
	st = under_filter(DONTNEED);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "madvise(MADV_DONTNEED) passes the filter (status 0x%x)", st);
	st = under_filter(WILLNEED);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "madvise with other advice kills by SIGSYS (status 0x%x)", st);
	return done_testing();
}
