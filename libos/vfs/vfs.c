/*
 * The POSIX calls that make, find or remove names: each resolves its path
 * (vfs/resolve.c), checks what Linux checks in the VFS, and asks the mount's
 * file system.  The *at forms take a directory descriptor (or AT_FDCWD).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "vfs/resolve.h"

/* Two paths are much for a small thread stack, and nothing here blocks
 * (threads are cooperative), so the calls that need two share these. */
static struct where wa, wb;

static int vfs_open(int dirfd, const char *path, int flags, mode_t mode)
{
	struct where *w = &wa;
	struct vnode *vn;
	int acc = flags & O_ACCMODE, excl = (flags & O_CREAT) && (flags & O_EXCL);
	/* O_CREAT on "name/" is EISDIR whatever name is, as on Linux. */
	if (path && *path && path[strlen(path) - 1] == '/' && (flags & O_CREAT))
		return -EISDIR;
	int r = vfs_resolve(dirfd, path, !(flags & O_NOFOLLOW) && !excl, w);
	if (r)
		return r;
	if (w->dir && (flags & O_CREAT))
		return -EISDIR;
	if (w->last == -ENOENT) {
		if (!(flags & O_CREAT))
			return -ENOENT;
		if (!w->m->ops->create)
			return -EROFS;
		/* Made meanwhile (by the host, under a host directory): open it. */
		if ((r = w->m->ops->create(w->m, w->rest, mode & ~libos_umask, &vn)))
			return r == -EEXIST && !excl ? vfs_open(dirfd, path, flags & ~O_CREAT, mode) : r;
		vn->mnt = w->m;
		return vfs_file_open(vn, flags, w->abs);
	}
	if (excl)
		return -EEXIST;
	if ((r = vfs_lookup(w, &vn)))
		return r;
	if (S_ISLNK(vn->type))
		r = -ELOOP; /* O_NOFOLLOW */
	else if (S_ISDIR(vn->type) && ((flags & (O_CREAT | O_TRUNC)) || acc != O_RDONLY))
		r = -EISDIR;
	else if ((flags & O_DIRECTORY) && !S_ISDIR(vn->type))
		r = -ENOTDIR;
	else if (S_ISREG(vn->type) && acc != O_RDONLY && !vn->ops->write)
		r = -EROFS;
	else if ((flags & O_TRUNC) && acc != O_RDONLY && S_ISREG(vn->type))
		r = vn->ops->truncate ? vn->ops->truncate(vn, 0) : -EROFS;
	if (r == 0 && (r = vfs_file_open(vn, flags, w->abs)) >= 0)
		return r;
	vfs_put(vn);
	return r;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return flags & O_CREAT ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return (int)sys_ret(vfs_open(AT_FDCWD, path, flags, mode));
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_arg(flags, ap);
	va_end(ap);
	return (int)sys_ret(vfs_open(dirfd, path, flags, mode));
}

int creat(const char *path, mode_t mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

static int vfs_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	struct where w;
	struct vnode *vn;
	int r = vfs_resolve(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), &w);
	if (r || (r = vfs_lookup(&w, &vn)))
		return r;
	r = vfs_stat(vn, st);
	vfs_put(vn);
	return r;
}

int stat(const char *path, struct stat *st)
{
	return (int)sys_ret(vfs_fstatat(AT_FDCWD, path, st, 0));
}

int lstat(const char *path, struct stat *st)
{
	return (int)sys_ret(vfs_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW));
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return (int)sys_ret(vfs_fstatat(dirfd, path, st, flags));
}

/* Permissions are kept, not enforced (one user, root): X_OK asks for an
 * execute bit as root's does; W_OK fails on a read-only file system. */
