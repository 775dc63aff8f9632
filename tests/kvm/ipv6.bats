# IPv6 on a guest's net device (libos/net/stack6.c, lwipopts.h LWIP_IPV6):
# a link-local address from the MAC, addresses from router advertisements
# (radvd in the test's namespace), the apps' dual-stack sockets (httpd,
# udpecho) reached over IPv6 and IPv4 alike, bad IPv6 frames dropped, and
# an idle guest that does not wake for IPv6's timers.  Each test has a
# network namespace of its own; every wait is bounded, every process ended.
load ../helpers

MAC=02:00:00:00:66:02
LL=fe80::ff:fe00:6602 # the link-local address from $MAC (modified EUI-64)
SLAAC=fd00:66::ff:fe00:6602
V4=10.66.0.2

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	NS=tincan-v$$-$BATS_TEST_NUMBER
	PIDS=()
	ip netns add "$NS" || skip "could not create a network namespace"
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	# The host side takes no advertisements (radvd's are for the guest),
	# and its address is usable at once (no duplicate address detection).
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.tap0.accept_ra=0 net.ipv6.conf.all.forwarding=1
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.66.0.1/24 dev tap0
	ip -n "$NS" addr add fd00:66::1/64 dev tap0 nodad
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
}

ns() { run timeout 30 ip netns exec "$NS" "$@"; }

# start_app APP [ARGS...]: boot build/apps/APP on tap0 (its pid in PIDS) and
# wait (bounded) until it listens.
start_app() {
	local app=$1
	shift
	ip netns exec "$NS" timeout 60 "$RUN" --net=tap0 --net-mac=$MAC --ip=$V4/24 "$B/apps/$app.tc" -- "$@" \
		> "$BATS_TEST_TMPDIR/app.out" 2>&1 &
	PIDS+=($!)
	for i in $(seq 1 400); do
		grep -q listening "$BATS_TEST_TMPDIR/app.out" && return 0
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/app.out"
	return 1
}

# radvd on tap0 advertising fd00:66::/64 (autonomous: SLAAC), bounded.
start_radvd() {
	local radvd
	radvd=$(command -v radvd || echo /usr/sbin/radvd)
	[ -x "$radvd" ] || skip "radvd is not installed (apt-get install radvd)"
	cat > "$BATS_TEST_TMPDIR/radvd.conf" <<-EOF
		interface tap0 {
			AdvSendAdvert on;
			MinRtrAdvInterval 3;
			MaxRtrAdvInterval 4;
			prefix fd00:66::/64 { AdvOnLink on; AdvAutonomous on; };
		};
	EOF
	ip netns exec "$NS" timeout 60 "$radvd" -n -C "$BATS_TEST_TMPDIR/radvd.conf" -p "$BATS_TEST_TMPDIR/radvd.pid" \
		-m logfile -l "$BATS_TEST_TMPDIR/radvd.log" &
	PIDS+=($!)
}

# Wait (bounded: 15 s) until ADDR answers a ping.
wait_ping6() {
	for i in $(seq 1 30); do
		ip netns exec "$NS" ping -6 -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# udp6 ADDR PORT [FAMILY]: one datagram to ADDR:PORT and what comes back.
udp_echo() {
	ns /usr/bin/python3 -c '
import socket, sys
addr, port, fam = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
if fam == "6" and "%" in addr:
    addr, scope = addr.split("%")
    s.sendto(b"hello six", socket.getaddrinfo(addr + "%" + scope, port, socket.AF_INET6)[0][4])
else:
    s.sendto(b"hello six", (addr, port))
print(s.recv(100).decode())
' "$1" "$2" "${3:-6}"
}

@test "a guest has a link-local address from its MAC: it answers ping6 and neighbour solicitations" {
	start_app udpecho
	wait_ping6 "$LL%tap0"
	ns ping -6 -c 3 -i 0.2 -W 2 "$LL%tap0"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *" 0% packet loss"* ]]
	ns ip -6 neigh show dev tap0
	echo "$output"
	[[ $output == *"$LL lladdr $MAC"* ]]
	# IPv4 as before, on the same device.
	ns ping -c 2 -W 2 $V4
	[ "$status" -eq 0 ]
}

@test "router advertisements: the guest takes an address (SLAAC) and answers on it; UDP over IPv6 and IPv4 to udpecho's one socket" {
	start_radvd
	start_app udpecho
	wait_ping6 $SLAAC
	ns ping -6 -c 3 -i 0.2 -W 2 $SLAAC
	echo "$output"
	[[ $output == *" 0% packet loss"* ]]
	udp_echo $SLAAC 7
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "hello six" ]
	udp_echo "$LL%tap0" 7
	[ "$output" = "hello six" ]
	udp_echo $V4 7 4
	echo "$output"
	[ "$output" = "hello six" ]
}

