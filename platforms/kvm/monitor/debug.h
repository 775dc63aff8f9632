/*
 * The observability build.  tincan-run-debug is the monitor's sources
 * built again with TINCAN_DEBUG and the modules of debug/ added (gdb,
 * cores, the profiler, --stats and --metrics: docs/debugging.md);
 * tincan-run execs it when given an option it does not know.  In
 * tincan-run every hook below compiles to nothing, so the normal run
 * keeps its size, its speed and its seccomp filter.
 */
#ifndef TINCAN_DEBUG_H
#define TINCAN_DEBUG_H

#include <signal.h>
#include <stdint.h>

#include "../abi.h"

struct vm;

#ifdef TINCAN_DEBUG

#define DBG_EXITS 64 /* KVM_EXIT_* counted; a larger reason counts in the last */
#define DBG_NICS 4

/* What the run did, counted where it happens (DBG_COUNT). */
struct dbg_counters {
	uint64_t exits[DBG_EXITS]; /* KVM_RUN returns by exit reason */
	uint64_t eintr; /* KVM_RUN returns by a host signal (EINTR) */
	uint64_t hc[TC_HC_MAX + 1]; /* hypercalls by TC_HC_* */
	struct {
		uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes, rx_drops, tx_drops;
	} nic[DBG_NICS];
	uint64_t blk_reads, blk_writes, blk_read_bytes, blk_write_bytes, blk_flushes;
	uint64_t console_out_bytes, console_in_bytes; /* what the guest's console writes and reads moved */
};
extern struct dbg_counters dbg_ctr;
#define DBG_COUNT(field, n) ((void)(dbg_ctr.field += (n)))

/* debug/hooks.c: each calls the debug modules' hook of that name (module.h). */
void dbg_run_start(struct vm *vm); /* before the first KVM_RUN (the sandbox is in place) */
int dbg_shutdown(struct vm *vm); /* a KVM_EXIT_SHUTDOWN: 1 if a module took it (run again) */
void dbg_signal(struct vm *vm, int sig); /* a module's host signal arrived (read from the signalfd) */
void dbg_fatal(struct vm *vm, int status, const char *why); /* the guest faulted or panicked */
void dbg_quit(int status); /* every end of the monitor (quit()), once */
void dbg_sigset(sigset_t *s); /* add the modules' host signals */
/* A debug module's output directory (an fd opened before the jail): run
 * as root, the jail takes its owner as the user it runs as (as for
 * --snapshot's), and sets no file size limit.  dbg_out_dir(): the first
 * one given, or -1. */
void dbg_owner_dir(int fd);
int dbg_out_dir(void);

#else

#define DBG_COUNT(field, n) ((void)0)
static inline void dbg_run_start(struct vm *vm)
{
	(void)vm;
}
static inline int dbg_shutdown(struct vm *vm)
{
	(void)vm;
	return 0;
}
static inline void dbg_signal(struct vm *vm, int sig)
{
	(void)vm;
	(void)sig;
}
static inline void dbg_fatal(struct vm *vm, int status, const char *why)
{
	(void)vm;
	(void)status;
	(void)why;
}
static inline void dbg_quit(int status)
{
	(void)status;
}
static inline void dbg_sigset(sigset_t *s)
{
	(void)s;
}
static inline int dbg_out_dir(void)
{
	return -1;
}

#endif
#endif
