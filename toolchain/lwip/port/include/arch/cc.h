/* arch/cc.h: tincan's lwIP port, compiler/C library part.  lwIP is built
 * against newlib's headers, and each line below fixes a real clash found
 * doing that (see /work/shared/DEPS.md, section 2, "Header clashes"). */
#ifndef TINCAN_LWIP_ARCH_CC_H
#define TINCAN_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h> /* printf for LWIP_PLATFORM_DIAG/ASSERT */
#include <stdlib.h> /* abort */
#include <limits.h>

/* newlib 3.3's limits.h has no SSIZE_MAX.  Without it lwIP's arch.h does
 * "typedef int ssize_t", which conflicts with newlib's long ssize_t.  With
 * it, arch.h takes ssize_t from <unistd.h>. */
#ifndef SSIZE_MAX
#define SSIZE_MAX LONG_MAX
#endif

/* Use newlib's <errno.h> values.  LWIP_PROVIDE_ERRNO would redefine every
 * E* constant with Linux numbers (EINPROGRESS 115 vs newlib's 119). */
#define LWIP_ERRNO_STDINCLUDE 1

/* newlib defines struct timeval; lwIP's private copy would redefine it. */
#define LWIP_TIMEVAL_PRIVATE 0
#include <sys/time.h>

/* lwIP falls back to its own O_NONBLOCK (1) when <fcntl.h> was not seen;
 * apps pass newlib's (0x4000), so nonblocking mode would silently fail. */
#include <fcntl.h>

/* BYTE_ORDER is not set here: newlib's <machine/endian.h> (via
 * <sys/types.h>) defines it as LITTLE_ENDIAN = 1234, the same values as
 * lwIP's arch.h. */

/* Random numbers for ephemeral ports and DHCP transaction ids, from the
 * library OS.  This is u32_t, which arch.h defines only after this file. */
uint32_t tincan_lwip_rand(void);
#define LWIP_RAND() ((u32_t)tincan_lwip_rand())

/* lwIP's memory (lwipopts.h: MEM_LIBC_MALLOC), from libos/net/stack.c. */
#include <stddef.h>
void *tincan_lwip_malloc(size_t n);
void *tincan_lwip_calloc(size_t n, size_t size);
void tincan_lwip_free(void *p);

/* TCP connections by address and ports, for tcp_input() (libos/net/pcbhash.c;
 * toolchain/lwip.sh patches the calls in). */
struct tcp_pcb;
struct tcp_hdr;
struct tcp_pcb *tincan_tcp_lookup(const struct tcp_hdr *h, int timewait);
void tincan_tcp_hash_reg(struct tcp_pcb **list, struct tcp_pcb *pcb);
void tincan_tcp_hash_rmv(struct tcp_pcb **list, struct tcp_pcb *pcb);
void tincan_tcp_hash_drop(struct tcp_pcb *pcb);
/* RFC 6528 initial sequence numbers (libos/net/isn.c; lwipopts.h). */
struct ip_addr; /* ip_addr_t: IPv4 or IPv6 (lwipopts.h: LWIP_IPV6) */
uint32_t tincan_tcp_isn(const struct ip_addr *local_ip, uint16_t local_port, const struct ip_addr *remote_ip,
			uint16_t remote_port);
/* The route table (libos/net/netcfg.c; lwipopts.h). */
struct netif;
struct ip4_addr;
struct netif *tincan_ip4_route_src(const struct ip4_addr *src, const struct ip4_addr *dest);
const struct ip4_addr *tincan_etharp_gw(struct netif *netif, const struct ip4_addr *dest);

/* x is a parenthesized printf argument list. */
#define LWIP_PLATFORM_DIAG(x)                                                                                          \
	do {                                                                                                           \
		printf x;                                                                                              \
	} while (0)
/* An lwIP assertion ends the guest through libos's panic, which neither
 * allocates nor uses stdio, with the assertion as its message. */
void tincan_panic(const char *fmt, ...) __attribute__((__noreturn__, format(printf, 1, 2)));
#define LWIP_PLATFORM_ASSERT(x) tincan_panic("lwIP assertion \"%s\" failed at %s:%d", (x), __FILE__, __LINE__)

#endif /* TINCAN_LWIP_ARCH_CC_H */