@test "httpd over IPv6 (SLAAC and link-local addresses) and IPv4 on its one dual-stack socket" {
	start_radvd
	start_app httpd
	wait_ping6 $SLAAC
	ns curl -6 -s -m 5 "http://[$SLAAC]/hello.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
	ns curl -6 -s -g -m 5 --interface tap0 "http://[$LL%25tap0]/hello.txt"
	echo "link-local: $output"
	[ "$output" = hello ]
	ns curl -4 -s -m 5 "http://$V4/hello.txt"
	[ "$output" = hello ]
	# Many connections over IPv6 in a row (TIME_WAIT reuse, the hash of
	# IPv6 peers).
	for i in $(seq 1 20); do
		ns curl -6 -s -m 5 "http://[$SLAAC]/hello.txt"
		[ "$output" = hello ]
	done
}

@test "bad IPv6 frames (truncated headers and extension headers, impossible fragments, malformed router advertisements, garbage) are dropped: the guest carries on" {
	start_app udpecho
	wait_ping6 "$LL%tap0"
	ns /usr/bin/python3 "$BATS_TEST_DIRNAME/../tools/frames6.py" tap0 $MAC
	echo "sent: $output"
	[ "$status" -eq 0 ]
	[ "$output" -gt 300 ]
	sleep 0.5
	# Still running, still answering over both families, no address taken
	# from the bad prefixes.
	kill -0 "${PIDS[0]}"
	ns ping -6 -c 2 -W 2 "$LL%tap0"
	[ "$status" -eq 0 ]
	ns ping -c 2 -W 2 $V4
	[ "$status" -eq 0 ]
	udp_echo "$LL%tap0" 7
	[ "$output" = "hello six" ]
	! grep -q "lwIP assertion\|panic" "$BATS_TEST_TMPDIR/app.out"
}

# The project keeps idle guests asleep: IPv6's timers (neighbour discovery,
# MLD, reassembly) run only while they have work.  Once its address is
# checked and its router solicitations are sent (about 9 s), an idle guest
# makes no wait hypercall: the counts of two --stats reports 3 s apart
# differ only by the report's own wake-up.
@test "an idle guest with IPv6 on sleeps: no wake-ups for IPv6's timers" {
	[ -x "$B/bin/tincan-run-debug" ] || skip "tincan-run-debug is not built"
	ip netns exec "$NS" timeout 60 "$B/bin/tincan-run-debug" --stats --net=tap0 --net-mac=$MAC --ip=$V4/24 \
		"$B/apps/httpd.tc" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	PIDS+=($!)
	wait_until 10 pgrep -n -P "${PIDS[0]}"
	vm=$(pgrep -n -P "${PIDS[0]}")
	[ -n "$vm" ]
	sleep 12.5
	waits() { sed -n 's/.*hypercalls:.* wait \([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/out" | sed -n "$1p"; }
	kill -USR1 "$vm"
	sleep 3
	kill -USR1 "$vm"
	two() { [ -n "$(waits 2)" ]; }
	wait_until 5 two
	cat "$BATS_TEST_TMPDIR/out"
	w1=$(waits 1) w2=$(waits 2)
	echo "waits: $w1, then $w2"
	[ -n "$w1" ] && [ -n "$w2" ]
	[ $((w2 - w1)) -le 2 ]
	# It still answers (its neighbour entries only aged meanwhile).
	wait_ping6 "$LL%tap0"
}

@test "a restored guest makes its link-local address from its new MAC and takes a SLAAC address again" {
	start_radvd
	cd "$BATS_TEST_TMPDIR"
	ns "$RUN" --snapshot=s --net=tap0 --net-mac=$MAC --ip=$V4/24 "$B/apps/httpd.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *listening* ]]
	ip netns exec "$NS" timeout 60 "$RUN" --restore=s --net=tap0 --net-mac=02:00:00:00:66:07 --ip=10.66.0.7/24 \
		> app.out 2>&1 &
	PIDS+=($!)
	wait_ping6 fd00:66::ff:fe00:6607
	ns curl -6 -s -m 5 "http://[fd00:66::ff:fe00:6607]/hello.txt"
	echo "$output"
	[ "$output" = hello ]
	ns ping -6 -c 2 -W 2 "fe80::ff:fe00:6607%tap0"
	[ "$status" -eq 0 ]
	# The snapshot's own addresses are gone with its MAC.
	ns ping -6 -c 2 -W 1 "$LL%tap0"
	[ "$status" -ne 0 ]
}

# As IPv4's ARP queue (tests/kvm/net.bats): datagrams to a neighbour not yet
# resolved wait for its answer, and an exiting guest lets them leave.
@test "300 datagrams over IPv6 to an unresolved neighbour, then exit at once: all arrive, in order" {
	[ -x "$B/tests/udpburst.tc" ] || skip "build/tests/udpburst.tc is missing"
	start_radvd
	cp "$B/tests/udpburst.tc" "$BATS_TEST_TMPDIR/burst.tc"
	"$B/bin/tincan-mkimage" --net=net0 "$BATS_TEST_TMPDIR/burst.tc" >/dev/null
	ip netns exec "$NS" timeout 30 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("::", 9001))
s.settimeout(20)
print("ready", flush=True)
got = []
try:
    while len(got) < 300:
        d = s.recv(64)
        if d:
            got.append(int(d))
except socket.timeout:
    pass
print("sink: %d of 300%s" % (len(got), " in order" if got == list(range(300)) else ""))
' > "$BATS_TEST_TMPDIR/sink" 2>&1 &
	sinkpid=$!
	PIDS+=($sinkpid)
	for i in $(seq 1 400); do
		grep -q ready "$BATS_TEST_TMPDIR/sink" && break
		sleep 0.05
	done
	# The guest waits (bounded) for its SLAAC address, then sends.
	ns "$RUN" --net=tap0 --net-mac=$MAC "$BATS_TEST_TMPDIR/burst.tc" -- to fd00:66::1 9001 300
	echo "guest: $output"
	[ "$status" -eq 0 ]
	wait $sinkpid || true
	cat "$BATS_TEST_TMPDIR/sink"
	grep -q "^sink: 300 of 300 in order" "$BATS_TEST_TMPDIR/sink"
}

