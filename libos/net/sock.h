/*
 * BSD sockets over lwIP's raw API, the internal interface between the
 * socket files (libos/net).  Each socket is an open file (fd.c) whose private
 * state is a struct sock.  lwIP's callbacks only queue data and wake threads;
 * the calls do the copying and block the calling thread (not the guest) on
 * the socket's wait queue until a callback wakes it.
 *
 *   sock.c      the socket object: socket(), the fd look-up, waiting, the
 *               open-file ops (read, write, poll, close), shutdown()
 *   tcp.c       streams: lwIP's TCP callbacks, connect, listen/accept, data
 *   udp.c       datagrams: lwIP's UDP callback, data
 *   io.c        send/recv/sendto/recvfrom/sendmsg/recvmsg by socket type
 *   sockopt.c   setsockopt/getsockopt
 *   mcast.c     multicast: group membership, sending to groups
 *   sockaddr.c  sockaddr_in <-> lwIP addresses, bind, connect, the names
 *
 * Errors are negative errno inside, errno/-1 at the POSIX entry points.
 * The names declared here are global only inside tcnet.o: the Makefile keeps
 * just exports.txt's, so they cannot clash with the app's.
 */
#ifndef LIBOS_NET_SOCK_H
#define LIBOS_NET_SOCK_H

#include <stdint.h>
#include <sys/socket.h>

#include "lwip/ip_addr.h"
#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

#include "../fd.h"

#define DGRAM_QUEUE 64
/* Chains of unread stream data a socket keeps.  Unread data never exceeds
 * the window (TCP_WND: it reopens only as the app reads), and a chain is
 * closed only when the next delivery (at most TCP_OOSEQ_MAX_PBUFS + 1
 * segments, well under 32 KiB) does not fit, so every closed chain holds
 * more than 32 KiB: this many never fill, and lwIP's refused-data path
 * (tcp.c) stays a safety net. */
#define RX_CHAINS (TCP_WND / 0x8000 + 2)
#define ACCEPT_QUEUE 4096 /* the largest listen backlog, as Linux's SOMAXCONN */

/* Where a stream is in its life.  Datagram sockets stay SOCK_NEW: their
 * pcb knows whether they are connected. */
enum sock_state {
	SOCK_NEW, /* created or bound; also after a failed connect */
	SOCK_LISTENING,
	SOCK_CONNECTING,
	SOCK_CONNECTED, /* also once the pcb is gone after both sides closed */
	SOCK_DISCONNECTED, /* was connected; lwIP dropped it (reset, timeout) */
	SOCK_CLOSED, /* close()d while threads were blocked: the last frees it */
};

struct dgram {
	struct pbuf *p;
	ip_addr_t addr;
	u16_t port;
	u16_t ifindex; /* the NIC it came in on (if_nametoindex's), 0: loopback */
	uint8_t dst[16]; /* the address it was sent to, ::ffff:a.b.c.d for IPv4 (IP_PKTINFO, IPV6_PKTINFO) */
};

struct sock {
	int type; /* SOCK_STREAM or SOCK_DGRAM */
	enum sock_state state;
	unsigned nonblock : 1; /* O_NONBLOCK */
	unsigned linger_abort : 1; /* SO_LINGER on with 0 s: close() resets */
	unsigned rd_shut : 1, wr_shut : 1; /* shutdown() of our side */
	unsigned peer_eof : 1; /* the peer closed its side */
	unsigned out_pending : 1; /* on the list stream_output() sends */
	unsigned pktinfo : 1; /* IP_PKTINFO: recvmsg says where a datagram came in */
	unsigned pktinfo6 : 1; /* IPV6_RECVPKTINFO: the same as IPV6_PKTINFO */
	unsigned tx_pktinfo : 2; /* sendmsg's IP_PKTINFO (1) or IPV6_PKTINFO (2) */
	uint8_t sticky_if6; /* setsockopt's IPV6_PKTINFO: the NIC for IPv6 peers */
	struct pktinfo_ { /* the last datagram received, or sendmsg's */
		int ifindex; /* 0: loopback (received), none (sendmsg's) */
		uint8_t addr[16]; /* as struct dgram's dst; sendmsg's: the source, 0: none */
	} rx_info, tx_info;
	/* An AF_INET6 socket: its pcb takes both families (IPv4 peers appear
	 * as ::ffff:a.b.c.d) unless v6only (IPV6_V6ONLY). */
	unsigned v6 : 1, v6only : 1;
	int err; /* pending error, positive errno */
	struct tcp_pcb *tcp;
	struct udp_pcb *udp;
	struct mcast *mc; /* multicast options and groups (mcast.c), NULL: none set */
	/* Stream data not yet read: rx, then rx_more[0..rx_nmore).  A pbuf
	 * chain counts its length in 16 bits, and a scaled window lets far
	 * more than 64 KiB arrive unread, so it is kept as several chains. */
	struct pbuf *rx;
	struct pbuf *rx_more[RX_CHAINS];
	unsigned rx_nmore;
	struct dgram *dq; /* DGRAM_QUEUE entries, for datagram sockets only */
	unsigned dq_head, dq_len;
	/* Accepted, not yet returned by accept(): a list through aq_next. */
	struct sock *aq_first, *aq_last, *aq_next;
	unsigned aq_len;
	int backlog;
	struct tc_waitq waiters;
	uint64_t rcvtimeo, sndtimeo; /* ns, 0: forever */
	int busy; /* threads blocked in a call on this socket */
	struct sock *out_next;
};

