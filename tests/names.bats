# Names: the resolver (getaddrinfo & co. against a DNS server inside the
# guest on 127.0.0.1, tests/guests/names.c), tincan-run's --dns and
# --host-entry, <netdb.h>/<ifaddrs.h> under strict C89, getifaddrs on a NIC.
load helpers
NAMES=$B/tests/names.tc

@test "resolver, services, protocols, getifaddrs (TAP from the guest)" {
	need_platform
	boot --mem=16M --dns=127.0.0.1 --host-entry=db.test:10.1.2.3 --host-entry=db6.test:fd00::db6 "$NAMES"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "bad --dns and --host-entry values: one-line errors" {
	need_platform
	for bad in 10.0.0.300 0.0.0.0 :: fd00::1/64 fd00:::1 fd00::x; do
		boot "--dns=$bad" "$NAMES"
		[ "$status" -eq 104 ]
		first_line_has "invalid --dns=$bad: expected an IPv4 or IPv6 address"
		[ "${#lines[@]}" -eq 1 ]
	done
	boot --dns=1.1.1.1 --dns=1.1.1.2 --dns=1.1.1.3 --dns=1.1.1.4 "$NAMES"
	[ "$status" -eq 104 ]
	first_line_has "more than 3 --dns options"
	for bad in db.test 'db test:10.0.0.1' ':10.0.0.1' 'a..b:10.0.0.1' 'db.test:10.0.0' 'db.test:' 'db.test::' 'db.test:fd00::g'; do
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

# A DNS (and DHCP) server outside the guest: dnsmasq on a tap in a network
# namespace of our own, on 10.79.0.1 and (names_net v6) fd00:79::1 too,
# logging the queries it gets in $BATS_TEST_TMPDIR/dnsmasq.log; with a
# second word nodhcp, it answers no DHCP.
names_net() {
	need_platform
	[ "$(id -u)" = 0 ] || skip "needs root (a tap in a network namespace)"
	[ -c /dev/net/tun ] && command -v ip > /dev/null || skip "no /dev/net/tun or ip(8)"
	command -v dnsmasq > /dev/null || skip "dnsmasq is not installed"
	NS=tincan-dns$$
	NETIMG=$BATS_TEST_TMPDIR/names.tc
	cp "$NAMES" "$NETIMG"
	"$B/bin/tincan-mkimage" --net=net0 "$NETIMG" > /dev/null
	ip netns add "$NS" || skip "could not create a network namespace"
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.79.0.1/24 dev tap0
	local listen='10.79.0.1:53 '
	if [ "${1:-}" = v6 ]; then
		ip netns exec "$NS" sysctl -qw net.ipv6.conf.tap0.accept_ra=0
		ip -n "$NS" addr add fd00:79::1/64 dev tap0 nodad
		listen='\[fd00:79::1\]:53 '
	fi
	local dhcp=(--dhcp-range=10.79.0.50,10.79.0.60,1h --dhcp-leasefile="$BATS_TEST_TMPDIR/leases")
	[ "${2:-}" != nodhcp ] || dhcp=()
	ip netns exec "$NS" timeout 60 dnsmasq --no-daemon --port=53 --interface=tap0 --bind-interfaces \
		--no-resolv --no-hosts --local=/test/ --host-record=web.test,10.79.0.80 --cname=www.test,web.test \
		"${dhcp[@]}" \
		--log-queries --log-facility="$BATS_TEST_TMPDIR/dnsmasq.log" \
		--pid-file="$BATS_TEST_TMPDIR/dnsmasq.pid" > /dev/null 2>&1 &
	DNSMASQ=$!
	for _ in $(seq 1 50); do
		ip netns exec "$NS" ss -lun 2>/dev/null | grep -q "$listen" && break
		sleep 0.1
	done
}

teardown() {
	if [ -n "${DNSMASQ:-}" ]; then
		kill "$DNSMASQ" 2>/dev/null || true
		wait "$DNSMASQ" 2>/dev/null || true
	fi
	[ -z "${NS:-}" ] || ip netns del "$NS" 2>/dev/null || true
}

@test "DHCP gives the DNS server: a host-side dnsmasq answers A, CNAME and NXDOMAIN" {
	names_net
	run timeout 30 ip netns exec "$NS" "$RUN" --mem=16M --net=tap0 "$NETIMG" resolve www.test nx.test web.test
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "www.test: 10.79.0.80" ]
	[ "${lines[1]}" = "nx.test: error -2 Name or service not known" ]
	[ "${lines[2]}" = "web.test: 10.79.0.80" ]
}

@test "--dns with a static address; a server that is not there: EAI_AGAIN within the bound" {
	names_net
	run timeout 30 ip netns exec "$NS" "$RUN" --mem=16M --net=tap0 --ip=10.79.0.2/24 --dns=10.79.0.1 \
		--host-entry=web.test:10.0.0.1 "$NETIMG" resolve www.test web.test
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "www.test: 10.79.0.80" ]
	[ "${lines[1]}" = "web.test: 10.0.0.1" ]
	start=$(date +%s%N)
	run timeout 30 ip netns exec "$NS" "$RUN" --mem=16M --net=tap0 --ip=10.79.0.2/24 --dns=10.79.0.9 \
		"$NETIMG" resolve web.test
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "$output ($ms ms)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "web.test: error -3 Temporary failure in name resolution" ]
	[ "$ms" -ge 3500 ] && [ "$ms" -lt 8000 ]
}

