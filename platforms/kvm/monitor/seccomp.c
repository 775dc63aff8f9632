/*
 * The sandbox the monitor runs guest code in.  After set-up, the monitor
 * needs only: KVM_RUN and register reads on the vCPU's fd (and, when guest
 * memory may grow, KVM_SET_USER_MEMORY_REGION on the VM's), TUNSETOFFLOAD on
 * tap devices' fds (a guest that takes raw frames turns offloads off,
 * net.c), fstat and pread64
 * on the image file's fd (a fault report reads symbols from it if it is
 * unchanged),
 * madvise(MADV_DONTNEED) (guard pages, guard.c), reads and writes on
 * the fds its modules name (console, tap devices; positioned reads and
 * writes and fdatasync only if a module asks: a disk image), ppoll, clocks, exit,
 * restart_syscall (a sleep interrupted by SIGSTOP/SIGCONT resumes through
 * it), and setitimer (a guest told to stop by SIGTERM has 5 s, --timeout ends it; the
 * signals themselves are read from a signalfd, so no handler and no
 * rt_sigreturn).  Anything else kills the process: a monitor bug exploited by a guest
 * gains no new system calls.
 *
 * Host directories (--dir, dir.c) widen it, and only when given: openat2()
 * on the directories' own fds, and the file calls (pread64, pwrite64,
 * fstat, getdents64, lseek, close, fsync, ftruncate, and the *at calls on
 * a parent directory) only on the fds openat2 hands out.  Those are told
 * apart by number: dir.c fills every gap below its first one, so each fd
 * the monitor opens once sandboxed lies in [dyn_lo, dyn_hi), above every
 * fd opened before; a bounded table keeps them under dyn_hi.  The range is
 * compared as unsigned 32-bit numbers, so AT_FDCWD (-100) is outside it.
 * What the filter cannot see is openat2's path and resolve flags (they
 * are in memory): the confinement beneath a directory is dir.c's
 * RESOLVE_BENEATH, and a monitor taken over by a guest could open an
 * absolute path through openat2 (which ignores the dirfd then).  The filter
 * bounds which calls exist, not which paths they reach.
 *
 * Raw BPF rather than libseccomp: the filter is a few dozen instructions
 * and the monitor stays a small static binary with no library dependency.
 * The program is a list of blocks, one per system call, each ending in
 * ALLOW or KILL, so no jump crosses a block.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "module.h"
#include "monitor.h"

#ifdef TINCAN_DEBUG
#define PROG_MAX 1024 /* allow_debug's blocks too, every table full (test_seccomp_debug) */
#else
#define PROG_MAX 256
#endif

static struct sock_filter prog[PROG_MAX];
static unsigned n;

static void emit(struct sock_filter f)
{
	if (n == PROG_MAX)
		die(TC_STATUS_HOST, "seccomp filter too long");
	prog[n++] = f;
}

#define LD(off) ((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off)))
#define RET(v) ((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, (v)))
#define JEQ(k, t, f) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f)))
#define JGE(k, t, f) ((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f)))

static void allow(int nr)
{
	emit(LD(offsetof(struct seccomp_data, nr)));
	emit(JEQ((unsigned)nr, 0, 1));
	emit(RET(SECCOMP_RET_ALLOW));
}

/* Allow nr only when its argument arg (low 32 bits) is one of vals or,
 * when lo < hi, lies in [lo, hi).  One block per system call: the first
 * block for nr decides, so every fd class that may use nr goes in it. */
static void allow_if_in(int nr, int arg, const unsigned *vals, unsigned nv, unsigned lo, unsigned hi)
{
	unsigned r = lo < hi ? 2 : 0;
	emit(LD(offsetof(struct seccomp_data, nr)));
	emit(JEQ((unsigned)nr, 0, (unsigned char)(nv + r + 3)));
	emit(LD(offsetof(struct seccomp_data, args[arg])));
	for (unsigned i = 0; i < nv; i++)
		emit(JEQ(vals[i], (unsigned char)(nv - i + r), 0));
	if (r) {
		emit(JGE(lo, 0, 1));
		emit(JGE(hi, 0, 1));
	}
	emit(RET(SECCOMP_RET_KILL_PROCESS));
	emit(RET(SECCOMP_RET_ALLOW));
}

/* Allow nr when argument a is va and, unless b (c) is negative, argument
 * b is vb (c is vc); otherwise go on to the next block (unlike the blocks
 * above). */
