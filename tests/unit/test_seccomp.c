/* The monitor's real seccomp filter (platforms/kvm/monitor/seccomp.c),
 * installed in forked children: a permitted call succeeds and the child
 * goes on, a forbidden call kills it by SIGSYS, and a read on an fd the
 * filter was not told about kills it too; so does an ioctl on any fd but
 * the vCPU's (and the VM's, for memory slots when memory grows), and the
 * fd limit it sets holds.  And the kernel's install-time walk of the
 * filter for its cache of always-allowed calls stops at once (boot cost). */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../tap.h"
#include "module.h"
#include "monitor.h"

/* seccomp.c reports a filter it cannot build or install through die(). */
void die(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	_exit(status);
}

/* jail.c asks snapshot.c for the snapshot's directory (its owner). */
int snap_dir(void)
{
	return -1;
}

enum {
	PERMITTED,
	FORBIDDEN,
	WRONG_FD,
	DONTNEED, /* madvise(MADV_DONTNEED): a guard page */
	WILLNEED, /* madvise with other advice */
	IOCTL_VCPU, /* KVM_RUN and register reads on the vCPU fd */
	IOCTL_OTHER_FD, /* KVM_RUN on another fd */
	IOCTL_OTHER_REQ, /* another request on the vCPU fd */
	SLOT_VM, /* a memory slot on the VM fd, memory growing */
	SLOT_VCPU, /* a memory slot on the vCPU fd */
	SLOT_FIXED, /* a memory slot on the VM fd, memory fixed */
	NOFILE, /* the fd limit */
	FSTAT_IMAGE, /* fstat on the image file's fd (a fault report checks it) */
	FSTAT_OTHER, /* fstat on another fd */
	PREAD_IMAGE, /* pread64 on the image file's fd (a fault report's symbols) */
	PREAD_OTHER, /* pread64 on another fd */
	PWRITE_IMAGE, /* pwrite64 on the image file's fd */
	SNAP_ON, /* --snapshot: the vCPU's state, writing the file */
	SNAP_OFF, /* the same calls without --snapshot */
	SNAP_RENAME, /* --snapshot: renameat (the finisher's, outside the sandbox) */
	TAP_OFF, /* ioctl(tap, TUNSETOFFLOAD, 0) on a tap's fd (raw frames, net.c) */
	TAP_OTHER_FD, /* the same on another fd */
	TAP_OTHER_REQ, /* another request on a tap's fd */
	TAP_NONZERO, /* TUNSETOFFLOAD with offloads on */
#ifdef TINCAN_DEBUG
	DBG_FILE, /* tincan-run-debug: pwrite64, ftruncate, fdatasync on a module's output file */
	DBG_FILE_OTHER, /* pwrite64 on another fd */
	DBG_DIR, /* renameat2, renameat, unlinkat within a module's directory */
	DBG_DIR_OTHER, /* renameat from that directory into another */
	DBG_OPEN, /* openat in that directory: never */
	DBG_SETREGS, /* KVM_SET_REGS and KVM_SET_SREGS with setregs (--gdb) */
	DBG_SETREGS_OFF, /* KVM_SET_REGS without */
	DBG_SYS, /* a system call a module named */
#endif
};

static int nofile_seen;
static unsigned long nofile_cur, nofile_max;

/* Runs one call under the filter in a child; returns its wait status. */
static int under_filter(int what)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	static char page[4096] __attribute__((aligned(4096)));
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct mod_fds f = { 0 };
		f.rd[f.nrd++] = (unsigned)p[0];
		f.wr[f.nwr++] = (unsigned)p[1];
		/* Stand-ins for the vCPU and VM fds: the filter looks at numbers. */
		int vcpu = open("/dev/null", O_RDONLY), vmfd = open("/dev/null", O_RDONLY);
		int image = open("/dev/null", O_RDONLY), tap = open("/dev/null", O_RDONLY);
		f.tap[f.ntap++] = (unsigned)image; /* two stand-ins: the second one's block counts */
		f.tap[f.ntap++] = (unsigned)tap;
		struct stat sb;
		f.image = (unsigned)image;
		int snap = open("/tmp", O_TMPFILE | O_RDWR, 0600), dir = open("/tmp", O_PATH | O_DIRECTORY);
		if (what == SNAP_ON || what == SNAP_RENAME)
			f.snap = (unsigned)snap + 1;
