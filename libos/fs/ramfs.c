/*
 * The RAM file system: a tree of directories, regular files and symbolic
 * links held in guest RAM (a tmpfs that lives as long as the guest).
 * Nothing reaches the host.  Files may have several names (hard links);
 * a node is freed once it has no name and no open file.  Modes and times
 * are kept, not enforced.  Space is what the heap gives: a failed
 * allocation is ENOSPC and leaves what was there.  The VFS mounts one at
 * "/" and one at "/tmp" (vfs/setup.c).
 */
#include "fs/ramfs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "internal.h"

/* A name in a directory.  seq grows with each entry the directory gets:
 * it is the readdir cookie, so removing an entry moves no other one. */
struct dent {
	struct dent *next;
	struct ramfs_node *node;
	long seq;
	char name[];
};

struct ramfs_node {
	struct vnode vn; /* first: a vnode pointer is a node pointer */
	struct ramfs *fs;
	nlink_t nlink;
	mode_t mode; /* the permission bits */
	ino_t ino;
	struct timespec atime, mtime, ctime;
	unsigned char *data; /* a file's bytes, a link's target */
	size_t cap;
	struct dent *ents; /* a directory's entries, oldest first */
	long next_seq;
};

static const struct vnode_ops file_ops, dir_ops, link_ops;

static struct timespec now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return t;
}

static struct ramfs_node *new_node(struct ramfs *fs, mode_t type, mode_t mode)
{
	struct ramfs_node *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->vn.type = type;
	n->vn.ops = type == S_IFDIR ? &dir_ops : type == S_IFLNK ? &link_ops : &file_ops;
	n->fs = fs;
	n->mode = mode & 07777;
	n->ino = ++fs->next_ino;
	n->atime = n->mtime = n->ctime = now();
	n->nlink = type == S_IFDIR ? 2 : 1;
	n->next_seq = 1;
	return n;
}

static struct ramfs_node *root(struct ramfs *fs)
{
	if (!fs->root)
		fs->root = new_node(fs, S_IFDIR, 0755);
	return fs->root;
}

/* Free n once it has neither a name nor an open file. */
static void release(struct vnode *vn)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	if (n->nlink || n->vn.opens)
		return;
	n->fs->bytes -= n->cap;
	free(n->data);
	free(n);
}

static struct dent *find(struct ramfs_node *dir, const char *name, size_t len)
{
	for (struct dent *d = dir->ents; d; d = d->next)
		if (strncmp(d->name, name, len) == 0 && d->name[len] == '\0')
			return d;
	return NULL;
}

/* The node at path ("" the root) or NULL. */
static struct ramfs_node *walk(struct ramfs *fs, const char *path)
{
	struct ramfs_node *n = root(fs);
	while (n && *path) {
		const char *end = strchr(path, '/');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		struct dent *d = n->vn.type == S_IFDIR ? find(n, path, len) : NULL;
		n = d ? d->node : NULL;
		path += len + (end != NULL);
	}
	return n;
}

/* The directory holding path's last component, and that name. */
static int parent(struct ramfs *fs, const char *path, struct ramfs_node **dir, const char **name)
{
	char prefix[PATH_LEN_MAX];
	*name = path_split(path, prefix);
	if (!**name)
		return -EEXIST; /* the root */
	*dir = walk(fs, prefix);
	if (!*dir)
		return -ENOENT;
	return (*dir)->vn.type == S_IFDIR ? 0 : -ENOTDIR;
}

static int add(struct ramfs_node *dir, const char *name, struct ramfs_node *n)
{
	size_t len = strlen(name);
	struct dent *d = malloc(sizeof *d + len + 1), **p = &dir->ents;
	if (!d)
		return -ENOSPC;
	memcpy(d->name, name, len + 1);
	d->node = n;
	d->seq = dir->next_seq++;
	d->next = NULL;
	while (*p)
		p = &(*p)->next;
	*p = d;
	dir->fs->bytes += len + 1;
	dir->mtime = dir->ctime = now();
	if (n->vn.type == S_IFDIR)
		dir->nlink++;
	return 0;
}

