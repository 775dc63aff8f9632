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
	union {
		uint8_t __s6_addr[16];
		uint16_t __s6_addr16[8];
		uint32_t __s6_addr32[4];
	} __in6_union;
};
#define s6_addr __in6_union.__s6_addr
#define s6_addr16 __in6_union.__s6_addr16
#define s6_addr32 __in6_union.__s6_addr32

/* clang-format off */
#define IN6ADDR_ANY_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } } }
#define IN6ADDR_LOOPBACK_INIT { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } } }
/* clang-format on */
extern const struct in6_addr in6addr_any, in6addr_loopback;

#define __IN6_A(a) ((const uint8_t *)(a))
#define __IN6_W(a, i)                                                                                                  \
	((uint32_t)__IN6_A(a)[4 * (i)] << 24 | (uint32_t)__IN6_A(a)[4 * (i) + 1] << 16 |                               \
	 (uint32_t)__IN6_A(a)[4 * (i) + 2] << 8 | __IN6_A(a)[4 * (i) + 3])
#define IN6_IS_ADDR_UNSPECIFIED(a) (!__IN6_W(a, 0) && !__IN6_W(a, 1) && !__IN6_W(a, 2) && !__IN6_W(a, 3))
#define IN6_IS_ADDR_LOOPBACK(a) (!__IN6_W(a, 0) && !__IN6_W(a, 1) && !__IN6_W(a, 2) && __IN6_W(a, 3) == 1)
#define IN6_IS_ADDR_MULTICAST(a) (__IN6_A(a)[0] == 0xff)
#define IN6_IS_ADDR_LINKLOCAL(a) (__IN6_A(a)[0] == 0xfe && (__IN6_A(a)[1] & 0xc0) == 0x80)
#define IN6_IS_ADDR_SITELOCAL(a) (__IN6_A(a)[0] == 0xfe && (__IN6_A(a)[1] & 0xc0) == 0xc0)
#define IN6_IS_ADDR_V4MAPPED(a) (!__IN6_W(a, 0) && !__IN6_W(a, 1) && __IN6_W(a, 2) == 0xffff)
#define IN6_IS_ADDR_V4COMPAT(a) (!__IN6_W(a, 0) && !__IN6_W(a, 1) && !__IN6_W(a, 2) && __IN6_W(a, 3) > 1)
#define IN6_ARE_ADDR_EQUAL(a, b) (__builtin_memcmp((a), (b), 16) == 0)
#define IN6_IS_ADDR_MC_NODELOCAL(a) (IN6_IS_ADDR_MULTICAST(a) && (__IN6_A(a)[1] & 0xf) == 0x1)
#define IN6_IS_ADDR_MC_LINKLOCAL(a) (IN6_IS_ADDR_MULTICAST(a) && (__IN6_A(a)[1] & 0xf) == 0x2)
#define IN6_IS_ADDR_MC_SITELOCAL(a) (IN6_IS_ADDR_MULTICAST(a) && (__IN6_A(a)[1] & 0xf) == 0x5)
#define IN6_IS_ADDR_MC_ORGLOCAL(a) (IN6_IS_ADDR_MULTICAST(a) && (__IN6_A(a)[1] & 0xf) == 0x8)
#define IN6_IS_ADDR_MC_GLOBAL(a) (IN6_IS_ADDR_MULTICAST(a) && (__IN6_A(a)[1] & 0xf) == 0xe)

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
#define IPPROTO_ICMPV6 58
#define IPPROTO_RAW 255

#define IP_TOS 1
#define IP_TTL 2
/* Defined so programs compile; setsockopt answers ENOPROTOOPT for those
 * libos does not implement. */
#define IP_HDRINCL 3
#define IP_OPTIONS 4
#define IP_RECVTTL 12
#define IP_RECVTOS 13
#define IP_MTU_DISCOVER 10
#define IP_PKTINFO 8
#define IP_MULTICAST_IF 32
#define IP_MULTICAST_TTL 33
#define IP_MULTICAST_LOOP 34
#define IP_ADD_MEMBERSHIP 35
#define IP_DROP_MEMBERSHIP 36
#define IP_MULTICAST_ALL 49

#define SOL_IP 0

/* IP_PKTINFO: recvmsg's cmsg (the NIC a datagram came in on and the address
 * it was sent to); sendmsg's chooses the source (ipi_spec_dst, or the
 * address of NIC ipi_ifindex). */
struct in_pktinfo {
	int ipi_ifindex;
	struct in_addr ipi_spec_dst;
	struct in_addr ipi_addr;
};

/* IPV6_PKTINFO: recvmsg's cmsg (with IPV6_RECVPKTINFO on: the address a
 * datagram was sent to, ::ffff:a.b.c.d for IPv4, and the NIC it came in on);
 * sendmsg's chooses the source (ipi6_addr, one of the guest's) and the NIC
 * (ipi6_ifindex); setsockopt's sets a default NIC.  As glibc's. */
struct in6_pktinfo {
	struct in6_addr ipi6_addr;
	unsigned int ipi6_ifindex;
};

struct ip_mreq {
	struct in_addr imr_multiaddr;
	struct in_addr imr_interface;
};

/* IP_ADD_MEMBERSHIP, IP_MULTICAST_IF: the NIC by index (imr_ifindex), else
 * by one of its addresses (imr_address), else the default route's. */
struct ip_mreqn {
	struct in_addr imr_multiaddr;
	struct in_addr imr_address;
	int imr_ifindex;
};

struct ipv6_mreq {
	struct in6_addr ipv6mr_multiaddr;
	unsigned int ipv6mr_interface;
};

#define IPV6_UNICAST_HOPS 16
#define IPV6_MULTICAST_IF 17
#define IPV6_MULTICAST_HOPS 18
#define IPV6_MULTICAST_LOOP 19
#define IPV6_JOIN_GROUP 20
#define IPV6_LEAVE_GROUP 21
#define IPV6_ADD_MEMBERSHIP IPV6_JOIN_GROUP
#define IPV6_DROP_MEMBERSHIP IPV6_LEAVE_GROUP
#define IPV6_MULTICAST_ALL 29
#define IPV6_V6ONLY 26
#define IPV6_RECVPKTINFO 49
#define IPV6_PKTINFO 50
#define IPV6_TCLASS 67

#define INADDR_ANY ((in_addr_t)0x00000000)
#define INADDR_BROADCAST ((in_addr_t)0xffffffff)
#define INADDR_NONE ((in_addr_t)0xffffffff)
#define INADDR_LOOPBACK ((in_addr_t)0x7f000001)
#define INADDR_UNSPEC_GROUP ((in_addr_t)0xe0000000)
#define INADDR_ALLHOSTS_GROUP ((in_addr_t)0xe0000001)
#define INADDR_ALLRTRS_GROUP ((in_addr_t)0xe0000002)
#define INADDR_MAX_LOCAL_GROUP ((in_addr_t)0xe00000ff)
#define IN_MULTICAST(a) ((((in_addr_t)(a)) & 0xf0000000) == 0xe0000000)
#define INET_ADDRSTRLEN 16
#define INET6_ADDRSTRLEN 46

static __inline__ uint16_t __tincan_bswap16(uint16_t v)
{
	return __builtin_bswap16(v);
}
static __inline__ uint32_t __tincan_bswap32(uint32_t v)
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
