/* Unix domain socket addresses (Linux's layout).  AF_UNIX sockets work
 * between the threads of one guest (libos/unix.c). */
#ifndef TINCAN_SYS_UN_H
#define TINCAN_SYS_UN_H

#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sockaddr_un {
	sa_family_t sun_family; /* AF_UNIX */
	char sun_path[108];
};

#ifdef __cplusplus
}
#endif

#endif
