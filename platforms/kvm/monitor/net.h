/* Net devices for tincan-run: tap.c attaches tap devices, net.c moves frames
 * between them and the guest's rings. */
#ifndef TINCAN_NET_H
#define TINCAN_NET_H

#include <net/if.h>
#include <stdint.h>

#include "../abi.h"
#include "monitor.h"

struct net_dev {
	char tap[IFNAMSIZ];
	int fd;
	struct tc_net_ring *ring; /* host address, checked at setup; NULL until then */
	uint32_t tx_cons, rx_cons;
	uint8_t mac[6]; /* the guest's: a frame from another source is dropped */
	uint8_t offload; /* TC_NET_OFF_*: what the guest may use */
	uint8_t spoof; /* --net-allow-spoof: any source MAC goes */
	struct bucket rate; /* --net-rate: frames over it are dropped */
};

/* Devices 0 .. net_ndevs-1, attached by tap.c before the VM exists. */
extern struct net_dev net_devs[TC_NET_DEV_MAX];
extern unsigned net_ndevs;

#endif