/* tcp.c: send what send() queued on every socket (see stream_send). */
void stream_output(void);

/* sock.c */
/* The socket behind fd, or NULL with *err = -EBADF or -ENOTSOCK. */
struct sock *sock_get(int fd, int *err);
/* A new descriptor for s (flags: SOCK_NONBLOCK); frees s on failure. */
int sock_install(struct sock *s, int flags);
/* Let go of s's pcb and queued data, then of s. */
void sock_free(struct sock *s);
/* Wake the threads blocked on s (may be NULL) and those in poll(). */
void sock_wake(struct sock *s);
/*
 * Block until woken or the timeout (ns, 0: none); -EAGAIN on timeout.
 * -EBADF if another thread closed the socket meanwhile: the sock may be
 * gone then, so callers return at once without touching it.
 */
int sock_wait(struct sock *s, uint64_t timeout);
/* lwIP's err_t as a positive errno. */
int sock_errno(err_t e);
/* Whether a stream has been connected, whatever became of it since. */
static inline int sock_was_connected(const struct sock *s)
{
	return s->state == SOCK_CONNECTED || s->state == SOCK_DISCONNECTED;
}

/* The socket calls of sockops.h's struct sock_ops, by file. */
int inet_shutdown(int fd, int how); /* sock.c */
int inet_listen(int fd, int backlog); /* tcp.c */
int inet_accept(int fd, struct sockaddr *a, socklen_t *len, int flags);
ssize_t inet_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
		    socklen_t tolen); /* io.c */
ssize_t inet_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen);
int inet_setsockopt(int fd, int level, int name, const void *v, socklen_t len); /* sockopt.c */
int inet_getsockopt(int fd, int level, int name, void *v, socklen_t *len);
int inet_bind(int fd, const struct sockaddr *a, socklen_t len); /* sockaddr.c */
int inet_connect(int fd, const struct sockaddr *a, socklen_t len);
int inet_getsockname(int fd, struct sockaddr *a, socklen_t *len);
int inet_getpeername(int fd, struct sockaddr *a, socklen_t *len);
int inet_cmsg(int fd, struct msghdr *m, int send); /* sockopt.c */

/* tcp.c */
int stream_open(struct sock *s);
int stream_connect(struct sock *s, const ip_addr_t *ip, u16_t port);
ssize_t stream_send(struct sock *s, const uint8_t *buf, size_t len, int flags);
ssize_t stream_recv(struct sock *s, uint8_t *buf, size_t len, int flags);
short stream_poll(struct sock *s);
void stream_release(struct sock *s);

/* udp.c */
int dgram_open(struct sock *s);
ssize_t dgram_send(struct sock *s, const void *buf, size_t len, const struct sockaddr *to, socklen_t tolen);
ssize_t dgram_recv(struct sock *s, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen);
short dgram_poll(struct sock *s);
void dgram_release(struct sock *s);

/* mcast.c */
/* Whether level/name is one of mcast.c's options. */
int mcast_opt(int level, int name);
int mcast_setopt(struct sock *s, int level, int name, const void *v, socklen_t len);
int mcast_getopt(struct sock *s, int level, int name, void *v, socklen_t *len);
/* Before a datagram to dst leaves: the pcb's multicast NIC, TTL and loop
 * flag from the socket's options of dst's family (dst: a group's zone may
 * change to the NIC chosen).  Nothing for other destinations. */
void mcast_tx(struct sock *s, ip_addr_t *dst);
/* Whether a datagram to dst that came in on device dev is for s: always,
 * unless dst is a group and s turned IP(V6)_MULTICAST_ALL off and did not
 * join it there. */
int mcast_wanted(const struct sock *s, const ip_addr_t *dst, int dev);
/* Leave every group s joined, free its state. */
void mcast_release(struct sock *s);

/* sockaddr.c */
/* An address from the app for socket s as an lwIP address and port: a
 * sockaddr_in for an AF_INET socket; a sockaddr_in6 (or sockaddr_in, unless
 * v6only) for an AF_INET6 one, ::ffff:a.b.c.d meaning IPv4. */
int sockaddr_in_get(const struct sock *s, const struct sockaddr *a, socklen_t len, ip_addr_t *ip, u16_t *port);
/* Store ip (NULL: any) and port as s's family's sockaddr, cut to *len;
 * a or len may be NULL. */
void sockaddr_in_put(const struct sock *s, struct sockaddr *a, socklen_t *len, const ip_addr_t *ip, u16_t port);
/* The wildcard address a socket of s's family binds to. */
const ip_addr_t *sock_any(const struct sock *s);

#endif
