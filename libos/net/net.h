/* The networking object's internal interface (libos/net). */
#ifndef LIBOS_NET_H
#define LIBOS_NET_H

#include "../sched.h"

/* Every socket event wakes the threads waiting in poll()/select(). */
extern struct tc_waitq net_activity;

#endif
