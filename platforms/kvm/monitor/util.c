/* Messages and clocks for the monitor. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

/* One write per message: stderr may be shared with the guest's output. */
static void vmsg(const char *fmt, va_list ap)
{
	char buf[1024];
	/* Only the monitor starts a line with "tincan-run:" (console.c). */
	int n = snprintf(buf, sizeof buf, "%stincan-run: ", console_midline() ? "\n" : "");
	int m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof buf - 2)
		n = sizeof buf - 2;
	buf[n++] = '\n';
	if (write(2, buf, n) < 0) {
		/* Nothing more we can do. */
	}
}

void msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	quit(status);
}

void quit(int status)
{
	snap_abandon();
	_exit(status);
}

void sys_signal(int sig, void (*handler)(int))
{
	/* The kernel's struct sigaction: handler, flags, restorer, mask.
	 * x86-64 wants a restorer for a handler; ours never returns (it ends
	 * the process), so none is ever used. */
	unsigned long sa[4] = { (unsigned long)handler, 0x04000000 /* SA_RESTORER */, 0, 0 };
	syscall(SYS_rt_sigaction, sig, sa, NULL, 8);
}

uint64_t now_ns(int clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t boot_now_ns(int clock)
{
	struct timespec ts;
	syscall(SYS_clock_gettime, clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t bucket_fill(struct bucket *b)
{
	uint64_t now = now_ns(CLOCK_MONOTONIC), dt = now - b->at, add = dt * b->rate / 1000000000ULL;
	/* rate <= 2^32 (options.c): dt * rate cannot overflow below 4 s. */
	if (dt > 4000000000ULL || b->tokens + add >= b->rate) {
		b->tokens = b->rate;
		b->at = now;
	} else {
		b->tokens += add;
		b->at += add * 1000000000ULL / b->rate;
	}
	return b->tokens;
}
