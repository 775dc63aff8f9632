/* The /dev file system (libos-internal): see devfs.c.  One instance, no
 * state: vfs_mount("/dev", &devfs_ops, NULL). */
#ifndef LIBOS_FS_DEVFS_H
#define LIBOS_FS_DEVFS_H

#include "vfs/vfs.h"

#define devfs_ops __tincan_devfs_ops

extern const struct fs_ops devfs_ops;

#endif
