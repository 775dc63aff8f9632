/*
 * The persistent file system on a block device: tincan's log-structured
 * format (fs/logfs.h, docs/blockfs-format.md).  Mounting replays the log
 * into a tree in memory whose files point at their data on the disk (reads
 * go to the device).  Every change appends one record to a buffer in
 * memory; the buffer goes to the device when it is full, and on fsync,
 * which then sends a FLUSH and returns only once the device has completed
 * it.  A full log is ENOSPC before anything changes.  Records are never
 * rewritten, so a crash or a torn write costs only records after the last
 * completed fsync.  Times: atime is kept in memory only (noatime on disk).
 */
#include "fs/blockfs.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <tincan/platform.h>
#include <time.h>

#include "fs/logfs.h"
#include "vfs/vfs.h"

#define BUF_BYTES (256u * 1024) /* the append buffer: at least a record */
#define BOUNCE (64u * 1024) /* device reads at most this at once */

struct bfs {
	struct lfs fs;
	int dev;
	int read_only;
	int failed; /* a write did not complete: everything after fails with EIO */
	int unflushed; /* writes completed since the last FLUSH */
	int compacting;
	long orphans; /* open files without a name: their data must stay where it is */
	uint64_t next_try; /* compact when the log takes this many sectors */
	unsigned char *buf; /* records for sectors [buf_start, fs.tail) */
	uint64_t buf_start;
	size_t buf_used;
	unsigned char *bounce;
};

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

static int64_t now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ---- the device ---- */

static int io(struct bfs *b, enum plat_block_op op, uint64_t sector, uint32_t count, void *buf)
{
	struct plat_block_req q = { op, sector, count, buf, b };
	struct plat_block_completion c;
	int r = plat_block_submit(b->dev, &q, 1);
	if (r <= 0)
		return r < 0 ? r : -EIO;
	plat_block_kick();
	while (plat_block_done(b->dev, &c, 1) == 0)
		plat_wait(UINT64_MAX, PLAT_EV_BLOCK(b->dev));
	return c.status;
}

static int read_sectors(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	return io(ctx, PLAT_BLOCK_READ, sector, count, buf);
}

/* Write the buffered records out; with barrier, also make every completed
 * write stable (FLUSH) before returning. */
static int flush(struct bfs *b, int barrier)
{
	if (b->failed)
		return -EIO;
	if (b->buf_used) {
		if (io(b, PLAT_BLOCK_WRITE, b->buf_start, (uint32_t)(b->buf_used / LFS_SECTOR), b->buf)) {
			b->failed = 1;
			return -EIO;
		}
		b->buf_start += b->buf_used / LFS_SECTOR;
		b->buf_used = 0;
		b->unflushed = 1;
	}
	if (barrier && b->unflushed) {
		if (io(b, PLAT_BLOCK_FLUSH, 0, 0, NULL)) {
			b->failed = 1;
			return -EIO;
		}
		b->unflushed = 0;
	}
	return 0;
}

/* Bytes at disk offset pos: from the buffer or the device. */
struct reader {
	struct bfs *b;
	unsigned char *out;
	int err;
};

static void read_piece(void *ctx, uint64_t pos, uint64_t len, uint64_t at)
{
	struct reader *r = ctx;
	struct bfs *b = r->b;
	unsigned char *out = r->out + at;
	uint64_t from = b->buf_start * LFS_SECTOR;
	if (pos >= from && pos < from + b->buf_used) { /* still buffered (a record is all there or all out) */
		memcpy(out, b->buf + (pos - from), len);
		return;
	}
	while (len && !r->err) {
		uint64_t sec = pos / LFS_SECTOR, skip = pos % LFS_SECTOR;
		uint64_t n = skip + len > BOUNCE ? BOUNCE - skip : len;
		uint32_t count = (uint32_t)((skip + n + LFS_SECTOR - 1) / LFS_SECTOR);
		if (io(b, PLAT_BLOCK_READ, sec, count, b->bounce)) {
			r->err = -EIO;
			return;
		}
		memcpy(out, b->bounce + skip, n);
		out += n;
		pos += n;
		len -= n;
	}
}

static int compact(struct bfs *b);

static uint32_t sectors_for(size_t payload)
{
	return (uint32_t)((LFS_HDR + payload + LFS_SECTOR - 1) / LFS_SECTOR);
}

/* Whether len bytes of WRITE records (or one record of len payload bytes)
 * fit after the tail. */
