/*
 * The sandbox the monitor runs guest code in.  After set-up, the monitor
 * needs only: KVM_RUN and register reads on the vCPU, console I/O on fds
 * 0-2, ppoll, clocks, exit,
 * and restart_syscall (a sleep interrupted by SIGSTOP/SIGCONT resumes through it).  Anything else kills the process: a monitor
 * bug exploited by a guest gains no new system calls.
 *
 * Raw BPF rather than libseccomp: the filter is twenty instructions and the
 * monitor stays a small static binary with no library dependency.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor.h"

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARG(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define KILL BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)
/* if (A == k) skip t instructions else skip f */
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))

void sandbox_enter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		JEQ(AUDIT_ARCH_X86_64, 1, 0),
		KILL,
		LD_NR,
		JEQ(SYS_ioctl, 0, 6),
		/* ioctl: only these requests (the kernel truncates them to 32 bits). */
		LD_ARG(1),
		JEQ(KVM_RUN, 3, 0),
		JEQ(KVM_GET_REGS, 2, 0),
		JEQ(KVM_GET_SREGS, 1, 0),
		KILL,
		ALLOW,
		JEQ(SYS_write, 1, 0),
		JEQ(SYS_writev, 0, 5),
		/* write/writev: stdout and stderr only. */
		LD_ARG(0),
		JEQ(1, 1, 0),
		JEQ(2, 0, 1),
		ALLOW,
		KILL,
		JEQ(SYS_read, 0, 4),
		LD_ARG(0),
		JEQ(0, 0, 1),
		ALLOW,
		KILL,
		JEQ(SYS_restart_syscall, 6, 0),
		JEQ(SYS_ppoll, 5, 0),
		JEQ(SYS_clock_gettime, 4, 0),
		JEQ(SYS_clock_nanosleep, 3, 0),
		JEQ(SYS_nanosleep, 2, 0),
		JEQ(SYS_exit_group, 1, 0),
		JEQ(SYS_exit, 0, 1),
		ALLOW,
		KILL,
	};
	struct sock_fprog prog = { .len = sizeof f / sizeof f[0], .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(TC_STATUS_HOST, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		die(TC_STATUS_HOST, "cannot install the seccomp filter: %s", strerror(errno));
}
