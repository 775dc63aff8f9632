/*
 * The POSIX calls that change or report a node's attributes by path or by
 * descriptor: chmod, chown, utimes and utimensat, truncate, statvfs, fsync.
 * Modes are kept, not enforced.  Every file belongs to the guest's one user
 * and group (0, as getuid says): chown to them (or -1) succeeds once the
 * node is found; any other owner cannot be represented: EINVAL, as Linux
 * says for an id it cannot map.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "internal.h"
#include "vfs/resolve.h"

static int setattr(struct vnode *vn, const struct vfs_attr *a)
{
	return vn->ops->setattr ? vn->ops->setattr(vn, a) : -EROFS;
}

/* Do fn to the node at path (or open at fd when path is NULL). */
static int on_node(int fd, const char *path, int follow, int (*fn)(struct vnode *, const void *), const void *arg)
{
	struct where w;
	struct vnode *vn;
	if (!path) {
		vn = vfs_fd_vnode(fd, NULL);
		return vn ? fn(vn, arg) : -EBADF;
	}
	int r = vfs_resolve(fd, path, follow, &w);
	if (r || (r = vfs_lookup(&w, &vn)))
		return r;
	r = fn(vn, arg);
	vfs_put(vn);
	return r;
}

static int do_setattr(struct vnode *vn, const void *a)
{
	return setattr(vn, a);
}

static int vfs_chmod(int fd, const char *path, mode_t mode, int flags)
{
	struct vfs_attr a = { .mask = VFS_ATTR_MODE, .mode = mode };
	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	return on_node(fd, path, !(flags & AT_SYMLINK_NOFOLLOW), do_setattr, &a);
}

int chmod(const char *path, mode_t mode)
{
	return (int)sys_ret(vfs_chmod(AT_FDCWD, path, mode, 0));
}

int fchmod(int fd, mode_t mode)
{
	return (int)sys_ret(vfs_chmod(fd, NULL, mode, 0));
}

int fchmodat(int fd, const char *path, mode_t mode, int flags)
{
	return (int)sys_ret(vfs_chmod(fd, path, mode, flags));
}

static int do_nothing(struct vnode *vn, const void *arg)
{
	(void)vn;
	(void)arg;
	return 0;
}

static int vfs_chown(int fd, const char *path, uid_t uid, gid_t gid, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (path && !*path && (flags & AT_EMPTY_PATH))
		path = NULL;
	int r = on_node(fd, path, !(flags & AT_SYMLINK_NOFOLLOW), do_nothing, NULL);
	if (r)
		return r;
	if ((uid != (uid_t)-1 && uid != getuid()) || (gid != (gid_t)-1 && gid != getgid()))
		return -EINVAL;
	return 0;
}

int chown(const char *path, uid_t uid, gid_t gid)
{
	return (int)sys_ret(vfs_chown(AT_FDCWD, path, uid, gid, 0));
}

int lchown(const char *path, uid_t uid, gid_t gid)
{
	return (int)sys_ret(vfs_chown(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW));
}

int fchown(int fd, uid_t uid, gid_t gid)
{
	return (int)sys_ret(vfs_chown(fd, NULL, uid, gid, 0));
}

int fchownat(int fd, const char *path, uid_t uid, gid_t gid, int flags)
{
	return (int)sys_ret(vfs_chown(fd, path, uid, gid, flags));
}

/* ts[2] as utimensat takes it (NULL: both now) into a. */
static int times_of(const struct timespec *ts, struct vfs_attr *a)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	a->mask = VFS_ATTR_ATIME | VFS_ATTR_MTIME;
	a->atime = a->mtime = now;
	if (!ts)
		return 0;
	for (int i = 0; i < 2; i++) {
		struct timespec *t = i ? &a->mtime : &a->atime;
		if (ts[i].tv_nsec == UTIME_OMIT)
			a->mask &= ~(unsigned)(i ? VFS_ATTR_MTIME : VFS_ATTR_ATIME);
		else if (ts[i].tv_nsec != UTIME_NOW && (ts[i].tv_nsec < 0 || ts[i].tv_nsec >= 1000000000))
			return -EINVAL;
		else if (ts[i].tv_nsec != UTIME_NOW)
			*t = ts[i];
	}
	return 0;
}

