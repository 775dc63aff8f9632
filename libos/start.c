/* From the platform's entry to main(): C library set-up and exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define STDOUT_BUF 4096

extern void __tincan_net_start(void) __attribute__((weak));
extern void __tincan_net_restored(void) __attribute__((weak));

/* A writable copy of a NULL-terminated string vector, in one allocation. */
static char **copy_vector(char **v, int n)
{
	size_t bytes = sizeof(char *) * ((size_t)n + 1);
	for (int i = 0; i < n; i++)
		bytes += strlen(v[i]) + 1;
	char **out = malloc(bytes);
	if (!out)
		tincan_panic("no memory for the %d arguments or environment strings", n);
	char *s = (char *)(out + n + 1);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(v[i]) + 1;
		memcpy(s, v[i], len);
		out[i] = s;
		s += len;
	}
	out[n] = NULL;
	return out;
}

void libos_main(const struct tc_boot *boot)
{
	libos.start_ns = boot->start_ns;
	libos.mem_size = boot->mem_size;
	libos.tty = boot->tty;
	libos.stack_size = boot->stack_size;
	libos_heap_init(boot->heap_start, boot->heap_end, boot->heap_max);
	tc_sched_init();
	console_init();
	/* argv and the environment live in the monitor's read-only boot pages;
	 * C says a program may modify them, so it gets writable copies. */
	char **argv = copy_vector(boot->argv, boot->argc);
	int envc = 0;
	while (boot->envp[envc])
		envc++;
	char **envp = copy_vector(boot->envp, envc);
	environ = envp;
	/* Networking is linked only into apps that use sockets; it reads
	 * its configuration from the environment (net/netcfg.c). */
	if (__tincan_net_start)
		__tincan_net_start();
	/* newlib's exit() does not run destructors by itself on this target. */
	atexit(__libc_fini_array);
	/* newlib line-buffers stdout on targets without fcntl; POSIX programs
	 * expect full buffering when it is not a terminal, and every flush
	 * costs an exit to the monitor. */
	if (!(libos.tty & 2))
		setvbuf(stdout, NULL, _IOFBF, STDOUT_BUF);
	__libc_init_array();
	tc_idle_snapshot = PLAT_EV_SNAPSHOT;
	libos.main_ns = plat_clock_monotonic_ns();
	/* exit() runs atexit handlers and flushes stdio, then calls _exit(). */
	exit(main(boot->argc, argv, envp));
}

/* Restored from a snapshot (the platform's call, from the wait it was
 * taken in): the new host's terminals and environment entries (writable
 * copies: newlib's setenv writes a shorter value over the old one), then
 * the networking's new addresses and keys, if it is linked.  No search
 * for old entries of the same names: hello's 64 KiB budget. */
__attribute__((cold)) void libos_restored(char **envp, unsigned tty)
{
	libos.tty = tty;
	int k = 0, n = 0;
	while (envp[k])
		k++;
	while (environ[n])
		n++;
	/* The restore's entries (writable copies) go first, where getenv and
	 * setenv find them before an old entry of their name. */
	char **add = copy_vector(envp, k), **env = malloc(sizeof(char *) * (size_t)(k + n + 1));
	if (!env)
		tincan_panic("no memory for the %d arguments or environment strings", k + n);
	memcpy(env, add, sizeof(char *) * (size_t)k);
	memcpy(env + k, environ, sizeof(char *) * (size_t)(n + 1));
	environ = env;
	if (__tincan_net_restored)
		__tincan_net_restored();
}

uint64_t tincan_boot_to_main_ns(void)
{
	return libos.main_ns - libos.start_ns;
}
