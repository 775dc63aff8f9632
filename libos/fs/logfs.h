/*
 * tincan's log-structured disk format (docs/blockfs-format.md): the record
 * encoding, its CRC, and the replay of a log into an in-memory tree.  Plain
 * C on the C library alone, shared by libos's backend (fs/blockfs.c) and the
 * host tool tincan-mkfs (mkimage/mkfs.c), like vfs/path.c.
 *
 * A disk is 512-byte sectors: the superblock in sector 0, then the log: a
 * sequence of records, each a whole number of sectors.  The tree holds
 * names and attributes; a file's contents are extents that point at the
 * data of WRITE records on the disk.
 */
#ifndef LIBOS_FS_LOGFS_H
#define LIBOS_FS_LOGFS_H

#include <stddef.h>
#include <stdint.h>

#define lfs_crc32 __tincan_lfs_crc32
#define lfs_super_encode __tincan_lfs_super_encode
#define lfs_init __tincan_lfs_init
#define lfs_scan __tincan_lfs_scan
#define lfs_apply __tincan_lfs_apply
#define lfs_node_free __tincan_lfs_node_free
#define lfs_find __tincan_lfs_find
#define lfs_rec_begin __tincan_lfs_rec_begin
#define lfs_rec_seal __tincan_lfs_rec_seal
#define lfs_extents_read __tincan_lfs_extents_read
#define lfs_place __tincan_lfs_place
#define lfs_used __tincan_lfs_used
#define lfs_next_extent __tincan_lfs_next_extent

#define LFS_SECTOR 512u
#define LFS_PROBE 4096u /* bytes lfs_init looks at to tell an empty disk */
#define LFS_VERSION 1u
#define LFS_HDR 40u /* record header bytes */
#define LFS_DATA_MAX 65536u /* data bytes in one WRITE record */
#define LFS_PAYLOAD_MAX (LFS_DATA_MAX + 16u)
#define LFS_REC_SECTORS_MAX ((LFS_HDR + LFS_PAYLOAD_MAX + LFS_SECTOR - 1) / LFS_SECTOR)
#define LFS_NAME_MAX 255u
#define LFS_ROOT_INO 1u
/* Inode numbers are below this: nodes are indexed by number, so a corrupt
 * or hostile disk cannot ask for a huge table (or loop doubling it). */
#define LFS_INO_MAX (1ULL << 24)
#define LFS_LOG0 2u /* the first sector of the log area (0 and 1: superblocks) */

/* Record types. */
enum {
	LFS_MKNODE = 1, /* parent, ino, mode, namelen, name, symlink target */
	LFS_LINK, /* parent, ino, name */
	LFS_UNLINK, /* parent, name: a file's name or an empty directory */
	LFS_RENAME, /* from parent, to parent, from name length, from name, to name */
	LFS_SETATTR, /* ino, mask, mode, atime, mtime */
	LFS_TRUNCATE, /* ino, size */
	LFS_WRITE, /* ino, offset, data */
	LFS_CKPT_BEGIN, /* next ino: a checkpoint (the whole tree again) follows */
	LFS_SNAPNODE, /* in a checkpoint: MKNODE's payload with any free ino */
	LFS_CKPT_END, /* empty: the checkpoint is whole */
};
#define LFS_ATTR_MODE 1u
#define LFS_ATTR_ATIME 2u
#define LFS_ATTR_MTIME 4u

struct lfs_ext {
	uint64_t off, len; /* bytes of the file */
	uint64_t pos; /* byte offset of the data on the disk */
};

struct lfs_node;
struct lfs_dent {
	struct lfs_dent *next;
	struct lfs_node *node;
	long seq; /* readdir cookie: grows with each entry the directory gets */
	char name[];
};

struct lfs_node {
	uint64_t ino;
	uint32_t mode; /* S_IFMT bits and permissions */
	uint32_t nlink;
	uint64_t size; /* a file's bytes, a link's target length */
	int64_t atime, mtime, ctime; /* nanoseconds since the epoch */
	struct lfs_ext *ext; /* a file's extents, sorted, not overlapping */
	size_t next, capext;
	char *target; /* a link's target */
	struct lfs_dent *ents; /* a directory's entries, oldest first */
	struct lfs_node *parent; /* a directory's parent */
	long next_seq;
};

/* A superblock (two copies: sectors 0 and 1; the valid one with the
 * higher generation counts). */
struct lfs_super {
	uint64_t sectors; /* of the volume */
	uint64_t volid;
	int64_t time; /* of creation */
	uint64_t gen;
	uint64_t log_start; /* the first record's sector */
	uint64_t start_seq; /* its sequence number */
	uint32_t start_chain; /* the CRC it is chained to */
};

