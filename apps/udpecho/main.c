/* udpecho: a UDP echo network function.  udpecho [-a ADDR] [-p PORT]: bound
 * to ADDR, IPv4 or IPv6 (default: every address of both), and PORT (default
 * 7); many can then share a port on one host, one address each (make
 * bench-density). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int port = 7, opt;
	/* Default: [::], both IPv4 and IPv6 (a dual-stack socket). */
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	const char *at = NULL;
	int v4 = 0;
	while ((opt = getopt(argc, argv, "a:p:")) != -1) {
		if (opt == 'a') {
			at = optarg;
			v4 = inet_pton(AF_INET, optarg, &a4.sin_addr) == 1;
			if (!v4 && inet_pton(AF_INET6, optarg, &a.sin6_addr) != 1) {
				fprintf(stderr, "udpecho: -a %s: not an IPv4 or IPv6 address\n", optarg);
				return 2;
			}
		} else if (opt != 'p' || (port = atoi(optarg)) <= 0 || port > 65535) {
			fprintf(stderr, "usage: udpecho [-a ADDR] [-p PORT]\n");
			return 2;
		}
	}
	int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
	a.sin6_port = a4.sin_port = htons((uint16_t)port);
	if (fd < 0 ||
	    (v4 ? bind(fd, (struct sockaddr *)&a4, sizeof a4) : bind(fd, (struct sockaddr *)&a, sizeof a)) < 0) {
		fprintf(stderr, "udpecho: cannot bind %s port %d: %s\n", at ? at : "::", port, strerror(errno));
		return 1;
	}
	printf("udpecho: listening on UDP port %d%s%s\n", port, at ? " of " : "", at ? at : "");
	fflush(stdout);
	for (;;) {
		static char buf[65536];
		struct sockaddr_storage from;
		socklen_t len = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
		if (n < 0) {
			fprintf(stderr, "udpecho: recvfrom: %s\n", strerror(errno));
			continue;
		}
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len) < 0)
			fprintf(stderr, "udpecho: sendto: %s\n", strerror(errno));
	}
}
