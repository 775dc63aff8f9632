/* The persistent file system on a block device (libos-internal): see
 * blockfs.c; the format is fs/logfs.h. */
#ifndef LIBOS_FS_BLOCKFS_H
#define LIBOS_FS_BLOCKFS_H

#define blockfs_mount_all __tincan_blockfs_mount_all

/* Mount every block device that has a mount point (vfs_setup()); a device
 * without a tincan file system gets one line on stderr, and path calls
 * beneath its mount point fail with EIO.  mkdir_p makes a mount point in
 * the file system below. */
void blockfs_mount_all(void (*mkdir_p)(const char *path));

#endif
