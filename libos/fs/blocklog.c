/*
 * The log of a block-device file system: requests to the device (each
 * waited for), the append buffer, and compaction.  Every change is one
 * record appended to a buffer in memory; the buffer goes to the device when
 * it is full and on fsync, which then sends a FLUSH and returns once the
 * device has completed it.  Records are never rewritten.
 */
#include "fs/blocklog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int64_t now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* ---- the device ---- */

/* A completed write of count sectors from data at sector: into the cache.
 * A piece it covers is updated where cached; else it takes the piece's
 * slot, valid only where written (the rest of that piece on the device is
 * not known).  A piece already partly valid stays so where the write joins
 * its valid range, else only the write is valid. */
static void cache_write(struct bfs *b, uint64_t sector, uint32_t count, const unsigned char *data)
{
	uint64_t pos = sector * LFS_SECTOR, end = pos + (uint64_t)count * LFS_SECTOR;
	while (pos < end) {
		uint64_t c = pos / BOUNCE;
		uint32_t lo = (uint32_t)(pos % BOUNCE);
		uint32_t hi = end - c * BOUNCE < BOUNCE ? (uint32_t)(end - c * BOUNCE) : BOUNCE;
		unsigned s = (unsigned)(c % b->slots);
		if (b->cache_tag[s] != c + 1) {
			if (!b->cache[s] && !(b->cache[s] = malloc(BOUNCE))) {
				b->cache_tag[s] = 0;
				goto next;
			}
			b->cache_tag[s] = c + 1;
			b->cache_lo[s] = lo;
			b->cache_hi[s] = hi;
		} else if (hi < b->cache_lo[s] || lo > b->cache_hi[s]) {
			b->cache_lo[s] = lo;
			b->cache_hi[s] = hi;
		} else {
			b->cache_lo[s] = lo < b->cache_lo[s] ? lo : b->cache_lo[s];
			b->cache_hi[s] = hi > b->cache_hi[s] ? hi : b->cache_hi[s];
		}
		memcpy(b->cache[s] + lo, data, hi - lo);
	next:
		data += hi - lo;
		pos = c * BOUNCE + hi;
	}
}

/* A write that failed: what it covers may hold anything now. */
static void cache_drop(struct bfs *b, uint64_t sector, uint32_t count)
{
	uint64_t first = sector * LFS_SECTOR / BOUNCE, last = ((sector + count) * LFS_SECTOR - 1) / BOUNCE;
	for (unsigned i = 0; count && i < b->slots; i++)
		if (b->cache_tag[i] && b->cache_tag[i] - 1 >= first && b->cache_tag[i] - 1 <= last)
			b->cache_tag[i] = 0;
}

/* Requests to the device in one batch (one exit on kvm), each waited for:
 * 0, or the first error.  The device carries them out in order, so a FLUSH
 * after WRITEs in the batch makes them stable (platform.h).  The cache
 * learns the writes once they completed. */
static int batch(struct bfs *b, const struct plat_block_req *q, int n)
{
	struct plat_block_completion c;
	int sent = 0, got = 0, st = 0;
	while (got < n) {
		int r = sent < n ? plat_block_submit(b->dev, q + sent, n - sent) : 0;
		if (r < 0 || (r == 0 && sent == got)) { /* refused, or nothing to wait for */
			st = r < 0 ? r : -EIO;
			break;
		}
		sent += r;
		plat_block_kick();
		while (got < sent) {
			if (plat_block_done(b->dev, &c, 1) == 0) {
				plat_wait(UINT64_MAX, PLAT_EV_BLOCK(b->dev));
				continue;
			}
			got++;
			if (c.status && !st)
				st = c.status;
		}
	}
	for (int i = 0; i < n; i++)
		if (q[i].op == PLAT_BLOCK_WRITE) {
			if (st)
				cache_drop(b, q[i].sector, q[i].count);
			else
				cache_write(b, q[i].sector, q[i].count, q[i].buf);
		}
	return st;
}