#ifdef TINCAN_DEBUG
		int out = open("/tmp", O_TMPFILE | O_RDWR, 0600), other = open("/tmp", O_TMPFILE | O_RDWR, 0600);
		if (what == DBG_FILE || what == DBG_FILE_OTHER)
			fds_file(&f, out);
		if (what == DBG_DIR || what == DBG_DIR_OTHER || what == DBG_OPEN)
			fds_wdir(&f, dir);
		f.setregs = what == DBG_SETREGS;
		if (what == DBG_SYS)
			fds_sys(&f, SYS_getpid);
#endif
		sandbox_enter(&f, vcpu, what == SLOT_VM || what == SLOT_VCPU ? vmfd : -1, 9);
		char c = 'x';
		struct timespec ts;
		switch (what) {
		case PERMITTED:
			if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0)
				syscall(SYS_exit_group, 2);
			if (syscall(SYS_write, p[1], &c, 1) != 1 || syscall(SYS_read, p[0], &c, 1) != 1)
				syscall(SYS_exit_group, 3);
			break;
		case FORBIDDEN: syscall(SYS_getpid); break;
		case WRONG_FD: syscall(SYS_read, 0, &c, 1); break;
		/* madvise: MADV_DONTNEED only (a guard page, guard.c). */
		case DONTNEED:
			if (syscall(SYS_madvise, page, 4096, MADV_DONTNEED) != 0)
				syscall(SYS_exit_group, 4);
			break;
		case WILLNEED: syscall(SYS_madvise, page, 4096, MADV_WILLNEED); break;
		case IOCTL_VCPU:
			ioctl(vcpu, KVM_RUN, 0);
			ioctl(vcpu, KVM_GET_REGS, 0);
			ioctl(vcpu, KVM_GET_SREGS, 0);
			break;
		case IOCTL_OTHER_FD: ioctl(vmfd, KVM_RUN, 0); break;
		case IOCTL_OTHER_REQ: ioctl(vcpu, KVM_SET_REGS, 0); break;
		case SLOT_VM: ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, 0); break;
		case SLOT_VCPU: ioctl(vcpu, KVM_SET_USER_MEMORY_REGION, 0); break;
		case SLOT_FIXED: ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, 0); break;
		case NOFILE: syscall(SYS_read, p[0], &c, 1); break; /* the parent looks meanwhile */
		case FSTAT_IMAGE:
			if (syscall(SYS_fstat, image, &sb) != 0)
				syscall(SYS_exit_group, 5);
			break;
		case FSTAT_OTHER: syscall(SYS_fstat, vcpu, &sb); break;
		case PREAD_IMAGE:
			if (syscall(SYS_pread64, image, &c, 1, 0) != 0)
				syscall(SYS_exit_group, 6);
			break;
		case PREAD_OTHER: syscall(SYS_pread64, vcpu, &c, 1, 0); break;
		case PWRITE_IMAGE: syscall(SYS_pwrite64, image, &c, 1, 0); break;
		case SNAP_ON:
		case SNAP_OFF:
			if (syscall(SYS_pwrite64, snap, &c, 1, 0) != 1 || syscall(SYS_fdatasync, snap) != 0)
				syscall(SYS_exit_group, 8);
			ioctl(vcpu, KVM_GET_XSAVE, 0);
			ioctl(vcpu, KVM_GET_MSRS, 0);
			ioctl(vcpu, KVM_RUN, 0);
			break;
		/* /dev/null stands in for a tap: ENOTTY, but the call passes. */
		case TAP_OFF: ioctl(tap, TUNSETOFFLOAD, 0); break;
		case TAP_OTHER_FD: ioctl(vcpu, TUNSETOFFLOAD, 0); break;
		case TAP_OTHER_REQ: ioctl(tap, TUNSETIFF, 0); break;
		case TAP_NONZERO: ioctl(tap, TUNSETOFFLOAD, TUN_F_CSUM); break;
		case SNAP_RENAME: syscall(SYS_renameat, dir, "no-such-file", dir, "none"); break;
