/* lwipopts.h: tincan's lwIP 2.1.3 configuration (toolchain/lwip.sh builds
 * liblwip.a with it; every file in this directory is part of that build's
 * cache key, so editing it rebuilds the library).
 *
 * Mode: NO_SYS=1, the raw (callback) API driven from one event loop that
 * calls sys_check_timeouts() and netif_poll_all().  tincan's own sockets
 * layer sits on top of the raw pcbs; lwIP's sockets/netconn need NO_SYS=0,
 * a tcpip thread and a sys_arch (init.c #errors otherwise). */
#ifndef TINCAN_LWIPOPTS_H
#define TINCAN_LWIPOPTS_H

/* ---- Mode ---------------------------------------------------------------- */
#define NO_SYS 1
/* One thread, and lwIP is never entered from an interrupt handler, so no
 * critical sections are needed (and no sys_arch_protect() to provide). */
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
/* No timers of lwIP's own (sys_timeout, its cyclic timers every 0.25-1 s):
 * libos/net/stack.c calls tcp_tmr, etharp_tmr, ip_reass_tmr and DHCP's
 * only while they have work, so an idle guest never wakes. */
#define LWIP_TIMERS 0

/* ---- Protocols ----------------------------------------------------------- */
#define LWIP_IPV4 1
/* IPv6 beside IPv4 (dual stack).  The reassembly code keeps a pointer in
 * the copied fragment header; with 8-byte pointers it does not fit there,
 * so x86-64 needs the copy (without it lwIP asserts at the first
 * reassembly timer). */
#define LWIP_IPV6 1
#define IPV6_FRAG_COPYHEADER 1
/* Addresses from router advertisements (SLAAC), as Linux does by default. */
#define LWIP_IPV6_AUTOCONFIG 1
#define LWIP_IPV6_NUM_ADDRESSES 4
/* Static IPv6 routes beside the router advertisements' default route
 * (libos/net/stack.c: tc_net_route6_add). */
struct netif;
struct ip6_addr;
struct netif *tincan_ip6_route(const struct ip6_addr *src, const struct ip6_addr *dest);
const struct ip6_addr *tincan_nd6_gw(struct netif *netif, const struct ip6_addr *dest);
#define LWIP_HOOK_IP6_ROUTE(src, dest) tincan_ip6_route((src), (dest))
#define LWIP_HOOK_ND6_GET_GW(netif, dest) tincan_nd6_gw((netif), (dest))
#define LWIP_ARP 1
/* Frames for a neighbour whose address is being resolved wait for it, as
 * Linux queues them (it keeps up to ~208 KiB per neighbour; lwIP counts
 * frames, and its memory budget bounds the bytes), instead of only the last
 * one.  libos/net/stack.c lets them leave before the guest exits. */
#define ARP_QUEUEING 1
#define ARP_QUEUE_LEN 512
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
/* Multicast sockets (libos/net/mcast.c): IGMPv2 for IPv4 groups (MLDv1 is
 * on with IPv6), the pcbs' multicast NIC, TTL and loop flag, and a
 * datagram to a group (or a broadcast) copied to every socket bound to
 * its port when they set SO_REUSEADDR, as on Linux. */
#define LWIP_IGMP 1
#define LWIP_MULTICAST_TX_OPTIONS 1
#define SO_REUSE_RXTOALL 1
/* For the DNS servers DHCP offers (dhcp.c stores them with dns_setserver;
 * libos/net/dns.c reads them with dns_getserver).  lwIP's own resolver
 * (dns_gethostbyname) is not used: one table entry is enough. */
#define LWIP_DNS 1
#define DNS_TABLE_SIZE 2 /* 1 trips a -Warray-bounds false positive in dns.c */
#define DNS_MAX_SERVERS 3
/* And the servers an IPv6 router advertisement's RDNSS option (RFC 8106)
 * names: nd6.c stores them the same way, from slot 0 (so the newest of
 * DHCP's and the RA's win). */
#define LWIP_ND6_RDNSS_MAX_DNS_SERVERS 3
/* 127.0.0.1 works without a NIC: lo is created by lwip_init(), and packets
 * to it are queued and delivered by netif_poll_all() in the event loop. */
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1

/* ---- Memory: from the guest's heap, within a budget ----------------------- */
/* lwIP's heap and every pool (pcbs, segments, rx pbufs) are malloc'd: an
 * idle guest touches none of it (fixed pools were ~650 KB of .bss, ~420 KB
 * of it written by memp_init), and connections are bounded by memory, not
 * by pool sizes.  tincan_lwip_malloc (libos/net/stack.c) keeps lwIP within
 * a quarter of guest memory: past it allocations fail as an empty pool
 * would (tcp_alloc then recycles TIME_WAIT pcbs). */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define mem_clib_malloc tincan_lwip_malloc
