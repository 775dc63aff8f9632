/*
 * <tincan/netfn.h>: whole Ethernet frames on a named NIC, for packet-
 * processing apps (routers, firewalls, NATs, monitors), beside or instead
 * of the socket stack.  docs/netfn.md is the reference.
 *
 * Frames are Ethernet frames without FCS (14-byte header first).  Received
 * frames are read in place in the device's ring (no copy): they stay valid,
 * and writable, until the next tc_netfn_recv() or tc_netfn_release() on
 * that handle.  Sends only queue (the platform copies each frame once into
 * its transmit ring); they leave at the latest on tc_netfn_flush() or the
 * next wait.  Nothing here blocks except tc_netfn_wait().
 *
 * Errors: -1 with errno set, as system calls do.
 */
#ifndef TINCAN_NETFN_H
#define TINCAN_NETFN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* tc_netfn_open flags. */
#define TC_NETFN_ONLY                                                                                                  \
	1u /* take the NIC from the socket stack: it neither sees
			    its frames nor sends on it (default: beside it, the
			    app sees a copy of every frame the stack sees) */
#define TC_NETFN_PROMISC                                                                                               \
	2u /* every frame, whatever its destination MAC (default:
			       the NIC's own MAC, broadcast and multicast) */

/* Open the NIC the image manifest names `name` (e.g. "eth0", "lan").
 * A handle >= 0, or -1: ENODEV (no such NIC), EBUSY (already open),
 * EINVAL (unknown flags). */
int tc_netfn_open(const char *name, unsigned flags);

struct tc_netfn_info {
	char name[16];
	uint8_t mac[6];
	uint16_t mtu; /* largest frame payload (IP packet) the NIC takes */
	int index; /* its if_nametoindex() */
};
int tc_netfn_info(int h, struct tc_netfn_info *info);

/* A frame: where it is and how long. */
struct tc_frame {
	void *data;
	uint32_t len;
};

/* Up to max received frames into f[0..n), without waiting: n (0: none).
 * The previous batch of this handle is released first. */
int tc_netfn_recv(int h, struct tc_frame *f, unsigned max);

/* Release the last batch early (its frames' memory goes back to the NIC). */
void tc_netfn_release(int h);

/* Queue n frames to send on h: the number queued (fewer when the ring is
 * full: flush and retry the rest), or -1 (EMSGSIZE: a frame shorter than
 * 14 bytes or longer than the MTU plus 14). Frames may be ones just
 * received, on any handle, edited in place. */
int tc_netfn_send(int h, const struct tc_frame *f, unsigned n);

/* Hand what is queued to the host now. */
void tc_netfn_flush(void);

/* Wait until one of the n handles has a frame, or timeout_ns passes
 * (< 0: no limit), letting other threads run meanwhile; queued sends are
 * flushed first.  The bit mask of handles (1u << h) with frames, 0 on
 * timeout or after a signal handler ran (so that a wait with no limit
 * ends on SIGTERM). */
unsigned tc_netfn_wait(const int *h, unsigned n, int64_t timeout_ns);

/* Per-handle counters since open. */
struct tc_netfn_stats {
	uint64_t rx_frames, rx_bytes, tx_frames, tx_bytes;
	uint64_t tx_full; /* frames tc_netfn_send could not queue */
	uint64_t rx_dropped; /* frames lost: runts, frames longer than a buffer
				(in pieces), a full copy queue (beside) */
};
int tc_netfn_stats(int h, struct tc_netfn_stats *s);

#ifdef __cplusplus
}
#endif

#endif
