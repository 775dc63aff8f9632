/* Inside the VFS (libos-internal): from a path call's arguments to a mount
 * and a node.  See resolve.c. */
#ifndef LIBOS_VFS_RESOLVE_H
#define LIBOS_VFS_RESOLVE_H

#include "vfs.h"

#define vfs_resolve __tincan_vfs_resolve
#define vfs_lookup __tincan_vfs_lookup
#define vfs_put __tincan_vfs_put
#define vfs_stat __tincan_vfs_stat
#define vfs_fd_vnode __tincan_vfs_fd_vnode
#define vfs_mount_id __tincan_vfs_mount_id
#define vfs_written __tincan_vfs_written

/* A resolved path. */
struct where {
	struct mount *m;
	const char *rest; /* inside m, normal */
	int dir; /* the path must name a directory (it ends in "/", "." or "..") */
	int last; /* PATH_DIR, PATH_FILE, PATH_LINK or -ENOENT (see path.h) */
	char abs[PATH_LEN_MAX];
};

/* Resolve path relative to dirfd (AT_FDCWD: the working directory),
 * following a link in the last component when follow is set. */
int vfs_resolve(int dirfd, const char *path, int follow, struct where *w);

/* The node at a resolved path that exists; ENOTDIR for "file/".  The
 * caller gives it back with vfs_put unless it opens it. */
int vfs_lookup(struct where *w, struct vnode **vn);
void vfs_put(struct vnode *vn);

/* vn's stat with st_dev filled in. */
int vfs_stat(struct vnode *vn, struct stat *st);

/* The node open at fd (and, for a directory, its path), or NULL. */
struct vnode *vfs_fd_vnode(int fd, const char **path);

/* A small number for each mount, st_dev. */
unsigned vfs_mount_id(const struct mount *m);

/* Set by mman.c while shared file mappings exist: told of every write to a
 * regular file (after it succeeded), so the mappings see it. */
extern void (*vfs_written)(struct vnode *vn, const void *buf, size_t len, off_t off);

#endif
