# Multicast UDP sockets (libos/net/mcast.c, tests/guests/mcast.c): the guest
# joins 239.1.2.3 and ff12::1:2:3 and answers datagrams the host sends to
# them; the host sees its IGMP and MLD reports and leaves; after the drop
# nothing is delivered; the guest's own datagrams to a group reach a host
# that joined it with the TTL and hop limit asked for; loopback copies, the
# options and their errors; and an idle guest with groups joined sleeps.
# Each test has a network namespace of its own; every wait is bounded,
# every process ended.
load ../helpers

MAC=02:00:00:00:68:02
V4=10.68.0.2

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	[ -x "$B/tests/mcast.tc" ] || skip "build/tests/mcast.tc is missing"
	NS=tincan-mc$$-$BATS_TEST_NUMBER
	PIDS=()
	ip netns add "$NS" || skip "could not create a network namespace"
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.tap0.accept_ra=0
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.68.0.1/24 dev tap0
	ip -n "$NS" addr add fd00:68::1/64 dev tap0 nodad
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
}

ns() { run timeout 30 ip netns exec "$NS" "$@"; }

# start_guest ARGS...: boot mcast.tc on tap0 (its pid in PIDS), output in
# $BATS_TEST_TMPDIR/guest.out.
start_guest() {
	ip netns exec "$NS" timeout 60 "$RUN" --net=tap0 --net-mac=$MAC --ip=$V4/24 "$B/tests/mcast.tc" -- "$@" \
		> "$BATS_TEST_TMPDIR/guest.out" 2>&1 &
	PIDS+=($!)
}

# wait_for WORD: until the guest printed it (bounded: 10 s).
wait_for() {
	for i in $(seq 1 200); do
		grep -q "$1" "$BATS_TEST_TMPDIR/guest.out" && return 0
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/guest.out"
	return 1
}

# tcpdump of IGMP and IPv6 on tap0 into $BATS_TEST_TMPDIR/dump, bounded.
start_dump() {
	ip netns exec "$NS" timeout 40 tcpdump -i tap0 -n -l -vv 'igmp or ip6' > "$BATS_TEST_TMPDIR/dump" \
		2> "$BATS_TEST_TMPDIR/dump.err" &
	PIDS+=($!)
	wait_for_line "$BATS_TEST_TMPDIR/dump.err" 'listening on' 10 $!
}

@test "the guest joins 239.1.2.3 and ff12::1:2:3 (IGMP and MLD reports), answers datagrams to them, leaves (IGMP leave, MLD done) and gets none after" {
	command -v tcpdump >/dev/null || skip "tcpdump is not installed"
	start_dump
	start_guest serve 9400
	wait_for joined
	ns /usr/bin/python3 -c '
import socket, struct, sys
idx = socket.if_nametoindex("tap0")
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.68.0.1"))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, struct.pack("i", idx))
for s in (s4, s6):
    s.settimeout(2)
def ask(s, to, what):
    for i in range(3):
        s.sendto(what, to)
        try:
            data, frm = s.recvfrom(100)
            return "%s answered %s from %s" % (what.decode(), data.decode(), frm[0].split("%")[0])
        except socket.timeout:
            pass
    return "%s no answer" % what.decode()
print(ask(s4, ("239.1.2.3", 9400), b"hi4"), flush=True)
print(ask(s6, ("ff12::1:2:3", 9400, 0, idx), b"hi6"), flush=True)
'
	echo "$output"
	[ "$(grep answered <<< "$output")" = "$(printf '%s\n' "hi4 answered hi4 from $V4" "hi6 answered hi6 from fe80::ff:fe00:6802")" ]
	wait_for dropped
	# After the drop: nothing reaches the guest's sockets.
	ns /usr/bin/python3 -c '
import socket, struct, time
idx = socket.if_nametoindex("tap0")
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.68.0.1"))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, struct.pack("i", idx))
for i in range(3):
    s4.sendto(b"late4", ("239.1.2.3", 9400))
    s6.sendto(b"late6", ("ff12::1:2:3", 9400, 0, idx))
    time.sleep(0.2)
'
	wait_for done
	cat "$BATS_TEST_TMPDIR/guest.out"
	grep -c '^got' "$BATS_TEST_TMPDIR/guest.out"
	! grep -q '^late' "$BATS_TEST_TMPDIR/guest.out"
	grep -q "^got 239.1.2.3 from 10.68.0.1: hi4" "$BATS_TEST_TMPDIR/guest.out"
	grep -q "^got ff12::1:2:3 from fe80::.*: hi6" "$BATS_TEST_TMPDIR/guest.out"
	sleep 0.5
	grep -i "igmp\|multicast listener" "$BATS_TEST_TMPDIR/dump" || true
	grep -q "$V4 > 239.1.2.3: igmp v2 report 239.1.2.3" "$BATS_TEST_TMPDIR/dump"
	grep -q "$V4 > 224.0.0.2: igmp leave 239.1.2.3" "$BATS_TEST_TMPDIR/dump"
	grep -A1 "multicast listener report" "$BATS_TEST_TMPDIR/dump" | grep -q "ff12::1:2:3"
	grep -A1 "multicast listener done" "$BATS_TEST_TMPDIR/dump" | grep -q "ff12::1:2:3"
}

