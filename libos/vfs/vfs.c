/*
 * The POSIX calls that take a path: each resolves it (vfs/path.c), finds
 * the mount (vfs/mount.c) and asks that file system.  The RAM file system
 * is mounted at "/" the first time a path is resolved, so apps that never
 * name a file link none of this.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fs/ramfs.h"
#include "internal.h"
#include "vfs/path.h"
#include "vfs/vfs.h"

static struct ramfs rootfs;
static const char cwd[] = "/";

struct where {
	struct mount *m;
	const char *rest; /* inside m, normal */
	int dir; /* the path must name a directory */
	char abs[PATH_LEN_MAX];
};

static struct mount *mount_of(const char *abs, const char **rest)
{
	struct mount *m = vfs_mount_find(abs, rest);
	if (!m) {
		vfs_mount("/", &ramfs_ops, &rootfs);
		m = vfs_mount_find(abs, rest);
	}
	return m;
}

/* A component other components follow must be a directory. */
static int isdir(void *ctx, const char *abs)
{
	(void)ctx;
	const char *rest;
	struct mount *m = mount_of(abs, &rest);
	struct vnode *vn;
	int r = m->ops->lookup(m, rest, &vn);
	return r ? r : S_ISDIR(vn->type) ? 0 : -ENOTDIR;
}

static int resolve(const char *path, struct where *w)
{
	if (!path)
		return -EFAULT;
	int r = path_normalize(cwd, path, w->abs, sizeof w->abs, &w->dir, isdir, NULL);
	if (r)
		return r;
	w->m = mount_of(w->abs, &w->rest);
	return 0;
}

/* The node a resolved path names; ENOTDIR for "file/". */
static int lookup(struct where *w, struct vnode **vn)
{
	int r = w->m->ops->lookup(w->m, w->rest, vn);
	if (r == 0 && w->dir && !S_ISDIR((*vn)->type))
		r = -ENOTDIR;
	return r;
}

static int node_at(const char *path, struct where *w, struct vnode **vn)
{
	int r = resolve(path, w);
	return r ? r : lookup(w, vn);
}

static int vfs_open(const char *path, int flags, mode_t mode)
{
	struct where w;
	struct vnode *vn;
	int acc = flags & O_ACCMODE;
	int r = resolve(path, &w);
	if (r)
		return r;
	/* O_CREAT on "name/" is EISDIR whatever name is, as on Linux. */
	if (w.dir && (flags & O_CREAT))
		return -EISDIR;
	r = lookup(&w, &vn);
	if (r == -ENOENT && (flags & O_CREAT)) {
		if (!w.m->ops->create)
			return -EPERM;
		r = w.m->ops->create(w.m, w.rest, mode, &vn);
	} else if (r == 0 && S_ISDIR(vn->type)) {
		/* Directories cannot be opened until there is readdir. */
		return (flags & (O_CREAT | O_TRUNC)) || acc != O_RDONLY ? -EISDIR : -ENOTSUP;
	} else if (r == 0 && (flags & O_CREAT) && (flags & O_EXCL)) {
		return -EEXIST;
	}
	if (r)
		return r;
	if ((flags & O_TRUNC) && acc != O_RDONLY && (r = vn->ops->truncate(vn, 0)))
		return r;
	return vfs_file_open(vn, flags);
}

int open(const char *path, int flags, ...)
{
	/* No file system here keeps modes yet: the mode argument is not read. */
	return (int)sys_ret(vfs_open(path, flags, 0644));
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int stat(const char *path, struct stat *st)
{
	struct where w;
	struct vnode *vn;
	int r = node_at(path, &w, &vn);
	return (int)sys_ret(r ? r : vn->ops->stat(vn, st));
}

int lstat(const char *path, struct stat *st)
{
	return stat(path, st); /* no symbolic links */
}

int access(const char *path, int mode)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -1;
	return (mode & X_OK) && S_ISREG(st.st_mode) ? sys_fail(EACCES) : 0;
}

static int vfs_unlink(const char *path)
{
	struct where w;
	struct vnode *vn;
	int r = node_at(path, &w, &vn);
	if (r)
		return r;
	if (S_ISDIR(vn->type))
		return -EISDIR;
	return w.m->ops->unlink ? w.m->ops->unlink(w.m, w.rest) : -EPERM;
}

int unlink(const char *path)
{
	return (int)sys_ret(vfs_unlink(path));
}

static int vfs_rename(const char *from, const char *to)
{
	/* Static: two paths are much for a small thread stack, and nothing
	 * here blocks (threads are cooperative), so no other thread can be in it. */
	static struct where a, b;
	struct vnode *vn;
	int r = resolve(from, &a);
	if (r || (r = resolve(to, &b)))
		return r;
	if (!*a.rest || !*b.rest)
		return -EBUSY; /* a mount point */
	if ((r = lookup(&a, &vn)))
		return r;
	/* "to/" must name a directory: a file cannot become one. */
	if (b.dir && !S_ISDIR(vn->type))
		return -ENOTDIR;
	if (a.m != b.m)
		return -EXDEV;
	return a.m->ops->rename ? a.m->ops->rename(a.m, a.rest, b.rest) : -EPERM;
}

int rename(const char *from, const char *to)
{
	return (int)sys_ret(vfs_rename(from, to));
}

int link(const char *from, const char *to)
{
	(void)from, (void)to;
	return sys_fail(EMLINK); /* no file system here has more than one name per file */
}

static int vfs_mkdir(const char *path, mode_t mode)
{
	struct where w;
	int r = resolve(path, &w);
	if (r)
		return r;
	return w.m->ops->mkdir ? w.m->ops->mkdir(w.m, w.rest, mode) : -EPERM;
}

int mkdir(const char *path, mode_t mode)
{
	return (int)sys_ret(vfs_mkdir(path, mode));
}
