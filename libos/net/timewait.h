/* timewait.c: a SYN that may reuse a TIME_WAIT connection's 4-tuple. */
#ifndef TINCAN_NET_TIMEWAIT_H
#define TINCAN_NET_TIMEWAIT_H

#include <stddef.h>
#include <stdint.h>

/* Before lwIP sees frame f: end the TIME_WAIT that a SYN in it starts over. */
void tc_timewait_syn(const uint8_t *f, size_t len);

/* End the oldest TIME_WAIT connections past a bound (timewait.c). */
void tc_timewait_trim(void);

#endif
