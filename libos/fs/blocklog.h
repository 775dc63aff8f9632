/* The log of a block-device file system (libos-internal): its device
 * I/O, the append buffer, and compaction; see blocklog.c.  fs/blockfs.c
 * builds the file system on it. */
#ifndef LIBOS_FS_BLOCKLOG_H
#define LIBOS_FS_BLOCKLOG_H

#include <stddef.h>
#include <stdint.h>
#include <tincan/platform.h>

#include "fs/logfs.h"

#define bl_io __tincan_bl_io
#define bl_read_sectors __tincan_bl_read_sectors
#define bl_flush __tincan_bl_flush
#define bl_read_file __tincan_bl_read_file
#define bl_room __tincan_bl_room
#define bl_emit __tincan_bl_emit
#define bl_compact __tincan_bl_compact
#define bl_le __tincan_bl_le

#define BUF_BYTES (256u * 1024) /* the append buffer: at least a record */
#define BOUNCE (64u * 1024) /* device reads at most this at once */
/* Cache: 64 KiB pieces of the device, direct-mapped, allocated as reads
 * and writes need them: at most CACHE_MAX pieces (16 MiB) a device, fewer
 * when the heap's limit is small (blockfs.c sizes it).  A completed write
 * goes into the pieces it covers; a piece filled only by writes knows which
 * bytes of it are valid, so a log's tail is read back without the device. */
#define CACHE_MAX 256

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
	unsigned slots; /* pieces the cache may hold: 1..CACHE_MAX */
	unsigned char *cache[CACHE_MAX];
	uint64_t cache_tag[CACHE_MAX]; /* piece number + 1; 0: empty */
	uint32_t cache_lo[CACHE_MAX], cache_hi[CACHE_MAX]; /* the valid bytes [lo, hi) */
};

/* One request, waited for: 0 or -errno. */
int bl_io(struct bfs *b, enum plat_block_op op, uint64_t sector, uint32_t count, void *buf);
/* lfs_scan's reader (ctx: the struct bfs). */
int bl_read_sectors(void *ctx, uint64_t sector, uint32_t count, void *buf);
/* Write the buffered records out; with barrier, also make every completed
 * write stable (FLUSH) before returning.  0 or -EIO (then for good). */
int bl_flush(struct bfs *b, int barrier);
/* len bytes of file n from offset off into out (holes as zeros), from the
 * append buffer or the device; 0 or -EIO. */
int bl_read_file(struct bfs *b, const struct lfs_node *n, uint64_t off, uint64_t len, void *out);
/* Whether len bytes of WRITE records (or one record of len payload bytes)
 * fit after the tail. */
int bl_room(struct bfs *b, size_t len, int write);
/* Append one record (its payload: up to three pieces), applying it to the
 * tree first; nothing changes on an error. */
int bl_emit(struct bfs *b, uint16_t type, const void *p1, size_t l1, const void *p2, size_t l2, const void *p3,
	    size_t l3);
/* Compact the log (see blocklog.c): 0, or -ENOSPC when the tree does not fit. */
int bl_compact(struct bfs *b);
void bl_le(unsigned char *p, uint64_t v, int n);

#endif
