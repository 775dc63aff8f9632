/*
 * What the pc platform has none of: host directories (a PC has no host to
 * share them).  Apps that look find none; the calls that need one fail
 * with ENODEV.  (Net and block devices are virtio's:
 * platforms/common/drivers/virtio.)
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <tincan/platform.h>

int plat_dir_count(void)
{
	return 0;
}
const struct plat_dir_info *plat_dir_info(int dir)
{
	(void)dir;
	return NULL;
}
const char *plat_dir_cwd(void)
{
	return NULL;
}
int plat_dir_open(int dir, const char *path, int how, unsigned mode)
{
	(void)dir, (void)path, (void)how, (void)mode;
	return -ENODEV;
}
int plat_dir_lstat(int dir, const char *path, struct plat_stat *st)
{
	(void)dir, (void)path, (void)st;
	return -ENODEV;
}
int plat_dir_mkdir(int dir, const char *path, unsigned mode)
{
	(void)dir, (void)path, (void)mode;
	return -ENODEV;
}
int plat_dir_unlink(int dir, const char *path)
{
	(void)dir, (void)path;
	return -ENODEV;
}
int plat_dir_rmdir(int dir, const char *path)
{
	(void)dir, (void)path;
	return -ENODEV;
}
int plat_dir_rename(int dir, const char *from, const char *to)
{
	(void)dir, (void)from, (void)to;
	return -ENODEV;
}
int plat_dir_symlink(int dir, const char *target, const char *path)
{
	(void)dir, (void)target, (void)path;
	return -ENODEV;
}
long plat_dir_readlink(int dir, const char *path, char *buf, size_t size)
{
	(void)dir, (void)path, (void)buf, (void)size;
	return -ENODEV;
}
int plat_dir_utimens(int dir, const char *path, uint64_t atime_ns, uint64_t mtime_ns)
{
	(void)dir, (void)path, (void)atime_ns, (void)mtime_ns;
	return -ENODEV;
}
int plat_dir_close(int h)
{
	(void)h;
	return -EBADF;
}
long plat_dir_pread(int h, void *buf, size_t len, uint64_t off)
{
	(void)h, (void)buf, (void)len, (void)off;
	return -EBADF;
}
long plat_dir_pwrite(int h, const void *buf, size_t len, uint64_t off)
{
	(void)h, (void)buf, (void)len, (void)off;
	return -EBADF;
}
int plat_dir_fstat(int h, struct plat_stat *st)
{
	(void)h, (void)st;
	return -EBADF;
}
long plat_dir_readdir(int h, uint64_t cookie, void *buf, size_t len)
{
	(void)h, (void)cookie, (void)buf, (void)len;
	return -EBADF;
}
int plat_dir_truncate(int h, uint64_t size)
{
	(void)h, (void)size;
	return -EBADF;
}
int plat_dir_fsync(int h)
{
	(void)h;
	return -EBADF;
}