int bl_io(struct bfs *b, enum plat_block_op op, uint64_t sector, uint32_t count, void *buf)
{
	struct plat_block_req q = { op, sector, count, buf, b };
	return batch(b, &q, 1);
}

int bl_read_sectors(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	return bl_io(ctx, PLAT_BLOCK_READ, sector, count, buf);
}

int bl_flush(struct bfs *b, int barrier)
{
	struct plat_block_req q[2];
	int n = 0;
	if (b->failed)
		return -EIO;
	if (b->buf_used)
		q[n++] = (struct plat_block_req){ PLAT_BLOCK_WRITE, b->buf_start, (uint32_t)(b->buf_used / LFS_SECTOR),
						  b->buf, b };
	/* On fsync the FLUSH goes in the WRITE's batch: one round trip. */
	if (barrier && (n || b->unflushed))
		q[n++] = (struct plat_block_req){ PLAT_BLOCK_FLUSH, 0, 0, NULL, b };
	if (n && batch(b, q, n)) {
		b->failed = 1;
		return -EIO;
	}
	if (b->buf_used) {
		b->buf_start += b->buf_used / LFS_SECTOR;
		b->buf_used = 0;
	}
	if (n)
		b->unflushed = !barrier;
	return 0;
}

/* The 64 KiB piece c of the device, of which bytes [lo, hi) are wanted:
 * from the cache, or read into it (one request); into the bounce buffer,
 * uncached, when no memory is left for the cache.  NULL on a device error. */
static const unsigned char *cached(struct bfs *b, uint64_t c, uint64_t lo, uint64_t hi)
{
	unsigned slot = (unsigned)(c % b->slots);
	if (b->cache_tag[slot] == c + 1 && lo >= b->cache_lo[slot] && hi <= b->cache_hi[slot])
		return b->cache[slot];
	if (!b->cache[slot])
		b->cache[slot] = malloc(BOUNCE);
	unsigned char *dst = b->cache[slot] ? b->cache[slot] : b->bounce;
	uint64_t first = c * (BOUNCE / LFS_SECTOR);
	uint64_t count = b->fs.sectors - first < BOUNCE / LFS_SECTOR ? b->fs.sectors - first : BOUNCE / LFS_SECTOR;
	b->cache_tag[slot] = 0;
	if (first >= b->fs.sectors || bl_io(b, PLAT_BLOCK_READ, first, (uint32_t)count, dst))
		return NULL;
	memset(dst + count * LFS_SECTOR, 0, BOUNCE - count * LFS_SECTOR);
	if (dst == b->cache[slot]) {
		b->cache_tag[slot] = c + 1;
		b->cache_lo[slot] = 0;
		b->cache_hi[slot] = BOUNCE;
	}
	return dst;
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
		uint64_t skip = pos % BOUNCE;
		uint64_t n = skip + len > BOUNCE ? BOUNCE - skip : len;
		const unsigned char *piece = cached(b, pos / BOUNCE, skip, skip + n);
		if (!piece) {
			r->err = -EIO;
			return;
		}
		memcpy(out, piece + skip, n);
		out += n;
		pos += n;
		len -= n;
	}
}

int bl_read_file(struct bfs *b, const struct lfs_node *n, uint64_t off, uint64_t len, void *out)
{
	struct reader r = { b, out, 0 };
	memset(out, 0, len); /* holes */
	lfs_extents_read(n, off, len, read_piece, &r);
	return r.err;
}

static uint32_t sectors_for(size_t payload)
{
	return (uint32_t)((LFS_HDR + payload + LFS_SECTOR - 1) / LFS_SECTOR);
}

