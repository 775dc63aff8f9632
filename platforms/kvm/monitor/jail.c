/*
 * The jail: once the monitor has opened every host file it needs (the
 * image, /dev/kvm, taps, disks, --dir directories) and before it reads a
 * byte of the image, it gives up what it no longer needs, so a bug in the
 * image parser reaches as little as the sandboxed run loop does.
 *
 *   By default, started as root: no supplementary groups, then
 *        --user=UID[:GID] (default 65534:65534, nobody/nogroup, numeric: no
 *        NSS lookup; with --dir, the first directory's owner, so the guest
 *        reads and writes what the owner may, and its new files are the
 *        owner's; else with --snapshot, its directory's owner, who may
 *        rename the finished file into place); a uid that stays 0 (--user=0, a --dir of root's) keeps
 *        no capability, so only the owner's rights.  Everyone:
 *        PR_SET_NO_NEW_PRIVS, RLIMIT_CORE 0, RLIMIT_FSIZE the largest
 *        --block file (only when no --dir, no --snapshot and neither stdout
 *        nor stderr is a regular file: those grow), and just before seccomp RLIMIT_NOFILE
 *        at what --dir's table needs (seccomp.c; no fd opens without --dir).
 *   --jail=ns  also new mount, network, IPC and UTS namespaces (not root:
 *        in a new user namespace, our own ids mapped) and a chroot to an
 *        empty read-only tmpfs mounted over /dev in the private mount
 *        namespace (/dev exists: /dev/kvm came from it).  The fds already
 *        open keep working: a tap stays in its namespace.  It costs ~0.5 ms
 *        of start-up, most of it the network namespace: not the default.
 *   --jail=off  none of it; seccomp (with no-new-privs) still follows.
 * Not done: a PID namespace (it only applies to children; the monitor has
 * none and seccomp lets it make none), RLIMIT_NPROC (KVM's per-VM worker
 * tasks count against the user) and RLIMIT_AS (guest memory is mapped in
 * full up front, so growth needs no mmap, which seccomp forbids anyway).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor.h"
#include "options.h"

/* Raw calls here: the monitor has one thread, and musl's setrlimit and
 * set*id wrappers bring code to change every thread's. */
void jail_limit(int res, uint64_t v)
{
	if (syscall(SYS_prlimit64, 0, res, &(struct rlimit){ v, v }, NULL) < 0)
		die(TC_STATUS_HOST, "jail: rlimit %d: %m", res);
}

static int regular(int fd)
{
	struct stat st;
	return sys_fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Write fmt with id (twice) to file name: a user namespace's maps. */
static int put(const char *name, const char *fmt, unsigned id)
{
	char b[24];
	int fd = open(name, O_WRONLY | O_CLOEXEC), n = snprintf(b, sizeof b, fmt, id, id);
	return fd < 0 || write(fd, b, (size_t)n) != n ? -1 : close(fd);
}

void jail_enter(struct vm *vm, const struct options *o)
{
	uid_t uid = getuid(), to = o->uid;
	gid_t gid = getgid(), tg = o->gid;
	const char *step = "namespaces";

	vm->jail = o->jail;
	if (o->user && (o->jail == JAIL_OFF || (uid && (to != uid || tg != gid))))
		die(TC_STATUS_USAGE, "--user needs root, and no --jail=off");
	if (o->jail == JAIL_OFF)
		return;
	jail_limit(RLIMIT_CORE, 0);
	if (!vm->share_fd && !vm->snap && dbg_out_dir() < 0 && !regular(1) && !regular(2))
		jail_limit(RLIMIT_FSIZE, vm->write_max);
	if (o->jail == JAIL_NS) {
		if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | (uid ? CLONE_NEWUSER : 0)) < 0)
			goto fail;
		/* Not root: the same ids inside, so files made on --dir stay ours. */
		step = "user namespace";
		if (uid && (chdir("/proc/self") < 0 || put("uid_map", "%u %u 1", uid) < 0 ||
			    put("setgroups", "deny", 0) < 0 || put("gid_map", "%u %u 1", gid) < 0))
			goto fail;
		/* Private first: a mount in a copy of shared mounts would show on the host. */
		step = "empty root";
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tincan", "/dev", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0") <
			0 ||
		    chroot("/dev") < 0 || chdir("/") < 0)
			goto fail;
	}
	step = "user";
	if (!uid) {
		struct stat st;
		if (!o->user) {
			to = tg = 65534;
			if ((vm->share_fd && sys_fstat(vm->share_fd - 1, &st) == 0) ||
			    (snap_dir() >= 0 && sys_fstat(snap_dir(), &st) == 0) ||
			    (dbg_out_dir() >= 0 && sys_fstat(dbg_out_dir(), &st) == 0 && st.st_uid))
				to = st.st_uid, tg = st.st_gid;
		}
		if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, tg, tg, tg) < 0 ||
		    syscall(SYS_setresuid, to, to, to) < 0)
			goto fail;
	}
	/* Root that stays root (--user=0, or a --dir of root's), or a new
	 * user namespace's owner: no capabilities. */
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	if (syscall(SYS_capset, &h, d) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		goto fail;
	return;
fail:
	die(TC_STATUS_HOST, "jail: %s: %m", step);
}