@test "--dns with an IPv6 server: the resolver asks it over IPv6 (UDP, and a host entry of IPv6)" {
	names_net v6
	run timeout 30 ip netns exec "$NS" "$RUN" --mem=16M --net=tap0 --ip=10.79.0.2/24 --ip=fd00:79::2/64 \
		--dns=fd00:79::1 --host-entry=db6.test:fd00:79::5 "$NETIMG" resolve www.test db6.test
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "www.test: 10.79.0.80" ]
	# AF_INET asked of a name with only an IPv6 host entry: none of that family.
	[[ ${lines[1]} == "db6.test: error "* ]]
	cat "$BATS_TEST_TMPDIR/dnsmasq.log"
	grep -q "query\[A\] www.test from fd00:79::2$" "$BATS_TEST_TMPDIR/dnsmasq.log"
	! grep -q "from 10.79.0.2$" "$BATS_TEST_TMPDIR/dnsmasq.log"
}

@test "an IPv6-only NIC (DHCP never answers) and --dns of IPv6: look-ups do not wait for DHCP" {
	names_net v6 nodhcp
	start=$(date +%s%N)
	run timeout 60 ip netns exec "$NS" "$RUN" --mem=16M --net=tap0 --ip=fd00:79::2/64 --dns=fd00:79::1 \
		"$NETIMG" resolve www.test web.test www.test
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "$output ($ms ms)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "www.test: 10.79.0.80" ]
	[ "${lines[1]}" = "web.test: 10.79.0.80" ]
	[ "${lines[2]}" = "www.test: 10.79.0.80" ]
	# DHCP's wait is 8 s (once): not taken; the link-local address's
	# duplicate check (a second or two) may be
	[ "$ms" -lt 5000 ]
}

@test "no NIC: a look-up with nowhere to ask fails at once, however many" {
	need_platform
	start=$(date +%s%N)
	run timeout 30 "$RUN" --mem=16M "$NAMES" resolve a.test b.test c.test
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "$output ($ms ms)"
	[ "$status" -eq 0 ]
	[ "${lines[2]}" = "c.test: error -3 Temporary failure in name resolution" ]
	[ "$ms" -lt 2000 ]
}

