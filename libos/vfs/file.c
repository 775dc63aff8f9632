/* Open files on vnodes: the offset, O_APPEND and lseek live here, the
 * bytes in the file system. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "fd.h"
#include "vfs/vfs.h"

static ssize_t vf_read(struct file *f, void *buf, size_t len)
{
	struct vnode *vn = f->priv;
	ssize_t r = vn->ops->read(vn, buf, len, f->off);
	if (r > 0)
		f->off += r;
	return r;
}

static ssize_t vf_write(struct file *f, const void *buf, size_t len)
{
	struct vnode *vn = f->priv;
	off_t off = f->flags & O_APPEND ? vn->size : f->off;
	ssize_t r = vn->ops->write(vn, buf, len, off);
	if (r > 0)
		f->off = off + r;
	return r;
}

static off_t vf_lseek(struct file *f, off_t off, int whence)
{
	struct vnode *vn = f->priv;
	off_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? f->off : whence == SEEK_END ? vn->size : -1;
	off_t to;
	if (base < 0 || __builtin_add_overflow(base, off, &to) || to < 0)
		return -EINVAL;
	/* Keep offsets where a write's end still fits a size_t and an off_t. */
	if ((uint64_t)to > (uint64_t)INT64_MAX / 2)
		return -EINVAL;
	f->off = to;
	return f->off;
}

static int vf_fstat(struct file *f, struct stat *st)
{
	struct vnode *vn = f->priv;
	return vn->ops->stat(vn, st);
}

static void vf_close(struct file *f)
{
	struct vnode *vn = f->priv;
	if (--vn->opens == 0 && vn->ops->release)
		vn->ops->release(vn);
}

static const struct file_ops vnode_file_ops = {
	.read = vf_read,
	.write = vf_write,
	.lseek = vf_lseek,
	.fstat = vf_fstat,
	.close = vf_close,
};

int vfs_file_open(struct vnode *vn, int flags)
{
	int fd = fd_install(&vnode_file_ops, vn, flags & (O_ACCMODE | O_APPEND), 0);
	if (fd >= 0)
		vn->opens++;
	return fd;
}
