/* TCP checksum and segmentation offloads on the way out (offload.c). */
#ifndef TINCAN_NET_OFFLOAD_H
#define TINCAN_NET_OFFLOAD_H

struct pbuf;

/* Send the frame in p (at frame: p's payload, or a copy when p is a
 * chain) on a device with offloads (PLAT_NET_OFF_*); a TCP frame in one
 * pbuf may wait to be merged with the next, p held.  0 or -errno. */
int tc_offload_send(int dev, unsigned offload, struct pbuf *p, const void *frame);

/* Send the frame waiting to be merged, if any. */
int tc_offload_flush(void);

#endif
