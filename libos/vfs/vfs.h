/*
 * The virtual file system (libos-internal): path calls (open, stat, unlink,
 * rename, mkdir...) resolve the path (symbolic links included) to a normal
 * absolute path, find its mount by longest prefix and hand the rest of the
 * path to that file system's fs_ops; open files sit on a vnode and reach it
 * through vnode_ops, with no path work on read and write.  File systems are
 * backends in libos/fs/; vfs_setup() (vfs/setup.c) mounts them at boot.
 *
 * Every op returns 0 (or a count) or a negative errno.  An op left NULL
 * answers what Linux answers for a file system without the feature:
 *   fs_ops: create, mkdir, unlink, rmdir, rename: -EROFS (a read-only
 *           file system); symlink, link: -EPERM (as Linux for a file
 *           system without them); statvfs: zeros but f_bsize 4096,
 *           f_namemax PATH_NAME_MAX, ST_RDONLY when create is NULL.
 *   vnode_ops: read/write: -EINVAL; truncate: -EROFS (-EINVAL on a
 *           non-regular file); readdir: -ENOTDIR; readlink: -EINVAL;
 *           setattr: -EROFS; fsync: 0 (nothing to write back); stat: never
 *           NULL.
 */
#ifndef LIBOS_VFS_H
#define LIBOS_VFS_H

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "path.h"

#define VFS_MOUNT_MAX 12
#define VFS_MOUNT_PATH_MAX 256

struct vnode;
struct mount;
struct statvfs;

/* One directory entry, as readdir hands it out. */
struct vfs_dirent {
	ino_t ino;
	mode_t type; /* S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR (the S_IFMT bits) */
	char name[PATH_NAME_MAX + 1];
};

/* What setattr changes: the fields whose VFS_ATTR_* bit is in mask. */
#define VFS_ATTR_MODE 1 /* mode & 07777 */
#define VFS_ATTR_ATIME 2
#define VFS_ATTR_MTIME 4
struct vfs_attr {
	unsigned mask;
	mode_t mode;
	struct timespec atime, mtime;
};

/* What an open file (or the VFS, on a node it looked up) does to a node. */
struct vnode_ops {
	/* Bytes at off; 0 at or past the end. */
	ssize_t (*read)(struct vnode *vn, void *buf, size_t len, off_t off);
	/* Bytes at off (a hole before it reads as zeros); all or an error:
	 * -ENOSPC when the space runs out, and nothing written before is lost. */
	ssize_t (*write)(struct vnode *vn, const void *buf, size_t len, off_t off);
	int (*truncate)(struct vnode *vn, off_t size); /* regular files */
	/* st_dev is filled in by the VFS (the mount's index). */
	int (*stat)(struct vnode *vn, struct stat *st);
	/* The entry at cookie (0: the first; "." and ".." are the VFS's, never
	 * the file system's) into *d: returns the cookie of the entry after it
	 * (> cookie), 0 when there is no entry at or after cookie.  Cookies
	 * stay valid while entries come and go: an entry removed during a scan
	 * makes no other entry be skipped. */
	long (*readdir)(struct vnode *vn, long cookie, struct vfs_dirent *d);
	/* A symbolic link's target, NUL-terminated; its length, or
	 * -ENAMETOOLONG when it does not fit in size bytes. */
	ssize_t (*readlink)(struct vnode *vn, char *buf, size_t size);
	int (*setattr)(struct vnode *vn, const struct vfs_attr *a);
	int (*fsync)(struct vnode *vn); /* what was written reaches storage */
	/* Every close() of a descriptor on vn: a write error found only now
	 * (0 or -errno; the descriptor is closed either way).  May be NULL. */
	int (*flush)(struct vnode *vn);
	/* opens dropped to 0: the last open file on vn closed, or the VFS is
	 * done with a node it looked up without opening.  Called often; a file
	 * system that frees its nodes only when unlinked checks for itself.
	 * May be NULL. */
	void (*release)(struct vnode *vn);
};

/* A file, directory, link or device; a file system embeds it in its node. */
struct vnode {
	const struct vnode_ops *ops;
	off_t size; /* kept current by the file system: O_APPEND and SEEK_END read it */
	mode_t type; /* S_IFREG, S_IFDIR, S_IFLNK or S_IFCHR */
	int opens; /* open files on it, counted by the VFS */
	struct mount *mnt; /* set by the VFS after each lookup and create */
	ino_t ino; /* its inode number once the VFS needed it (0: not yet; a node is one file for life) */
};

/*
 * What a mounted file system does by path.  Paths are relative to the
 * mount point and normal (see path.h): "" is the file system's root, no
 * leading slash, no "." or "..", and no component but the last is a
 * symbolic link (the VFS resolved them).  The VFS has checked that every
 * component but the last is a directory, so a missing one is only a race
 * (-ENOENT).  Each op acts on the last component itself, never following a
 * link there.
 */
struct fs_ops {
	/* Required.  The node (a link is returned as itself), or -ENOENT. */
	int (*lookup)(struct mount *m, const char *path, struct vnode **vn);
	/* A new empty regular file (the VFS checked it does not exist). */
	int (*create)(struct mount *m, const char *path, mode_t mode, struct vnode **vn);
	int (*mkdir)(struct mount *m, const char *path, mode_t mode); /* -EEXIST */
	int (*symlink)(struct mount *m, const char *target, const char *path); /* -EEXIST */
	/* A second name to for the non-directory from (the VFS checked both). */
	int (*link)(struct mount *m, const char *from, const char *to);
	int (*unlink)(struct mount *m, const char *path); /* a non-directory */
	int (*rmdir)(struct mount *m, const char *path); /* -ENOTEMPTY */
	/* from exists; to is not from or inside it; a node at to is of the
	 * same kind (dir for dir); the file system answers -ENOTEMPTY for a
	 * non-empty directory at to and otherwise replaces it. */
	int (*rename)(struct mount *m, const char *from, const char *to);
	int (*statvfs)(struct mount *m, struct statvfs *sv);
};

struct mount {
	char path[VFS_MOUNT_PATH_MAX]; /* absolute and normal; "" while the slot is free */
	const struct fs_ops *ops;
	void *priv; /* the file system instance */
};

#define vfs_mount_find __tincan_vfs_mount_find
#define vfs_setup __tincan_vfs_setup

/* Mount a file system instance at path (absolute); a later mount deeper in
 * the tree hides what lies below it.  0, -EBUSY if path is already a mount
 * point, -ENOMEM if the table is full, or a path error. */
int vfs_mount(const char *path, const struct fs_ops *ops, void *priv);

/* The mount holding abs (normal) and, in *rest, the path inside it; NULL
 * when nothing is mounted over abs. */
struct mount *vfs_mount_find(const char *abs, const char **rest);

/* The boot-time mounts (vfs/setup.c), done the first time a path is
 * resolved, so apps that never name a file link none of this. */
void vfs_setup(void);

/* Put an open file on vn at the lowest free descriptor: the fd or -errno
 * (vfs/file.c).  path (absolute, normal) is kept for directories (fchdir). */
int vfs_file_open(struct vnode *vn, int flags, const char *path);

#endif