@test "a link-local destination without sin6_scope_id goes out the first device" {
	[ -x "$B/tests/udpburst.tc" ] || skip "build/tests/udpburst.tc is missing"
	cp "$B/tests/udpburst.tc" "$BATS_TEST_TMPDIR/burst.tc"
	"$B/bin/tincan-mkimage" --net=net0 "$BATS_TEST_TMPDIR/burst.tc" >/dev/null
	# The tap's own link-local address comes only with a carrier: one of ours.
	host_ll=fe80::66:1
	ip -n "$NS" addr add $host_ll/64 dev tap0 nodad
	ip netns exec "$NS" timeout 30 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 9002))
s.settimeout(20)
print("ready", flush=True)
got = 0
try:
    while got < 10:
        if s.recv(64):
            got += 1
except socket.timeout:
    pass
print("sink: %d" % got)
' > "$BATS_TEST_TMPDIR/sink" 2>&1 &
	sinkpid=$!
	PIDS+=($sinkpid)
	for i in $(seq 1 400); do
		grep -q ready "$BATS_TEST_TMPDIR/sink" && break
		sleep 0.05
	done
	ns "$RUN" --net=tap0 --net-mac=$MAC "$BATS_TEST_TMPDIR/burst.tc" -- to "$host_ll" 9002 10
	echo "to $host_ll: $output"
	[ "$status" -eq 0 ]
	wait $sinkpid || true
	cat "$BATS_TEST_TMPDIR/sink"
	grep -q "^sink: 10" "$BATS_TEST_TMPDIR/sink"
}