static void allow_args3(int nr, int a, unsigned va, int b, unsigned vb, int c, unsigned vc)
{
	int arg[3] = { a, b, c };
	unsigned v[3] = { va, vb, vc }, m = c >= 0 ? 3 : b >= 0 ? 2 : 1;
	emit(LD(offsetof(struct seccomp_data, nr)));
	emit(JEQ((unsigned)nr, 0, (unsigned char)(2 * m + 1)));
	for (unsigned i = 0; i < m; i++) {
		emit(LD(offsetof(struct seccomp_data, args[0]) + 8 * (unsigned)arg[i]));
		emit(JEQ(v[i], 0, (unsigned char)(2 * (m - i) - 1)));
	}
	emit(RET(SECCOMP_RET_ALLOW));
}
#define allow_args(nr, a, va, b, vb) allow_args3(nr, a, va, b, vb, -1, 0)

/* --snapshot (snapshot.c): reading the vCPU's state, writing the file
 * (renaming it into place is the finisher's, outside the sandbox). */
static void allow_snapshot(const struct mod_fds *f, unsigned vcpu)
{
	allow_args(SYS_ioctl, 0, vcpu, 1, KVM_GET_XSAVE);
	allow_args(SYS_ioctl, 0, vcpu, 1, KVM_GET_MSRS);
	allow_args(SYS_pwrite64, 0, f->snap - 1, -1, 0);
	allow_args(SYS_fdatasync, 0, f->snap - 1, -1, 0);
}

#ifdef TINCAN_DEBUG
/* tincan-run-debug's modules (debug/), for what their options opened:
 * their output files, renames and removals within their directories (the
 * filter cannot see the names: as with openat2 above), a debugger's
 * register writes, and the system calls they name. */
static void allow_debug(const struct mod_fds *f, unsigned vcpu)
{
	for (unsigned i = 0; i < f->nfile; i++) {
		allow_args(SYS_pwrite64, 0, f->file[i], -1, 0);
		allow_args(SYS_ftruncate, 0, f->file[i], -1, 0);
		allow_args(SYS_fdatasync, 0, f->file[i], -1, 0);
	}
	for (unsigned i = 0; i < f->nwdir; i++) {
		allow_args(SYS_renameat, 0, f->wdir[i], 2, f->wdir[i]);
		allow_args(SYS_renameat2, 0, f->wdir[i], 2, f->wdir[i]);
		allow_args(SYS_unlinkat, 0, f->wdir[i], -1, 0);
	}
	if (f->setregs) {
		allow_args(SYS_ioctl, 0, vcpu, 1, KVM_SET_REGS);
		allow_args(SYS_ioctl, 0, vcpu, 1, KVM_SET_SREGS);
	}
	for (unsigned i = 0; i < f->nsys; i++)
		allow((int)f->sys[i]);
}
#endif

/* Allow nr only when its argument arg (low 32 bits) is one of vals. */
static void allow_if(int nr, int arg, const unsigned *vals, unsigned nv)
{
	allow_if_in(nr, arg, vals, nv, 0, 0);
}

/* Allow nr only when argument a (and b, unless negative) lies in [lo, hi). */
static void allow_range(int nr, int a, int b, unsigned lo, unsigned hi)
{
	unsigned n = b < 0 ? 1 : 2;
	emit(LD(offsetof(struct seccomp_data, nr)));
	emit(JEQ((unsigned)nr, 0, (unsigned char)(3 * n + 2)));
	for (unsigned i = 0; i < n; i++) {
		emit(LD(offsetof(struct seccomp_data, args[i ? b : a])));
		emit(JGE(lo, 0, (unsigned char)(3 * (n - i) - 1)));
		emit(JGE(hi, (unsigned char)(3 * (n - i) - 2), 0));
	}
	emit(RET(SECCOMP_RET_ALLOW));
	emit(RET(SECCOMP_RET_KILL_PROCESS));
}

static void allow_dirs(const struct mod_fds *f)
{
	/* pread64 and pwrite64 are in sandbox_enter's block shared with
	 * block devices. */
	static const short fd0[] = { SYS_getdents64, SYS_lseek,	   SYS_close,	   SYS_fsync,	 SYS_ftruncate,
				     SYS_mkdirat,    SYS_unlinkat, SYS_readlinkat, SYS_utimensat };
	allow_if(SYS_openat2, 0, f->dir, f->ndir);
	for (unsigned i = 0; i < sizeof fd0 / sizeof fd0[0]; i++)
		allow_range(fd0[i], 0, -1, f->dyn_lo, f->dyn_hi);
	allow_range(SYS_renameat, 0, 2, f->dyn_lo, f->dyn_hi);
	allow_range(SYS_symlinkat, 1, -1, f->dyn_lo, f->dyn_hi);
}

/* ioctl: KVM_RUN and register reads on the vCPU's fd only, memory slots
 * on the VM's only.  The kernel truncates fds and requests to 32 bits, as
 * we compare them. */