static int vfs_access(int dirfd, const char *path, int mode, int flags)
{
	struct where w;
	struct stat st;
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	int r = vfs_resolve(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), &w);
	if (r || (r = vfs_fstatat(dirfd, path, &st, flags)))
		return r;
	if ((mode & X_OK) && !S_ISDIR(st.st_mode) && !(st.st_mode & 0111))
		return -EACCES;
	if ((mode & W_OK) && !w.m->ops->create && !S_ISCHR(st.st_mode))
		return -EROFS;
	return 0;
}

int access(const char *path, int mode)
{
	return (int)sys_ret(vfs_access(AT_FDCWD, path, mode, 0));
}

int faccessat(int dirfd, const char *path, int mode, int flags)
{
	return (int)sys_ret(vfs_access(dirfd, path, mode, flags));
}

/* The kind of node a resolved, existing path names. */
static int kind(struct where *w, mode_t *type)
{
	struct vnode *vn;
	int r = vfs_lookup(w, &vn);
	if (r)
		return r;
	*type = vn->type & S_IFMT;
	vfs_put(vn);
	return 0;
}

/* The last component of path, after trailing slashes, is "." or "..". */
static int dots(const char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	size_t s = n;
	while (s > 0 && path[s - 1] != '/')
		s--;
	return n - s == 1 && path[s] == '.' ? 1 : n - s == 2 && path[s] == '.' && path[s + 1] == '.' ? 2 : 0;
}

static int vfs_unlink(int dirfd, const char *path)
{
	struct where w;
	mode_t type;
	int r = vfs_resolve(dirfd, path, 0, &w);
	if (r || (r = kind(&w, &type)))
		return r;
	if (S_ISDIR(type))
		return -EISDIR;
	return w.m->ops->unlink ? w.m->ops->unlink(w.m, w.rest) : -EROFS;
}

static int vfs_rmdir(int dirfd, const char *path)
{
	struct where w;
	mode_t type;
	int r = vfs_resolve(dirfd, path, 0, &w);
	if (r || (r = kind(&w, &type)))
		return r;
	if (!S_ISDIR(type))
		return -ENOTDIR;
	if (dots(path))
		return dots(path) == 1 ? -EINVAL : -ENOTEMPTY;
	if (!*w.rest)
		return -EBUSY; /* a mount point, or the root */
	return w.m->ops->rmdir ? w.m->ops->rmdir(w.m, w.rest) : -EROFS;
}

int unlink(const char *path)
{
	return (int)sys_ret(vfs_unlink(AT_FDCWD, path));
}

int rmdir(const char *path)
{
	return (int)sys_ret(vfs_rmdir(AT_FDCWD, path));
}

int unlinkat(int dirfd, const char *path, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return sys_fail(EINVAL);
	return (int)sys_ret(flags ? vfs_rmdir(dirfd, path) : vfs_unlink(dirfd, path));
}

static int vfs_mkdir(int dirfd, const char *path, mode_t mode)
{
	struct where w;
	int r = vfs_resolve(dirfd, path, 0, &w);
	if (r)
		return r;
	if (w.last != -ENOENT)
		return -EEXIST;
	return w.m->ops->mkdir ? w.m->ops->mkdir(w.m, w.rest, mode & ~libos_umask) : -EROFS;
}

int mkdir(const char *path, mode_t mode)
{
	return (int)sys_ret(vfs_mkdir(AT_FDCWD, path, mode));
}

int mkdirat(int dirfd, const char *path, mode_t mode)
{
	return (int)sys_ret(vfs_mkdir(dirfd, path, mode));
}

