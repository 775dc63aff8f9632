/* The block-device file system's format (libos/fs/logfs.c), on the host:
 * CRC, records, extents under overlapping writes, replay, the end of the
 * log at a torn or stale record, and corruption. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"
#include "logfs.h"

#define SECTORS 2048
static unsigned char disk[SECTORS * LFS_SECTOR];
static struct lfs fs;

static int rd(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	(void)ctx;
	if (sector + count > SECTORS)
		return -EIO;
	memcpy(buf, disk + sector * LFS_SECTOR, (size_t)count * LFS_SECTOR);
	return 0;
}

static void le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (unsigned char)v;
}

/* Append a record straight to the disk; lfs_apply's result. */
static int emit(uint16_t type, const void *p1, size_t l1, const void *p2, size_t l2)
{
	uint64_t pos = lfs_place(&fs, fs.tail, (uint32_t)((LFS_HDR + l1 + l2 + LFS_SECTOR - 1) / LFS_SECTOR));
	if (!pos)
		return -ENOSPC;
	fs.tail = pos;
	unsigned char *h = disk + fs.tail * LFS_SECTOR;
	lfs_rec_begin(&fs, h, type, (uint32_t)(l1 + l2), 7);
	if (l1) /* memcpy from NULL is undefined even for 0 bytes (UBSan) */
		memcpy(h + LFS_HDR, p1, l1);
	if (l2)
		memcpy(h + LFS_HDR + l1, p2, l2);
	struct lfs_rec r = { fs.seq, 7, type, (uint32_t)(l1 + l2) };
	int e = lfs_apply(&fs, &r, h + LFS_HDR, fs.tail * LFS_SECTOR + LFS_HDR);
	if (e == 0)
		lfs_rec_seal(&fs, h);
	return e;
}

static uint64_t mknode(uint64_t dir, const char *name, uint32_t mode)
{
	unsigned char p[24];
	uint64_t ino = fs.next_ino;
	le(p, dir, 8);
	le(p + 8, ino, 8);
	le(p + 16, mode, 4);
	le(p + 20, strlen(name), 4);
	return emit(LFS_MKNODE, p, 24, name, strlen(name)) ? 0 : ino;
}

static int write_at(uint64_t ino, uint64_t off, const void *data, size_t len)
{
	unsigned char h[16];
	le(h, ino, 8);
	le(h + 8, off, 8);
	return emit(LFS_WRITE, h, 16, data, len);
}

static int name_op(uint16_t type, uint64_t dir, const char *name)
{
	unsigned char p[8];
	le(p, dir, 8);
	return emit(type, p, 8, name, strlen(name));
}

static int rename_op(uint64_t fdir, const char *from, uint64_t tdir, const char *to)
{
	unsigned char p[20];
	le(p, fdir, 8);
	le(p + 8, tdir, 8);
	le(p + 16, strlen(from), 4);
	char names[600];
	strcpy(names, from);
	strcat(names, to);
	return emit(LFS_RENAME, p, 20, names, strlen(names));
}

static void piece(void *ctx, uint64_t pos, uint64_t bytes, uint64_t at)
{
	memcpy((unsigned char *)ctx + at, disk + pos, bytes);
}

/* A file's contents as the tree says, from the disk. */
static int same(struct lfs *v, uint64_t ino, const unsigned char *want, size_t len)
{
	static unsigned char got[1 << 16];
	struct lfs_node *n = ino < v->cap ? v->nodes[ino] : NULL;
	if (!n || n->size != len)
		return 0;
	memset(got, 0, len);
	lfs_extents_read(n, 0, len, piece, got);
	return memcmp(got, want, len) == 0;
}

static void fresh(void)
{
	char err[100];
	memset(disk, 0, sizeof disk);
	lfs_super_encode(disk, &(struct lfs_super){ SECTORS, 0x1234, 0, 1, LFS_LOG0, 1, 77 });
	fs = (struct lfs){ 0 };
	lfs_init(&fs, disk, 2 * LFS_SECTOR, SECTORS, err, sizeof err);
}

/* Replay the disk into v: lfs_scan's result. */
static int replay(struct lfs *v, char *err)
{
	*v = (struct lfs){ 0 };
	if (lfs_init(v, disk, LFS_PROBE, SECTORS, err, 200))
		return -3;
	return lfs_scan(v, rd, NULL, err, 200);
}

