/* udpecho: a UDP echo network function.  udpecho [-a ADDR] [-p PORT]: bound
 * to ADDR (default: every address) and PORT (default 7); many can then share
 * a port on one host, one address each (make bench-density). */
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
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	while ((opt = getopt(argc, argv, "a:p:")) != -1) {
		if (opt == 'a' && inet_pton(AF_INET, optarg, &a.sin_addr) != 1) {
			fprintf(stderr, "udpecho: -a %s: not an IPv4 address\n", optarg);
			return 2;
		}
		if (opt != 'a' && (opt != 'p' || (port = atoi(optarg)) <= 0 || port > 65535)) {
			fprintf(stderr, "usage: udpecho [-a ADDR] [-p PORT]\n");
			return 2;
		}
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	char at[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a.sin_addr, at, sizeof at);
	a.sin_port = htons((uint16_t)port);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		fprintf(stderr, "udpecho: cannot bind %s port %d: %s\n", at, port, strerror(errno));
		return 1;
	}
	printf("udpecho: listening on UDP port %d%s%s\n", port, a.sin_addr.s_addr ? " of " : "",
	       a.sin_addr.s_addr ? at : "");
	fflush(stdout);
	for (;;) {
		static char buf[65536];
		struct sockaddr_in from;
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