static void allow_ioctls(unsigned vcpu, unsigned vmfd)
{
	emit(LD(offsetof(struct seccomp_data, nr)));
	emit(JEQ(SYS_ioctl, 0, 11));
	emit(LD(offsetof(struct seccomp_data, args[0])));
	emit(JEQ(vmfd, 0, 2));
	emit(LD(offsetof(struct seccomp_data, args[1])));
	emit(JEQ(KVM_SET_USER_MEMORY_REGION, 6, 5));
	emit(JEQ(vcpu, 0, 4));
	emit(LD(offsetof(struct seccomp_data, args[1])));
	emit(JEQ(KVM_RUN, 3, 0));
	emit(JEQ(KVM_GET_REGS, 2, 0));
	emit(JEQ(KVM_GET_SREGS, 1, 0));
	emit(RET(SECCOMP_RET_KILL_PROCESS));
	emit(RET(SECCOMP_RET_ALLOW));
}

unsigned sandbox_filter(const struct mod_fds *f, int vcpu, int vmfd, const struct sock_filter **out)
{
	n = 0;
	/* At install the kernel runs a new filter once per system call number
	 * (x86-64's and i386's, ~900 runs, interrupts off) to cache the calls
	 * it always allows without looking at arguments; a run stops at the
	 * first load of an argument.  Walking our blocks that way cost ~60 us
	 * of every boot.  This load (overwritten at once) stops each run at
	 * the first instruction: nothing is cached, so the few calls the cache
	 * would have allowed (ppoll, clocks, exit) run the filter, ~0.1 us
	 * against the exit that precedes them.  What is allowed is unchanged. */
	emit(LD(offsetof(struct seccomp_data, args[0])));
	emit(LD(offsetof(struct seccomp_data, arch)));
	emit(JEQ(AUDIT_ARCH_X86_64, 1, 0));
	emit(RET(SECCOMP_RET_KILL_PROCESS));
	/* Memory growth adds memory slots; the guest memory they point into
	 * was mapped before the sandbox, so no mmap or mprotect is needed.
	 * Without growth, vmfd -1 names no fd. */
	if (f->snap)
		allow_snapshot(f, (unsigned)vcpu);
#ifdef TINCAN_DEBUG
	allow_debug(f, (unsigned)vcpu);
#endif
	for (unsigned i = 0; i < f->ntap; i++)
		allow_args3(SYS_ioctl, 0, f->tap[i], 1, TUNSETOFFLOAD, 2, 0);
	allow_ioctls((unsigned)vcpu, (unsigned)vmfd);
	allow_if(SYS_read, 0, f->rd, f->nrd);
	allow_if(SYS_readv, 0, f->rd, f->nrd); /* a tap's header and frame (net.c) */
	allow_if(SYS_write, 0, f->wr, f->nwr);
	allow_if(SYS_writev, 0, f->wr, f->nwr);
	/* pread64: block devices' fds, host directories' files and the image
	 * file's fd (a fault report reads symbols); pwrite64: not the image's. */
	unsigned lo = f->ndir ? f->dyn_lo : 0, hi = f->ndir ? f->dyn_hi : 0, rd[FDS_MAX + 1];
	memcpy(rd, f->pio, sizeof f->pio);
	rd[f->npio] = f->image;
	allow_if_in(SYS_pread64, 0, rd, f->npio + 1, lo, hi);
	if (f->npio || f->ndir)
		allow_if_in(SYS_pwrite64, 0, f->pio, f->npio, lo, hi);
	if (f->npio)
		allow_if(SYS_fdatasync, 0, f->pio, f->npio);
	/* fstat: the image file's fd (fault.c: has it changed?) and
	 * directories' files. */
	allow_if_in(SYS_fstat, 0, &f->image, 1, lo, hi);
	if (f->ndir)
		allow_dirs(f);
	allow_if(SYS_madvise, 2, (const unsigned[]){ MADV_DONTNEED }, 1); /* a guard page (guard.c) */
	allow(SYS_ppoll);
	allow(SYS_clock_gettime);
	allow(SYS_clock_nanosleep);
	allow(SYS_nanosleep);
	allow(SYS_restart_syscall);
	allow(SYS_setitimer); /* alarm(): the deadline for a guest told to stop (core.c) */
	allow(SYS_exit_group);
	allow(SYS_exit);
	emit(RET(SECCOMP_RET_KILL_PROCESS));
	*out = prog;
	return n;
}

void sandbox_enter(const struct mod_fds *f, int vcpu, int vmfd, unsigned nofile)
{
	const struct sock_filter *p;
	unsigned len = sandbox_filter(f, vcpu, vmfd, &p);

	/* No new fd past what --dir's table needs (ppoll, too, wants its
	 * count of fds below the limit). */
	if (nofile)
		jail_limit(RLIMIT_NOFILE, nofile);
	struct sock_fprog fp = { .len = (unsigned short)len, .filter = (struct sock_filter *)p };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(TC_STATUS_HOST, "PR_SET_NO_NEW_PRIVS: %m");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp) < 0)
		die(TC_STATUS_HOST, "cannot install the seccomp filter: %m");
}
