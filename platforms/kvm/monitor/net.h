/* Net devices for tincan-run: tap devices attached to the guest's rings. */
#ifndef TINCAN_NET_H
#define TINCAN_NET_H

#include <stdint.h>

#include "../abi.h"
#include "options.h"

struct vm;

/* Attach the taps the command line names to the devices the manifest
 * declares and describe them in bi->net.  Exits with a message on any
 * mismatch or tap problem. */
void net_configure(struct vm *vm, const struct options *o, struct tc_boot_info *bi);

/* The hypercalls. */
void net_setup(struct vm *vm, uint64_t arg_gpa);
void net_hc_io(struct vm *vm, uint64_t arg_gpa);

/* Send queued frames and fill posted buffers for the devices in mask;
 * returns the devices that received frames. */
uint64_t net_io(struct vm *vm, uint64_t mask);

/* The tap fd of device i, or -1. */
int net_fd(int i);

#endif
