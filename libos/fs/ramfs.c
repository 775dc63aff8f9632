/*
 * The RAM file system: one flat directory of files held in guest RAM (a
 * tmpfs that lives as long as the guest).  Programs that write and read back
 * temporary files work; nothing reaches the host.  Within its mount, "" is
 * the directory itself and a path with more components names nothing
 * (ENOENT); directories cannot be made.  The VFS mounts one at "/".
 */
#include "fs/ramfs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ramfs_node {
	struct vnode vn; /* first: a vnode pointer is a node pointer */
	struct ramfs_node *next;
	struct ramfs *fs;
	char *name; /* NULL once unlinked (open files keep the data) */
	unsigned char *data;
	size_t cap;
	mode_t mode;
	time_t mtime;
};

static const struct vnode_ops file_ops, dir_ops;

static struct ramfs_node *find(struct ramfs *fs, const char *name)
{
	for (struct ramfs_node *n = fs->nodes; n; n = n->next)
		if (n->name && strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

/* Free n once it has neither a name nor an open file. */
static void release(struct vnode *vn)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	if (n->name || n->vn.opens)
		return;
	for (struct ramfs_node **p = &n->fs->nodes; *p; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			break;
		}
	free(n->data);
	free(n);
}

/* ---- files ---- */

static ssize_t rf_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	if (off >= vn->size)
		return 0;
	if (len > (size_t)(vn->size - off))
		len = (size_t)(vn->size - off);
	memcpy(buf, n->data + off, len);
	return (ssize_t)len;
}

static int reserve(struct ramfs_node *n, size_t want)
{
	if (want <= n->cap)
		return 0;
	size_t cap = n->cap ? n->cap : 256;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	unsigned char *d = realloc(n->data, cap);
	if (!d)
		return -ENOSPC;
	memset(d + n->cap, 0, cap - n->cap);
	n->data = d;
	n->cap = cap;
	return 0;
}

static ssize_t rf_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	size_t size = (size_t)vn->size, end = (size_t)off + len;
	if (len == 0)
		return 0;
	if (end < len)
		return -EFBIG;
	int r = reserve(n, end);
	if (r)
		return r;
	/* A write past the end leaves a hole that reads as zeros, whatever
	 * the buffer held before a truncation. */
	if ((size_t)off > size)
		memset(n->data + size, 0, (size_t)off - size);
	memcpy(n->data + off, buf, len);
	if (end > size)
		vn->size = (off_t)end;
	n->mtime = time(NULL);
	return (ssize_t)len;
}

static int rf_truncate(struct vnode *vn, off_t size)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	if (size > vn->size) {
		int r = reserve(n, (size_t)size);
		if (r)
			return r;
		memset(n->data + vn->size, 0, (size_t)(size - vn->size));
	}
	vn->size = size;
	return 0;
}

static int rf_stat(struct vnode *vn, struct stat *st)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	*st = (struct stat){ 0 };
	st->st_mode = S_IFREG | (n->mode & 07777);
	st->st_size = vn->size;
	st->st_nlink = n->name ? 1 : 0;
	st->st_ino = (ino_t)((uintptr_t)n >> 4);
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->cap + 511) / 512);
	st->st_mtime = st->st_ctime = st->st_atime = n->mtime;
	return 0;
}

static const struct vnode_ops file_ops = {
	.read = rf_read,
	.write = rf_write,
	.truncate = rf_truncate,
	.stat = rf_stat,
	.release = release,
};

/* ---- the directory ---- */

static int root_stat(struct vnode *vn, struct stat *st)
{
	(void)vn;
	*st = (struct stat){ 0 };
	st->st_mode = S_IFDIR | 0755;
	st->st_nlink = 2;
	st->st_ino = 1;
	st->st_blksize = 4096;
	return 0;
}

static const struct vnode_ops dir_ops = { .stat = root_stat };

static int lookup(struct mount *m, const char *path, struct vnode **vn)
{
	struct ramfs *fs = m->priv;
	if (!*path) {
		fs->root.ops = &dir_ops;
		fs->root.type = S_IFDIR;
		*vn = &fs->root;
		return 0;
	}
	struct ramfs_node *n = strchr(path, '/') ? NULL : find(fs, path);
	if (!n)
		return -ENOENT;
	*vn = &n->vn;
	return 0;
}

static int create(struct mount *m, const char *path, mode_t mode, struct vnode **vn)
{
	(void)mode; /* files are 0644 */
	if (strchr(path, '/'))
		return -ENOENT;
	struct ramfs *fs = m->priv;
	struct ramfs_node *n = calloc(1, sizeof *n);
	char *copy = strdup(path);
	if (!n || !copy) {
		free(n);
		free(copy);
		return -ENOSPC;
	}
	n->vn.ops = &file_ops;
	n->vn.type = S_IFREG;
	n->fs = fs;
	n->name = copy;
	n->mode = 0644;
	n->mtime = time(NULL);
	n->next = fs->nodes;
	fs->nodes = n;
	*vn = &n->vn;
	return 0;
}

static int unlink_(struct mount *m, const char *path)
{
	struct ramfs_node *n = find(m->priv, path);
	if (!n)
		return -ENOENT;
	free(n->name);
	n->name = NULL;
	release(&n->vn);
	return 0;
}

static int rename_(struct mount *m, const char *from, const char *to)
{
	struct ramfs_node *n = find(m->priv, from);
	if (!n)
		return -ENOENT;
	if (strcmp(from, to) == 0)
		return 0;
	if (strchr(to, '/'))
		return -ENOENT;
	char *copy = strdup(to);
	if (!copy)
		return -ENOSPC;
	if (find(m->priv, to))
		unlink_(m, to);
	free(n->name);
	n->name = copy;
	return 0;
}

static int mkdir_(struct mount *m, const char *path, mode_t mode)
{
	(void)mode;
	if (!*path)
		return -EEXIST;
	if (strchr(path, '/'))
		return -ENOENT;
	return find(m->priv, path) ? -EEXIST : -EPERM;
}

const struct fs_ops ramfs_ops = {
	.lookup = lookup,
	.create = create,
	.unlink = unlink_,
	.rename = rename_,
	.mkdir = mkdir_,
};
