/*
 * The stack protector (libos/ssp.c) in a real guest:
 *   canary        print the canary (a fresh one each boot)
 *   smash N       write N bytes into a 16-byte local array, then return
 *   thread N      the same in a pthread
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern uintptr_t __stack_chk_guard;

/* noinline and an opaque use of buf: the memset and the array stay. */
static __attribute__((noinline)) int smash(size_t n)
{
	char buf[16];
	memset(buf, 'A', n);
	__asm__ volatile("" : : "r"(buf) : "memory");
	return buf[0];
}

static void *smash_thread(void *arg)
{
	return (void *)(intptr_t)smash((size_t)(uintptr_t)arg);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 16;
	if (strcmp(mode, "canary") == 0) {
		printf("canary %016lx\n", (unsigned long)__stack_chk_guard);
		return 0;
	}
	if (strcmp(mode, "smash") == 0) {
		printf("survived %d\n", smash(n));
		return 0;
	}
	if (strcmp(mode, "thread") == 0) {
		pthread_t t;
		void *r;
		if (pthread_create(&t, NULL, smash_thread, (void *)(uintptr_t)n) || pthread_join(t, &r))
			return 1;
		printf("survived %d\n", (int)(intptr_t)r);
		return 0;
	}
	return 2;
}