int main(void)
{
	char err[200];
	struct lfs v;

	ok(lfs_crc32(0, "123456789", 9) == 0xcbf43926u, "CRC-32 of the check string");

	memset(disk, 0, sizeof disk);
	ok(lfs_init(&v, disk, LFS_PROBE, SECTORS, err, sizeof err) == -1 && strstr(err, "no tincan file system"),
	   "an all-zero disk has no file system: %s", err);
	memcpy(disk + 1024, "\x53\xef", 2);
	ok(lfs_init(&v, disk, LFS_PROBE, SECTORS, err, sizeof err) == -1 && strstr(err, "not a tincan"),
	   "zeroes in sector 0 but data after it: foreign: %s", err);

	/* Overlapping writes against a reference buffer. */
	fresh();
	uint64_t d = mknode(LFS_ROOT_INO, "d", S_IFDIR | 0755), f = mknode(d, "f", S_IFREG | 0644);
	ok(d == 2 && f == 3, "mknode numbers inodes in order");
	static unsigned char ref[1 << 16], buf[4096];
	size_t size = 0;
	srand(1);
	int good = 1;
	for (int i = 0; i < 300 && good; i++) {
		size_t off = (size_t)rand() % 60000, len = (size_t)rand() % 4096 + 1;
		for (size_t k = 0; k < len; k++)
			buf[k] = (unsigned char)rand();
		good = write_at(f, off, buf, len) == 0;
		memcpy(ref + off, buf, len);
		if (off + len > size)
			size = off + len;
		if (i % 50 == 49) { /* now and then a truncation, down and up */
			unsigned char t[16];
			size_t to = (size_t)rand() % size;
			le(t, f, 8);
			le(t + 8, to, 8);
			good = good && emit(LFS_TRUNCATE, t, 16, NULL, 0) == 0;
			memset(ref + to, 0, sizeof ref - to);
			size = to;
		}
	}
	ok(good && same(&fs, f, ref, size), "300 overlapping writes and truncations read back as written");
	ok(replay(&v, err) == 0 && v.records == fs.records && same(&v, f, ref, size) && v.tail == fs.tail,
	   "the replayed log gives the same file (%llu records)", (unsigned long long)v.records);

	/* Names. */
	ok(mknode(d, "f", S_IFREG) == 0, "a second f in d: refused");
	ok(name_op(LFS_UNLINK, LFS_ROOT_INO, "d") == -ENOTEMPTY, "removing a non-empty directory: ENOTEMPTY");
	uint64_t e = mknode(d, "e", S_IFDIR | 0700);
	ok(rename_op(LFS_ROOT_INO, "d", e, "x") == -EINVAL, "a directory renamed into itself: refused");
	ok(rename_op(d, "f", LFS_ROOT_INO, "g") == 0 && lfs_find(fs.nodes[1], "g", 1) && !lfs_find(fs.nodes[d], "f", 1),
	   "rename moves a file");
	ok(name_op(LFS_UNLINK, d, "nothere") == -ENOENT, "unlinking a missing name: ENOENT");
	ok(replay(&v, err) == 0 && lfs_find(v.nodes[1], "g", 1) && v.dirs == 3 && v.files == 1, "replay agrees");

	/* A torn last record: the log ends before it, cleanly. */
	uint64_t before = fs.tail, records = fs.records;
	ok(write_at(v.nodes[1] ? 3 : 3, 0, "torn", 4) == 0, "one more record");
	disk[before * LFS_SECTOR + LFS_HDR + 18] ^= 1;
	ok(replay(&v, err) == 0 && v.records == records && v.tail == before, "a torn record is the end of the log");
	/* The next writer starts over it, and the chain goes on. */
	fs.tail = v.tail, fs.seq = v.seq, fs.chain = v.chain, fs.records = v.records;
	ok(write_at(3, 0, "again", 5) == 0 && replay(&v, err) == 0 && v.records == records + 1,
	   "appending over a torn record");
	/* A stale record of the right volume and sequence number but written
	 * after another history (a different chain) is not taken. */
	struct lfs other = fs;
	other.chain ^= 1;
	unsigned char *h = disk + fs.tail * LFS_SECTOR;
	lfs_rec_begin(&other, h, LFS_TRUNCATE, 16, 7);
	le(h + LFS_HDR, 3, 8);
	le(h + LFS_HDR + 8, 0, 8);
	lfs_rec_seal(&other, h);
	ok(replay(&v, err) == 0 && v.records == records + 1, "a record from another chain ends the log");
	/* Another volume's record is not taken either. */
	other = fs;
	other.volid++;
	lfs_rec_begin(&other, h, LFS_TRUNCATE, 16, 7);
	lfs_rec_seal(&other, h);
	ok(replay(&v, err) == 0 && v.records == records + 1, "a record of another volume ends the log");

	/* A well-formed record that does not apply: corruption, not an end. */
	ok(replay(&v, err) == 0, "clean before");
	fs.tail = v.tail, fs.seq = v.seq, fs.chain = v.chain;
	h = disk + fs.tail * LFS_SECTOR;
	lfs_rec_begin(&fs, h, LFS_UNLINK, 9, 7);
	le(h + LFS_HDR, 99, 8);
	h[LFS_HDR + 8] = 'z';
	lfs_rec_seal(&fs, h);
	ok(replay(&v, err) == -1 && strstr(err, "does not apply"), "%s", err);

	/* Checkpoints.  A tree, then a checkpoint of it and a write after it. */
	fresh();
	f = mknode(LFS_ROOT_INO, "f", S_IFREG | 0644);
	ok(write_at(f, 0, "abc", 3) == 0, "a file");
	unsigned char p[24];
	le(p, fs.next_ino, 8);
	uint64_t seq = fs.seq, start = fs.tail;
	uint32_t chain = fs.chain;
	ok(emit(LFS_CKPT_BEGIN, p, 8, NULL, 0) == 0 && fs.ckpt == 2,
	   "a checkpoint in a log with records is said again");
	le(p, LFS_ROOT_INO, 8);
	le(p + 8, f, 8);
	le(p + 16, S_IFREG | 0644, 4);
	le(p + 20, 1, 4);
	ok(emit(LFS_SNAPNODE, p, 24, "f", 1) == 0 && fs.files == 1, "its SNAPNODE changes nothing");
	uint64_t ckpt_sectors = fs.tail;
	ok(write_at(f, 0, "abc", 3) == 0 && fs.nodes[f]->ext[0].pos == ckpt_sectors * LFS_SECTOR + LFS_HDR + 16,
	   "its WRITE points the file at the new copy");
	ok(replay(&v, err) == 0 && v.ckpt == 2 && same(&v, f, (const unsigned char *)"abc", 3),
	   "a log that ends inside a later checkpoint replays (the mount then closes it)");
	ok(emit(LFS_CKPT_END, NULL, 0, NULL, 0) == 0 && fs.ckpt == 0, "END");
	ok(write_at(f, 0, "X", 1) == 0, "a write after it");
	ok(replay(&v, err) == 0 && same(&v, f, (const unsigned char *)"Xbc", 3) && v.files == 1,
	   "replayed from the old start: the checkpoint's writes only");
	/* The superblock switch: the log starts at the checkpoint. */
	lfs_super_encode(disk + LFS_SECTOR, &(struct lfs_super){ SECTORS, 0x1234, 0, 2, start, seq, chain });
	ok(replay(&v, err) == 0 && v.sb.gen == 2 && same(&v, f, (const unsigned char *)"Xbc", 3) && v.files == 1 &&
	       v.records == fs.records - 2,
	   "replayed from the checkpoint: the same tree, from fewer records");
	fs.sb = v.sb;
	/* Damage the newer superblock: the older one still mounts. */
	disk[LFS_SECTOR + 50] ^= 1;
	ok(replay(&v, err) == 0 && v.sb.gen == 1 && same(&v, f, (const unsigned char *)"Xbc", 3),
	   "a damaged newer superblock: the older one counts");
	disk[LFS_SECTOR + 50] ^= 1;
	/* A checkpoint the log starts with must be whole. */
	uint64_t end_at = start + 2;
	memset(disk + end_at * LFS_SECTOR, 0, LFS_SECTOR); /* the SNAPNODE's successor (the WRITE) is gone */
	ok(replay(&v, err) == -1 && strstr(err, "inside the checkpoint"), "%s", err);

	/* The circular log: a record that does not fit before the end goes on
	 * from LFS_LOG0, and the space before the log's start is the limit. */
	fresh();
	lfs_super_encode(disk, &(struct lfs_super){ SECTORS, 0x1234, 0, 1, SECTORS - 3, 1, 77 });
	lfs_init(&fs, disk, 2 * LFS_SECTOR, SECTORS, err, sizeof err);
	f = mknode(LFS_ROOT_INO, "f", S_IFREG | 0644);
	memset(buf, 'w', 2000);
	ok(f && write_at(f, 0, buf, 2000) == 0 && fs.tail == LFS_LOG0 + 5, "a write that does not fit wraps");
	ok(lfs_used(&fs) == 3 + 5, "used: from the start to the end, and after the wrap");
	ok(replay(&v, err) == 0 && v.tail == fs.tail && same(&v, f, buf, 2000), "replay follows the wrap");
	ok(lfs_place(&fs, fs.tail, SECTORS - 4 - fs.tail) == fs.tail && !lfs_place(&fs, fs.tail, SECTORS - 3 - fs.tail),
	   "after a wrap the log ends at least one sector before its start");
	/* Filling the wrapped log up must end in ENOSPC, never with the tail on
	 * the start (which would read as an empty log and overwrite the
	 * checkpoint): one-sector records until the space runs out. */
	int full = 0;
	for (int i = 0; i < SECTORS && !full; i++) {
		uint64_t p = lfs_place(&fs, fs.tail, 1);
		if (!p)
			full = 1;
		else
			fs.tail = p + 1;
	}
	ok(full && fs.tail == SECTORS - 4 && lfs_used(&fs) > SECTORS / 2,
	   "a wrapped log fills up to one sector before its start, and then reads as full (used %llu)",
	   (unsigned long long)lfs_used(&fs));

	/* The superblock's checks. */
	fresh();
	disk[30] ^= 1;
	ok(replay(&v, err) == -3 && strstr(err, "bad superblock checksum"), "%s", err);
	lfs_super_encode(disk, &(struct lfs_super){ SECTORS * 2, 1, 0, 1, LFS_LOG0, 1, 0 });
	ok(replay(&v, err) == -3 && strstr(err, "made for 4096 sectors"), "%s", err);
	return done_testing();
}