#define mem_clib_free tincan_lwip_free
#define mem_clib_calloc tincan_lwip_calloc
/* x86-64: 8 keeps u64_t and pointers naturally aligned (malloc gives 16). */
#define MEM_ALIGNMENT 8
/* Pool sizes no longer allocate anything; lwIP's init.c checks TCP's
 * queue lengths against them. */
#define MEMP_NUM_PBUF 64
#define MEMP_NUM_UDP_PCB 16
#define MEMP_NUM_TCP_PCB 64
#define MEMP_NUM_TCP_PCB_LISTEN 16
#define MEMP_NUM_TCP_SEG 4096
#define PBUF_POOL_SIZE 256

/* ---- TCP ------------------------------------------------------------------ */
#define TCP_MSS 1460 /* Ethernet MTU 1500 - 40 */
/* Windows sized for the bandwidth-delay product of a tap to a guest (~10
 * Gbit/s x ~200 us = 250 KB), so window scaling (RFC 7323): a 32 KiB window
 * bounded a bulk transfer to ~0.5 Gbit/s.  Advertised, not allocated: data
 * is queued only when the app does not read, within lwIP's memory budget. */
#define LWIP_WND_SCALE 1
#define TCP_RCV_SCALE 4
#define TCP_WND (512 * 1024)
/* 1 MiB in flight: with 256 KiB a guest sending to a veth-attached Linux
 * peer waited for ACKs (~4 Gbit/s, its CPU a third busy). */
#define TCP_SND_BUF (1024 * 1024)
/* lwIP's sanity checks (core/init.c): >= 2 * TCP_SND_BUF / TCP_MSS and
 * <= MEMP_NUM_TCP_SEG.  4x leaves room for small writes. */
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
/* Writable again once this much room is free (lwIP keeps it in 16 bits). */
#define TCP_SNDLOWAT (32 * 1024)
/* A window update once the app has read 64 KiB, not every 5,840 bytes:
 * each is a frame out, and with the host's merged 64 KiB segments the app
 * reads that much at a time. */
#define TCP_WND_UPDATE_THRESHOLD (TCP_WND / 8)
#define LWIP_TCP_KEEPALIVE 1 /* SO_KEEPALIVE for our sockets layer */
#define SO_REUSE 1 /* SO_REUSEADDR: rebind in TIME_WAIT */
/* Initial sequence numbers as RFC 6528 asks (libos/net/isn.c), not lwIP's
 * guessable counter. */
#define LWIP_HOOK_TCP_ISN tincan_tcp_isn
/* Routes (--route, --gw of any NIC): libos/net/netcfg.c's table, after
 * the netifs' own subnets, before the default netif. */
#define LWIP_HOOK_IP4_ROUTE_SRC(src, dest) tincan_ip4_route_src(src, dest)
#define LWIP_HOOK_ETHARP_GET_GW(netif, dest) tincan_etharp_gw(netif, dest)
/* listen()'s backlog: connections not yet accept()ed count against it
 * (libos/net/tcp.c: tcp_backlog_delayed), SYNs beyond it are dropped and the
 * client retries, as Linux does.  toolchain/lwip.sh widens lwIP's count to
 * 16 bits; libos caps the backlog at ACCEPT_QUEUE (4096, Linux's SOMAXCONN). */
#define TCP_LISTEN_BACKLOG 1
#define TCP_DEFAULT_LISTEN_BACKLOG 0xff /* for tcp_listen(); ours pass one */

/* Checksums per netif: a net device with the host's checksum offload
 * (libos/net/offload.c) has lwIP compute no TCP checksum on the way out,
 * and checks none on a frame the host vouches for. */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1

/* ---- Misc ----------------------------------------------------------------- */
#define LWIP_STATS 0
/* htons() and friends come from <netinet/in.h>; lwIP uses its own lwip_htons. */
#define LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS 1
/* Bound out-of-order segments per connection, so one peer cannot hold the pool. */
#define TCP_OOSEQ_MAX_PBUFS 8
/* Lets the sockets layer learn when DHCP has brought the interface up. */
#define LWIP_NETIF_STATUS_CALLBACK 1
/* LWIP_RAND (ephemeral ports, DHCP xid) is defined in arch/cc.h, as lwIP's
 * arch.h asks for it, next to tincan_lwip_rand()'s declaration. */

#endif /* TINCAN_LWIPOPTS_H */
