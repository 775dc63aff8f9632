/* Open files on vnodes: the offset, O_APPEND and lseek live here, the
 * bytes in the file system.  An open directory also keeps its path (for
 * fchdir, the *at calls and "..") and is read with vfs_readdir. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"
#include "vfs/dir.h"
#include "vfs/resolve.h"

struct vdir {
	struct vnode *vn;
	char path[]; /* absolute, normal */
};

static ssize_t vf_read(struct file *f, void *buf, size_t len)
{
	struct vnode *vn = f->priv;
	ssize_t r = vn->ops->read ? vn->ops->read(vn, buf, len, f->off) : -EINVAL;
	if (r > 0)
		f->off += r;
	return r;
}

static ssize_t vf_write(struct file *f, const void *buf, size_t len)
{
	struct vnode *vn = f->priv;
	off_t off = f->flags & O_APPEND ? vn->size : f->off;
	ssize_t r = vn->ops->write ? vn->ops->write(vn, buf, len, off) : -EINVAL;
	if (r > 0) {
		f->off = off + r;
		if (vfs_written)
			vfs_written(vn, buf, (size_t)r, off);
	}
	return r;
}

void (*vfs_written)(struct vnode *vn, const void *buf, size_t len, off_t off);

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
	return vfs_stat(f->priv, st);
}

static int vf_flush(struct file *f)
{
	struct vnode *vn = f->priv;
	return vn->ops->flush ? vn->ops->flush(vn) : 0;
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
	.flush = vf_flush,
	.close = vf_close,
};

static ssize_t vd_rw(struct file *f, void *buf, size_t len)
{
	(void)f, (void)buf, (void)len;
	return -EISDIR;
}

static ssize_t vd_write(struct file *f, const void *buf, size_t len)
{
	(void)f, (void)buf, (void)len;
	return -EISDIR;
}

static off_t vd_lseek(struct file *f, off_t off, int whence)
{
	if (whence != SEEK_SET || off < 0)
		return -EINVAL;
	return f->off = off;
}

static int vd_fstat(struct file *f, struct stat *st)
{
	struct vdir *d = f->priv;
	return vfs_stat(d->vn, st);
}

static void vd_close(struct file *f)
{
	struct vdir *d = f->priv;
	struct vnode *vn = d->vn;
	free(d);
	if (--vn->opens == 0 && vn->ops->release)
		vn->ops->release(vn);
}

static const struct file_ops dir_file_ops = {
	.read = vd_rw,
	.write = vd_write,
	.lseek = vd_lseek,
	.fstat = vd_fstat,
	.close = vd_close,
};

int vfs_file_open(struct vnode *vn, int flags, const char *path)
{
	int fd;
	if (S_ISDIR(vn->type)) {
		size_t len = strlen(path) + 1;
		struct vdir *d = malloc(sizeof *d + len);
		if (!d)
			return -ENOMEM;
		d->vn = vn;
		memcpy(d->path, path, len);
		fd = fd_install(&dir_file_ops, d, flags & O_ACCMODE, 0);
		if (fd < 0)
			free(d);
	} else {
		fd = fd_install(&vnode_file_ops, vn, flags & (O_ACCMODE | O_APPEND), 0);
	}
	if (fd >= 0)
		vn->opens++;
	return fd;
}

struct vnode *vfs_fd_vnode(int fd, const char **path)
{
	struct file *f = fd_get(fd);
	if (path)
		*path = NULL;
	if (f && f->ops == &vnode_file_ops)
		return f->priv;
	if (!f || f->ops != &dir_file_ops)
		return NULL;
	struct vdir *d = f->priv;
	if (path)
		*path = d->path;
	return d->vn;
}

long vfs_readdir(int fd, long pos, struct vfs_dirent *de)
{
	const char *path;
	struct vnode *vn = vfs_fd_vnode(fd, &path);
	struct stat st;
	if (!vn)
		return -EBADF;
	if (!S_ISDIR(vn->type))
		return -ENOTDIR;
	if (pos < 2) {
		/* ".", then "..": the directory above (the root's is itself). */
		static struct where w;
		struct vnode *up;
		int r = vfs_stat(vn, &st);
		if (r == 0 && pos == 1 && vfs_resolve(AT_FDCWD, path, 1, &w) == 0) {
			char *slash = strrchr(w.abs, '/');
			slash[slash == w.abs] = '\0';
			if (vfs_resolve(AT_FDCWD, w.abs, 1, &w) == 0 && vfs_lookup(&w, &up) == 0) {
				vfs_stat(up, &st);
				vfs_put(up);
			}
		}
		if (r)
			return r;
		de->ino = st.st_ino;
		de->type = S_IFDIR;
		memcpy(de->name, "..", 3);
		de->name[pos + 1] = '\0';
		return pos + 1;
	}
	if (!vn->ops->readdir)
		return -ENOTDIR;
	long next = vn->ops->readdir(vn, pos - 2, de);
	return next <= 0 ? next : next + 2;
}

/* pread and pwrite: at an offset, leaving the file's own. */
static struct vnode *positioned(int fd, off_t off, int acc)
{
	struct file *f = fd_get(fd);
	struct vnode *vn = vfs_fd_vnode(fd, NULL);
	if (!f || (f->flags & O_ACCMODE) == acc) {
		errno = EBADF;
		return NULL;
	}
	if (!vn || off < 0) {
		errno = !vn && f->ops == &dir_file_ops ? EISDIR : !vn ? ESPIPE : EINVAL;
		return NULL;
	}
	return vn;
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	struct vnode *vn = positioned(fd, off, O_WRONLY);
	if (!vn)
		return -1;
	return sys_ret(vn->ops->read ? vn->ops->read(vn, buf, len, off) : -EINVAL);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	struct vnode *vn = positioned(fd, off, O_RDONLY);
	if (!vn)
		return -1;
	if ((uint64_t)off > (uint64_t)INT64_MAX / 2)
		return sys_fail(EINVAL);
	ssize_t r = vn->ops->write ? vn->ops->write(vn, buf, len, off) : -EINVAL;
	if (r > 0 && vfs_written)
		vfs_written(vn, buf, (size_t)r, off);
	return sys_ret(r);
}
