/*
 * The virtual file system (libos-internal): path calls (open, stat, unlink,
 * rename, mkdir...) find a mount by longest prefix and hand the rest of the
 * path to its file system's fs_ops; open files sit on a vnode and reach it
 * through vnode_ops, with no path work on read and write.  File systems are
 * backends in libos/fs/.  Ops return 0 (or a count) or negative errno.
 */
#ifndef LIBOS_VFS_H
#define LIBOS_VFS_H

#include <sys/stat.h>
#include <sys/types.h>

#define VFS_MOUNT_MAX 8
#define VFS_MOUNT_PATH_MAX 64

struct vnode;
struct mount;

/* What an open file does to the file behind it. */
struct vnode_ops {
	ssize_t (*read)(struct vnode *vn, void *buf, size_t len, off_t off); /* 0 at or past the end */
	ssize_t (*write)(struct vnode *vn, const void *buf, size_t len, off_t off); /* a hole reads as zeros */
	int (*truncate)(struct vnode *vn, off_t size);
	int (*stat)(struct vnode *vn, struct stat *st);
	void (*release)(struct vnode *vn); /* the last open file on it closed; may be NULL */
};

/* A file or directory; a file system embeds it in its own node. */
struct vnode {
	const struct vnode_ops *ops;
	off_t size; /* kept current by the file system: O_APPEND and SEEK_END read it */
	mode_t type; /* S_IFREG or S_IFDIR */
	int opens; /* open files on it, counted by the VFS */
};

/*
 * What a mounted file system does by path.  Paths are relative to the
 * mount point and normal (see path.h): "" is the file system's root, no
 * leading slash, no "." or "..".  lookup is required; other NULL ops
 * answer EPERM.
 */
struct fs_ops {
	int (*lookup)(struct mount *m, const char *path, struct vnode **vn); /* -ENOENT if missing */
	int (*create)(struct mount *m, const char *path, mode_t mode, struct vnode **vn); /* a new empty file */
	int (*unlink)(struct mount *m, const char *path); /* a file, never a directory */
	int (*rename)(struct mount *m, const char *from, const char *to); /* replaces a file at to */
	int (*mkdir)(struct mount *m, const char *path, mode_t mode);
};

struct mount {
	char path[VFS_MOUNT_PATH_MAX]; /* absolute and normal; "" while the slot is free */
	const struct fs_ops *ops;
	void *priv; /* the file system instance */
};

/* Mount a file system instance at path (absolute); a later mount deeper in
 * the tree hides what lies below it.  0, -EBUSY if path is already a mount
 * point, -ENOMEM if the table is full, or a path error. */
int vfs_mount(const char *path, const struct fs_ops *ops, void *priv);

/* The mount holding abs (normal) and, in *rest, the path inside it; NULL
 * when nothing is mounted over abs. */
struct mount *vfs_mount_find(const char *abs, const char **rest);

/* Put an open file on vn at the lowest free descriptor: the fd or -errno
 * (vfs/file.c). */
int vfs_file_open(struct vnode *vn, int flags);

#endif
