/*
 * Device modules.  Each device of the monitor is one module: its command
 * line options and --help lines, its set-up, the fds the sandbox lets it
 * use, what it adds to the wait hypercall, and its hypercalls.  The list
 * of modules is in modules.c; core.c drives them.  Every hook is optional.
 */
#ifndef TINCAN_MODULE_H
#define TINCAN_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "../abi.h"
#include "hypercall.h"

struct vm;

/* --help's text lives in tincan-run-debug only: tincan-run runs it for
 * --help (main.c), as for the options it does not know. */
#ifdef TINCAN_DEBUG
#define USAGE(s) s
#else
#define USAGE(s) NULL
#endif

/* "--name=VALUE" or "--name VALUE".  parse returns 0, or -1 with a
 * one-line reason in err (a usage error). */
struct mod_option {
	const char *name;
	int (*parse)(const char *value, char *err, size_t errlen);
};

#define FDS_MAX 12

/* An fd the wait hypercall polls for readability: ready sets ev.  If gone
 * is set, a hang-up or error on it ends the run with that message. */
struct wait_fd {
	int fd;
	uint64_t ev;
	const char *gone;
};

/* The fds modules use once the sandbox is in place. */
struct mod_fds {
	unsigned nrd, nwr, npio, nwait;
	unsigned rd[FDS_MAX]; /* read() allowed */
	unsigned wr[FDS_MAX]; /* write() and writev() allowed */
	unsigned pio[FDS_MAX]; /* pread64(), pwrite64(), fdatasync() allowed (a disk) */
	unsigned ntap, tap[FDS_MAX]; /* taps: ioctl(TUNSETOFFLOAD) allowed (net.c, raw frames) */
	struct wait_fd wait[FDS_MAX];
	/* Host directories (dir.c): openat2() beneath the fds in dir[], and
	 * file calls on the fds it opens, all in [dyn_lo, dyn_hi). */
	unsigned ndir, dyn_lo, dyn_hi;
	unsigned dir[FDS_MAX];
	unsigned image; /* the image file: fstat() and pread64() allowed (a fault report) */
	unsigned snap; /* --snapshot's file, fd + 1 (snapshot.c); 0: none */
#ifdef TINCAN_DEBUG
	/* The debug modules' (debug/), allowed only in tincan-run-debug and
	 * only for what its options opened (seccomp.c, allow_debug). */
	unsigned nfile, file[FDS_MAX]; /* pwrite64, ftruncate, fdatasync: output files */
	unsigned nwdir, wdir[FDS_MAX]; /* renameat, renameat2, unlinkat within these directories */
	unsigned nsys, sys[FDS_MAX]; /* system calls allowed with any arguments (SYS_*) */
	int setregs; /* KVM_SET_REGS and KVM_SET_SREGS on the vCPU (a debugger) */
#endif
};
void fds_rw(struct mod_fds *f, int fd, int rd, int wr);
void fds_pio(struct mod_fds *f, int fd);
void fds_wait(struct mod_fds *f, int fd, uint64_t ev, const char *gone);
#ifdef TINCAN_DEBUG
void fds_file(struct mod_fds *f, int fd);
void fds_wdir(struct mod_fds *f, int fd);
void fds_sys(struct mod_fds *f, int nr);
#endif

struct module {
	const struct mod_option *options; /* ends with { NULL } */
	const char *usage; /* its lines in --help: USAGE("..."), kept in tincan-run-debug only */
	/* Before the jail (jail.c) and before the image is read: open host
	 * resources.  Nothing may depend on the image yet. */
	void (*open)(struct vm *vm, struct tc_boot_info *bi);
	/* Before the VM exists: check the options against the image and
	 * describe the device in bi. */
	void (*configure)(struct vm *vm, struct tc_boot_info *bi);
	/* After the boot info is in guest memory, before the sandbox. */
	void (*start)(struct vm *vm);
	void (*fds)(struct mod_fds *f);
	/* The wait hypercall for events wanted: I/O before sleeping (returns
	 * events already ready: then no sleep), and after it for ready. */
	uint64_t (*wait_before)(struct vm *vm, uint64_t wanted);
	void (*wait_after)(struct vm *vm, uint64_t ready);
	/* Of the events wanted, those the guest cannot take now (a net
	 * device with no free rx buffer): their fds are not polled, or a
	 * readable one would make the wait spin. */
	uint64_t (*wait_full)(uint64_t wanted);
	const struct hc_def *hc;
	unsigned nhc;
#ifdef TINCAN_DEBUG
	/* The debug modules' hooks (debug.h says when each runs). */
	const char *flag; /* an option without a value ("--stats"), which sets *flag_set */
	int *flag_set;
	int sig; /* a host signal on_signal takes (blocked, read from the signalfd); 0: none */
	void (*run_start)(struct vm *vm);
	int (*on_shutdown)(struct vm *vm);
	void (*on_signal)(struct vm *vm, int sig);
	void (*on_fatal)(struct vm *vm, int status, const char *why);
	void (*on_quit)(struct vm *vm, int status);
#endif
};

/* modules.c: the modules, NULL-terminated. */
extern const struct module *const modules[];

/* core.c: open every module's host resources, then set up every module,
 * in list order. */
void modules_open(struct vm *vm, struct tc_boot_info *bi);
void modules_configure(struct vm *vm, struct tc_boot_info *bi);
/* Start every module, fill the hypercall table, enter the sandbox. */
void modules_start(struct vm *vm);

#endif
