/*
 * Packing a host directory into an embedded tree (tincan/rootfs.h, the
 * format in docs/rootfs-format.md) for tincan-mkimage --rootfs.  Two
 * steps, so that nothing is written when the directory cannot be packed:
 * rootfs_scan checks every entry and lays the tree out, rootfs_write copies
 * it into a file.
 */
#ifndef TINCAN_MKIMAGE_ROOTFS_H
#define TINCAN_MKIMAGE_ROOTFS_H

#include <stddef.h>
#include <stdint.h>

struct rootfs;

/* Scan the tree under dir: regular files, directories and symbolic links
 * (not followed), hard links kept as one inode.  NULL with a one-line
 * reason in err for anything the format cannot hold: a device, FIFO or
 * socket, a directory met twice (a bind mount or hard-link loop), a name
 * or path over the limits, a tree over TC_ROOTFS_SIZE_MAX, an unreadable
 * entry. */
struct rootfs *rootfs_scan(const char *dir, char *err, size_t errlen);

/* Bytes the tree takes. */
uint64_t rootfs_size(const struct rootfs *fs);

/* Write the tree at byte off of fd; the file ends where the tree does.
 * 0, or -1 with a reason in err (a file changed while being packed, I/O). */
int rootfs_write(const struct rootfs *fs, int fd, uint64_t off, char *err, size_t errlen);

void rootfs_free(struct rootfs *fs);

#endif