# IPV6_PKTINFO (tests/guests/pktinfo6.c): a dual-stack UDP server with
# several addresses on two NICs says, for each datagram, the address it was
# sent to and the NIC it came in on, and answers from that address out that
# NIC (a link-local one too); IPv4 datagrams show their v4-mapped
# destination and are answered from it too.
@test "IPV6_PKTINFO: each datagram's destination and NIC; sendmsg answers from that address (two IPv6 addresses, a second NIC, link-local, IPv4 v4-mapped)" {
	[ -x "$B/tests/pktinfo6.tc" ] || skip "build/tests/pktinfo6.tc is missing"
	cp "$B/tests/pktinfo6.tc" "$BATS_TEST_TMPDIR/p6.tc"
	"$B/bin/tincan-mkimage" --net=net0 --net=net1 "$BATS_TEST_TMPDIR/p6.tc" >/dev/null
	ip -n "$NS" tuntap add tap1 mode tap
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.tap1.accept_ra=0
	ip -n "$NS" link set tap1 up
	ip -n "$NS" addr add fd00:67::1/64 dev tap1 nodad
	ip -n "$NS" addr add fe80::67:1/64 dev tap1 nodad
	ip netns exec "$NS" timeout 60 "$RUN" --net=net0:tap0 --net=net1:tap1 --net-mac=net0:$MAC \
		--net-mac=net1:02:00:00:00:67:02 --ip=$V4/24 --ip=net0:fd00:66::2/64 --ip=net0:fd00:66::3/64 \
		--ip=net1:fd00:67::2/64 "$BATS_TEST_TMPDIR/p6.tc" -- serve 9300 5 > "$BATS_TEST_TMPDIR/app.out" 2>&1 &
	PIDS+=($!)
	for i in $(seq 1 400); do
		grep -q ready "$BATS_TEST_TMPDIR/app.out" && break
		sleep 0.05
	done
	# net1's link-local address (from its MAC), once usable.
	wait_ping6 fe80::ff:fe00:6702%tap1
	ns /usr/bin/python3 -c '
import socket
for a in ("fd00:66::3", "fd00:67::2", "fd00:66::2", "10.66.0.2", "fe80::ff:fe00:6702%tap1"):
    s = socket.socket(socket.AF_INET if "." in a else socket.AF_INET6, socket.SOCK_DGRAM)
    s.settimeout(5)
    if "%" in a:
        s.bind(("fe80::67:1", 0, 0, socket.if_nametoindex("tap1")))
        s.sendto(b"where", socket.getaddrinfo(a, 9300, socket.AF_INET6)[0][4])
    else:
        s.sendto(b"where", (a, 9300))
    try:
        print(a, "answered from", s.recvfrom(100)[1][0], flush=True)
    except socket.timeout:
        print(a, "no answer", flush=True)
'
	echo "$output"
	wait "${PIDS[0]}" || true
	cat "$BATS_TEST_TMPDIR/app.out"
	[ "$(grep answered <<< "$output")" = "$(printf '%s\n' "fd00:66::3 answered from fd00:66::3" \
		"fd00:67::2 answered from fd00:67::2" "fd00:66::2 answered from fd00:66::2" \
		"10.66.0.2 answered from 10.66.0.2" "fe80::ff:fe00:6702%tap1 answered from fe80::ff:fe00:6702")" ]
	[ "$(grep '^got' "$BATS_TEST_TMPDIR/app.out")" = "$(printf '%s\n' "got net0 1 fd00:66::3 from fd00:66::1" \
		"got net1 2 fd00:67::2 from fd00:67::1" "got net0 1 fd00:66::2 from fd00:66::1" \
		"got net0 1 ::ffff:10.66.0.2 from ::ffff:10.66.0.1" "got net1 2 fe80::ff:fe00:6702 from fe80::67:1")" ]
}

# setsockopt's IPV6_PKTINFO: a default NIC.  A link-local peer given no
# sin6_scope_id goes out the first NIC (see above); with the sticky NIC 2,
# out the second.
@test "IPV6_PKTINFO with setsockopt: a datagram to a link-local peer leaves by the NIC it names" {
	[ -x "$B/tests/pktinfo6.tc" ] || skip "build/tests/pktinfo6.tc is missing"
	cp "$B/tests/pktinfo6.tc" "$BATS_TEST_TMPDIR/p6.tc"
	"$B/bin/tincan-mkimage" --net=net0 --net=net1 "$BATS_TEST_TMPDIR/p6.tc" >/dev/null
	ip -n "$NS" tuntap add tap1 mode tap
	ip -n "$NS" link set tap1 up
	ip -n "$NS" addr add fe80::67:1/64 dev tap0 nodad
	ip -n "$NS" addr add fe80::67:1/64 dev tap1 nodad
	for nic in 1 2; do
		rm -f "$BATS_TEST_TMPDIR/heard"
		ip netns exec "$NS" timeout 20 /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
s.bind(("::", 9301))
s.settimeout(10)
print("ready", flush=True)
d, anc, _, src = s.recvmsg(100, 256)
for level, kind, v in anc:
    if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
        print("heard", d.decode(), "on", socket.if_indextoname(int.from_bytes(v[16:20], sys.byteorder)))
' > "$BATS_TEST_TMPDIR/heard" 2>&1 &
		pid=$!
		for i in $(seq 1 400); do
			grep -q ready "$BATS_TEST_TMPDIR/heard" && break
			sleep 0.05
		done
		ns "$RUN" --net=net0:tap0 --net=net1:tap1 "$BATS_TEST_TMPDIR/p6.tc" -- sticky $nic fe80::67:1 9301
		echo "guest: $output"
		[ "$status" -eq 0 ]
		wait $pid || true
		cat "$BATS_TEST_TMPDIR/heard"
		grep -q "^heard sticky on tap$((nic - 1))$" "$BATS_TEST_TMPDIR/heard"
	done
}

@test "IPV6_PKTINFO over loopback: ::1 and v4-mapped destinations, MSG_CTRUNC, EINVAL for foreign sources and bad cmsgs, ENODEV for no such NIC" {
	[ -x "$B/tests/pktinfo6.tc" ] || skip "build/tests/pktinfo6.tc is missing"
	ns "$RUN" "$B/tests/pktinfo6.tc" checks
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q FAIL <<< "$output"
	[ "$(grep -c ': ok$' <<< "$output")" -eq 29 ]
	[ "${lines[-1]}" = "checks done" ]
}
