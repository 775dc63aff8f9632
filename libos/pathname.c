/*
 * Path names without the file system's help: dirname and basename
 * (<libgen.h>, POSIX's forms, which may write into their argument), and
 * pathconf/fpathconf: the limits of tincan's VFS, the same on every mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "vfs/path.h"

#undef basename

char *dirname(char *path)
{
	static char dot[] = ".", root[] = "/";
	if (!path || !*path)
		return dot;
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/') /* trailing slashes */
		n--;
	while (n > 0 && path[n - 1] != '/') /* the last component */
		n--;
	if (n == 0)
		return dot;
	while (n > 1 && path[n - 1] == '/') /* the slashes before it */
		n--;
	if (n == 1 && path[0] == '/')
		return root;
	path[n] = '\0';
	return path;
}

char *basename(char *path)
{
	static char dot[] = ".", root[] = "/";
	if (!path || !*path)
		return dot;
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 1 && path[0] == '/')
		return root;
	path[n] = '\0';
	char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static long limit(int name)
{
	switch (name) {
	case _PC_LINK_MAX: return LINK_MAX;
	case _PC_MAX_CANON:
	case _PC_MAX_INPUT: return MAX_CANON;
	case _PC_NAME_MAX: return PATH_NAME_MAX;
	case _PC_PATH_MAX: return PATH_LEN_MAX;
	case _PC_PIPE_BUF: return PIPE_BUF;
	case _PC_CHOWN_RESTRICTED:
	case _PC_NO_TRUNC:
	case _PC_2_SYMLINKS: return 1;
	case _PC_VDISABLE: return 0;
	case _PC_FILESIZEBITS: return 64;
	case _PC_SYMLINK_MAX: return PATH_LEN_MAX - 1;
	case _PC_ASYNC_IO:
	case _PC_PRIO_IO:
	case _PC_SYNC_IO:
	case _PC_ALLOC_SIZE_MIN:
	case _PC_REC_INCR_XFER_SIZE:
	case _PC_REC_MAX_XFER_SIZE:
	case _PC_REC_MIN_XFER_SIZE:
	case _PC_REC_XFER_ALIGN:
	case _PC_TIMESTAMP_RESOLUTION: return -1; /* no such limit or option: errno unchanged */
	default: return sys_fail(EINVAL);
	}
}

long pathconf(const char *path, int name)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1; /* stat's errno: ENOENT, ENOTDIR... */
	return limit(name);
}

long fpathconf(int fd, int name)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1; /* EBADF */
	return limit(name);
}
