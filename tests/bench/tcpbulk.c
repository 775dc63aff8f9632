/*
 * The TCP bulk bench's server (tests/bench/net.sh): one source, built as a
 * tincan guest and as a Linux process.  tcpbulk [-p PORT] (default 5001)
 * serves one connection at a time; the client's first byte picks the
 * direction:
 *   'r'  the server receives: it reads and discards until the client shuts
 *        its side down, then answers with the byte count (8 bytes, host
 *        order) and closes;
 *   's'  the server sends 64 KiB writes until the client closes.
 * The client is `netclient bulk` (tests/tools/netclient.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[64 * 1024];

static void serve(int c)
{
	char mode;
	if (read(c, &mode, 1) != 1)
		return;
	if (mode == 'r') {
		uint64_t total = 0;
		ssize_t n;
		while ((n = read(c, buf, sizeof buf)) > 0)
			total += (uint64_t)n;
		if (n == 0 && send(c, &total, sizeof total, MSG_NOSIGNAL) != (ssize_t)sizeof total)
			fprintf(stderr, "tcpbulk: cannot send the count: %s\n", strerror(errno));
	} else if (mode == 's') {
		while (send(c, buf, sizeof buf, MSG_NOSIGNAL) > 0)
			;
	}
}

int main(int argc, char **argv)
{
	int port = 5001, opt, one = 1;
	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p' || (port = atoi(optarg)) <= 0 || port > 65535) {
			fprintf(stderr, "usage: tcpbulk [-p PORT]\n");
			return 2;
		}
	}
	memset(buf, 'x', sizeof buf);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 8) < 0) {
		fprintf(stderr, "tcpbulk: cannot listen on port %d: %s\n", port, strerror(errno));
		return 1;
	}
	printf("tcpbulk: listening on TCP port %d\n", port);
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL);
		if (c < 0) {
			fprintf(stderr, "tcpbulk: accept: %s\n", strerror(errno));
			continue;
		}
		serve(c);
		close(c);
	}
}
