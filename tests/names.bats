# Names: the resolver (getaddrinfo & co. against a DNS server inside the
# guest on 127.0.0.1, tests/guests/names.c), tincan-run's --dns and
# --host-entry, <netdb.h>/<ifaddrs.h> under strict C89, getifaddrs on a NIC.
load helpers
NAMES=$B/tests/names.tc

@test "resolver, services, protocols, getifaddrs (TAP from the guest)" {
	need_platform
	boot --mem=16M --dns=127.0.0.1 --host-entry=db.test:10.1.2.3 "$NAMES"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "bad --dns and --host-entry values: one-line errors" {
	need_platform
	boot --dns=10.0.0.300 "$NAMES"
	[ "$status" -eq 104 ]
	first_line_has "invalid --dns=10.0.0.300: expected an IPv4 address like 10.0.0.1"
	boot --dns=0.0.0.0 "$NAMES"
	[ "$status" -eq 104 ]
	boot --dns=1.1.1.1 --dns=1.1.1.2 --dns=1.1.1.3 --dns=1.1.1.4 "$NAMES"
	[ "$status" -eq 104 ]
	first_line_has "more than 3 --dns options"
	for bad in db.test 'db test:10.0.0.1' ':10.0.0.1' 'a..b:10.0.0.1' 'db.test:10.0.0' 'db.test:'; do
		boot "--host-entry=$bad" "$NAMES"
		[ "$status" -eq 104 ]
		first_line_has "invalid --host-entry=$bad: expected NAME:ADDR like db.example:10.0.0.5"
		[ "${#lines[@]}" -eq 1 ]
	done
}

@test "<netdb.h>, <ifaddrs.h>, <netinet/in.h> compile under -ansi and -std=c89 -pedantic -Werror" {
	cat > "$BATS_TEST_TMPDIR/h.c" <<'C'
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
int main(void)
{
	struct hostent he, *h = gethostbyname("x");
	struct servent *s = getservbyname("http", "tcp");
	struct protoent *p = getprotobyname("tcp");
	struct addrinfo hints, *res;
	struct ifaddrs *ifa;
	char buf[64];
	int herr = h_errno;
	hints.ai_flags = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_NUMERICSERV | AI_ADDRCONFIG | AI_V4MAPPED;
	herror("x");
	return (h != 0) + (s ? ntohs((unsigned short)s->s_port) : 0) + (p ? p->p_proto : 0) +
	       getaddrinfo("x", "http", &hints, &res) + (gethostbyname_r("x", &he, buf, sizeof buf, &h, &herr) != 0) +
	       getifaddrs(&ifa) + (int)htonl(1) + NI_NAMEREQD + EAI_AGAIN + HOST_NOT_FOUND + IFF_UP +
	       (hstrerror(herr) != 0) + (gethostbyaddr(buf, 4, AF_INET) != 0) + (getservbyport(80, 0) != 0);
}
C
	for std in -ansi -std=c89; do
		run "$B/bin/tincan-cc" $std -pedantic -Werror -Wall -Wextra -fsyntax-only "$BATS_TEST_TMPDIR/h.c"
		echo "$output"
		[ "$status" -eq 0 ]
	done
}

@test "hello links no resolver" {
	[ "$(nm "$B/apps/hello.tc" | grep -c -w -e getaddrinfo -e gethostbyname -e getservbyname -e getifaddrs)" -eq 0 ]
}
