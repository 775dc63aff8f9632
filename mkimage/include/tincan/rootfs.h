/*
 * The embedded read-only tree (tincan-mkimage --rootfs=DIR), byte by byte
 * in docs/rootfs-format.md.  Written by mkimage/rootfs.c, read in place by
 * libos/fs/rofs_tree.c.  The tree is one PT_LOAD segment (R--) of the image;
 * the manifest's rootfs_addr and rootfs_size say where it lies in memory.
 *
 * Little-endian.  Every offset is in bytes from the start of the tree.  The
 * tree starts page aligned; the header, the inode table and the directory
 * entries are 8-byte aligned, so a reader may use them in place.
 *
 *   header | inodes[ninodes] | dirents | names and link targets | file data
 */
#ifndef TINCAN_ROOTFS_H
#define TINCAN_ROOTFS_H

#include <stdint.h>

#define TC_ROOTFS_MAGIC 0x46524354u /* "TCRF" */
#define TC_ROOTFS_VERSION 1
#define TC_ROOTFS_NAME_MAX 255 /* bytes in one name */
#define TC_ROOTFS_PATH_MAX 1023 /* bytes in "/a/b/c" or in a link target */
#define TC_ROOTFS_SIZE_MAX (2ULL << 30) /* bytes in the whole tree */
#define TC_ROOTFS_DATA_ALIGN 16 /* each file's data starts at a multiple */

/* The file types, as Linux (and newlib) numbers them in st_mode. */
#define TC_ROOTFS_S_IFMT 0170000u
#define TC_ROOTFS_S_IFDIR 0040000u
#define TC_ROOTFS_S_IFREG 0100000u
#define TC_ROOTFS_S_IFLNK 0120000u

struct tc_rootfs_header {
	uint32_t magic; /* TC_ROOTFS_MAGIC */
	uint32_t version; /* TC_ROOTFS_VERSION */
	uint64_t size; /* bytes of the whole tree, header included */
	uint32_t ninodes; /* entries in the inode table; inode 0 is the root directory */
	uint32_t reserved0; /* 0 */
	uint64_t inode_off; /* offset of the inode table (64) */
	uint64_t reserved[4]; /* 0 */
};

struct tc_rootfs_inode {
	uint32_t mode; /* type (S_IFDIR, S_IFREG or S_IFLNK) | permissions (07777) */
	uint32_t nlink; /* files: names in the tree; directories: 2 + subdirectories */
	int64_t mtime; /* seconds since the epoch */
	uint32_t mtime_nsec;
	uint32_t reserved; /* 0 */
	uint64_t size; /* file: bytes; directory: entries; symlink: bytes of its target */
	uint64_t off; /* file: its data; directory: its first entry; symlink: its target */
};

/* A directory's entries are contiguous and sorted by name (bytewise, a
 * shorter name before a longer one it starts); no "." or "..". */
struct tc_rootfs_dirent {
	uint32_t ino; /* index in the inode table */
	uint32_t name_len; /* 1 to TC_ROOTFS_NAME_MAX; no '/' or NUL in the name */
	uint64_t name_off; /* the name's bytes (not NUL-terminated) */
};

_Static_assert(sizeof(struct tc_rootfs_header) == 64, "rootfs header is 64 bytes");
_Static_assert(sizeof(struct tc_rootfs_inode) == 40, "rootfs inode is 40 bytes");
_Static_assert(sizeof(struct tc_rootfs_dirent) == 16, "rootfs dirent is 16 bytes");

#endif