static int vfs_rename(int fromfd, const char *from, int tofd, const char *to)
{
	struct where *a = &wa, *b = &wb;
	mode_t ta, tb;
	int r = vfs_resolve(fromfd, from, 0, a);
	if (r || (r = vfs_resolve(tofd, to, 0, b)))
		return r;
	if ((r = kind(a, &ta)))
		return r;
	if (dots(from) || dots(to))
		return -EBUSY;
	if (!*a->rest || !*b->rest)
		return -EBUSY; /* a mount point */
	/* "to/" must name a directory: a file cannot become one. */
	if (b->dir && !S_ISDIR(ta))
		return -ENOTDIR;
	if (a->m != b->m)
		return -EXDEV;
	if (strcmp(a->abs, b->abs) == 0)
		return 0;
	size_t n = strlen(a->abs);
	if (strncmp(a->abs, b->abs, n) == 0 && b->abs[n] == '/')
		return -EINVAL; /* into its own subtree */
	if (b->last != -ENOENT) {
		if ((r = kind(b, &tb)))
			return r;
		if (S_ISDIR(ta) && !S_ISDIR(tb))
			return -ENOTDIR;
		if (!S_ISDIR(ta) && S_ISDIR(tb))
			return -EISDIR;
	}
	return a->m->ops->rename ? a->m->ops->rename(a->m, a->rest, b->rest) : -EROFS;
}

int rename(const char *from, const char *to)
{
	return (int)sys_ret(vfs_rename(AT_FDCWD, from, AT_FDCWD, to));
}

int renameat(int fromfd, const char *from, int tofd, const char *to)
{
	return (int)sys_ret(vfs_rename(fromfd, from, tofd, to));
}

static int vfs_link(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	struct where *a = &wa, *b = &wb;
	mode_t ta;
	if (flags & ~AT_SYMLINK_FOLLOW)
		return -EINVAL;
	int r = vfs_resolve(fromfd, from, flags & AT_SYMLINK_FOLLOW, a);
	if (r || (r = vfs_resolve(tofd, to, 0, b)) || (r = kind(a, &ta)))
		return r;
	if (b->last != -ENOENT)
		return -EEXIST;
	if (S_ISDIR(ta))
		return -EPERM;
	if (a->m != b->m)
		return -EXDEV;
	return a->m->ops->link ? a->m->ops->link(a->m, a->rest, b->rest) : -EPERM;
}

int link(const char *from, const char *to)
{
	return (int)sys_ret(vfs_link(AT_FDCWD, from, AT_FDCWD, to, 0));
}

int linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	return (int)sys_ret(vfs_link(fromfd, from, tofd, to, flags));
}

static int vfs_symlink(const char *target, int dirfd, const char *path)
{
	struct where w;
	if (!target)
		return -EFAULT;
	if (!*target)
		return -ENOENT;
	if (strlen(target) >= PATH_LEN_MAX)
		return -ENAMETOOLONG;
	int r = vfs_resolve(dirfd, path, 0, &w);
	if (r)
		return r;
	if (w.last != -ENOENT)
		return -EEXIST;
	return w.m->ops->symlink ? w.m->ops->symlink(w.m, target, w.rest) : -EPERM;
}

int symlink(const char *target, const char *path)
{
	return (int)sys_ret(vfs_symlink(target, AT_FDCWD, path));
}

int symlinkat(const char *target, int dirfd, const char *path)
{
	return (int)sys_ret(vfs_symlink(target, dirfd, path));
}

static ssize_t vfs_readlink(int dirfd, const char *path, char *buf, size_t size)
{
	static char target[PATH_LEN_MAX];
	struct where w;
	struct vnode *vn;
	if ((ssize_t)size <= 0)
		return -EINVAL;
	int r = vfs_resolve(dirfd, path, 0, &w);
	if (r || (r = vfs_lookup(&w, &vn)))
		return r;
	ssize_t n = S_ISLNK(vn->type) && vn->ops->readlink ? vn->ops->readlink(vn, target, sizeof target) : -EINVAL;
	vfs_put(vn);
	if (n < 0)
		return n;
	if ((size_t)n > size)
		n = (ssize_t)size; /* truncated, no NUL: as readlink does */
	memcpy(buf, target, (size_t)n);
	return n;
}

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
	return sys_ret(vfs_readlink(AT_FDCWD, path, buf, size));
}

ssize_t readlinkat(int dirfd, const char *restrict path, char *restrict buf, size_t size)
{
	return sys_ret(vfs_readlink(dirfd, path, buf, size));
}
