/* libos-private declarations shared between its files (never installed). */
#ifndef LIBOS_INTERNAL_H
#define LIBOS_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>

#include <tincan/platform.h>

struct libos_state {
	uint64_t start_ns; /* host start, monotonic */
	uint64_t main_ns; /* when main() was called */
	uint64_t idle_ns; /* time spent waiting in plat_wait */
	uint64_t mem_size;
	uint64_t stack_size; /* the main stack's */
	unsigned tty;
};
extern struct libos_state libos;

/*
 * The one conversion between libos's convention (0 or a count on success,
 * -errno on failure) and POSIX's (errno set, -1): every POSIX entry point
 * ends in one of these.
 */
static inline int sys_fail(int e)
{
	errno = e;
	return -1;
}
static inline long sys_ret(long r)
{
	return r < 0 ? sys_fail((int)-r) : r;
}

/* The process's umask (proc.c): open(O_CREAT) and mkdir clear these bits. */
#define libos_umask __tincan_umask
extern mode_t libos_umask;

/* Heap bounds for sbrk (heap.c). */
void libos_heap_init(uintptr_t start, uintptr_t end, uintptr_t max);
/* The most the heap may ever hold, in bytes (also used by libtcnet). */
#define libos_heap_limit __tincan_heap_limit
size_t libos_heap_limit(void);

/* Sleep until the monotonic clock reaches deadline (time.c); counts idle
 * time.  -EINTR if a signal handler ran meanwhile, else 0. */
int libos_sleep_until(uint64_t deadline_ns);

/* Raise SIGPIPE in the writer before a write fails with EPIPE (signal.c;
 * the networking object calls it too). */
void __tincan_sig_pipe(void);

/* Set by signal.c once signals are in use: abort() runs SIGABRT's handler
 * through it before it ends the guest (proc.c). */
extern void (*libos_abort_hook)(void);

/* Set by fs/hostfs.c once it holds writes back: run before the guest
 * waits for the console or ends (proc.c, console.c), so the host has them. */
#define libos_wait_hook __tincan_wait_hook
extern void (*libos_wait_hook)(void);

#endif
