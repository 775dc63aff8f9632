/* The RAM file system (libos-internal): see ramfs.c. */
#ifndef LIBOS_FS_RAMFS_H
#define LIBOS_FS_RAMFS_H

#include "vfs/vfs.h"

#define ramfs_ops __tincan_ramfs_ops

struct ramfs_node;

/* One instance; a zeroed one is an empty file system (its root is made on
 * first use), so mounting another is one line:
 * static struct ramfs tmp; vfs_mount("/tmp", &ramfs_ops, &tmp); */
struct ramfs {
	struct ramfs_node *root;
	ino_t next_ino;
	size_t bytes; /* file data and names held, for statvfs */
};

extern const struct fs_ops ramfs_ops;

#endif
