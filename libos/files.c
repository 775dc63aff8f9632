/* The file system: there is none yet (an embedded read-only tree comes
 * later), so every path names nothing and nothing can be created. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(int e)
{
	errno = e;
	return -1;
}

int open(const char *path, int flags, ...)
{
	if (!path)
		return fail(EFAULT);
	return (flags & O_CREAT) ? fail(EROFS) : fail(ENOENT);
}

int stat(const char *path, struct stat *st)
{
	(void)st;
	return path ? fail(ENOENT) : fail(EFAULT);
}

int lstat(const char *path, struct stat *st)
{
	return stat(path, st);
}

int access(const char *path, int mode)
{
	(void)mode;
	return path ? fail(ENOENT) : fail(EFAULT);
}

int unlink(const char *path)
{
	return path ? fail(ENOENT) : fail(EFAULT);
}

int link(const char *old, const char *new)
{
	(void)new;
	return old ? fail(ENOENT) : fail(EFAULT);
}

int mkdir(const char *path, mode_t mode)
{
	(void)mode;
	return path ? fail(EROFS) : fail(EFAULT);
}
