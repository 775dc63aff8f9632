/*
 * Images run as programs through the kernel (binfmt_misc): `make install`
 * as root registers tincan images (toolchain/binfmt.sh), and the kernel then
 * starts PREFIX/bin/tincan-binfmt, a link to tincan-run, as
 *
 *   tincan-binfmt IMAGE ARGS...
 *
 * instead of running the image's own code as a Linux process.  We run it as
 * the image's own re-execution would (platforms/kvm/guest/hostexec.c): the
 * current directory shared read-write at its own path and made the guest's
 * working directory (not when it is "/", holds a ':' or is too long), and
 * nothing else of the host.  Options cannot be smuggled in: IMAGE and ARGS
 * come after "--".
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor.h"

char **binfmt_args(int *argc, char **argv)
{
	static char dir[TC_DIR_PATH_MAX + 6], cwd[TC_DIR_PATH_MAX + 6];
	const char *base = argv[0];
	for (const char *p = base; *p; p++)
		if (*p == '/')
			base = p + 1;
	if (*argc < 2 || strcmp(base, "tincan-binfmt") != 0)
		return argv;
	/* mmap, not malloc: the monitor links no allocator. */
	char **v =
	    mmap(NULL, ((size_t)*argc + 5) * sizeof *v, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int n = 0;
	if (v == MAP_FAILED)
		die(TC_STATUS_HOST, "no memory for the arguments");
	v[n++] = argv[0];
	/* The system call, not getcwd(): it returns the length, with the NUL. */
	long len = syscall(SYS_getcwd, dir + 6, TC_DIR_PATH_MAX);
	if (len > 2 && !memchr(dir + 6, ':', (size_t)len)) {
		memcpy(dir, "--dir=", 6);
		memcpy(cwd, "--cwd=", 6);
		memcpy(cwd + 6, dir + 6, (size_t)len);
		v[n++] = dir;
		v[n++] = cwd;
	}
	v[n++] = "--";
	v[n++] = argv[1];
	v[n++] = "--";
	for (int i = 2; i < *argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	*argc = n;
	return v;
}