static int room(struct bfs *b, size_t len, int write)
{
	uint64_t t = b->fs.tail;
	size_t done = 0;
	do {
		size_t k = !write ? len : len - done < LFS_DATA_MAX ? len - done : LFS_DATA_MAX;
		uint32_t secs = sectors_for(write ? 16 + k : k);
		uint64_t p = lfs_place(&b->fs, t, secs);
		if (!p)
			return 0;
		t = p + secs;
		done += k;
	} while (done < len);
	return 1;
}

/* Append one record (its payload: up to three pieces), applying it to the
 * tree first; nothing changes on an error.  The log is compacted first when
 * it is more than half full and at least half garbage, or when the record
 * does not fit. */
static int emit(struct bfs *b, uint16_t type, const void *p1, size_t l1, const void *p2, size_t l2, const void *p3,
		size_t l3)
{
	size_t len = l1 + l2 + l3;
	uint32_t secs = sectors_for(len);
	if (b->read_only)
		return -EROFS;
	if (b->failed)
		return -EIO;
	if (len > LFS_PAYLOAD_MAX)
		return -ENAMETOOLONG;
	uint64_t used = lfs_used(&b->fs);
	if (!b->compacting && used > (b->fs.sectors - LFS_LOG0) / 2 && used >= b->next_try)
		compact(b);
	uint64_t pos = lfs_place(&b->fs, b->fs.tail, secs);
	if (!pos && !b->compacting && compact(b) == 0)
		pos = lfs_place(&b->fs, b->fs.tail, secs);
	if (!pos)
		return b->failed ? -EIO : -ENOSPC;
	if (pos != b->fs.tail) { /* past the end: on from the start of the log area */
		if (flush(b, 0))
			return -EIO;
		b->fs.tail = b->buf_start = pos;
	}
	if (b->buf_used + (size_t)secs * LFS_SECTOR > BUF_BYTES && flush(b, 0))
		return -EIO;
	unsigned char *h = b->buf + b->buf_used;
	int64_t t = now();
	lfs_rec_begin(&b->fs, h, type, (uint32_t)len, t);
	memcpy(h + LFS_HDR, p1, l1);
	memcpy(h + LFS_HDR + l1, p2, l2);
	memcpy(h + LFS_HDR + l1 + l2, p3, l3);
	struct lfs_rec r = { b->fs.seq, t, type, (uint32_t)len };
	int e = lfs_apply(&b->fs, &r, h + LFS_HDR, b->fs.tail * LFS_SECTOR + LFS_HDR);
	if (e)
		return e;
	lfs_rec_seal(&b->fs, h);
	b->buf_used += (size_t)secs * LFS_SECTOR;
	return 0;
}

static void le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

/* ---- files, directories, links ---- */

static ssize_t b_read(struct vnode *vn, void *buf, size_t len, off_t off)
{
	struct lfs_node *n = &bn(vn)->n;
	if ((uint64_t)off >= n->size)
		return 0;
	if (len > n->size - (uint64_t)off)
		len = (size_t)(n->size - (uint64_t)off);
	memset(buf, 0, len); /* holes */
	struct reader r = { fs_of(vn), buf, 0 };
	lfs_extents_read(n, (uint64_t)off, len, read_piece, &r);
	return r.err ? r.err : (ssize_t)len;
}

