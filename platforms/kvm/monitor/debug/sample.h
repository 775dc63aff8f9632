/*
 * What --stats (stats.c) and --metrics (metrics.c) report beyond debug.h's
 * counters, read at one moment (sample.c): host CPU and wall time, guest
 * memory backed and resident, and the names the numbers are labelled with.
 */
#ifndef TINCAN_DEBUG_SAMPLE_H
#define TINCAN_DEBUG_SAMPLE_H

#include <stdint.h>

#include "../../abi.h"

struct vm;
struct mod_fds;

struct sample {
	uint64_t wall_ns; /* since the monitor's first module hook (sample_begin) */
	uint64_t start_real_ns; /* then, in CLOCK_REALTIME */
	uint64_t user_ns, sys_ns; /* the monitor's CPU time (the guest's counts as user time) */
	uint64_t max_rss; /* the monitor's peak resident set, bytes: guest memory touched is in it */
	uint64_t backed, resident; /* guest memory bytes: given to KVM, and resident in host RAM now */
	int have_mem; /* backed and resident are known (the VM exists) */
};

/* Once, in a module's open hook: the start time, the image's name, the pid. */
void sample_begin(const struct vm *vm);
/* In a module's configure hook: the net devices' names. */
void sample_configure(const struct tc_boot_info *bi);
/* The system calls a sample needs in the sandbox (once, however often called). */
void sample_fds(struct mod_fds *f);
/* Read it now; vm may be NULL (before the run). */
void sample_take(const struct vm *vm, struct sample *s);
/* At a fault, before --core reads all guest memory (which would make every
 * page count as resident): keep the resident figure of now for the end. */
void sample_freeze(const struct vm *vm);

/* The image's file name, the monitor's pid, a net device's name (the
 * manifest's) and its tap's. */
const char *sample_image(void);
unsigned sample_pid(void);
const char *sample_nic(unsigned i);
const char *sample_tap(unsigned i);
/* KVM exit reason r's name (lowercase, KVM_EXIT_ without its prefix), into
 * b if it has none of its own ("reason_N"; "other" for debug.h's last slot). */
const char *sample_exit_name(unsigned r, char b[16]);

#endif