#ifdef TINCAN_DEBUG
		case DBG_FILE:
			if (syscall(SYS_pwrite64, out, &c, 1, 0) != 1 || syscall(SYS_ftruncate, out, 0) != 0 ||
			    syscall(SYS_fdatasync, out) != 0)
				syscall(SYS_exit_group, 9);
			break;
		case DBG_FILE_OTHER: syscall(SYS_pwrite64, other, &c, 1, 0); break;
		case DBG_DIR:
			/* No such files: ENOENT, but the calls pass. */
			if (syscall(SYS_renameat2, dir, "tc-no-such-a", dir, "tc-no-such-b", 0) != -1 ||
			    syscall(SYS_renameat, dir, "tc-no-such-a", dir, "tc-no-such-b") != -1 ||
			    syscall(SYS_unlinkat, dir, "tc-no-such-a", 0) != -1)
				syscall(SYS_exit_group, 10);
			break;
		case DBG_DIR_OTHER: syscall(SYS_renameat, dir, "tc-no-such-a", AT_FDCWD, "tc-no-such-b"); break;
		case DBG_OPEN: syscall(SYS_openat, dir, "tc-no-such-a", O_RDONLY); break;
		case DBG_SETREGS:
			ioctl(vcpu, KVM_SET_REGS, 0);
			ioctl(vcpu, KVM_SET_SREGS, 0);
			break;
		case DBG_SETREGS_OFF: ioctl(vcpu, KVM_SET_REGS, 0); break;
		case DBG_SYS: syscall(SYS_getpid); break;
#endif
		}
		syscall(SYS_exit_group, 7);
	}
	if (what == NOFILE) {
		/* Bounded: 2 s for the child to get as far as its filter. */
		char path[64], buf[4096];
		snprintf(path, sizeof path, "/proc/%d/limits", (int)pid);
		for (int i = 0; i < 200 && !nofile_seen; i++) {
			FILE *f = fopen(path, "r");
			size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
			if (f)
				fclose(f);
			buf[n] = '\0';
			char *l = strstr(buf, "Max open files");
			nofile_seen =
			    l && sscanf(l, "Max open files %lu %lu", &nofile_cur, &nofile_max) == 2 && nofile_cur == 9;
			if (!nofile_seen)
				nanosleep(&(struct timespec){ 0, 10000000 }, NULL);
		}
		if (write(p[1], "x", 1) != 1)
			return -1;
	}
	close(p[0]);
	close(p[1]);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* How many instructions the kernel's install-time cache check runs for
 * call nr on arch: it follows loads of nr and arch, constant jumps and
 * returns, and gives up (the call is not cached) at any other load. */
static unsigned cache_walk(const struct sock_filter *p, unsigned len, unsigned nr, unsigned arch)
{
	unsigned a = 0, steps = 0;
	for (unsigned pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &p[pc];
		steps++;
		if (i->code == (BPF_LD | BPF_W | BPF_ABS) && i->k == offsetof(struct seccomp_data, nr))
			a = nr;
		else if (i->code == (BPF_LD | BPF_W | BPF_ABS) && i->k == offsetof(struct seccomp_data, arch))
			a = arch;
		else if (i->code == (BPF_JMP | BPF_JEQ | BPF_K))
			pc += a == i->k ? i->jt : i->jf;
		else if (i->code == (BPF_JMP | BPF_JGE | BPF_K))
			pc += a >= i->k ? i->jt : i->jf;
		else
			return steps; /* a return, or a load it cannot follow */
	}
	return steps;
}

