/* udpecho: a UDP echo network function.  udpecho [-p PORT] (default 7). */
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
	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p' || (port = atoi(optarg)) <= 0 || port > 65535) {
			fprintf(stderr, "usage: udpecho [-p PORT]\n");
			return 2;
		}
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		fprintf(stderr, "udpecho: cannot bind port %d: %s\n", port, strerror(errno));
		return 1;
	}
	printf("udpecho: listening on UDP port %d\n", port);
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
