/*
 * /dev: a fixed directory of character devices.  null (reads end, writes
 * vanish), zero (reads zeros), random and urandom (the platform's entropy
 * source, as getentropy; writes vanish), stdin, stdout and stderr (whatever
 * descriptors 0, 1 and 2 are open on: the console unless the app changed
 * them).  Nothing can be created or removed (EPERM, as in Linux's /dev
 * for a user without the right; here, for everyone).
 */
#include "fs/devfs.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "fd.h"
#include "internal.h"

struct dev {
	struct vnode vn;
	const char *name;
	ino_t ino;
};

static ssize_t null_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	(void)vn, (void)buf, (void)len, (void)off;
	return 0;
}

static ssize_t sink_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	(void)vn, (void)buf, (void)off;
	return (ssize_t)len;
}

static ssize_t zero_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	(void)vn, (void)off;
	memset(buf, 0, len);
	return (ssize_t)len;
}

static ssize_t random_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	(void)vn, (void)off;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < 256 ? len - done : 256;
		int r = plat_entropy((char *)buf + done, n);
		if (r < 0)
			return done ? (ssize_t)done : r;
		done += n;
	}
	return (ssize_t)len;
}

static int std_fd(struct vnode *vn)
{
	return (int)(((struct dev *)vn)->ino - 10);
}

static ssize_t std_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	(void)off;
	struct file *f = fd_get(std_fd(vn));
	return f && (f->flags & O_ACCMODE) != O_WRONLY ? f->ops->read(f, buf, len) : -EBADF;
}

static ssize_t std_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	(void)off;
	struct file *f = fd_get(std_fd(vn));
	return f && (f->flags & O_ACCMODE) != O_RDONLY ? f->ops->write(f, buf, len) : -EBADF;
}

static int dev_stat(struct vnode *vn, struct stat *st)
{
	struct dev *d = (struct dev *)vn;
	*st = (struct stat){ 0 };
	st->st_mode = vn->type | (vn->type == S_IFDIR ? 0755 : 0666);
	st->st_nlink = vn->type == S_IFDIR ? 2 : 1;
	st->st_ino = d->ino;
	st->st_rdev = (dev_t)d->ino;
	st->st_blksize = 4096;
	return 0;
}

static long dev_readdir(struct vnode *vn, long cookie, struct vfs_dirent *de);

static const struct vnode_ops null_ops = { .read = null_read, .write = sink_write, .stat = dev_stat };
static const struct vnode_ops zero_ops = { .read = zero_read, .write = sink_write, .stat = dev_stat };
static const struct vnode_ops random_ops = { .read = random_read, .write = sink_write, .stat = dev_stat };
static const struct vnode_ops std_ops = { .read = std_read, .write = std_write, .stat = dev_stat };
static const struct vnode_ops root_ops = { .stat = dev_stat, .readdir = dev_readdir };

#define DEV(n, o, ino)                                                                                                 \
	{                                                                                                              \
		{ .ops = &o, .type = S_IFCHR }, n, ino                                                                 \
	}
static struct dev devs[] = {
	DEV("null", null_ops, 3),      DEV("zero", zero_ops, 4),  DEV("random", random_ops, 5),
	DEV("urandom", random_ops, 6), DEV("stdin", std_ops, 10), DEV("stdout", std_ops, 11),
	DEV("stderr", std_ops, 12),
};
static struct dev root = { { .ops = &root_ops, .type = S_IFDIR }, "", 1 };
#define NDEVS (long)(sizeof devs / sizeof devs[0])

static long dev_readdir(struct vnode *vn, long cookie, struct vfs_dirent *de)
{
	(void)vn;
	if (cookie < 0 || cookie >= NDEVS)
		return 0;
	de->ino = devs[cookie].ino;
	de->type = S_IFCHR;
	memcpy(de->name, devs[cookie].name, strlen(devs[cookie].name) + 1);
	return cookie + 1;
}

static int lookup(struct mount *m, const char *path, struct vnode **vn)
{
	(void)m;
	if (!*path) {
		*vn = &root.vn;
		return 0;
	}
	for (long i = 0; i < NDEVS; i++)
		if (strcmp(devs[i].name, path) == 0) {
			*vn = &devs[i].vn;
			return 0;
		}
	return -ENOENT;
}

static int refuse(void)
{
	return -EPERM;
}

static int dev_create(struct mount *m, const char *path, mode_t mode, struct vnode **vn)
{
	(void)m, (void)path, (void)mode, (void)vn;
	return refuse();
}

static int dev_mkdir(struct mount *m, const char *path, mode_t mode)
{
	(void)m, (void)path, (void)mode;
	return refuse();
}

static int dev_two(struct mount *m, const char *a, const char *b)
{
	(void)m, (void)a, (void)b;
	return refuse();
}

static int dev_one(struct mount *m, const char *path)
{
	(void)m, (void)path;
	return refuse();
}

const struct fs_ops devfs_ops = {
	.lookup = lookup,
	.create = dev_create,
	.mkdir = dev_mkdir,
	.symlink = dev_two,
	.link = dev_two,
	.unlink = dev_one,
	.rmdir = dev_one,
	.rename = dev_two,
};