int main(void)
{
#ifdef TINCAN_DEBUG
	{
		/* Every table of fds full, debug ones too: the filter still fits
		 * (sandbox_filter dies, and this test with it, if not). */
		struct mod_fds big = { .nrd = FDS_MAX,
				       .nwr = FDS_MAX,
				       .npio = FDS_MAX,
				       .ndir = FDS_MAX,
				       .dyn_lo = 20,
				       .dyn_hi = 40,
				       .nwait = FDS_MAX,
				       .snap = 9,
				       .nfile = FDS_MAX,
				       .nwdir = FDS_MAX,
				       .nsys = FDS_MAX,
				       .ntap = TC_NET_DEV_MAX,
				       .setregs = 1 };
		const struct sock_filter *bp;
		unsigned blen = sandbox_filter(&big, 5, 6, &bp);
		ok(blen > 256 && blen <= 1024, "debug: the longest filter fits (%u instructions)", blen);
	}
#endif
	/* The filter with --dir, a disk and every tap too: the longest one
	 * (sandbox_filter dies past 256 instructions). */
	struct mod_fds f = {
		.nrd = 1, .nwr = 1, .npio = 1, .ndir = 1, .dyn_lo = 20, .dyn_hi = 40, .ntap = TC_NET_DEV_MAX
	};
	const struct sock_filter *prog;
	unsigned len = sandbox_filter(&f, 5, 6, &prog), worst = 0;
	ok(len <= 256, "the longest lean filter fits, %u taps too (%u instructions)", TC_NET_DEV_MAX, len);
	for (unsigned nr = 0; nr < 1024; nr++)
		for (int k = 0; k < 2; k++) {
			unsigned s = cache_walk(prog, len, nr, k ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64);
			worst = s > worst ? s : worst;
		}
	ok(worst == 1 && prog[0].code == (BPF_LD | BPF_W | BPF_ABS) && prog[0].k != offsetof(struct seccomp_data, nr),
	   "the kernel's install-time cache walk stops at the first of %u instructions for every call (worst %u)", len,
	   worst);

	int st = under_filter(PERMITTED);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7,
	   "clock_gettime, write and read on its fds pass the filter (status 0x%x)", st);
	st = under_filter(FORBIDDEN);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "getpid kills the process by SIGSYS (status 0x%x)", st);
	st = under_filter(WRONG_FD);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	   "read on an fd not given kills the process by SIGSYS (status 0x%x)", st);
	st = under_filter(DONTNEED);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "madvise(MADV_DONTNEED) passes the filter (status 0x%x)", st);
	st = under_filter(WILLNEED);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "madvise with other advice kills by SIGSYS (status 0x%x)", st);
	st = under_filter(IOCTL_VCPU);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS on the vCPU fd pass (0x%x)",
	   st);
	st = under_filter(IOCTL_OTHER_FD);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "KVM_RUN on another fd kills (0x%x)", st);
	st = under_filter(IOCTL_OTHER_REQ);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "KVM_SET_REGS on the vCPU fd kills (0x%x)", st);
	st = under_filter(SLOT_VM);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "a memory slot on the VM fd passes when memory grows (0x%x)", st);
	st = under_filter(SLOT_VCPU);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "a memory slot on the vCPU fd kills (0x%x)", st);
	st = under_filter(SLOT_FIXED);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "a memory slot kills when memory is fixed (0x%x)", st);
	st = under_filter(NOFILE);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7 && nofile_seen && nofile_max == 9,
	   "RLIMIT_NOFILE is set, soft %lu and hard %lu (0x%x)", nofile_cur, nofile_max, st);
	st = under_filter(FSTAT_IMAGE);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "fstat on the image file's fd passes (0x%x)", st);
	st = under_filter(FSTAT_OTHER);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "fstat on another fd kills (0x%x)", st);
	st = under_filter(PREAD_IMAGE);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "pread64 on the image file's fd passes (0x%x)", st);
	st = under_filter(PREAD_OTHER);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "pread64 on another fd kills (0x%x)", st);
	st = under_filter(PWRITE_IMAGE);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "pwrite64 on the image file's fd kills (0x%x)", st);
	st = under_filter(SNAP_ON);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7,
	   "--snapshot: pwrite64 and fdatasync on its file, KVM_GET_XSAVE and KVM_GET_MSRS on the vCPU pass (0x%x)",
	   st);
	st = under_filter(SNAP_OFF);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "without --snapshot the same calls kill (0x%x)", st);
	st = under_filter(SNAP_RENAME);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "--snapshot: renameat kills, even in its directory (0x%x)", st);
	st = under_filter(TAP_OFF);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "ioctl(TUNSETOFFLOAD, 0) on a tap's fd passes (0x%x)", st);
	st = under_filter(TAP_OTHER_FD);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "TUNSETOFFLOAD on another fd kills (0x%x)", st);
	st = under_filter(TAP_OTHER_REQ);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "TUNSETIFF on a tap's fd kills (0x%x)", st);
	st = under_filter(TAP_NONZERO);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "TUNSETOFFLOAD with offloads (not 0) kills (0x%x)", st);
#ifdef TINCAN_DEBUG
	st = under_filter(DBG_FILE);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7,
	   "debug: pwrite64, ftruncate, fdatasync on a module's file pass (0x%x)", st);
	st = under_filter(DBG_FILE_OTHER);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "debug: pwrite64 on another file kills (0x%x)", st);
	st = under_filter(DBG_DIR);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7,
	   "debug: renameat2, renameat, unlinkat in a module's directory pass (0x%x)", st);
	st = under_filter(DBG_DIR_OTHER);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "debug: renameat out of that directory kills (0x%x)", st);
	st = under_filter(DBG_OPEN);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "debug: openat, even in that directory, kills (0x%x)", st);
	st = under_filter(DBG_SETREGS);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "debug: KVM_SET_REGS, KVM_SET_SREGS pass with setregs (0x%x)", st);
	st = under_filter(DBG_SETREGS_OFF);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "debug: KVM_SET_REGS without setregs kills (0x%x)", st);
	st = under_filter(DBG_SYS);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "debug: a call a module named passes (0x%x)", st);
#endif
	return done_testing();
}
