/* tincan-run internals shared between the monitor's files. */
#ifndef TINCAN_MONITOR_H
#define TINCAN_MONITOR_H

#include <stdint.h>
#include <stdnoreturn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../abi.h"
#include "debug.h"
#include "elfimage.h"
#include "layout.h"

struct kvm_run;

/* fstat and fcntl as bare system calls: musl's wrappers carry fallbacks
 * for old kernels (~1 KiB) that the monitor's 64 KiB budget cannot spare. */
static inline int sys_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}
static inline int sys_fcntl(int fd, int cmd, int arg)
{
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}
/* stat and signal likewise: musl's stat goes through fstatat's fallbacks,
 * its signal through sigaction's locks and signal masks for threads the
 * monitor does not have (~1.6 KiB in all). */
static inline int sys_stat(const char *path, struct stat *st)
{
	return (int)syscall(SYS_stat, path, st);
}
void sys_signal(int sig, void (*handler)(int));

/* A token bucket: rate tokens a second (0: no limit), at most a second's. */
struct bucket {
	uint64_t rate, tokens, at;
};

/* CR2 at boot: non-canonical, so no page fault can leave it there. */
#define CR2_SENTINEL 0xdead00000000dead

struct vm {
	const char *image_path;
	struct ei_image img;
	struct guest_layout lay;
	struct gm gm;
	uint8_t *mem;
	int kvm, vmfd, vcpu;
	struct kvm_run *run;
	unsigned slots, slots_max; /* KVM memory slots used, and the most growth may use */
	uint64_t timeout_ns; /* --timeout; 0: none */
	uint64_t grace_ns; /* --grace: a stop notice's time to exit; 0: none */
	uint64_t forged, over_rate; /* tx frames dropped: a source MAC not the guest's, over --net-rate */
	struct bucket console; /* --console-rate */
	uint64_t net_rate; /* --net-rate; 0: none */
	int share_fd; /* the first --dir's fd + 1; 0: none */
	uint64_t write_max; /* the largest --block file: the jail's RLIMIT_FSIZE */
	int jail; /* --jail: JAIL_* (options.h) */
	int image_fd; /* open and mapped (img.file) for the whole run */
	size_t image_size;
	struct stat image_st; /* the image as it was read: fault.c checks it */
	uint64_t image_off; /* where the image starts in image_fd's file (a snapshot's) */
	uint64_t hc_gpa; /* the argument struct of the hypercall being handled */
	uint64_t fs_base, gs_base; /* the vCPU's at its first run (a restore's) */
	uint64_t tsc_khz;
	uint64_t mono_off; /* the guest's CLOCK_MONOTONIC minus the host's (a restore's; 0) */
	int snap; /* --snapshot: take one at the guest's ready point */
};

/* Messages: one line to stderr, prefixed "tincan-run: " (and after a
 * newline when the guest left the terminal within a line: console.c). */
