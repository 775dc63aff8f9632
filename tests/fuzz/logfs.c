/*
 * Fuzz target: the block file system's log replay (libos/fs/logfs.c) as
 * tincan-mkfs --check and the guest's mount use it, on a hostile disk: the
 * input is the start of a 2 MiB disk (the rest reads as zeroes).  Every
 * record carries a chained CRC that random bytes never match, so for an
 * input of even length the harness first re-seals what looks like the
 * superblocks and the records of the log (their CRCs, volume id and
 * sequence numbers) and replay goes deep; an odd-length input is replayed
 * as it is.  After replay, every file's extents must lie on the disk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "logfs.h"

#define DISK_SECTORS 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char *disk;
static size_t disk_len;

static int rd(void *ctx, uint64_t sector, uint32_t count, void *buf)
{
	(void)ctx;
	if (sector > DISK_SECTORS || count > DISK_SECTORS - sector)
		abort(); /* the replay asked for sectors past the device */
	uint64_t off = sector * LFS_SECTOR, len = (uint64_t)count * LFS_SECTOR, have = 0;
	if (off < disk_len)
		have = disk_len - off < len ? disk_len - off : len;
	memcpy(buf, disk + off, have);
	memset((unsigned char *)buf + have, 0, len - have);
	return 0;
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

/* Re-seal the superblocks and the records from the log's start. */
static void reseal(void)
{
	for (unsigned s = 0; s < 2; s++) {
		unsigned char *sb = disk + s * LFS_SECTOR;
		if (disk_len >= (s + 1) * LFS_SECTOR && memcmp(sb, "TINCANFS", 8) == 0)
			put(sb + 68, lfs_crc32(0, sb, 68), 4);
	}
	struct lfs fs = { 0 };
	char err[200];
	size_t head = disk_len < LFS_PROBE ? disk_len / LFS_SECTOR * LFS_SECTOR : LFS_PROBE;
	if (head < LFS_SECTOR || lfs_init(&fs, disk, head, DISK_SECTORS, err, sizeof err))
		return;
	uint64_t pos = fs.sb.log_start, seq = fs.sb.start_seq;
	uint32_t chain = fs.sb.start_chain;
	for (int n = 0; n < 1000 && pos < fs.sectors; n++) {
		unsigned char *h = disk + pos * LFS_SECTOR;
		if ((pos + 1) * LFS_SECTOR > disk_len || get(h, 4) != 0x474c4354u)
			break;
		uint32_t len = (uint32_t)get(h + 36, 4);
		if (len > LFS_PAYLOAD_MAX || pos * LFS_SECTOR + LFS_HDR + len > disk_len)
			break;
		put(h + 8, fs.volid, 8);
		put(h + 16, seq++, 8);
		put(h + 34, 0, 2);
		chain = lfs_crc32(chain, h + 8, LFS_HDR - 8 + len);
		put(h + 4, chain, 4);
		pos += (LFS_HDR + len + LFS_SECTOR - 1) / LFS_SECTOR;
	}
	lfs_node_free(&fs, fs.nodes[LFS_ROOT_INO]);
	free(fs.nodes);
}

static uint64_t disk_bytes;
static void piece(void *ctx, uint64_t pos, uint64_t bytes, uint64_t at)
{
	(void)ctx, (void)at;
	if (pos > disk_bytes || bytes > disk_bytes - pos)
		abort(); /* an extent off the disk */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > DISK_SECTORS * LFS_SECTOR)
		return 0;
	disk = malloc(size ? size : 1);
	memcpy(disk, data, size);
	disk_len = size;
	if (size % 2 == 0)
		reseal();

	struct lfs fs = { 0 };
	char err[256];
	unsigned char head[LFS_PROBE] = { 0 };
	size_t hl = size < LFS_PROBE ? size / LFS_SECTOR * LFS_SECTOR : LFS_PROBE;
	memcpy(head, disk, hl);
	if (hl >= LFS_SECTOR && lfs_init(&fs, head, hl, DISK_SECTORS, err, sizeof err) == 0) {
		int r = lfs_scan(&fs, rd, NULL, err, sizeof err);
		disk_bytes = fs.sectors * LFS_SECTOR;
		if (r == 0) {
			(void)lfs_used(&fs);
			(void)lfs_place(&fs, fs.tail, 3);
		}
		for (uint64_t i = 0; i < fs.cap; i++) {
			struct lfs_node *n = fs.nodes[i];
			if (!n)
				continue;
			if (S_ISREG(n->mode)) {
				lfs_extents_read(n, 0, n->size, piece, NULL);
				struct lfs_ext e;
				(void)lfs_next_extent(n, n->size / 2, &e);
			}
			for (struct lfs_dent *d = n->ents; d; d = d->next)
				if (lfs_find(n, d->name, strlen(d->name)) == NULL)
					abort();
			for (struct lfs_dent *d = n->ents, *next; d; d = next) {
				next = d->next;
				free(d);
			}
			lfs_node_free(&fs, n);
		}
		free(fs.nodes);
	}
	free(disk);
	return 0;
}
