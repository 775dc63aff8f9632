/* tincan's log-structured disk format: see logfs.h and
 * docs/blockfs-format.md.  Every integer on the disk is little-endian. */
#include "logfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REC_MAGIC 0x474c4354u /* "TCLG" */
static const char sb_magic[8] = "TINCANFS";

/* CRC-32 (the zlib one), eight bytes a step from eight tables built on
 * first use (a bit at a time cost ~40 us per 4 KiB page written). */
static uint32_t crc_tab[8][256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
		crc_tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

uint32_t lfs_crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	if (!crc_tab[0][1])
		crc_init();
	crc = ~crc;
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t a = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		crc = crc_tab[7][a & 0xff] ^ crc_tab[6][(a >> 8) & 0xff] ^ crc_tab[5][(a >> 16) & 0xff] ^
		      crc_tab[4][a >> 24] ^ crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^ crc_tab[0][p[7]];
	}
	while (len--)
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

static uint64_t get(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

#define SB_CRC 68 /* the superblock's CRC covers the bytes before it */

void lfs_super_encode(unsigned char sb[LFS_SECTOR], const struct lfs_super *s)
{
	memset(sb, 0, LFS_SECTOR);
	memcpy(sb, sb_magic, 8);
	put(sb + 8, LFS_VERSION, 4);
	put(sb + 12, LFS_SECTOR, 4);
	put(sb + 16, s->sectors, 8);
	put(sb + 24, s->volid, 8);
	put(sb + 32, (uint64_t)s->time, 8);
	put(sb + 40, s->gen, 8);
	put(sb + 48, s->log_start, 8);
	put(sb + 56, s->start_seq, 8);
	put(sb + 64, s->start_chain, 4);
	put(sb + SB_CRC, lfs_crc32(0, sb, SB_CRC), 4);
}

/* 1: a valid superblock; 0: the magic but a bad CRC; -1: no magic. */
static int super_decode(const unsigned char *sb, struct lfs_super *s)
{
	if (memcmp(sb, sb_magic, 8))
		return -1;
	if (get(sb + SB_CRC, 4) != lfs_crc32(0, sb, SB_CRC))
		return 0;
	*s = (struct lfs_super){ get(sb + 16, 8), get(sb + 24, 8), (int64_t)get(sb + 32, 8), get(sb + 40, 8),
				 get(sb + 48, 8), get(sb + 56, 8), (uint32_t)get(sb + 64, 4) };
	return 1;
}

/* ---- the tree ---- */

static struct lfs_node *node_new(struct lfs *fs, uint64_t ino, uint32_t mode, int64_t t)
{
	if (ino >= LFS_INO_MAX)
		return NULL;
	if (ino >= fs->cap) {
		uint64_t cap = fs->cap ? fs->cap * 2 : 64;
		while (cap <= ino)
			cap *= 2;
		struct lfs_node **nodes = realloc(fs->nodes, cap * sizeof *nodes);
		if (!nodes)
			return NULL;
		memset(nodes + fs->cap, 0, (cap - fs->cap) * sizeof *nodes);
		fs->nodes = nodes;
		fs->cap = cap;
	}
	struct lfs_node *n = calloc(1, fs->node_size > sizeof *n ? fs->node_size : sizeof *n);
	if (!n)
		return NULL;
	n->ino = ino;
	n->mode = mode;
	n->atime = n->mtime = n->ctime = t;
	n->next_seq = 1;
	fs->nodes[ino] = n;
	return n;
}

void lfs_node_free(struct lfs *fs, struct lfs_node *n)
{
	if (n->ino < fs->cap && fs->nodes[n->ino] == n)
		fs->nodes[n->ino] = NULL;
	free(n->ext);
	free(n->target);
	free(n);
}

static struct lfs_node *node(struct lfs *fs, uint64_t ino)
{
	return ino < fs->cap ? fs->nodes[ino] : NULL;
}

struct lfs_dent *lfs_find(struct lfs_node *dir, const char *name, size_t len)
{
	for (struct lfs_dent *d = dir->ents; d; d = d->next)
		if (strncmp(d->name, name, len) == 0 && d->name[len] == '\0')
			return d;
	return NULL;
}

static int name_ok(const unsigned char *name, size_t len)
{
	if (len == 0 || len > LFS_NAME_MAX || memchr(name, '/', len) || memchr(name, 0, len))
		return 0;
	return !(len == 1 && name[0] == '.') && !(len == 2 && name[0] == '.' && name[1] == '.');
}

static struct lfs_dent *dent_new(struct lfs_node *dir, const unsigned char *name, size_t len, struct lfs_node *n)
{
	struct lfs_dent *d = malloc(sizeof *d + len + 1);
	if (!d)
		return NULL;
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	d->node = n;
	d->seq = dir->next_seq++;
	d->next = NULL;
	return d;
}

static void dent_add(struct lfs_node *dir, struct lfs_dent *d, int64_t t)
{
	struct lfs_dent **p = &dir->ents;
	while (*p)
		p = &(*p)->next;
	*p = d;
	dir->mtime = dir->ctime = t;
	if (S_ISDIR(d->node->mode)) {
		dir->nlink++;
		d->node->parent = dir;
	}
}

/* Take d out of dir; its node loses the name (and is freed when that was
 * its last and nothing keeps it). */
static void dent_drop(struct lfs *fs, struct lfs_node *dir, struct lfs_dent *d, int64_t t)
{
	struct lfs_node *n = d->node;
	for (struct lfs_dent **p = &dir->ents; *p; p = &(*p)->next)
		if (*p == d) {
			*p = d->next;
			break;
		}
	free(d);
	dir->mtime = dir->ctime = t;
	n->ctime = t;
	if (S_ISDIR(n->mode)) {
		dir->nlink--;
		n->nlink = 0;
	} else {
		n->nlink--;
	}
	if (n->nlink == 0) {
		if (S_ISDIR(n->mode))
			fs->dirs--;
		else if (S_ISLNK(n->mode))
			fs->links--;
		else
			fs->files--;
		if (!fs->keep || !fs->keep(n))
			lfs_node_free(fs, n);
	}
}

/* Room for one more extent. */
static int ext_room(struct lfs_node *n, size_t more)
{
	if (n->next + more <= n->capext)
		return 0;
	size_t cap = n->capext ? n->capext * 2 : 4;
	while (cap < n->next + more)
		cap *= 2;
	struct lfs_ext *e = realloc(n->ext, cap * sizeof *e);
	if (!e)
		return -ENOMEM;
	n->ext = e;
	n->capext = cap;
	return 0;
}

/* Drop the bytes at and after size from the extents. */
static void ext_cut(struct lfs_node *n, uint64_t size)
{
	while (n->next && n->ext[n->next - 1].off >= size)
		n->next--;
	if (n->next) {
		struct lfs_ext *e = &n->ext[n->next - 1];
		if (e->off + e->len > size)
			e->len = size - e->off;
	}
}

/* The index of the first extent ending after off (n->next: none). */
static size_t first_after(const struct lfs_node *n, uint64_t off)
{
	size_t lo = 0, hi = n->next;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (n->ext[mid].off + n->ext[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int ext_write(struct lfs_node *n, uint64_t off, uint64_t len, uint64_t pos)
{
	uint64_t end = off + len;
	struct lfs_ext *last = n->next ? &n->ext[n->next - 1] : NULL;
	if (!last || last->off + last->len <= off) { /* past every extent: the common append */
		if (last && last->off + last->len == off && last->pos + last->len == pos) {
			last->len += len;
			return 0;
		}
		if (ext_room(n, 1))
			return -ENOMEM;
		n->ext[n->next++] = (struct lfs_ext){ off, len, pos };
		return 0;
	}
	/* Overlaps: extents [i, j) meet [off, end); they give way to what is
	 * left of the first before off, the new extent, and what is left of
	 * the last after end, in place (a page rewritten in place moves
	 * nothing). */
	size_t i = first_after(n, off), j = i;
	while (j < n->next && n->ext[j].off < end)
		j++;
	struct lfs_ext put[3];
	size_t k = 0;
	if (i < j && n->ext[i].off < off)
		put[k++] = (struct lfs_ext){ n->ext[i].off, off - n->ext[i].off, n->ext[i].pos };
	put[k++] = (struct lfs_ext){ off, len, pos };
	if (i < j && n->ext[j - 1].off + n->ext[j - 1].len > end) {
		struct lfs_ext e = n->ext[j - 1];
		put[k++] = (struct lfs_ext){ end, e.off + e.len - end, e.pos + (end - e.off) };
	}
	if (k > j - i && ext_room(n, k - (j - i)))
		return -ENOMEM;
	memmove(&n->ext[i + k], &n->ext[j], (n->next - j) * sizeof *n->ext);
	memcpy(&n->ext[i], put, k * sizeof *put);
	n->next = n->next - (j - i) + k;
	return 0;
}

void lfs_extents_read(const struct lfs_node *n, uint64_t off, uint64_t len,
		      void (*fn)(void *ctx, uint64_t pos, uint64_t bytes, uint64_t at), void *ctx)
{
	uint64_t end = off + len;
	for (size_t i = first_after(n, off); i < n->next && n->ext[i].off < end; i++) {
		const struct lfs_ext *e = &n->ext[i];
		uint64_t a = e->off > off ? e->off : off, b = e->off + e->len < end ? e->off + e->len : end;
		fn(ctx, e->pos + (a - e->off), b - a, a - off);
	}
}

int lfs_next_extent(const struct lfs_node *n, uint64_t off, struct lfs_ext *out)
{
	size_t lo = first_after(n, off);
	if (lo == n->next)
		return 0;
	*out = n->ext[lo];
	if (out->off < off) {
		out->pos += off - out->off;
		out->len -= off - out->off;
		out->off = off;
	}
	return 1;
}

/* ---- records ---- */

static int dir_of(struct lfs *fs, uint64_t ino, struct lfs_node **dir)
{
	*dir = node(fs, ino);
	if (!*dir)
		return -ENOENT;
	return S_ISDIR((*dir)->mode) ? 0 : -ENOTDIR;
}

static int mknode(struct lfs *fs, const struct lfs_rec *r, const unsigned char *p, int snap)
{
	if (r->len < 24)
		return -EINVAL;
	uint64_t pino = get(p, 8), ino = get(p + 8, 8);
	uint32_t mode = (uint32_t)get(p + 16, 4), nlen = (uint32_t)get(p + 20, 4);
	size_t tlen = r->len - 24 - (size_t)nlen;
	struct lfs_node *dir, *n;
	int e = dir_of(fs, pino, &dir);
	if (e)
		return e;
	if (nlen > r->len - 24 || !name_ok(p + 24, nlen))
		return -EINVAL;
	if (snap ? ino <= LFS_ROOT_INO || ino >= fs->next_ino || node(fs, ino) : ino != fs->next_ino)
		return -EINVAL;
	if (!S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode))
		return -EINVAL;
	if ((tlen != 0) != S_ISLNK(mode) || tlen > 4095)
		return -EINVAL;
	if (lfs_find(dir, (const char *)p + 24, nlen))
		return -EEXIST;
	if (!(n = node_new(fs, ino, mode, r->time)))
		return -ENOMEM;
	struct lfs_dent *d = dent_new(dir, p + 24, nlen, n);
	if (S_ISLNK(mode) && (n->target = malloc(tlen + 1))) {
		memcpy(n->target, p + 24 + nlen, tlen);
		n->target[tlen] = '\0';
		n->size = tlen;
	}
	if (!d || (S_ISLNK(mode) && !n->target)) {
		free(d);
		lfs_node_free(fs, n);
		return -ENOMEM;
	}
	n->nlink = S_ISDIR(mode) ? 2 : 1;
	dent_add(dir, d, r->time);
	if (!snap)
		fs->next_ino++;
	if (S_ISDIR(mode))
		fs->dirs++;
	else if (S_ISLNK(mode))
		fs->links++;
	else
		fs->files++;
	return 0;
}

static int apply_link(struct lfs *fs, const struct lfs_rec *r, const unsigned char *p)
{
	if (r->len < 16)
		return -EINVAL;
	struct lfs_node *dir, *n = node(fs, get(p + 8, 8));
	int e = dir_of(fs, get(p, 8), &dir);
	if (e)
		return e;
	if (!n || !n->nlink)
		return -ENOENT;
	if (S_ISDIR(n->mode) || !name_ok(p + 16, r->len - 16))
		return -EINVAL;
	if (lfs_find(dir, (const char *)p + 16, r->len - 16))
		return -EEXIST;
	struct lfs_dent *d = dent_new(dir, p + 16, r->len - 16, n);
	if (!d)
		return -ENOMEM;
	dent_add(dir, d, r->time);
	n->nlink++;
	n->ctime = r->time;
	return 0;
}

static int apply_unlink(struct lfs *fs, const struct lfs_rec *r, const unsigned char *p)
{
	if (r->len < 8)
		return -EINVAL;
	struct lfs_node *dir;
	int e = dir_of(fs, get(p, 8), &dir);
	if (e)
		return e;
	if (!name_ok(p + 8, r->len - 8))
		return -EINVAL;
	struct lfs_dent *d = lfs_find(dir, (const char *)p + 8, r->len - 8);
	if (!d)
		return -ENOENT;
	if (S_ISDIR(d->node->mode) && d->node->ents)
		return -ENOTEMPTY;
	dent_drop(fs, dir, d, r->time);
	return 0;
}

static int rename_(struct lfs *fs, const struct lfs_rec *r, const unsigned char *p)
{
	if (r->len < 20)
		return -EINVAL;
	struct lfs_node *fdir, *tdir;
	uint32_t flen = (uint32_t)get(p + 16, 4);
	const char *fname = (const char *)p + 20, *tname = fname + flen;
	size_t tlen = r->len - 20 - (size_t)flen;
	int e = dir_of(fs, get(p, 8), &fdir);
	if (e || (e = dir_of(fs, get(p + 8, 8), &tdir)))
		return e;
	if (flen > r->len - 20 || !name_ok(p + 20, flen) || !name_ok((const unsigned char *)tname, tlen))
		return -EINVAL;
	struct lfs_dent *fd = lfs_find(fdir, fname, flen), *td = lfs_find(tdir, tname, tlen);
	if (!fd)
		return -ENOENT;
	struct lfs_node *n = fd->node;
	if (td && td->node == n)
		return 0;
	if (td && S_ISDIR(td->node->mode) != S_ISDIR(n->mode))
		return S_ISDIR(n->mode) ? -ENOTDIR : -EISDIR;
	if (td && S_ISDIR(td->node->mode) && td->node->ents)
		return -ENOTEMPTY;
	for (struct lfs_node *a = tdir; S_ISDIR(n->mode) && a; a = a->parent)
		if (a == n)
			return -EINVAL; /* into itself */
	struct lfs_dent *d = dent_new(tdir, (const unsigned char *)tname, tlen, n);
	if (!d)
		return -ENOMEM;
	if (td)
		dent_drop(fs, tdir, td, r->time);
	for (struct lfs_dent **q = &fdir->ents; *q; q = &(*q)->next)
		if (*q == fd) {
			*q = fd->next;
			break;
		}
	free(fd);
	if (S_ISDIR(n->mode))
		fdir->nlink--;
	fdir->mtime = fdir->ctime = n->ctime = r->time;
	dent_add(tdir, d, r->time);
	return 0;
}

/* The node a SETATTR, TRUNCATE or WRITE is for: NULL when it has gone (a
 * file written while open after its last name went: nothing to replay). */
static int target(struct lfs *fs, const unsigned char *p, struct lfs_node **n)
{
	uint64_t ino = get(p, 8);
	if (ino == 0 || ino >= fs->next_ino)
		return -EINVAL;
	*n = node(fs, ino);
	return 0;
}

int lfs_apply(struct lfs *fs, const struct lfs_rec *r, const unsigned char *p, uint64_t pos)
{
	struct lfs_node *n;
	int e;
	/* A later checkpoint says again what the tree already holds: only its
	 * WRITEs count (the same bytes, now also there). */
	if (fs->ckpt == 2 && r->type != LFS_WRITE && r->type != LFS_CKPT_END && r->type != LFS_CKPT_BEGIN)
		return 0;
	switch (r->type) {
	case LFS_MKNODE: return mknode(fs, r, p, 0);
	case LFS_SNAPNODE: return fs->ckpt == 1 ? mknode(fs, r, p, 1) : -EINVAL;
	case LFS_CKPT_BEGIN:
		if (r->len != 8 || fs->ckpt || get(p, 8) <= LFS_ROOT_INO || get(p, 8) > LFS_INO_MAX)
			return -EINVAL;
		if (fs->records == 0 && fs->next_ino == LFS_ROOT_INO + 1) { /* the log starts with it */
			fs->ckpt = 1;
			fs->next_ino = get(p, 8);
			return 0;
		}
		if (get(p, 8) != fs->next_ino)
			return -EINVAL;
		fs->ckpt = 2;
		return 0;
	case LFS_CKPT_END:
		if (r->len || !fs->ckpt)
			return -EINVAL;
		fs->ckpt = 0;
		return 0;
	case LFS_LINK: return apply_link(fs, r, p);
	case LFS_UNLINK: return apply_unlink(fs, r, p);
	case LFS_RENAME: return rename_(fs, r, p);
	case LFS_SETATTR:
		if (r->len != 36 || (e = target(fs, p, &n)))
			return -EINVAL;
		if (n) {
			uint32_t mask = (uint32_t)get(p + 8, 4);
			if (mask & LFS_ATTR_MODE)
				n->mode = (n->mode & S_IFMT) | ((uint32_t)get(p + 12, 4) & 07777);
			if (mask & LFS_ATTR_ATIME)
				n->atime = (int64_t)get(p + 16, 8);
			if (mask & LFS_ATTR_MTIME)
				n->mtime = (int64_t)get(p + 24, 8);
			n->ctime = r->time;
		}
		return 0;
	case LFS_TRUNCATE:
		if (r->len != 16 || (e = target(fs, p, &n)))
			return -EINVAL;
		if (n && !S_ISREG(n->mode))
			return -EINVAL;
		if (n) {
			ext_cut(n, get(p + 8, 8));
			n->size = get(p + 8, 8);
			n->mtime = n->ctime = r->time;
		}
		return 0;
	case LFS_WRITE:
		if (r->len < 16 || (e = target(fs, p, &n)))
			return -EINVAL;
		if (n && !S_ISREG(n->mode))
			return -EINVAL;
		uint64_t off = get(p + 8, 8), len = r->len - 16;
		if (off + len < off || off + len > (1ull << 60))
			return -EINVAL;
		if (n && len) {
			if ((e = ext_write(n, off, len, pos + 16)))
				return e;
			if (off + len > n->size)
				n->size = off + len;
			n->mtime = n->ctime = r->time;
		}
		fs->data += len;
		return 0;
	}
	return -EINVAL;
}

/* ---- the volume ---- */

#define WINDOW 512u /* sectors read at once: more than a record's */

int lfs_init(struct lfs *fs, const unsigned char *sb, size_t head, uint64_t device_sectors, char *err, size_t errlen)
{
	size_t z = 0;
	while (z < head && !sb[z])
		z++;
	if (z == head)
		return snprintf(err, errlen, "no tincan file system (the disk starts with %zu zero bytes)", head), -1;
	struct lfs_super s0, s1, s;
	int v0 = super_decode(sb, &s0), v1 = head >= 2 * LFS_SECTOR ? super_decode(sb + LFS_SECTOR, &s1) : -1;
	if (v0 < 0 && v1 < 0)
		return snprintf(err, errlen, "not a tincan file system (foreign or corrupt)"), -1;
	if (v0 <= 0 && v1 <= 0)
		return snprintf(err, errlen, "corrupt tincan file system (bad superblock checksum)"), -1;
	s = v0 > 0 && (v1 <= 0 || s0.gen >= s1.gen) ? s0 : s1;
	const unsigned char *raw = s.gen == s0.gen && v0 > 0 ? sb : sb + LFS_SECTOR;
	if (get(raw + 8, 4) != LFS_VERSION || get(raw + 12, 4) != LFS_SECTOR)
		return snprintf(err, errlen, "tincan file system version %u with %u-byte sectors: not supported",
				(unsigned)get(raw + 8, 4), (unsigned)get(raw + 12, 4)),
		       -1;
	if (s.sectors < LFS_LOG0 + 2 || s.sectors > device_sectors)
		return snprintf(err, errlen, "corrupt tincan file system (made for %llu sectors, the disk has %llu)",
				(unsigned long long)s.sectors, (unsigned long long)device_sectors),
		       -1;
	if (s.log_start < LFS_LOG0 || s.log_start >= s.sectors)
		return snprintf(err, errlen, "corrupt tincan file system (the log starts at sector %llu)",
				(unsigned long long)s.log_start),
		       -1;
	size_t node_size = fs->node_size;
	int (*keep)(struct lfs_node *) = fs->keep;
	*fs = (struct lfs){ .node_size = node_size, .keep = keep };
	fs->sb = s;
	fs->sectors = s.sectors;
	fs->volid = s.volid;
	fs->tail = s.log_start;
	fs->seq = s.start_seq;
	fs->chain = s.start_chain;
	fs->next_ino = LFS_ROOT_INO + 1;
	struct lfs_node *root = node_new(fs, LFS_ROOT_INO, S_IFDIR | 0755, s.time);
	if (!root)
		return snprintf(err, errlen, "out of memory"), -1;
	root->nlink = 2;
	fs->dirs = 1;
	return 0;
}

uint64_t lfs_place(const struct lfs *fs, uint64_t tail, uint32_t secs)
{
	uint64_t start = fs->sb.log_start;
	/* Wrapped: up to the log's start, but never onto it: a tail equal to
	 * the start would read as an empty log (lfs_used 0), and the next
	 * record would overwrite the checkpoint the superblock points at. */
	if (tail < start)
		return tail + secs < start ? tail : 0;
	if (tail + secs <= fs->sectors)
		return tail;
	return LFS_LOG0 + secs < start ? LFS_LOG0 : 0;
}

uint64_t lfs_used(const struct lfs *fs)
{
	uint64_t start = fs->sb.log_start;
	return fs->tail >= start ? fs->tail - start : fs->sectors - start + fs->tail - LFS_LOG0;
}

/* The record at hdr if it is the next one of this volume (n: bytes
 * available from hdr); its sectors, 0 at the end of the log, -1 when more
 * bytes are needed to tell. */
static long next_record(struct lfs *fs, const unsigned char *hdr, size_t n, uint64_t pos, struct lfs_rec *r)
{
	if (n < LFS_HDR)
		return -1;
	if (get(hdr, 4) != REC_MAGIC || get(hdr + 8, 8) != fs->volid || get(hdr + 16, 8) != fs->seq)
		return 0;
	*r = (struct lfs_rec){ fs->seq, (int64_t)get(hdr + 24, 8), (uint16_t)get(hdr + 32, 2),
			       (uint32_t)get(hdr + 36, 4) };
	if (r->len > LFS_PAYLOAD_MAX || get(hdr + 34, 2))
		return 0;
	uint32_t secs = (LFS_HDR + r->len + LFS_SECTOR - 1) / LFS_SECTOR;
	if (lfs_place(fs, pos, secs) != pos)
		return 0;
	if (n < LFS_HDR + r->len)
		return -1;
	uint32_t crc = lfs_crc32(fs->chain, hdr + 8, LFS_HDR - 8 + r->len);
	return crc == get(hdr + 4, 4) ? (long)secs : 0;
}

struct window {
	unsigned char *w;
	uint64_t base, have; /* it holds sectors [base, base + have) */
	int (*read)(void *ctx, uint64_t sector, uint32_t count, void *buf);
	void *ctx;
};

/* The bytes from sector pos on (up to a record's worth), in *n. */
static const unsigned char *at(struct lfs *fs, struct window *w, uint64_t pos, size_t *n, int *e)
{
	if (pos < w->base || pos + LFS_REC_SECTORS_MAX > w->base + w->have) {
		if (!(pos >= w->base && w->base + w->have == fs->sectors)) {
			uint64_t count = fs->sectors - pos < WINDOW ? fs->sectors - pos : WINDOW;
			if ((*e = w->read(w->ctx, pos, (uint32_t)count, w->w)))
				return NULL;
			w->base = pos;
			w->have = count;
		}
	}
	*n = (size_t)(w->base + w->have - pos) * LFS_SECTOR;
	return w->w + (pos - w->base) * LFS_SECTOR;
}

int lfs_scan(struct lfs *fs, int (*read)(void *ctx, uint64_t sector, uint32_t count, void *buf), void *ctx, char *err,
	     size_t errlen)
{
	struct window w = { malloc((size_t)WINDOW * LFS_SECTOR), 0, 0, read, ctx };
	int ret = 0, e = 0;
	if (!w.w)
		return snprintf(err, errlen, "out of memory"), -1;
	for (uint64_t scanned = 0; scanned < fs->sectors;) {
		uint64_t pos = fs->tail;
		size_t n;
		struct lfs_rec r;
		const unsigned char *hdr = at(fs, &w, pos, &n, &e);
		long secs = hdr ? next_record(fs, hdr, n, pos, &r) : 0;
		if (hdr && secs <= 0 && pos >= fs->sb.log_start && pos != LFS_LOG0) {
			/* Not here: perhaps it did not fit before the end. */
			pos = LFS_LOG0;
			hdr = at(fs, &w, pos, &n, &e);
			secs = hdr ? next_record(fs, hdr, n, pos, &r) : 0;
		}
		if (e) {
			snprintf(err, errlen, "cannot read sector %llu: %s", (unsigned long long)pos, strerror(-e));
			ret = -2;
			break;
		}
		if (secs <= 0)
			break; /* the end (a record cut by the end of the disk cannot be whole) */
		e = lfs_apply(fs, &r, hdr + LFS_HDR, pos * LFS_SECTOR + LFS_HDR);
		if (e) {
			snprintf(err, errlen,
				 "corrupt tincan file system: record %llu (type %u at sector %llu) does not apply: %s",
				 (unsigned long long)r.seq, r.type, (unsigned long long)pos, strerror(-e));
			ret = -1;
			break;
		}
		fs->chain = (uint32_t)get(hdr + 4, 4);
		fs->tail = pos + (uint64_t)secs;
		fs->seq++;
		fs->records++;
		scanned += (uint64_t)secs;
	}
	if (ret == 0 && fs->ckpt == 1) {
		snprintf(err, errlen, "corrupt tincan file system: the log ends inside the checkpoint it starts with");
		ret = -1;
	}
	free(w.w);
	return ret;
}

uint32_t lfs_rec_begin(struct lfs *fs, unsigned char *hdr, uint16_t type, uint32_t len, int64_t time)
{
	put(hdr, REC_MAGIC, 4);
	put(hdr + 4, 0, 4);
	put(hdr + 8, fs->volid, 8);
	put(hdr + 16, fs->seq, 8);
	put(hdr + 24, (uint64_t)time, 8);
	put(hdr + 32, type, 2);
	put(hdr + 34, 0, 2);
	put(hdr + 36, len, 4);
	return (LFS_HDR + len + LFS_SECTOR - 1) / LFS_SECTOR;
}

void lfs_rec_seal(struct lfs *fs, unsigned char *hdr)
{
	uint32_t len = (uint32_t)get(hdr + 36, 4), secs = (LFS_HDR + len + LFS_SECTOR - 1) / LFS_SECTOR;
	memset(hdr + LFS_HDR + len, 0, secs * LFS_SECTOR - LFS_HDR - len);
	fs->chain = lfs_crc32(fs->chain, hdr + 8, LFS_HDR - 8 + len);
	put(hdr + 4, fs->chain, 4);
	fs->tail += secs;
	fs->seq++;
	fs->records++;
}