void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* End the monitor: every end goes through here (a pending snapshot's file goes). */
noreturn void quit(int status);

uint64_t now_ns(int clock);
/* The same by the system call: musl's first vDSO call parses the vDSO and
 * faults its pages in (~13 us of boot); the run loop's clocks use now_ns. */
uint64_t boot_now_ns(int clock);

/* Refill a token bucket (struct bucket) from the clock; the tokens there are now. */
uint64_t bucket_fill(struct bucket *b);

/* console.c: the guest is within a line on the monitor's stderr; write
 * out what the line marking held back. */
int console_midline(void);
void console_flush(struct vm *vm);

/* kvm.c: create the VM, load the image into it, set up the vCPU. */
/* kvm.c: open /dev/kvm, create the VM, load the image into it, set up the vCPU. */
void vm_open(struct vm *vm);
void vm_create(struct vm *vm);
void vm_load(struct vm *vm, uint64_t entry, uint64_t boot_info);
void vm_clock(struct tc_boot_info *bi, struct vm *vm);
/* Back at least bytes more heap (TC_HC_MEM_GROW): 0 or -TC_E*. */
int vm_grow(struct vm *vm, uint64_t bytes);
/* Bytes of guest memory backed now. */
uint64_t vm_backed(const struct vm *vm);

/* run.c: run the guest until it exits; never returns.  Hypercalls go to
 * hypercall.c, which calls the handlers of core.c and of the modules. */
noreturn void vm_run(struct vm *vm);

/* core.c: read SIGTERM/SIGINT/SIGALRM that arrived (KVM_RUN's EINTR);
 * wait for fd to be readable while still seeing them. */
void host_signals_block(void);
void host_signals(void);
/* With ns, one wait of at most ns (fd -1: none), which a signal may cut short. */
void host_wait_fd(int fd, short events, uint64_t ns);

/* binfmt.c: argv as the kernel's binfmt_misc hands us an image run as a
 * program (argv[0] ending in tincan-binfmt), made into a command line. */
char **binfmt_args(int *argc, char **argv);

/* fault.c: end the run for a guest's fault, panic or ABI violation, with
 * the reason, registers and a symbolized backtrace. */
noreturn void guest_fatal(struct vm *vm, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
noreturn void guest_shutdown(struct vm *vm);
#ifdef TINCAN_DEBUG
/* Is the image file still the one that was read (its symbols right)? */
int dbg_image_same(const struct vm *vm);
#endif

/* guard.c: TC_HC_GUARD; is gpa a heap page the guest made a guard page? */
void hc_guard(struct vm *vm, void *arg);
int guard_at(const struct vm *vm, uint64_t gpa);

/* main.c: a segment the monitor maps from the image file rather than copies. */
int segment_mapped(const struct ei_segment *s);

/* snapshot.c (docs/snapshot.md).  Taking one: snap_open before the jail
 * (dies if it cannot make the file), snap_note the layout's inputs at boot, snap_take
 * at the ready point (ret_gpa: the wait's ret field).  snap_abandon drops a
 * file not finished.  Restoring: snap_load instead of reading an image
 * (returns the image inside), snap_layout the layout's inputs, snap_check
 * after layout_plan, snap_map after vm_create, snap_vcpu after vm_load. */
void snap_open(const char *file);
/* The snapshot's directory (jail.c: its owner), or -1. */
int snap_dir(void);
/* After the jail: fork the finisher, which renames or removes the file. */
void snap_finisher(void);
struct mod_fds;
/* The sandbox's part: the pipes to the finisher, writes to the file. */
void snap_sandbox(struct mod_fds *f);
void snap_note(uint64_t mem, uint64_t mem_max, uint64_t stack, uint64_t info_size, uint64_t info_end);
noreturn void snap_take(struct vm *vm, uint64_t ret_gpa);
void snap_abandon(void);
const uint8_t *snap_load(struct vm *vm, const char *file, size_t *size);
void snap_layout(uint64_t *mem, uint64_t *mem_max, uint64_t *stack, uint64_t *info_size);
void snap_check(struct vm *vm);
void snap_map(struct vm *vm);
void snap_vcpu(struct vm *vm);
void snap_guards(struct vm *vm);
/* After vm_clock: keep the guest's monotonic clock from running backwards. */
void snap_clock(struct vm *vm, struct tc_boot_info *bi);
void snap_devices(const struct tc_boot_info *old, const struct tc_boot_info *bi);
uint64_t snap_info_end(void);
/* jail.c: after the host files are open, before the image is read: the
 * user, groups, privileges, namespaces, root and limits of --jail/--user. */
struct options;
void jail_enter(struct vm *vm, const struct options *o);
/* Set resource res's soft and hard limits to v. */
void jail_limit(int res, uint64_t v);

/* seccomp.c: from here on only the system calls the run loop needs, with
 * I/O on the fds the modules name (module.h), ioctl on vcpu only (and, if
 * vmfd >= 0, memory slots on vmfd), and no fd numbered nofile or above (0:
 * no such limit). */
struct mod_fds;
void sandbox_enter(const struct mod_fds *f, int vcpu, int vmfd, unsigned nofile);
/* The filter sandbox_enter installs (its instructions, static; returns their number). */
struct sock_filter;
unsigned sandbox_filter(const struct mod_fds *f, int vcpu, int vmfd, const struct sock_filter **out);

#endif
