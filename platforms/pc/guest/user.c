/*
 * Ring 3's start: the clocks from what ring 0 measured, the command line
 * split into guest options and the app's arguments, then libos_main.
 *
 * The command line (from the boot loader, or QEMU's -append) has the
 * syntax of tincan-run's guest side: options first (--env=NAME=VALUE,
 * repeatable), then the app's arguments; "--" ends the options.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cmdline.h"
#include "pc.h"
#include <tincan/image.h>
#include <tincan/platform.h>

#define ARGV_MAX 256
#define ENV_MAX 64

static uint64_t tsc_boot, tsc_hz, mult;
static int64_t real_boot;

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t plat_clock_monotonic_ns(void)
{
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_boot) * mult) >> 32);
}

uint64_t plat_clock_realtime_ns(void)
{
	return (uint64_t)real_boot + plat_clock_monotonic_ns();
}

/* The TSC value at which the monotonic clock reads ns (saturating). */
uint64_t pc_tsc_at(uint64_t ns);
uint64_t pc_tsc_at(uint64_t ns)
{
	unsigned __int128 t = (unsigned __int128)ns * tsc_hz / 1000000000u + tsc_boot;
	return t > UINT64_MAX ? UINT64_MAX : (uint64_t)t;
}

static noreturn void usage(const char *what, const char *arg)
{
	static const char pre[] = "tincan: ";
	plat_console_write(2, pre, sizeof pre - 1);
	plat_console_write(2, what, strlen(what));
	plat_console_write(2, arg, strlen(arg));
	plat_console_write(2, "\n", 1);
	pc_call(PC_CALL_EXIT, 104, 0, 0);
	for (;;)
		;
}

extern const struct tc_manifest_note __tincan_manifest_note;
noreturn void pc_user_start(struct pc_boot *b);

void pc_user_start(struct pc_boot *b)
{
	static char *words[ARGV_MAX + 1], *argv[ARGV_MAX + 2], *envp[ENV_MAX + 1];
	static char name[TC_MFT_NAME_MAX];
	tsc_boot = b->tsc_boot;
	tsc_hz = b->tsc_hz;
	mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / tsc_hz);
	real_boot = b->real_ns_boot;

	if (b->flags & PC_BOOT_CMDLINE_CUT)
		usage("the command line is too long (the most is 4095 bytes)", "");
	int n = cmdline_split(b->cmdline, words, ARGV_MAX + 1);
	if (n < 0)
		usage("bad command line (an unterminated quote, or more than 256 words)", "");
	int i = 0, envc = 0;
	for (; i < n && strncmp(words[i], "--", 2) == 0; i++) {
		if (strcmp(words[i], "--") == 0) {
			i++;
			break;
		}
		if (strncmp(words[i], "--env=", 6) == 0 && strchr(words[i] + 6, '=') && words[i][6] != '=') {
			if (envc == ENV_MAX)
				usage("too many --env options (the most is 64)", "");
			envp[envc++] = words[i] + 6;
		} else if (!strncmp(words[i], "--ip=", 5) || !strncmp(words[i], "--gw=", 5) ||
			   !strncmp(words[i], "--dns=", 6)) {
			usage("this image has no network device on the pc platform: ", words[i]);
		} else {
			usage("unknown option (guest options: --env=NAME=VALUE; -- ends them): ", words[i]);
		}
	}
	/* argv[0]: the image's name, as tincan-run gives it. */
	const char *mn = __tincan_manifest_note.m.name;
	size_t k = 0;
	while (k < sizeof name - 1 && mn[k]) {
		name[k] = mn[k];
		k++;
	}
	if (!k)
		memcpy(name, "app", 4);
	int argc = 0;
	argv[argc++] = name;
	while (i < n)
		argv[argc++] = words[i++];
	argv[argc] = NULL;
	envp[envc] = NULL;

	struct tc_boot t = {
		.heap_start = b->heap_start,
		.heap_end = b->heap_end,
		.heap_max = b->heap_end,
		.mem_size = b->mem_size,
		.argc = argc,
		.argv = argv,
		.envp = envp,
		.start_ns = 0,
		.tty = 0,
		.stack_size = b->stack_top - b->stack_bottom,
	};
	libos_main(&t);
}
