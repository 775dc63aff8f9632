/*
 * newlib's feature header, plus the POSIX options tincan implements that
 * newlib's generic target does not announce: clock_gettime with
 * CLOCK_MONOTONIC and the CPU-time clocks, nanosleep, clock_nanosleep, and
 * POSIX threads.
 */
#include_next <sys/features.h>

#ifndef TINCAN_SYS_FEATURES_H
#define TINCAN_SYS_FEATURES_H
#ifndef _POSIX_TIMERS
#define _POSIX_TIMERS 200809L
#endif
#ifndef _POSIX_MONOTONIC_CLOCK
#define _POSIX_MONOTONIC_CLOCK 200809L
#endif
#ifndef _POSIX_CPUTIME
#define _POSIX_CPUTIME 200809L
#endif
#ifndef _POSIX_THREAD_CPUTIME
#define _POSIX_THREAD_CPUTIME 200809L
#endif
#ifndef _POSIX_THREADS
#define _POSIX_THREADS 200809L /* cooperative threads: libos/sched.c */
#endif
#ifndef _POSIX_CLOCK_SELECTION
#define _POSIX_CLOCK_SELECTION 200809L
#endif
#endif
