/* From the platform's entry to main(): C library set-up and exit. */
#include <stdio.h>
#include <stdlib.h>

#include "fd.h"
#include "internal.h"
#include "sched.h"
#include <tincan.h>

struct libos_state libos;

extern char **environ;
extern int main(int argc, char **argv, char **envp);
extern void __libc_init_array(void);
extern void __libc_fini_array(void);

/* newlib's __libc_init_array calls these around the init arrays; the
 * linker script's .init_array does the real work. */
void _init(void)
{
}
void _fini(void)
{
}

void libos_main(const struct tc_boot *boot)
{
	libos.start_ns = boot->start_ns;
	libos.mem_size = boot->mem_size;
	libos.tty = boot->tty;
	libos_heap_init(boot->heap_start, boot->heap_end);
	tc_sched_init();
	console_init();
	environ = boot->envp;
	/* newlib's exit() does not run destructors by itself on this target. */
	atexit(__libc_fini_array);
	/* newlib line-buffers stdout on targets without fcntl; POSIX programs
	 * expect full buffering when it is not a terminal, and every flush
	 * costs an exit to the monitor. */
	if (!(libos.tty & 2))
		setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
	__libc_init_array();
	libos.main_ns = plat_clock_monotonic_ns();
	/* exit() runs atexit handlers and flushes stdio, then calls _exit(). */
	exit(main(boot->argc, boot->argv, boot->envp));
}

uint64_t tincan_boot_to_main_ns(void)
{
	return libos.main_ns - libos.start_ns;
}
