/*
 * The embedded read-only tree (tincan-mkimage --rootfs) as a file system.
 * The tree is a segment of the image, mapped read-only; the manifest says
 * where (rootfs_addr, rootfs_size), and the linker script marks the
 * manifest note with __tincan_manifest_note, so no platform call is needed.
 * Reads copy straight from the tree (rofs_tree.c); nothing is copied at
 * mount, and a vnode is made the first time a node is looked up.
 * Everything that would write answers EROFS (after ENOENT/EEXIST, as Linux
 * checks those first).  Symbolic links are followed inside the tree.
 */
#include "fs/rofs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <tincan/image.h>

#include "fs/rofs_tree.h"

extern const struct tc_manifest_note __tincan_manifest_note __attribute__((weak, visibility("hidden")));

struct rofs_node {
	struct vnode vn; /* first: a vnode pointer is a node pointer */
	struct rofs_node *next;
	const struct tc_rootfs_inode *in;
	uint32_t ino;
};

#define HASH 64

static struct rofs {
	struct rofs_tree t;
	struct rofs_node *nodes[HASH]; /* by ino: every node looked up so far */
} root;

static struct rofs_walk walk;

static ssize_t ro_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct rofs_node *n = (struct rofs_node *)vn;
	return off < 0 ? -EINVAL : rofs_read(&root.t, n->in, buf, len, (uint64_t)off);
}

static ssize_t ro_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	(void)vn, (void)buf, (void)len, (void)off;
	return -EROFS;
}

static int ro_truncate(struct vnode *vn, off_t size)
{
	(void)vn, (void)size;
	return -EROFS;
}

static int ro_stat(struct vnode *vn, struct stat *st)
{
	struct rofs_node *n = (struct rofs_node *)vn;
	const struct tc_rootfs_inode *in = n->in;
	*st = (struct stat){ 0 };
	st->st_dev = 0x7c;
	st->st_ino = (ino_t)n->ino + 1;
	st->st_mode = (mode_t)in->mode;
	st->st_nlink = (nlink_t)in->nlink;
	st->st_size = S_ISDIR(in->mode) ? 4096 : (off_t)in->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((st->st_size + 511) / 512);
	st->st_mtim.tv_sec = st->st_atim.tv_sec = st->st_ctim.tv_sec = (time_t)in->mtime;
	st->st_mtim.tv_nsec = st->st_atim.tv_nsec = st->st_ctim.tv_nsec = (long)in->mtime_nsec;
	return 0;
}

static const struct vnode_ops node_ops = {
	.read = ro_read,
	.write = ro_write,
	.truncate = ro_truncate,
	.stat = ro_stat,
};

static int node_of(uint32_t ino, struct vnode **vn)
{
	struct rofs_node **head = &root.nodes[ino % HASH], *n;
	for (n = *head; n; n = n->next)
		if (n->ino == ino) {
			*vn = &n->vn;
			return 0;
		}
	const struct tc_rootfs_inode *in = rofs_inode(&root.t, ino);
	if (!in)
		return -EIO;
	if (!(n = calloc(1, sizeof *n)))
		return -ENOMEM;
	n->vn.ops = &node_ops;
	n->vn.type = S_ISDIR(in->mode) ? S_IFDIR : S_IFREG;
	n->vn.size = S_ISDIR(in->mode) ? 0 : (off_t)in->size;
	n->in = in;
	n->ino = ino;
	n->next = *head;
	*head = n;
	*vn = &n->vn;
	return 0;
}

static int lookup(struct mount *m, const char *path, struct vnode **vn)
{
	(void)m;
	uint32_t ino;
	int r = rofs_resolve(&root.t, path, 1, &ino, &walk);
	return r ? r : node_of(ino, vn);
}

/* The parent of path must exist (ENOENT) and be a directory (ENOTDIR). */
static int parent_ok(const char *path)
{
	static char dir[TC_ROOTFS_PATH_MAX + 1];
	size_t len = 0;
	for (size_t i = 0; path[i]; i++)
		if (path[i] == '/')
			len = i;
	if (len > TC_ROOTFS_PATH_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < len; i++)
		dir[i] = path[i];
	dir[len] = '\0';
	uint32_t ino;
	int r = rofs_resolve(&root.t, dir, 1, &ino, &walk);
	const struct tc_rootfs_inode *in = r ? NULL : rofs_inode(&root.t, ino);
	return r ? r : !in ? -EIO : S_ISDIR(in->mode) ? 0 : -ENOTDIR;
}

/* What a write by path answers: the error for a missing name (or a
 * present one, exists), else EROFS. */
static int refuse(const char *path, int exists)
{
	struct vnode *vn;
	int r = lookup(NULL, path, &vn);
	if (r == 0)
		return exists;
	if (r != -ENOENT)
		return r;
	r = parent_ok(path);
	return r ? r : -EROFS;
}

static int ro_create(struct mount *m, const char *path, mode_t mode, struct vnode **vn)
{
	(void)m, (void)mode, (void)vn;
	return refuse(path, -EROFS);
}

static int ro_unlink(struct mount *m, const char *path)
{
	(void)m;
	int r = refuse(path, -EROFS);
	return r == -EROFS || r == 0 ? -EROFS : r;
}

static int ro_rename(struct mount *m, const char *from, const char *to)
{
	(void)m, (void)to;
	int r = refuse(from, -EROFS);
	return r == -EROFS || r == 0 ? -EROFS : r;
}

static int ro_mkdir(struct mount *m, const char *path, mode_t mode)
{
	(void)m, (void)mode;
	return refuse(path, -EEXIST);
}

const struct fs_ops rofs_ops = {
	.lookup = lookup,
	.create = ro_create,
	.unlink = ro_unlink,
	.rename = ro_rename,
	.mkdir = ro_mkdir,
};

int rofs_mount_root(void)
{
	const struct tc_manifest_note *note = &__tincan_manifest_note;
	if (!note || !note->m.rootfs_size)
		return 0;
	int r = rofs_tree_open(&root.t, (const void *)(uintptr_t)note->m.rootfs_addr, note->m.rootfs_size);
	if (r)
		return r;
	r = vfs_mount("/", &rofs_ops, &root);
	return r ? r : 1;
}
