/*
 * Reading an embedded tree (tincan/rootfs.h) in place (libos-internal).
 * Plain C with no libos or newlib dependence, so the host unit tests
 * (tests/unit/test_rootfs.c) read trees with this very code.  Every offset
 * is checked against the tree's size before use: a corrupt tree gives -EIO,
 * never a wild read.  Errors are negative errno.
 */
#ifndef LIBOS_FS_ROFS_TREE_H
#define LIBOS_FS_ROFS_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <tincan/rootfs.h>

#define ROFS_LOOP_MAX 40 /* symbolic links followed in one path, as Linux */
#define ROFS_DEPTH_MAX 512 /* directories deep */

struct rofs_tree {
	const uint8_t *base;
	uint64_t size;
	uint32_t ninodes;
};

/* Scratch space for a path walk: static in the guest (nothing in a walk
 * blocks, so threads cannot interleave), no big buffer on a thread stack. */
struct rofs_walk {
	char path[TC_ROOTFS_PATH_MAX + 1];
	uint32_t stack[ROFS_DEPTH_MAX];
};

/* Check the header of the size bytes at base: 0, or -EIO (bad magic,
 * version or sizes). */
int rofs_tree_open(struct rofs_tree *t, const void *base, uint64_t size);

/* Inode ino, or NULL when ino or what it points at lies outside the tree. */
const struct tc_rootfs_inode *rofs_inode(const struct rofs_tree *t, uint32_t ino);

/* Entry i of directory dir: its inode, name and length; 0, -ENOENT past
 * the last entry, -EIO if corrupt. */
int rofs_dirent(const struct rofs_tree *t, const struct tc_rootfs_inode *dir, uint64_t i, uint32_t *ino,
		const char **name, size_t *len);

/* The inode called name (len bytes) in directory dir, by binary search. */
int rofs_dir_find(const struct rofs_tree *t, const struct tc_rootfs_inode *dir, const char *name, size_t len,
		  uint32_t *ino);

/*
 * The inode path names, from the root.  Components are separated by '/';
 * "", "." and ".." work as on Linux, and so do symbolic links on the way,
 * a relative target from the link's directory, an absolute one from the
 * root.  follow: follow a link in the last component too.  -ENOENT,
 * -ENOTDIR, -ELOOP, -ENAMETOOLONG or -EIO.
 */
int rofs_resolve(const struct rofs_tree *t, const char *path, int follow, uint32_t *ino, struct rofs_walk *w);

/* Up to len bytes of file ino from off: the count, 0 at or past the end. */
ssize_t rofs_read(const struct rofs_tree *t, const struct tc_rootfs_inode *in, void *buf, size_t len, uint64_t off);

/* A symbolic link's target (not NUL-terminated) and its length. */
int rofs_link_target(const struct rofs_tree *t, const struct tc_rootfs_inode *in, const char **target, size_t *len);

#endif
