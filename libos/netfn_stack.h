/* What the raw-frame API (netfn.c, in libos.o) and the socket stack
 * (net/stack.c, in libtcnet.a, linked only into apps with sockets) share:
 * kept global, in the implementation's name space (libos/exports.txt). */
#ifndef LIBOS_NETFN_STACK_H
#define LIBOS_NETFN_STACK_H

#include <stddef.h>

#define netfn_only __tincan_netfn_only
#define netfn_beside __tincan_netfn_beside
#define netfn_copy __tincan_netfn_copy

/* Bit dev: device dev is open with TC_NETFN_ONLY (the stack neither reads
 * nor sends on it, and takes its netif down), or beside the stack (the
 * stack hands netfn_copy every whole frame it reads from it). */
extern unsigned netfn_only, netfn_beside;

/* A frame the stack received on dev (a beside handle's), before lwIP
 * sees it: netfn keeps a copy if it passes the handle's MAC filter. */
void netfn_copy(int dev, const void *frame, size_t len);

#endif
