/*
 * Path resolution for the path calls: the working directory (chdir, fchdir,
 * getcwd), symbolic links (path.c's path_resolve asks each component here),
 * realpath.  The boot mounts are made the first time a path is resolved.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"
#include "internal.h"
#include "vfs/resolve.h"

static char cwd[PATH_LEN_MAX] = "/";

void vfs_put(struct vnode *vn)
{
	if (vn->opens == 0 && vn->ops->release)
		vn->ops->release(vn);
}

int vfs_stat(struct vnode *vn, struct stat *st)
{
	int r = vn->ops->stat(vn, st);
	if (r == 0)
		st->st_dev = vfs_mount_id(vn->mnt);
	return r;
}

/* The boot mounts, before the first path (or getcwd): they may set cwd. */
static void setup_once(void)
{
	static int ready;
	if (!ready) {
		ready = 1;
		vfs_setup();
	}
}

static struct mount *mount_of(const char *abs, const char **rest)
{
	setup_once();
	return vfs_mount_find(abs, rest);
}

static int step(void *ctx, const char *abs, char *link, size_t size)
{
	(void)ctx;
	const char *rest;
	struct vnode *vn;
	struct mount *m = mount_of(abs, &rest);
	int r = m ? m->ops->lookup(m, rest, &vn) : -ENOENT;
	if (r)
		return r;
	vn->mnt = m;
	if (S_ISDIR(vn->type)) {
		r = PATH_DIR;
	} else if (S_ISLNK(vn->type)) {
		ssize_t k = vn->ops->readlink ? vn->ops->readlink(vn, link, size) : -EINVAL;
		r = k < 0 ? (int)k : PATH_LINK;
	} else {
		r = PATH_FILE;
	}
	vfs_put(vn);
	return r;
}

int vfs_resolve(int dirfd, const char *path, int follow, struct where *w)
{
	const char *base = cwd;
	setup_once();
	if (!path)
		return -EFAULT;
	if (*path != '/' && dirfd != AT_FDCWD) {
		struct vnode *vn = vfs_fd_vnode(dirfd, &base);
		if (!vn)
			return fd_get(dirfd) ? -ENOTDIR : -EBADF;
		if (!S_ISDIR(vn->type))
			return -ENOTDIR;
	}
	int r = path_resolve(base, path, follow, w->abs, sizeof w->abs, &w->dir, &w->last, step, NULL);
	if (r)
		return r;
	w->m = mount_of(w->abs, &w->rest);
	return w->m ? 0 : -ENOENT;
}

int vfs_lookup(struct where *w, struct vnode **vn)
{
	if (w->last == -ENOENT)
		return -ENOENT;
	int r = w->m->ops->lookup(w->m, w->rest, vn);
	if (r)
		return r;
	(*vn)->mnt = w->m;
	if (w->dir && !S_ISDIR((*vn)->type)) {
		vfs_put(*vn);
		return -ENOTDIR;
	}
	return 0;
}

/* Make abs (a directory) the working directory. */
static int enter(const char *abs)
{
	memcpy(cwd, abs, strlen(abs) + 1);
	return 0;
}

static int vfs_chdir(const char *path)
{
	struct where w;
	int r = vfs_resolve(AT_FDCWD, path, 1, &w);
	if (r)
		return r;
	if (w.last == -ENOENT)
		return -ENOENT;
	return w.last == PATH_DIR ? enter(w.abs) : -ENOTDIR;
}

int chdir(const char *path)
{
	return (int)sys_ret(vfs_chdir(path));
}

int fchdir(int fd)
{
	const char *path = NULL;
	struct vnode *vn = vfs_fd_vnode(fd, &path);
	if (!vn)
		return sys_fail(EBADF);
	if (!S_ISDIR(vn->type) || !path)
		return sys_fail(ENOTDIR);
	return enter(path);
}

char *getcwd(char *buf, size_t size)
{
	setup_once();
	size_t len = strlen(cwd) + 1;
	if (!buf) {
		/* glibc's extension: a buffer of size bytes, or just enough */
		if (size && size < len)
			return sys_fail(ERANGE), NULL;
		if (!(buf = malloc(size ? size : len)))
			return sys_fail(ENOMEM), NULL;
	} else if (size == 0) {
		return sys_fail(EINVAL), NULL;
	} else if (size < len) {
		return sys_fail(ERANGE), NULL;
	}
	return memcpy(buf, cwd, len);
}

char *realpath(const char *restrict path, char *restrict resolved)
{
	static struct where w; /* a whole path: too much for a small stack, and nothing here blocks */
	int r = vfs_resolve(AT_FDCWD, path, 1, &w);
	if (r == 0 && w.last == -ENOENT)
		r = -ENOENT;
	if (r)
		return sys_fail(-r), NULL;
	size_t len = strlen(w.abs) + 1;
	if (!resolved && !(resolved = malloc(len > PATH_MAX ? len : PATH_MAX)))
		return sys_fail(ENOMEM), NULL;
	return memcpy(resolved, w.abs, len);
}