/* A mounted (or checked) volume.  The log is circular: it runs from
 * sb.log_start to the end of the volume, then on from LFS_LOG0 (a record
 * that does not fit before the end starts at LFS_LOG0). */
struct lfs {
	struct lfs_super sb;
	uint64_t sectors; /* of the volume, from the superblock */
	uint64_t volid;
	int ckpt; /* replaying: 1 inside the checkpoint the log starts with, 2 inside a later one */
	uint64_t tail; /* the sector after the last record */
	uint64_t seq; /* the next record's sequence number */
	uint32_t chain; /* the last record's CRC (the superblock's before any) */
	uint64_t records, files, dirs, links, data; /* counts, for --check */
	struct lfs_node **nodes; /* by inode number */
	uint64_t next_ino, cap;
	size_t node_size; /* bytes to allocate per node (>= sizeof, node first) */
	int (*keep)(struct lfs_node *n); /* nonzero: a node without names stays (open) */
};

/* The record header, decoded. */
struct lfs_rec {
	uint64_t seq;
	int64_t time;
	uint16_t type;
	uint32_t len; /* payload bytes */
};

uint32_t lfs_crc32(uint32_t crc, const void *buf, size_t len);

/* A superblock sector. */
void lfs_super_encode(unsigned char sb[LFS_SECTOR], const struct lfs_super *s);

/* An empty tree (the root directory alone) for the volume whose first head
 * bytes (at least the superblock, LFS_PROBE when the disk has them) are at
 * sb; 0, or -1 with a reason in err: no file system (all head bytes zero:
 * an empty disk; another file system's superblock may lie past sector 0),
 * foreign, corrupt, or made for a larger disk than device_sectors. */
int lfs_init(struct lfs *fs, const unsigned char *sb, size_t head, uint64_t device_sectors, char *err, size_t errlen);

/* Replay the log after lfs_init.  read fills buf with count sectors from
 * sector; 0 or -errno.  The log ends at the first record that is torn,
 * stale or foreign (that is no error); a well-formed record that does not
 * apply is corruption: -1 with the reason in err.  -2 when read failed. */
int lfs_scan(struct lfs *fs, int (*read)(void *ctx, uint64_t sector, uint32_t count, void *buf), void *ctx, char *err,
	     size_t errlen);

/* Apply one record whose payload is at p (pos: its byte offset on the
 * disk); 0 or a negative errno (-ENOENT, -EEXIST, -ENOTEMPTY, -ENOTDIR,
 * -EISDIR, -EINVAL for a malformed record, -ENOMEM), the tree unchanged. */
int lfs_apply(struct lfs *fs, const struct lfs_rec *r, const unsigned char *p, uint64_t pos);

/* Free a node that has no names (once fs->keep lets go). */
void lfs_node_free(struct lfs *fs, struct lfs_node *n);

/* The entry name (len bytes) in directory dir, or NULL. */
struct lfs_dent *lfs_find(struct lfs_node *dir, const char *name, size_t len);

/* Write a record header for the next record into hdr (LFS_HDR bytes); its
 * payload follows at hdr + LFS_HDR.  The record takes the returned number of
 * sectors; its padding is zeroed by lfs_rec_seal. */
uint32_t lfs_rec_begin(struct lfs *fs, unsigned char *hdr, uint16_t type, uint32_t len, int64_t time);
/* Fill in the CRC (and the padding) of the record begun at hdr and advance
 * fs past it. */
void lfs_rec_seal(struct lfs *fs, unsigned char *hdr);

/* Where a record of secs sectors goes after the record ending at tail:
 * tail, or LFS_LOG0 when it does not fit before the end; 0 when the log is
 * full. */
uint64_t lfs_place(const struct lfs *fs, uint64_t tail, uint32_t secs);

/* Sectors the log takes. */
uint64_t lfs_used(const struct lfs *fs);

/* The first extent of n ending after off, clipped to start at off: 0 when
 * there is none. */
int lfs_next_extent(const struct lfs_node *n, uint64_t off, struct lfs_ext *e);

/* Which parts of [off, off + len) of file n are on the disk: calls fn for
 * each extent piece (pos, bytes, buffer offset); the rest is holes. */
void lfs_extents_read(const struct lfs_node *n, uint64_t off, uint64_t len,
		      void (*fn)(void *ctx, uint64_t pos, uint64_t bytes, uint64_t at), void *ctx);

#endif