@test "the guest sends to 239.1.2.3 and ff12::1:2:3 out its NIC with TTL 7 and hop limit 5; a host that joined them receives both" {
	ip netns exec "$NS" timeout 20 /usr/bin/python3 -c '
import select, socket, struct, sys
idx = socket.if_nametoindex("tap0")
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s4.bind(("0.0.0.0", 9401))
s4.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("239.1.2.3") + socket.inet_aton("10.68.0.1"))
s4.setsockopt(socket.IPPROTO_IP, 12, 1) # IP_RECVTTL
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s6.bind(("::", 9401))
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, "ff12::1:2:3") + struct.pack("I", idx))
s6.setsockopt(socket.IPPROTO_IPV6, 51, 1) # IPV6_RECVHOPLIMIT
print("listening", flush=True)
seen = {}
while len(seen) < 2:
    r, _, _ = select.select([s4, s6], [], [], 15)
    if not r:
        break
    for s in r:
        data, anc, _, frm = s.recvmsg(100, 100)
        ttl = [struct.unpack("i", d[:4])[0] for l, t, d in anc]
        seen.setdefault(data, "%s from %s ttl %s" % (data.decode(), frm[0].split("%")[0], ttl[0] if ttl else "?"))
for k in sorted(seen):
    print(seen[k], flush=True)
' > "$BATS_TEST_TMPDIR/host.out" 2>&1 &
	PIDS+=($!)
	for i in $(seq 1 400); do
		grep -q listening "$BATS_TEST_TMPDIR/host.out" && break
		sleep 0.05
	done
	start_guest send 9401
	wait_for sent
	wait "${PIDS[0]}" || true
	cat "$BATS_TEST_TMPDIR/host.out"
	grep -q "^hello4 from $V4 ttl 7$" "$BATS_TEST_TMPDIR/host.out"
	grep -q "^hello6 from fe80::ff:fe00:6802 ttl 5$" "$BATS_TEST_TMPDIR/host.out"
}

# Two NICs: the NIC a membership is on is chosen by its address or index
# (INADDR_ANY: the default route's, the first), datagrams to the group
# reach the guest only on the NIC it joined it on, and IP_MULTICAST_IF
# by address sends out the NIC that has it.
@test "two NICs: a group joined on NIC 2 (by its address) is answered there and not on NIC 1; IP_MULTICAST_IF by address sends out NIC 2" {
	cp "$B/tests/mcast.tc" "$BATS_TEST_TMPDIR/m2.tc"
	"$B/bin/tincan-mkimage" --net=net0 --net=net1 "$BATS_TEST_TMPDIR/m2.tc" >/dev/null
	ip -n "$NS" tuntap add tap1 mode tap
	ip -n "$NS" link set tap1 up
	ip -n "$NS" addr add 10.69.0.1/24 dev tap1
	ip netns exec "$NS" timeout 60 "$RUN" --net=net0:tap0 --net=net1:tap1 --net-mac=net0:$MAC \
		--net-mac=net1:02:00:00:00:69:02 --ip=$V4/24 --ip=net1:10.69.0.2/24 "$BATS_TEST_TMPDIR/m2.tc" -- \
		nics 10.69.0.2 9410 > "$BATS_TEST_TMPDIR/guest.out" 2>&1 &
	PIDS+=($!)
	wait_for joined
	ns /usr/bin/python3 -c '
import select, socket
def listener(dev, addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    s.bind(("0.0.0.0", 9411))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("239.1.2.3") + socket.inet_aton(addr))
    return s
heard = {listener("tap0", "10.68.0.1"): "tap0", listener("tap1", "10.69.0.1"): "tap1"}
def ask(addr, what):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(addr))
    s.settimeout(1)
    for i in range(3):
        s.sendto(what, ("239.1.2.3", 9410))
        try:
            return "%s answered %s" % (what.decode(), s.recvfrom(100)[0].decode())
        except socket.timeout:
            pass
    return "%s no answer" % what.decode()
