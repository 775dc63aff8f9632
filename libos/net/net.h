/* The networking object's internal interface (libos/net). */
#ifndef LIBOS_NET_H
#define LIBOS_NET_H

#include "../fd.h"

/* Every socket event wakes the threads waiting in poll()/select(): the
 * core's fd activity queue, under the name the socket code uses. */
#define net_activity fd_activity

#endif
