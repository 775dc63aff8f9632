/*
 * Snapshot and restore, the guest's side (tests/kvm/snapshot-guest.bats).
 *   snap ready [HOST PORT [LPORT]]  tincan_ready(), then report
 *   snap auto [HOST PORT [LPORT]]   a sleep (the automatic ready point), then report
 *   snap file A B                   a host-directory file open across a snapshot
 * The report, one item a line: "ready N" (tincan_ready's value; auto: -),
 * "env VALUE" (SNAP_ENV, or -), "name ADDR" (with SNAP_NAME set: the name
 * it gives resolved, as "name-before ADDR" before the ready point too, so
 * the resolver has read its configuration then), "random HEX" (16 bytes of
 * getrandom),
 * "arc4random HEX",
 * "realtime S" (CLOCK_REALTIME, seconds), "addr A" (the first net device's
 * IPv4 address, or -); with HOST and PORT it then connects there by TCP
 * (from local port LPORT if given); with SNAP_HOLD set in the snapshot's
 * environment a connection there opened before the snapshot is written to
 * after it: "held written" or "held ERROR"
 * (the test sees the SYN's sequence number and MAC on the tap) and prints
 * "port P", the connection's local port, and "sent N".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <tincan.h>

/* snap file A B: a file of a host directory opened before the snapshot
 * (A) is gone in a restore: EBADF where the guest has not cached it, never
 * another file (B, opened after the restore, has the host's handle A had). */
static int file(const char *a, const char *b)
{
	char c;
	int fd = open(a, O_RDONLY);
	if (fd < 0 || read(fd, &c, 1) != 1)
		return 6;
	printf("ready %d\n", tincan_ready());
	int other = open(b, O_RDONLY);
	printf("other %c\n", other >= 0 && read(other, &c, 1) == 1 ? c : '-');
	errno = 0;
	ssize_t n = pread(fd, &c, 1, 8192); /* a page the guest never read */
	printf("stale %s\n", n == 1 ? (c == 'a' ? "a" : "another file") : errno == EBADF ? "EBADF" : strerror(errno));
	printf("close %d\n", close(fd));
	return 0;
}

/* name's first IPv4 address, or the error. */
static const char *resolve(const char *name)
{
	static char a[INET_ADDRSTRLEN + 32];
	struct addrinfo h = { .ai_family = AF_INET }, *r;
	int e = getaddrinfo(name, NULL, &h, &r);
	if (e)
		return gai_strerror(e);
	inet_ntop(AF_INET, &((struct sockaddr_in *)r->ai_addr)->sin_addr, a, sizeof a);
	freeaddrinfo(r);
	return a;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "file"))
		return file(argv[2], argv[3]);
	if (argc < 2 || (strcmp(argv[1], "ready") && strcmp(argv[1], "auto"))) {
		fprintf(stderr, "usage: snap ready|auto [HOST PORT [LPORT]] | file A B\n");
		return 2;
	}
	/* Random numbers drawn before the snapshot too: a generator keyed
	 * then must be keyed anew in each restore (newlib's arc4random keeps
	 * keystream of its own). */
	unsigned char r[16];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return 3;
	(void)arc4random();
	/* And a TCP connection (to nobody, on loopback): the ISN key is drawn. */
	if (argc > 3) {
		struct sockaddr_in lo = { .sin_family = AF_INET,
					  .sin_port = htons(1),
					  .sin_addr.s_addr = htonl(0x7f000001) };
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0 || !connect(s, (struct sockaddr *)&lo, sizeof lo))
			return 5;
		close(s);
	}
	/* SNAP_HOLD set: a connection to HOST PORT open across the snapshot,
	 * which a restore must have ended (its peer knew another VM). */
	int hold = -1;
	if (argc > 3 && getenv("SNAP_HOLD")) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
		hold = socket(AF_INET, SOCK_STREAM, 0);
		if (hold < 0 || inet_pton(AF_INET, argv[2], &to.sin_addr) != 1 ||
		    connect(hold, (struct sockaddr *)&to, sizeof to))
			return 7;
	}
	printf("booted\n");
	if (getenv("SNAP_NAME"))
		printf("name-before %s\n", resolve(getenv("SNAP_NAME")));
	fflush(stdout);
	if (!strcmp(argv[1], "ready")) {
		printf("ready %d\n", tincan_ready());
	} else {
		usleep(200000);
		printf("ready -\n");
	}
	const char *env = getenv("SNAP_ENV");
	printf("env %s\n", env ? env : "-");
	if (getenv("SNAP_NAME"))
		printf("name %s\n", resolve(getenv("SNAP_NAME")));
	/* newlib's setenv writes a value that fits over the old one. */
	if (env) {
		setenv("SNAP_ENV", "z", 1);
		printf("setenv %s\n", getenv("SNAP_ENV"));
	}
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return 3;
	printf("random ");
	for (size_t i = 0; i < sizeof r; i++)
		printf("%02x", r[i]);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("\narc4random %08x\n", (unsigned)arc4random());
	printf("realtime %lld\n", (long long)ts.tv_sec);
	/* With HOST: up to 10 s for an address (DHCP). */
	char addr[INET_ADDRSTRLEN] = "-";
	for (int tries = 0; tries < (argc < 4 ? 1 : 200) && !strcmp(addr, "-"); tries++) {
		struct ifaddrs *ifa, *i;
		if (tries)
			usleep(50000);
		if (getifaddrs(&ifa))
			continue;
		for (i = ifa; i; i = i->ifa_next)
			if (strcmp(i->ifa_name, "lo") && i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr) {
				inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, addr, sizeof addr);
				break;
			}
		freeifaddrs(ifa);
	}
	printf("addr %s\n", addr);
	fflush(stdout);
	if (argc < 4)
		return 0;
	if (hold >= 0) {
		errno = 0;
		ssize_t n = write(hold, "x", 1);
		printf("held %s\n", n == 1 ? "written" : strerror(errno));
	}
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[3])) };
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_port = htons((uint16_t)(argc > 4 ? atoi(argv[4]) : 0)) };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || inet_pton(AF_INET, argv[2], &to.sin_addr) != 1 ||
	    (argc > 4 && bind(s, (struct sockaddr *)&from, sizeof from)) ||
	    connect(s, (struct sockaddr *)&to, sizeof to)) {
		perror("connect");
		return 4;
	}
	struct sockaddr_in me;
	socklen_t len = sizeof me;
	getsockname(s, (struct sockaddr *)&me, &len);
	printf("port %u\n", ntohs(me.sin_port));
	printf("sent %zd\n", write(s, "snap\n", 5));
	close(s);
	return 0;
}