/* Take the entry d out of dir; the node loses a name. */
static void drop(struct ramfs_node *dir, struct dent *d)
{
	struct ramfs_node *n = d->node;
	for (struct dent **p = &dir->ents; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	dir->fs->bytes -= strlen(d->name) + 1;
	dir->mtime = dir->ctime = now();
	free(d);
	if (n->vn.type == S_IFDIR) {
		dir->nlink--;
		n->nlink = 0;
	} else {
		n->nlink--;
	}
	n->ctime = now();
	release(&n->vn);
}

/* ---- files and links ---- */

static ssize_t rf_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	if (off >= vn->size)
		return 0;
	if (len > (size_t)(vn->size - off))
		len = (size_t)(vn->size - off);
	memcpy(buf, n->data + off, len);
	n->atime = now();
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
	if (!d && cap > want)
		d = realloc(n->data, cap = want); /* the doubling may not fit where the bytes do */
	if (!d)
		return -ENOSPC;
	memset(d + n->cap, 0, cap - n->cap);
	n->fs->bytes += cap - n->cap;
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
	n->mtime = n->ctime = now();
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
	n->mtime = n->ctime = now();
	return 0;
}

static int rf_stat(struct vnode *vn, struct stat *st)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	*st = (struct stat){ 0 };
	st->st_mode = vn->type | n->mode;
	st->st_size = vn->type == S_IFDIR ? 4096 : vn->size;
	st->st_nlink = n->nlink;
	st->st_ino = n->ino;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->cap + 511) / 512);
	st->st_atim = n->atime;
	st->st_mtim = n->mtime;
	st->st_ctim = n->ctime;
	return 0;
}

static int rf_setattr(struct vnode *vn, const struct vfs_attr *a)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	if (a->mask & VFS_ATTR_MODE)
		n->mode = a->mode & 07777;
	if (a->mask & VFS_ATTR_ATIME)
		n->atime = a->atime;
	if (a->mask & VFS_ATTR_MTIME)
		n->mtime = a->mtime;
	n->ctime = now();
	return 0;
}

static ssize_t rf_readlink(struct vnode *vn, char *buf, size_t size)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	if ((size_t)vn->size >= size)
		return -ENAMETOOLONG;
	memcpy(buf, n->data, (size_t)vn->size);
	buf[vn->size] = '\0';
	return vn->size;
}

static long rf_readdir(struct vnode *vn, long cookie, struct vfs_dirent *out)
{
	struct ramfs_node *n = (struct ramfs_node *)vn;
	for (struct dent *d = n->ents; d; d = d->next)
		if (d->seq >= cookie) {
			out->ino = d->node->ino;
			out->type = d->node->vn.type;
			memcpy(out->name, d->name, strlen(d->name) + 1);
			return d->seq + 1;
		}
	return 0;
}

static const struct vnode_ops file_ops = {
	.read = rf_read,
	.write = rf_write,
	.truncate = rf_truncate,
	.stat = rf_stat,
	.setattr = rf_setattr,
	.release = release,
};
static const struct vnode_ops dir_ops = {
	.stat = rf_stat,
	.readdir = rf_readdir,
	.setattr = rf_setattr,
	.release = release,
};
static const struct vnode_ops link_ops = {
	.stat = rf_stat,
	.readlink = rf_readlink,
	.setattr = rf_setattr,
	.release = release,
};

/* ---- by path ---- */

static int lookup(struct mount *m, const char *path, struct vnode **vn)
{
	struct ramfs *fs = m->priv;
	if (!root(fs))
		return -ENOMEM;
	struct ramfs_node *n = walk(fs, path);
	if (!n)
		return -ENOENT;
	*vn = &n->vn;
	return 0;
}

/* A new node of type at path, in *out. */
static int make(struct mount *m, const char *path, mode_t type, mode_t mode, struct ramfs_node **out)
{
	struct ramfs *fs = m->priv;
	struct ramfs_node *dir, *n;
	const char *name;
	int r = parent(fs, path, &dir, &name);
	if (r)
		return r;
	if (find(dir, name, strlen(name)))
		return -EEXIST;
	if (!(n = new_node(fs, type, mode)))
		return -ENOSPC;
	if ((r = add(dir, name, n))) {
		free(n);
		return r;
	}
	*out = n;
	return 0;
}

static int create(struct mount *m, const char *path, mode_t mode, struct vnode **vn)
{
	struct ramfs_node *n;
	int r = make(m, path, S_IFREG, mode, &n);
	if (r == 0)
		*vn = &n->vn;
	return r;
}

static int mkdir_(struct mount *m, const char *path, mode_t mode)
{
	struct ramfs_node *n;
	return make(m, path, S_IFDIR, mode, &n);
}

