/*
 * tincan's own API for applications.  Nothing here is needed to write an
 * app (plain POSIX-style C works); these are the few extras a unikernel has.
 */
#ifndef TINCAN_H
#define TINCAN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Nanoseconds from the host starting this guest (tincan-run's start) until
 * main() was called. */
uint64_t tincan_boot_to_main_ns(void);

/* The app is ready: with tincan-run --snapshot=FILE the host snapshots
 * the guest here and ends it; a guest restored from that snapshot goes on
 * from here with the new host's clock, random numbers, environment
 * entries, MAC and addresses, and gets 1.  Without --snapshot (or once
 * restored) it does nothing and returns 0.  An app that calls it has no
 * automatic ready point (the first time the guest would wait with nothing
 * to do after main() started). */
int tincan_ready(void);

/* End the guest: print the message (printf-style: %s %c %d %i %u %x %X %p %%
 * with l, ll, z, j, t or h) and a backtrace, without allocating.  tincan-run exits 100. */
__attribute__((__noreturn__, format(printf, 1, 2))) void tincan_panic(const char *fmt, ...);

/* The same, under its short name, unless the app defines its own panic(). */
__attribute__((__noreturn__, format(printf, 1, 2))) void panic(const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif
