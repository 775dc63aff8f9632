/*
 * The persistent file system on a block device: tincan's log-structured
 * format (fs/logfs.h, docs/blockfs-format.md).  Mounting replays the log
 * into a tree in memory whose files point at their data on the disk (reads
 * go to the device).  Every change is one record appended to the log
 * (fs/blocklog.c: the buffer, fsync, compaction); a full log is ENOSPC
 * before anything changes.  Records are never rewritten, so a crash or a
 * torn write costs only records after the last completed fsync.  Times:
 * atime is kept in memory only (noatime on disk).
 */
#include "fs/blockfs.h"
#include "internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <tincan/platform.h>

#include "fs/blocklog.h"
#include "fs/logfs.h"
#include "vfs/vfs.h"

struct bnode {
	struct lfs_node n; /* first: the format code allocates it */
	struct vnode vn;
};

static const struct vnode_ops file_ops, dir_ops, link_ops;

static struct bnode *bn(struct vnode *vn)
{
	return (struct bnode *)((char *)vn - offsetof(struct bnode, vn));
}

static struct bfs *fs_of(struct vnode *vn)
{
	return vn->mnt->priv;
}

static int keep(struct lfs_node *n)
{
	struct vnode *vn = &((struct bnode *)n)->vn;
	if (vn->opens <= 0)
		return 0;
	((struct bfs *)vn->mnt->priv)->orphans++;
	return 1;
}

static struct vnode *vnode_of(struct lfs_node *n)
{
	struct vnode *vn = &((struct bnode *)n)->vn;
	vn->type = n->mode & S_IFMT;
	vn->ops = S_ISDIR(n->mode) ? &dir_ops : S_ISLNK(n->mode) ? &link_ops : &file_ops;
	vn->size = (off_t)n->size;
	return vn;
}
/* ---- files, directories, links ---- */

static ssize_t b_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct lfs_node *n = &bn(vn)->n;
	if ((uint64_t)off >= n->size)
		return 0;
	if (len > n->size - (uint64_t)off)
		len = (size_t)(n->size - (uint64_t)off);
	int e = bl_read_file(fs_of(vn), n, (uint64_t)off, len, buf);
	return e ? e : (ssize_t)len;
}

static ssize_t b_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	struct bfs *b = fs_of(vn);
	struct lfs_node *n = &bn(vn)->n;
	if ((uint64_t)off + len < (uint64_t)off || (uint64_t)off + len > (1ull << 60))
		return -EFBIG;
	if (len > LFS_DATA_MAX && !b->read_only && !bl_room(b, len, 1) && (bl_compact(b) || !bl_room(b, len, 1)))
		return b->failed ? -EIO : -ENOSPC; /* all or nothing */
	for (size_t done = 0; done < len; done += LFS_DATA_MAX) {
		size_t k = len - done < LFS_DATA_MAX ? len - done : LFS_DATA_MAX;
		unsigned char h[16];
		bl_le(h, n->ino, 8);
		bl_le(h + 8, (uint64_t)off + done, 8);
		int e = bl_emit(b, LFS_WRITE, h, 16, (const char *)buf + done, k, NULL, 0);
		if (e)
			return done ? (ssize_t)done : e;
	}
	vn->size = (off_t)n->size;
	return (ssize_t)len;
}

static int b_truncate(struct vnode *vn, off_t size)
{
	struct lfs_node *n = &bn(vn)->n;
	unsigned char p[16];
	bl_le(p, n->ino, 8);
	bl_le(p + 8, (uint64_t)size, 8);
	int e = bl_emit(fs_of(vn), LFS_TRUNCATE, p, 16, NULL, 0, NULL, 0);
	vn->size = (off_t)n->size;
	return e;
}

static int b_stat(struct vnode *vn, struct stat *st)
{
	struct lfs_node *n = &bn(vn)->n;
	*st = (struct stat){ 0 };
	st->st_mode = n->mode;
	st->st_size = S_ISDIR(n->mode) ? 4096 : (off_t)n->size;
	st->st_nlink = n->nlink;
	st->st_ino = (ino_t)n->ino;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	st->st_atim = (struct timespec){ n->atime / 1000000000, n->atime % 1000000000 };
	st->st_mtim = (struct timespec){ n->mtime / 1000000000, n->mtime % 1000000000 };
	st->st_ctim = (struct timespec){ n->ctime / 1000000000, n->ctime % 1000000000 };
	return 0;
}

static int b_setattr(struct vnode *vn, const struct vfs_attr *a)
{
	struct lfs_node *n = &bn(vn)->n;
	unsigned char p[36] = { 0 };
	uint32_t mask = (a->mask & VFS_ATTR_MODE ? LFS_ATTR_MODE : 0) |
			(a->mask & VFS_ATTR_ATIME ? LFS_ATTR_ATIME : 0) |
			(a->mask & VFS_ATTR_MTIME ? LFS_ATTR_MTIME : 0);
	bl_le(p, n->ino, 8);
	bl_le(p + 8, mask, 4);
	bl_le(p + 12, a->mode & 07777, 4);
	bl_le(p + 16, (uint64_t)((int64_t)a->atime.tv_sec * 1000000000 + a->atime.tv_nsec), 8);
	bl_le(p + 24, (uint64_t)((int64_t)a->mtime.tv_sec * 1000000000 + a->mtime.tv_nsec), 8);
	return bl_emit(fs_of(vn), LFS_SETATTR, p, 36, NULL, 0, NULL, 0);
}

static int b_fsync(struct vnode *vn)
{
	return bl_flush(fs_of(vn), 1);
}

static ssize_t b_readlink(struct vnode *vn, char *buf, size_t size)
{
	struct lfs_node *n = &bn(vn)->n;
	if (n->size >= size)
		return -ENAMETOOLONG;
	memcpy(buf, n->target, n->size + 1);
	return (ssize_t)n->size;
}

static long b_readdir(struct vnode *vn, long cookie, struct vfs_dirent *out)
{
	for (struct lfs_dent *d = bn(vn)->n.ents; d; d = d->next)
		if (d->seq >= cookie) {
			out->ino = (ino_t)d->node->ino;
			out->type = d->node->mode & S_IFMT;
			memcpy(out->name, d->name, strlen(d->name) + 1);
			return d->seq + 1;
		}
	return 0;
}

static void b_release(struct vnode *vn)
{
	struct lfs_node *n = &bn(vn)->n;
	if (!n->nlink && !vn->opens) {
		fs_of(vn)->orphans--;
		lfs_node_free(&fs_of(vn)->fs, n);
	}
}

static const struct vnode_ops file_ops = {
	.read = b_read,
	.write = b_write,
	.truncate = b_truncate,
	.stat = b_stat,
	.setattr = b_setattr,
	.fsync = b_fsync,
	.release = b_release,
};
static const struct vnode_ops dir_ops = {
	.stat = b_stat,
	.readdir = b_readdir,
	.setattr = b_setattr,
	.fsync = b_fsync,
	.release = b_release,
};
static const struct vnode_ops link_ops = {
	.stat = b_stat,
	.readlink = b_readlink,
	.setattr = b_setattr,
	.release = b_release,
};
/* ---- by path ---- */

static struct lfs_node *walk(struct bfs *b, const char *path)
{
	struct lfs_node *n = b->fs.nodes[LFS_ROOT_INO];
	while (n && *path) {
		const char *end = strchr(path, '/');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		struct lfs_dent *d = S_ISDIR(n->mode) ? lfs_find(n, path, len) : NULL;
		n = d ? d->node : NULL;
		path += len + (end != NULL);
	}
	return n;
}

/* The directory holding path's last component, and that name. */
static int parent(struct bfs *b, const char *path, struct lfs_node **dir, const char **name)
{
	char prefix[PATH_LEN_MAX];
	*name = path_split(path, prefix);
	if (!**name)
		return -EBUSY; /* the root */
	*dir = walk(b, prefix);
	if (!*dir)
		return -ENOENT;
	return S_ISDIR((*dir)->mode) ? 0 : -ENOTDIR;
}

static int lookup(struct mount *m, const char *path, struct vnode **vn)
{
	struct lfs_node *n = walk(m->priv, path);
	if (!n)
		return -ENOENT;
	*vn = vnode_of(n);
	return 0;
}

static int make(struct mount *m, const char *path, mode_t mode, const char *target, struct lfs_node **out)
{
	struct bfs *b = m->priv;
	struct lfs_node *dir;
	const char *name;
	int e = parent(b, path, &dir, &name);
	if (e)
		return e == -EBUSY ? -EEXIST : e;
	size_t nlen = strlen(name), tlen = target ? strlen(target) : 0;
	if (nlen > LFS_NAME_MAX)
		return -ENAMETOOLONG;
	unsigned char p[24];
	uint64_t ino = b->fs.next_ino;
	bl_le(p, dir->ino, 8);
	bl_le(p + 8, ino, 8);
	bl_le(p + 16, mode, 4);
	bl_le(p + 20, nlen, 4);
	if ((e = bl_emit(b, LFS_MKNODE, p, 24, name, nlen, target, tlen)))
		return e;
	*out = b->fs.nodes[ino];
	return 0;
}

static int create(struct mount *m, const char *path, mode_t mode, struct vnode **vn)
{
	struct lfs_node *n;
	int e = make(m, path, S_IFREG | (mode & 07777), NULL, &n);
	if (!e)
		*vn = vnode_of(n);
	return e;
}

static int mkdir_(struct mount *m, const char *path, mode_t mode)
{
	struct lfs_node *n;
	return make(m, path, S_IFDIR | (mode & 07777), NULL, &n);
}

static int symlink_(struct mount *m, const char *target, const char *path)
{
	struct lfs_node *n;
	if (!*target)
		return -ENOENT;
	if (strlen(target) > 4095)
		return -ENAMETOOLONG;
	return make(m, path, S_IFLNK | 0777, target, &n);
}

static int link_(struct mount *m, const char *from, const char *to)
{
	struct bfs *b = m->priv;
	struct lfs_node *n = walk(b, from), *dir;
	const char *name;
	int e = parent(b, to, &dir, &name);
	if (!n)
		return -ENOENT;
	if (e)
		return e == -EBUSY ? -EEXIST : e;
	if (S_ISDIR(n->mode))
		return -EPERM;
	unsigned char p[16];
	bl_le(p, dir->ino, 8);
	bl_le(p + 8, n->ino, 8);
	return bl_emit(b, LFS_LINK, p, 16, name, strlen(name), NULL, 0);
}

static int remove_entry(struct mount *m, const char *path, int want_dir)
{
	struct bfs *b = m->priv;
	struct lfs_node *dir;
	const char *name;
	int e = parent(b, path, &dir, &name);
	if (e)
		return e;
	struct lfs_dent *d = lfs_find(dir, name, strlen(name));
	if (!d)
		return -ENOENT;
	if (S_ISDIR(d->node->mode) != want_dir)
		return want_dir ? -ENOTDIR : -EISDIR;
	unsigned char p[8];
	bl_le(p, dir->ino, 8);
	return bl_emit(b, LFS_UNLINK, p, 8, name, strlen(name), NULL, 0);
}

static int unlink_(struct mount *m, const char *path)
{
	return remove_entry(m, path, 0);
}

static int rmdir_(struct mount *m, const char *path)
{
	return remove_entry(m, path, 1);
}

static int rename_(struct mount *m, const char *from, const char *to)
{
	struct bfs *b = m->priv;
	struct lfs_node *fdir, *tdir;
	const char *fname, *tname;
	int e = parent(b, from, &fdir, &fname);
	if (e || (e = parent(b, to, &tdir, &tname)))
		return e;
	unsigned char p[20];
	bl_le(p, fdir->ino, 8);
	bl_le(p + 8, tdir->ino, 8);
	bl_le(p + 16, strlen(fname), 4);
	return bl_emit(b, LFS_RENAME, p, 20, fname, strlen(fname), tname, strlen(tname));
}

static int statvfs_(struct mount *m, struct statvfs *sv)
{
	struct bfs *b = m->priv;
	*sv = (struct statvfs){ 0 };
	sv->f_bsize = sv->f_frsize = LFS_SECTOR;
	sv->f_blocks = (unsigned long)b->fs.sectors;
	sv->f_bfree = sv->f_bavail = (unsigned long)(b->fs.sectors - LFS_LOG0 - lfs_used(&b->fs));
	sv->f_files = (unsigned long)(b->fs.files + b->fs.dirs + b->fs.links + sv->f_bfree);
	sv->f_ffree = sv->f_favail = (unsigned long)sv->f_bfree;
	sv->f_namemax = LFS_NAME_MAX;
	sv->f_flag = b->read_only ? ST_RDONLY : 0;
	return 0;
}

static const struct fs_ops blockfs_ops = {
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

/* A device that did not mount: everything beneath its mount point is EIO. */
static int eio_lookup(struct mount *m, const char *path, struct vnode **vn)
{
	(void)m, (void)path, (void)vn;
	return -EIO;
}
static const struct fs_ops eio_ops = { .lookup = eio_lookup };

/* ---- mounting ---- */

static struct bfs *mounted[PLAT_BLOCK_MAX];

static void sync_all(void)
{
	for (int i = 0; i < PLAT_BLOCK_MAX; i++)
		if (mounted[i])
			bl_flush(mounted[i], 1);
}

static void say(const char *mount, const char *dev, const char *what)
{
	char line[320];
	int n = strncmp(what, "no tincan", 9) == 0
		    ? snprintf(line, sizeof line,
			       "tincan: %s: no tincan file system on block device %s (make one with tincan-mkfs)\n",
			       mount, dev)
		    : snprintf(line, sizeof line, "tincan: %s: block device %s: %s\n", mount, dev, what);
	plat_console_write(2, line, n < (int)sizeof line ? (size_t)n : sizeof line - 1);
}

static int mount_one(int dev, const struct plat_block_info *info, char *err, size_t errlen)
{
	struct bfs *b = calloc(1, sizeof *b);
	void *ring = b ? malloc(info->mem + 63) : NULL;
	if (!ring || !(b->buf = malloc(BUF_BYTES)) || !(b->bounce = malloc(BOUNCE)))
		return snprintf(err, errlen, "out of memory"), -1;
	b->dev = dev;
	b->read_only = info->read_only;
	/* The cache may take an eighth of what the heap can ever hold. */
	size_t pieces = libos_heap_limit() / 8 / BOUNCE;
	b->slots = pieces < 1 ? 1 : pieces > CACHE_MAX ? CACHE_MAX : (unsigned)pieces;
	b->fs.node_size = sizeof(struct bnode);
	b->fs.keep = keep;
	if (info->sector_size != LFS_SECTOR)
		return snprintf(err, errlen, "%u-byte sectors are not supported", (unsigned)info->sector_size), -1;
	if (plat_block_open(dev, (void *)(((uintptr_t)ring + 63) & ~(uintptr_t)63)))
		return snprintf(err, errlen, "cannot open the device"), -1;
	uint32_t head = info->sectors < LFS_PROBE / LFS_SECTOR ? (uint32_t)info->sectors : LFS_PROBE / LFS_SECTOR;
	if (bl_io(b, PLAT_BLOCK_READ, 0, head, b->buf))
		return snprintf(err, errlen, "cannot read sector 0"), -1;
	if (lfs_init(&b->fs, b->buf, head * LFS_SECTOR, info->sectors, err, errlen) ||
	    lfs_scan(&b->fs, bl_read_sectors, b, err, errlen))
		return -1;
	b->buf_start = b->fs.tail;
	/* The log ended inside a checkpoint (a crash while compacting): close
	 * it, or what comes next would be taken as more of it. */
	b->compacting = 1;
	if (b->fs.ckpt && !b->read_only && bl_emit(b, LFS_CKPT_END, NULL, 0, NULL, 0, NULL, 0))
		return snprintf(err, errlen, "cannot write to the device"), -1;
	b->compacting = 0;
	if (vfs_mount(info->mount, &blockfs_ops, b))
		return snprintf(err, errlen, "cannot mount there"), -1;
	mounted[dev] = b;
	return 0;
}

void blockfs_mount_all(void (*mkdir_p)(const char *path))
{
	int any = 0;
	for (int i = 0; i < plat_block_count(); i++) {
		const struct plat_block_info *info = plat_block_info(i);
		char err[200];
		if (!info->mount[0])
			continue;
		mkdir_p(info->mount);
		if (mount_one(i, info, err, sizeof err) == 0) {
			any = 1;
			continue;
		}
		say(info->mount, info->name, err);
		vfs_mount(info->mount, &eio_ops, NULL);
	}
	if (any)
		atexit(sync_all);
}