int bl_room(struct bfs *b, size_t len, int write)
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
int bl_emit(struct bfs *b, uint16_t type, const void *p1, size_t l1, const void *p2, size_t l2, const void *p3,
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
		bl_compact(b);
	uint64_t pos = lfs_place(&b->fs, b->fs.tail, secs);
	if (!pos && !b->compacting && bl_compact(b) == 0)
		pos = lfs_place(&b->fs, b->fs.tail, secs);
	if (!pos)
		return b->failed ? -EIO : -ENOSPC;
	if (pos != b->fs.tail) { /* past the end: on from the start of the log area */
		if (bl_flush(b, 0))
			return -EIO;
		b->fs.tail = b->buf_start = pos;
	}
	if (b->buf_used + (size_t)secs * LFS_SECTOR > BUF_BYTES && bl_flush(b, 0))
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

void bl_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

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
	bl_le(p, n->ino, 8);
	bl_le(p + 8, LFS_ATTR_MODE | LFS_ATTR_ATIME | LFS_ATTR_MTIME, 4);
	bl_le(p + 12, n->mode & 07777, 4);
	bl_le(p + 16, (uint64_t)n->atime, 8);
	bl_le(p + 24, (uint64_t)n->mtime, 8);
	return bl_emit(b, LFS_SETATTR, p, 36, NULL, 0, NULL, 0);
}

static int snap_tree(struct bfs *b, struct lfs_node *dir, unsigned char *seen, unsigned char *data)
{
	int e = 0;
	for (struct lfs_dent *d = dir->ents; d && !e; d = d->next) {
		struct lfs_node *n = d->node;
		size_t nlen = strlen(d->name);
		unsigned char p[24];
		bl_le(p, dir->ino, 8);
		bl_le(p + 8, n->ino, 8);
		if (seen[n->ino]) {
			e = bl_emit(b, LFS_LINK, p, 16, d->name, nlen, NULL, 0);
			continue;
		}
		seen[n->ino] = 1;
		bl_le(p + 16, n->mode, 4);
		bl_le(p + 20, nlen, 4);
		e = bl_emit(b, LFS_SNAPNODE, p, 24, d->name, nlen, n->target, n->target ? n->size : 0);
		if (!e && S_ISDIR(n->mode))
			e = snap_tree(b, n, seen, data);
		if (!e && S_ISREG(n->mode)) {
			struct lfs_ext x;
			bl_le(p + 8, n->size, 8);
			bl_le(p, n->ino, 8);
			e = bl_emit(b, LFS_TRUNCATE, p, 16, NULL, 0, NULL, 0);
			for (uint64_t off = 0; !e && lfs_next_extent(n, off, &x); off = chunk_end(n, &x)) {
				size_t len = (size_t)(chunk_end(n, &x) - x.off);
				bl_le(p + 8, x.off, 8);
				e = bl_read_file(b, n, x.off, len, data);
				if (!e)
					e = bl_emit(b, LFS_WRITE, p, 16, data, len, NULL, 0);
			}
		}
		if (!e)
			e = snap_attr(b, n);
	}
	return e;
}

int bl_compact(struct bfs *b)
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
	bl_le(p, fs->next_ino, 8);
	uint64_t seq = fs->seq;
	uint32_t chain = fs->chain;
	if ((e = bl_flush(b, 0)) || (e = bl_emit(b, LFS_CKPT_BEGIN, p, 8, NULL, 0, NULL, 0)))
		goto out;
	struct lfs_super s = fs->sb;
	s.gen++;
	s.log_start = fs->tail - 1; /* BEGIN takes one sector */
	s.start_seq = seq;
	s.start_chain = chain;
	if ((e = snap_tree(b, root, seen, data)) || (e = snap_attr(b, root)) ||
	    (e = bl_emit(b, LFS_CKPT_END, NULL, 0, NULL, 0, NULL, 0)) || (e = bl_flush(b, 1)))
		goto out;
	lfs_super_encode(data, &s);
	struct plat_block_req q[2] = { { PLAT_BLOCK_WRITE, (s.gen + 1) % 2, 1, data, b },
				       { PLAT_BLOCK_FLUSH, 0, 0, NULL, b } };
	if (batch(b, q, 2)) {
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