@test "DNS servers from a router advertisement (RDNSS): a guest with no --dns and no DHCP resolves through them" {
	names_net v6
	local radvd
	radvd=$(command -v radvd || echo /usr/sbin/radvd)
	[ -x "$radvd" ] || skip "radvd is not installed (apt-get install radvd)"
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.forwarding=1
	cat > "$BATS_TEST_TMPDIR/radvd.conf" <<-EOF
		interface tap0 {
			AdvSendAdvert on;
			MinRtrAdvInterval 3;
			MaxRtrAdvInterval 4;
			prefix fd00:79::/64 { AdvOnLink on; AdvAutonomous on; };
			RDNSS fd00:79::1 { };
		};
	EOF
	ip netns exec "$NS" timeout 60 "$radvd" -n -C "$BATS_TEST_TMPDIR/radvd.conf" -p "$BATS_TEST_TMPDIR/radvd.pid" \
		-m logfile -l "$BATS_TEST_TMPDIR/radvd.log" &
	local rpid=$!
	sleep 1
	# The look-up is the guest's first act: it waits for the advertisement
	# that answers its router solicitation (which leaves once the link-local
	# address is checked, about a second after boot).
	run timeout 30 ip netns exec "$NS" "$RUN" --mem=16M --net=tap0 --net-mac=02:00:00:00:79:02 --ip=10.79.0.2/24 \
		"$NETIMG" resolve www.test
	kill $rpid 2> /dev/null || true
	wait $rpid 2> /dev/null || true
	echo "$output"
	cat "$BATS_TEST_TMPDIR/dnsmasq.log" "$BATS_TEST_TMPDIR/radvd.log"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "www.test: 10.79.0.80" ]
	# Asked over IPv6, from the address SLAAC made from the MAC.
	grep -q "query\[A\] www.test from fd00:79::ff:fe00:7902$" "$BATS_TEST_TMPDIR/dnsmasq.log"
	# With no router, nowhere to ask: EAI_AGAIN after the bounded wait for
	# an advertisement (7 s).
	start=$(date +%s%N)
	run timeout 30 ip netns exec "$NS" "$RUN" --mem=16M --net=tap0 --ip=10.79.0.2/24 "$NETIMG" resolve www.test
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "$output ($ms ms)"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "www.test: error -3 Temporary failure in name resolution" ]
	[ "$ms" -ge 6500 ] && [ "$ms" -lt 11000 ]
}

@test "getifaddrs lists lo and the NIC with its addresses (IPv4 and IPv6), netmasks, broadcast and flags" {
	names_net
	run timeout 30 ip netns exec "$NS" "$RUN" --mem=16M --net=tap0 --ip=10.79.0.2/24 "$NETIMG" ifaddrs net0
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "1..5" ]
	! [[ $output == *"not ok"* ]]
}

@test "a program that links sockets declares net0; it runs without --net on loopback, elsewhere ENETUNREACH" {
	run "$B/bin/tincan-mkimage" "$NAMES"
	[[ $output == *"devices: 1"*"  net0 (net)"* ]]
	run "$B/bin/tincan-mkimage" "$B/apps/hello.tc"
	[[ $output == *"devices: 0"* ]]
	printf '#include <netinet/in.h>\n#include <sys/socket.h>\nint main(void) { return socket(AF_INET, SOCK_STREAM, 0) < 0; }\n' > "$BATS_TEST_TMPDIR/s.c"
	"$B/bin/tincan-cc" -o "$BATS_TEST_TMPDIR/s.tc" "$BATS_TEST_TMPDIR/s.c"
	run "$B/bin/tincan-mkimage" "$BATS_TEST_TMPDIR/s.tc"
	[[ $output == *"devices: 1"*"  net0 (net)"* ]]
	# Declaring it again is no error; --no-devices takes it away.
	run "$B/bin/tincan-mkimage" --print --net=net0 --name=s "$BATS_TEST_TMPDIR/s.tc"
	[ "$status" -eq 0 ]
	[[ $output == *"devices: 1"*"  net0 (net)"* ]]
	run "$B/bin/tincan-mkimage" --print --no-devices "$BATS_TEST_TMPDIR/s.tc"
	[[ $output == *"devices: 0"* ]]
	TINCAN_NO_AUTO_NET=1 "$B/bin/tincan-cc" -o "$BATS_TEST_TMPDIR/s2.tc" "$BATS_TEST_TMPDIR/s.c"
	run "$B/bin/tincan-mkimage" "$BATS_TEST_TMPDIR/s2.tc"
	[[ $output == *"devices: 0"* ]]
	need_platform
	boot "$NAMES" connect 10.1.2.3
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "connect: Network is unreachable" ]
	boot "$NAMES" connect 127.0.0.1
	[ "$output" = "connect: Connection refused" ]
}