static int symlink_(struct mount *m, const char *target, const char *path)
{
	struct ramfs_node *n;
	int r = make(m, path, S_IFLNK, 0777, &n);
	if (r)
		return r;
	ssize_t w = rf_write(&n->vn, target, strlen(target), 0);
	if (w < 0) {
		struct ramfs_node *dir;
		const char *name;
		parent(m->priv, path, &dir, &name);
		drop(dir, find(dir, name, strlen(name)));
		return (int)w;
	}
	return 0;
}

static int link_(struct mount *m, const char *from, const char *to)
{
	struct ramfs *fs = m->priv;
	struct ramfs_node *n = walk(fs, from), *dir;
	const char *name;
	int r = parent(fs, to, &dir, &name);
	if (!n)
		return -ENOENT;
	if (r)
		return r;
	if (n->vn.type == S_IFDIR)
		return -EPERM;
	if (find(dir, name, strlen(name)))
		return -EEXIST;
	if ((r = add(dir, name, n)))
		return r;
	n->nlink++;
	n->ctime = now();
	return 0;
}

/* The entry for path and the directory holding it. */
static int entry(struct ramfs *fs, const char *path, struct ramfs_node **dir, struct dent **d)
{
	const char *name;
	int r = parent(fs, path, dir, &name);
	if (r)
		return r == -EEXIST ? -EBUSY : r;
	*d = find(*dir, name, strlen(name));
	return *d ? 0 : -ENOENT;
}

static int unlink_(struct mount *m, const char *path)
{
	struct ramfs_node *dir;
	struct dent *d;
	int r = entry(m->priv, path, &dir, &d);
	if (r)
		return r;
	if (d->node->vn.type == S_IFDIR)
		return -EISDIR;
	drop(dir, d);
	return 0;
}

static int rmdir_(struct mount *m, const char *path)
{
	struct ramfs_node *dir;
	struct dent *d;
	int r = entry(m->priv, path, &dir, &d);
	if (r)
		return r;
	if (d->node->vn.type != S_IFDIR)
		return -ENOTDIR;
	if (d->node->ents)
		return -ENOTEMPTY;
	drop(dir, d);
	return 0;
}

static int rename_(struct mount *m, const char *from, const char *to)
{
	struct ramfs *fs = m->priv;
	struct ramfs_node *fdir, *tdir;
	struct dent *fd, *td;
	const char *name;
	int r = entry(fs, from, &fdir, &fd);
	if (r || (r = parent(fs, to, &tdir, &name)))
		return r == -EEXIST ? -EBUSY : r;
	td = find(tdir, name, strlen(name));
	if (td == fd || (td && td->node == fd->node))
		return 0; /* the same file: nothing happens, as POSIX says */
	if (td && td->node->vn.type == S_IFDIR && td->node->ents)
		return -ENOTEMPTY;
	/* Add the new name first: if that fails, nothing has changed. */
	struct ramfs_node *n = fd->node;
	if ((r = add(tdir, name, n)))
		return r;
	for (struct dent **p = &fdir->ents; *p; p = &(*p)->next)
		if (*p == fd) {
			*p = fd->next;
			break;
		}
	fs->bytes -= strlen(fd->name) + 1;
	fdir->mtime = fdir->ctime = now();
	free(fd);
	if (n->vn.type == S_IFDIR)
		fdir->nlink--; /* its ".." moved to tdir, which add counted */
	if (td)
		drop(tdir, td);
	return 0;
}

static int statvfs_(struct mount *m, struct statvfs *sv)
{
	struct ramfs *fs = m->priv;
	unsigned long blocks = (unsigned long)(libos.mem_size / 4096), used = (unsigned long)(fs->bytes / 4096);
	*sv = (struct statvfs){ 0 };
	sv->f_bsize = sv->f_frsize = 4096;
	sv->f_blocks = blocks;
	sv->f_bfree = sv->f_bavail = used < blocks ? blocks - used : 0;
	sv->f_files = sv->f_ffree = sv->f_favail = 1u << 20;
	sv->f_namemax = PATH_NAME_MAX;
	return 0;
}

const struct fs_ops ramfs_ops = {
	.lookup = lookup,
	.create = create,
	.mkdir = mkdir_,
	.symlink = symlink_,
	.link = link_,
	.unlink = unlink_,
	.rmdir = rmdir_,
	.rename = rename_,
	.statvfs = statvfs_,
};