print(ask("10.68.0.1", b"on0"), flush=True)
print(ask("10.69.0.1", b"on1"), flush=True)
seen = set()
while True:
    r, _, _ = select.select(list(heard), [], [], 3)
    if not r:
        break
    for s in r:
        seen.add("heard on %s: %s" % (heard[s], s.recv(100).decode()))
for line in sorted(seen):
    print(line, flush=True)
'
	echo "$output"
	cat "$BATS_TEST_TMPDIR/guest.out"
	[ "$output" = "$(printf '%s\n' "on0 no answer" "on1 answered on1" "heard on tap1: via1")" ]
	! grep -q FAIL "$BATS_TEST_TMPDIR/guest.out"
	[ "$(grep -c ': ok$' "$BATS_TEST_TMPDIR/guest.out")" = 5 ]
}

@test "multicast options: defaults, values, errors as Linux's; loopback copies with IP_MULTICAST_LOOP on and none off; SO_REUSEADDR sockets each get one; close() leaves" {
	start_guest checks
	wait "${PIDS[0]}" || true
	cat "$BATS_TEST_TMPDIR/guest.out"
	! grep -q "FAIL" "$BATS_TEST_TMPDIR/guest.out"
	grep -q "^checks passed" "$BATS_TEST_TMPDIR/guest.out"
	[ "$(grep -c ': ok$' "$BATS_TEST_TMPDIR/guest.out")" -ge 60 ]
}

# The project keeps idle guests asleep: IGMP's timer runs only while a
# report is scheduled, as MLD's.  Once its reports are out (and IPv6's
# router solicitations, about 9 s), a guest that joined groups makes no
# wait hypercall: the counts of two --stats reports 3 s apart differ only
# by the report's own wake-up.
@test "an idle guest that joined groups sleeps: no wake-ups for IGMP's or MLD's timers" {
	[ -x "$B/bin/tincan-run-debug" ] || skip "tincan-run-debug is not built"
	ip netns exec "$NS" timeout 60 "$B/bin/tincan-run-debug" --stats --net=tap0 --net-mac=$MAC --ip=$V4/24 \
		"$B/tests/mcast.tc" -- idle > "$BATS_TEST_TMPDIR/out" 2>&1 &
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
	grep -q joined "$BATS_TEST_TMPDIR/out"
	w1=$(waits 1) w2=$(waits 2)
	echo "waits: $w1, then $w2"
	[ -n "$w1" ] && [ -n "$w2" ]
	[ $((w2 - w1)) -le 2 ]
}

@test "a guest that joined a group still answers it after sleeping" {
	start_guest serve 9402
	wait_for joined
	sleep 3
	ns /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.68.0.1"))
s.settimeout(2)
for i in range(3):
    s.sendto(b"wake", ("239.1.2.3", 9402))
    try:
        print("answer", s.recvfrom(100)[0].decode())
        break
    except socket.timeout:
        pass
'
	echo "$output"
	[ "$output" = "answer wake" ]
}

# A snapshot taken with groups joined (the automatic ready point: the
# guest's first idle wait, in poll after its joins): the restore, with its
# own MAC, reports them again (lwIP does when the restore sets the
# addresses again: IPv4's, and IPv6's link-local one after its duplicate
# detection) and answers datagrams to them.
@test "a restored snapshot keeps its groups: reported again from its new MAC, datagrams to them answered" {
	command -v tcpdump >/dev/null || skip "tcpdump is not installed"
	cd "$BATS_TEST_TMPDIR"
	run ip netns exec "$NS" timeout 30 "$RUN" --snapshot=s --net=tap0 --net-mac=$MAC --ip=$V4/24 \
		"$B/tests/mcast.tc" -- idle
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s s ]
	start_dump
	ip netns exec "$NS" timeout 30 "$RUN" --restore=s --net=tap0 --net-mac=02:00:00:00:68:05 --ip=$V4/24 \
		> "$BATS_TEST_TMPDIR/guest.out" 2>&1 &
	PIDS+=($!)
	sleep 1
	ns /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.68.0.1"))
s.settimeout(2)
for i in range(3):
    s.sendto(b"restored", ("239.1.2.3", 9500))
    try:
        data, frm = s.recvfrom(100)
        print("answer", data.decode(), "from", frm[0])
        break
    except socket.timeout:
        pass
'
	echo "$output"
	[ "$output" = "answer restored from $V4" ]
	sleep 0.3
	grep -i "igmp\|multicast listener" "$BATS_TEST_TMPDIR/dump" || true
	grep -q "$V4 > 239.1.2.3: igmp v2 report 239.1.2.3" "$BATS_TEST_TMPDIR/dump"
	grep -A1 "multicast listener report" "$BATS_TEST_TMPDIR/dump" | grep -q "ff12::1:2:3"
}