static ssize_t b_write(struct vnode *vn, const void *buf, size_t len, off_t off)
{
	struct bfs *b = fs_of(vn);
	struct lfs_node *n = &bn(vn)->n;
	if ((uint64_t)off + len < (uint64_t)off || (uint64_t)off + len > (1ull << 60))
		return -EFBIG;
	if (len > LFS_DATA_MAX && !b->read_only && !room(b, len, 1) && (compact(b) || !room(b, len, 1)))
		return b->failed ? -EIO : -ENOSPC; /* all or nothing */
	for (size_t done = 0; done < len; done += LFS_DATA_MAX) {
		size_t k = len - done < LFS_DATA_MAX ? len - done : LFS_DATA_MAX;
		unsigned char h[16];
		le(h, n->ino, 8);
		le(h + 8, (uint64_t)off + done, 8);
		int e = emit(b, LFS_WRITE, h, 16, (const char *)buf + done, k, NULL, 0);
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
	le(p, n->ino, 8);
	le(p + 8, (uint64_t)size, 8);
	int e = emit(fs_of(vn), LFS_TRUNCATE, p, 16, NULL, 0, NULL, 0);
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
	le(p, n->ino, 8);
	le(p + 8, mask, 4);
	le(p + 12, a->mode & 07777, 4);
	le(p + 16, (uint64_t)((int64_t)a->atime.tv_sec * 1000000000 + a->atime.tv_nsec), 8);
	le(p + 24, (uint64_t)((int64_t)a->mtime.tv_sec * 1000000000 + a->mtime.tv_nsec), 8);
	return emit(fs_of(vn), LFS_SETATTR, p, 36, NULL, 0, NULL, 0);
}

static int b_fsync(struct vnode *vn)
{
	return flush(fs_of(vn), 1);
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

/* ---- compaction ----
 * A checkpoint appended to the log (CKPT_BEGIN, the whole tree as SNAPNODE,
 * LINK, TRUNCATE, WRITE and SETATTR records, CKPT_END), flushed, then the
 * other superblock copy names it as the log's start, flushed: the space
 * before it is free.  Until that superblock write, a mount replays the old
 * log and takes the checkpoint's WRITEs only (the same bytes). */

/* A file's data goes into the checkpoint in pieces of up to LFS_DATA_MAX
 * bytes, each from the start of an extent (holes inside it as zeros): the
 * piece that starts at extent e ends here. */
static uint64_t chunk_end(const struct lfs_node *n, const struct lfs_ext *e)
{
	return e->off + LFS_DATA_MAX < n->size ? e->off + LFS_DATA_MAX : n->size;
}

static uint64_t tree_sectors(struct lfs_node *dir, unsigned char *seen)
{
	uint64_t s = 0;
	for (struct lfs_dent *d = dir->ents; d; d = d->next) {
		struct lfs_node *n = d->node;
		size_t nlen = strlen(d->name);
		if (seen[n->ino]) {
			s += sectors_for(16 + nlen);
			continue;
		}
		seen[n->ino] = 1;
		s += sectors_for(24 + nlen + (n->target ? n->size : 0)) + 1; /* and its SETATTR */
		if (S_ISDIR(n->mode))
			s += tree_sectors(n, seen);
		if (S_ISREG(n->mode)) {
			struct lfs_ext e;
			s++; /* TRUNCATE */
			for (uint64_t off = 0; lfs_next_extent(n, off, &e); off = chunk_end(n, &e))
				s += sectors_for(16 + (chunk_end(n, &e) - e.off));
		}
	}
	return s;
}

static int snap_attr(struct bfs *b, struct lfs_node *n)
{
	unsigned char p[36];
	le(p, n->ino, 8);
	le(p + 8, LFS_ATTR_MODE | LFS_ATTR_ATIME | LFS_ATTR_MTIME, 4);
	le(p + 12, n->mode & 07777, 4);
	le(p + 16, (uint64_t)n->atime, 8);
	le(p + 24, (uint64_t)n->mtime, 8);
	return emit(b, LFS_SETATTR, p, 36, NULL, 0, NULL, 0);
}

static int snap_tree(struct bfs *b, struct lfs_node *dir, unsigned char *seen, unsigned char *data)
{
	int e = 0;
	for (struct lfs_dent *d = dir->ents; d && !e; d = d->next) {
		struct lfs_node *n = d->node;
		size_t nlen = strlen(d->name);
		unsigned char p[24];
		le(p, dir->ino, 8);
		le(p + 8, n->ino, 8);
		if (seen[n->ino]) {
			e = emit(b, LFS_LINK, p, 16, d->name, nlen, NULL, 0);
			continue;
		}
		seen[n->ino] = 1;
		le(p + 16, n->mode, 4);
		le(p + 20, nlen, 4);
		e = emit(b, LFS_SNAPNODE, p, 24, d->name, nlen, n->target, n->target ? n->size : 0);
		if (!e && S_ISDIR(n->mode))
			e = snap_tree(b, n, seen, data);
		if (!e && S_ISREG(n->mode)) {
			struct lfs_ext x;
			le(p + 8, n->size, 8);
			le(p, n->ino, 8);
			e = emit(b, LFS_TRUNCATE, p, 16, NULL, 0, NULL, 0);
			for (uint64_t off = 0; !e && lfs_next_extent(n, off, &x); off = chunk_end(n, &x)) {
				size_t len = (size_t)(chunk_end(n, &x) - x.off);
				struct reader r = { b, data, 0 };
				memset(data, 0, len);
				lfs_extents_read(n, x.off, len, read_piece, &r);
				le(p + 8, x.off, 8);
				e = r.err ? r.err : emit(b, LFS_WRITE, p, 16, data, len, NULL, 0);
			}
		}
		if (!e)
			e = snap_attr(b, n);
	}
	return e;
}

static int compact(struct bfs *b)
{
	struct lfs *fs = &b->fs;
	struct lfs_node *root = fs->nodes[LFS_ROOT_INO];
	uint64_t used = lfs_used(fs), free_ = fs->sectors - LFS_LOG0 - used;
	unsigned char *seen = calloc(1, fs->next_ino), *data = malloc(LFS_DATA_MAX);
	int e = -ENOSPC;
	if (!seen || !data || b->orphans || b->read_only || b->failed)
		goto out;
	uint64_t need = 3 + tree_sectors(root, seen); /* BEGIN, END, the root's SETATTR */
	/* Next time: once the garbage is as large as the tree again, or (when
	 * it does not fit now) after another sixteenth of the volume. */
	b->next_try = need + LFS_REC_SECTORS_MAX > free_ ? used + fs->sectors / 16 : 2 * need;
	if (need + LFS_REC_SECTORS_MAX > free_)
		goto out;
	memset(seen, 0, fs->next_ino);
	b->compacting = 1;
	unsigned char p[8];
	le(p, fs->next_ino, 8);
	uint64_t seq = fs->seq;
	uint32_t chain = fs->chain;
	if ((e = flush(b, 0)) || (e = emit(b, LFS_CKPT_BEGIN, p, 8, NULL, 0, NULL, 0)))
		goto out;
	struct lfs_super s = fs->sb;
	s.gen++;
	s.log_start = fs->tail - 1; /* BEGIN takes one sector */
	s.start_seq = seq;
	s.start_chain = chain;
	if ((e = snap_tree(b, root, seen, data)) || (e = snap_attr(b, root)) ||
	    (e = emit(b, LFS_CKPT_END, NULL, 0, NULL, 0, NULL, 0)) || (e = flush(b, 1)))
		goto out;
	lfs_super_encode(data, &s);
	if (io(b, PLAT_BLOCK_WRITE, (s.gen + 1) % 2, 1, data) || io(b, PLAT_BLOCK_FLUSH, 0, 0, NULL)) {
		b->failed = 1;
		e = -EIO;
		goto out;
	}
	fs->sb = s;
out:
	if (e && b->compacting)
		b->failed = 1; /* the tree and the log may disagree now: stop */
	b->compacting = 0;
	free(seen);
	free(data);
	return e;
}

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
	const char *slash = strrchr(path, '/');
	*name = slash ? slash + 1 : path;
	if (!**name)
		return -EBUSY; /* the root */
	char prefix[PATH_LEN_MAX];
	size_t len = slash ? (size_t)(slash - path) : 0;
	memcpy(prefix, path, len);
	prefix[len] = '\0';
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
	le(p, dir->ino, 8);
	le(p + 8, ino, 8);
	le(p + 16, mode, 4);
	le(p + 20, nlen, 4);
	if ((e = emit(b, LFS_MKNODE, p, 24, name, nlen, target, tlen)))
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
	le(p, dir->ino, 8);
	le(p + 8, n->ino, 8);
	return emit(b, LFS_LINK, p, 16, name, strlen(name), NULL, 0);
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
	le(p, dir->ino, 8);
	return emit(b, LFS_UNLINK, p, 8, name, strlen(name), NULL, 0);
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
	le(p, fdir->ino, 8);
	le(p + 8, tdir->ino, 8);
	le(p + 16, strlen(fname), 4);
	return emit(b, LFS_RENAME, p, 20, fname, strlen(fname), tname, strlen(tname));
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
			flush(mounted[i], 1);
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
	b->fs.node_size = sizeof(struct bnode);
	b->fs.keep = keep;
	if (info->sector_size != LFS_SECTOR)
		return snprintf(err, errlen, "%u-byte sectors are not supported", (unsigned)info->sector_size), -1;
	if (plat_block_open(dev, (void *)(((uintptr_t)ring + 63) & ~(uintptr_t)63)))
		return snprintf(err, errlen, "cannot open the device"), -1;
	uint32_t head = info->sectors < LFS_PROBE / LFS_SECTOR ? (uint32_t)info->sectors : LFS_PROBE / LFS_SECTOR;
	if (io(b, PLAT_BLOCK_READ, 0, head, b->buf))
		return snprintf(err, errlen, "cannot read sector 0"), -1;
	if (lfs_init(&b->fs, b->buf, head * LFS_SECTOR, info->sectors, err, errlen) ||
	    lfs_scan(&b->fs, read_sectors, b, err, errlen))
		return -1;
	b->buf_start = b->fs.tail;
	/* The log ended inside a checkpoint (a crash while compacting): close
	 * it, or what comes next would be taken as more of it. */
	b->compacting = 1;
	if (b->fs.ckpt && !b->read_only && emit(b, LFS_CKPT_END, NULL, 0, NULL, 0, NULL, 0))
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
