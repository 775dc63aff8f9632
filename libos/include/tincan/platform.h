/*
 * The platform interface: the only way libos reaches the machine.
 *
 * Every platform (platforms/<name>/guest) implements the plat_* functions
 * and calls libos_main() once, from its entry point, on the boot stack.
 * libos includes no platform header; a platform calls into libos only
 * through libos_main().  Errors are negative errno values (newlib's numbers).
 */
#ifndef TINCAN_PLATFORM_H
#define TINCAN_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>

/* What the platform hands libos at boot. */
struct tc_boot {
	uintptr_t heap_start; /* sbrk hands out [heap_start, heap_end) */
	uintptr_t heap_end;
	uint64_t mem_size; /* bytes of guest memory */
	int argc;
	char **argv; /* argc entries, then NULL */
	char **envp; /* NULL-terminated */
	uint64_t start_ns; /* plat_clock_monotonic_ns() when the host started this guest */
	unsigned tty; /* bit n set: console fd n is a terminal */
};

/* libos's entry: sets up the C library and runs main(); never returns. */
noreturn void libos_main(const struct tc_boot *boot);

/* Write len bytes to console fd 1 or 2; returns bytes written or -errno. */
long plat_console_write(int fd, const void *buf, size_t len);

/* Read up to len bytes from console fd 0; blocks until at least one byte
 * or end of file.  Returns bytes read, 0 at end of file, or -errno. */
long plat_console_read(void *buf, size_t len);

/* Clocks in nanoseconds.  Reading them never leaves the guest.  Monotonic
 * never goes backwards; realtime is nanoseconds since the Unix epoch. */
uint64_t plat_clock_monotonic_ns(void);
uint64_t plat_clock_realtime_ns(void);

/* Block until the monotonic clock reaches deadline_ns or one of the wanted
 * events is ready; returns the ready events (0: the deadline passed). */
#define PLAT_EV_CONSOLE_IN 1u
unsigned plat_wait(uint64_t deadline_ns, unsigned wanted);

/* Fill buf with len bytes from the CPU's random source; 0 or -EIO. */
int plat_entropy(void *buf, size_t len);

/* End the guest with this exit status. */
noreturn void plat_exit(int status);

/* End the guest abnormally: report msg (not NUL-terminated) and where the
 * guest was, with a backtrace.  Must not allocate. */
noreturn void plat_panic(const char *msg, size_t len);

#endif
