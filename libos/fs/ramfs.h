/* The RAM file system (libos-internal): see ramfs.c. */
#ifndef LIBOS_FS_RAMFS_H
#define LIBOS_FS_RAMFS_H

#include "vfs/vfs.h"

struct ramfs_node;

/* One instance; a zeroed one is an empty file system, so mounting another
 * is one line: static struct ramfs tmp; vfs_mount("/tmp", &ramfs_ops, &tmp); */
struct ramfs {
	struct ramfs_node *nodes;
	struct vnode root;
};

extern const struct fs_ops ramfs_ops;

#endif