static int vfs_utimens(int fd, const char *path, const struct timespec *ts, int flags)
{
	struct vfs_attr a;
	int r = times_of(ts, &a);
	if (r)
		return r;
	if (flags & ~AT_SYMLINK_NOFOLLOW)
		return -EINVAL;
	return on_node(fd, path, !(flags & AT_SYMLINK_NOFOLLOW), do_setattr, &a);
}

int utimensat(int fd, const char *path, const struct timespec *ts, int flags)
{
	return (int)sys_ret(vfs_utimens(fd, path, ts, flags));
}

int futimens(int fd, const struct timespec *ts)
{
	return (int)sys_ret(vfs_utimens(fd, NULL, ts, 0));
}

static int vfs_utimes(int fd, const char *path, const struct timeval *tv, int flags)
{
	struct timespec ts[2];
	if (!tv)
		return vfs_utimens(fd, path, NULL, flags);
	for (int i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i] = (struct timespec){ tv[i].tv_sec, tv[i].tv_usec * 1000 };
	}
	return vfs_utimens(fd, path, ts, flags);
}

int utimes(const char *path, const struct timeval *tv)
{
	return (int)sys_ret(vfs_utimes(AT_FDCWD, path, tv, 0));
}

int lutimes(const char *path, const struct timeval *tv)
{
	return (int)sys_ret(vfs_utimes(AT_FDCWD, path, tv, AT_SYMLINK_NOFOLLOW));
}

int futimes(int fd, const struct timeval *tv)
{
	return (int)sys_ret(vfs_utimes(fd, NULL, tv, 0));
}

int utime(const char *path, const struct utimbuf *u)
{
	struct timespec ts[2];
	if (!u)
		return utimensat(AT_FDCWD, path, NULL, 0);
	ts[0] = (struct timespec){ u->actime, 0 };
	ts[1] = (struct timespec){ u->modtime, 0 };
	return utimensat(AT_FDCWD, path, ts, 0);
}

static int do_truncate(struct vnode *vn, const void *arg)
{
	off_t size = *(const off_t *)arg;
	if (S_ISDIR(vn->type))
		return -EISDIR;
	if (!S_ISREG(vn->type))
		return -EINVAL;
	return vn->ops->truncate ? vn->ops->truncate(vn, size) : -EROFS;
}

int truncate(const char *path, off_t size)
{
	if (size < 0)
		return sys_fail(EINVAL);
	return (int)sys_ret(on_node(AT_FDCWD, path, 1, do_truncate, &size));
}

int ftruncate(int fd, off_t size)
{
	const char *path;
	struct vnode *vn = vfs_fd_vnode(fd, &path);
	struct stat st;
	if (!vn)
		return sys_fail(fstat(fd, &st) == 0 ? EINVAL : EBADF);
	if (size < 0 || !S_ISREG(vn->type))
		return sys_fail(EINVAL);
	int fl = fcntl(fd, F_GETFL);
	if ((fl & O_ACCMODE) == O_RDONLY)
		return sys_fail(EINVAL); /* Linux: not open for writing */
	return (int)sys_ret(do_truncate(vn, &size));
}

static int do_statvfs(struct vnode *vn, const void *arg)
{
	struct statvfs *sv = (struct statvfs *)arg;
	struct mount *m = vn->mnt;
	if (m->ops->statvfs) {
		int r = m->ops->statvfs(m, sv);
		if (r)
			return r;
	} else {
		*sv = (struct statvfs){ .f_bsize = 4096, .f_frsize = 4096, .f_namemax = PATH_NAME_MAX };
	}
	sv->f_fsid = vfs_mount_id(m);
	if (!m->ops->create)
		sv->f_flag |= ST_RDONLY;
	return 0;
}

int statvfs(const char *restrict path, struct statvfs *restrict sv)
{
	return (int)sys_ret(on_node(AT_FDCWD, path, 1, do_statvfs, sv));
}

int fstatvfs(int fd, struct statvfs *sv)
{
	return (int)sys_ret(on_node(fd, NULL, 1, do_statvfs, sv));
}

static int do_fsync(struct vnode *vn, const void *arg)
{
	(void)arg;
	return vn->ops->fsync ? vn->ops->fsync(vn) : 0;
}

int fsync(int fd)
{
	struct stat st;
	if (!vfs_fd_vnode(fd, NULL))
		return fstat(fd, &st) == 0 ? sys_fail(EINVAL) : -1; /* the console, a socket */
	return (int)sys_ret(on_node(fd, NULL, 1, do_fsync, NULL));
}

int fdatasync(int fd)
{
	return fsync(fd);
}
