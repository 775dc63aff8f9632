/* Internet addresses for tincan guests (constants as on Linux). */
#ifndef TINCAN_NETINET_IN_H
#define TINCAN_NETINET_IN_H

#include <stdint.h>
#include <sys/socket.h>

/* A program that includes this header may create AF_INET sockets: the
 * reference links the lwIP stack (libtcnet.a) in.  AF_UNIX needs no
 * stack, and a program that never includes this header gets none. */
__asm__(".globl __tincan_inet_socket");

#ifdef __cplusplus
extern "C" {
#endif

#ifndef IN_ADDR_T_DEFINED
#define IN_ADDR_T_DEFINED
typedef uint32_t in_addr_t;
typedef uint16_t in_port_t;
#endif

struct in_addr {
	in_addr_t s_addr;
};

struct sockaddr_in {
	sa_family_t sin_family;
	in_port_t sin_port;
	struct in_addr sin_addr;
	unsigned char sin_zero[8];
};

struct in6_addr {
	uint8_t s6_addr[16];
};

struct sockaddr_in6 {
	sa_family_t sin6_family;
	in_port_t sin6_port;
	uint32_t sin6_flowinfo;
	struct in6_addr sin6_addr;
	uint32_t sin6_scope_id;
};

#define IPPROTO_IP 0
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_IPV6 41
#define IPPROTO_RAW 255

#define IP_TOS 1
#define IP_TTL 2

#define INADDR_ANY ((in_addr_t)0x00000000)
#define INADDR_BROADCAST ((in_addr_t)0xffffffff)
#define INADDR_NONE ((in_addr_t)0xffffffff)
#define INADDR_LOOPBACK ((in_addr_t)0x7f000001)
#define INET_ADDRSTRLEN 16
#define INET6_ADDRSTRLEN 46

static inline uint16_t __tincan_bswap16(uint16_t v)
{
	return __builtin_bswap16(v);
}
static inline uint32_t __tincan_bswap32(uint32_t v)
{
	return __builtin_bswap32(v);
}
#ifndef htons
#define htons(x) __tincan_bswap16(x)
#define ntohs(x) __tincan_bswap16(x)
#define htonl(x) __tincan_bswap32(x)
#define ntohl(x) __tincan_bswap32(x)
#endif

#ifdef __cplusplus
}
#endif

#endif
