/* TCP checksum and segmentation offloads on the way out (offload.c). */
#ifndef TINCAN_NET_OFFLOAD_H
#define TINCAN_NET_OFFLOAD_H

#include <stddef.h>

/* Send a frame on a device with offloads (PLAT_NET_OFF_*); a TCP frame
 * may wait to be merged with the next.  0 or -errno. */
int tc_offload_send(int dev, unsigned offload, const void *frame, size_t len);

/* Send the frame waiting to be merged, if any. */
int tc_offload_flush(void);

#endif
