# Per-NIC configuration (issue 17): --ip=[NAME:]ADDR/PREFIX (several per
# NIC), --gw=[NAME:]ADDR and --route, checked from both sides: the guest
# (tests/guests/netcfg.c) lists what it has and says where datagrams came
# in; the host, in a network namespace of our own with a tap per NIC, pings
# each address and sees on which tap, from which address, the guest's
# datagrams arrive (a UDP listener with IP_PKTINFO, tests/kvm/udpwhere.py).
load ../helpers

IMG=$BATS_FILE_TMPDIR/netcfg.tc
PY=/usr/bin/python3

setup_file() {
	export NS=tincan-nc$$
	netns_ok && netns_add "$NS" || return 0
	netns_tap "$NS" tap0 10.81.0.1/24
	netns_tap "$NS" tap1 10.82.0.1/24 10.83.0.1/24
	# Far destinations, reached through one tap or the other.
	netns_addr "$NS" lo 10.89.0.5/32 10.88.0.7/32
	for c in all default tap0 tap1; do
		ip netns exec "$NS" sysctl -qw "net.ipv4.conf.$c.rp_filter=0"
	done
	cp "$B/tests/netcfg.tc" "$IMG"
	"$B/bin/tincan-mkimage" --net=net0 --net=net1 "$IMG" >/dev/null
}

teardown_file() { netns_del "$NS"; }

setup() {
	need_kvm
	need_netns "$NS"
	NSRUN_TIMEOUT=30
	netns_fresh "$NS"
}

teardown() { bg_reap; }

NICS=(--net=net0:tap0 --net=net1:tap1)
ADDRS=(--ip=10.81.0.2/24 --ip=net1:10.82.0.2/24 --ip=net1:10.83.0.2/24)

# where ARGS...: run the guest's "send" with ARGS while the host listens on
# UDP 9000; prints the listener's "TAP SOURCE" line.
where() {
	rm -f "$BATS_TEST_TMPDIR/ready"
	NSBG_TIMEOUT=20 nsbg "$BATS_TEST_TMPDIR/heard" $PY "$BATS_TEST_DIRNAME/udpwhere.py" 9000 "$BATS_TEST_TMPDIR/ready"
	local pid=$BG_PID
	wait_until 5 test -e "$BATS_TEST_TMPDIR/ready" || { kill $pid; return 1; }
	nsrun "$RUN" "$@"
	echo "$output"
	[ "$status" -eq 0 ] || { kill $pid; return 1; }
	wait $pid || true
	cat "$BATS_TEST_TMPDIR/heard"
}

@test "netcfg: every --ip of every NIC is in getifaddrs, named, indexed; the host pings each one" {
	nsrun "$RUN" "${NICS[@]}" "${ADDRS[@]}" "$IMG" info
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	echo "$output"
	# lo, then each device's addresses, its main one first (IPv6: ::1, and no link-local: see info()).
	[ "$(grep '^ifa' <<< "$output")" = "$(printf '%s\n' "ifa lo 127.0.0.1/8 up loopback" "ifa lo ::1/128 up loopback" "ifa net0 10.81.0.2/24 up" \
		"ifa net1 10.82.0.2/24 up" "ifa net1 10.83.0.2/24 up")" ]
	[[ $output == *"index net0 1 1"* ]]
	[[ $output == *"index net1 2 2"* ]]
	[[ $output == *"index nosuch 0"* ]]
	ready_fd
	nsbg "$BATS_TEST_TMPDIR/out" "$RUN" --ready-fd="$READY" "${NICS[@]}" "${ADDRS[@]}" "$IMG" serve 9100 1
	ready_wait
	for a in 10.81.0.2 10.82.0.2 10.83.0.2; do
		nsrun ping -c 2 -i 0.2 -W 3 $a
		echo "$output"
		[[ $output == *" 0% packet loss"* ]]
	done
	bg_reap
}

@test "netcfg: static IPv6 addresses (--ip=NAME:ADDR6/PREFIX) are listed and answer ping6 on their NIC, a --route through a v6 gateway" {
	ip -n "$NS" addr replace fd00:82::1/64 dev tap1 nodad
	ip -n "$NS" addr replace fd00:89::5/128 dev lo
	ready_fd
	nsbg "$BATS_TEST_TMPDIR/out" "$RUN" --ready-fd="$READY" "${NICS[@]}" "${ADDRS[@]}" --ip=net1:fd00:82::2/64 \
		--ip=fd00:81::2/64 --route=fd00:89::/64:via=fd00:82::1 "$IMG" serve 9100 1
	ready_wait
	nsrun ping -6 -c 2 -i 0.2 -W 3 fd00:82::2
	echo "$output"
	[[ $output == *" 0% packet loss"* ]] || { cat "$BATS_TEST_TMPDIR/out"; return 1; }
	# It answered on tap1: the host learnt the guest's MAC there.
	nsrun ip -6 neigh show fd00:82::2 dev tap1
	echo "$output"
	[[ $output == *lladdr* ]]
	bg_reap
	nsrun "$RUN" "${NICS[@]}" "${ADDRS[@]}" --ip=net1:fd00:82::2/64 --ip=fd00:81::2/64 "$IMG" info
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ifa net0 fd00:81::2/64 up"* ]]
	[[ $output == *"ifa net1 fd00:82::2/64 up"* ]]
	# More IPv6 addresses than a device holds: a clear stop, not a silent loss.
	nsrun "$RUN" "${NICS[@]}" --ip=fd00:81::2/64 --ip=fd00:81::3/64 --ip=fd00:81::4/64 --ip=fd00:81::5/64 "$IMG" info
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"cannot add IPv6 address"* ]]
}

@test "netcfg: --route goes through its gateway's NIC, from that NIC's address; others through --gw" {
	# 10.89/16 through net1's further address's gateway: tap1, from 10.83.0.2.
	out=$(where "${NICS[@]}" "${ADDRS[@]}" --gw=10.81.0.1 --route=10.89.0.0/16:via=10.83.0.1 "$IMG" send 10.89.0.5 9000)
	echo "$out"
	[[ $out == *"heard tap1 10.83.0.2 hello"* ]]
	# Anything else through the default gateway, on net0: tap0.
	out=$(where "${NICS[@]}" "${ADDRS[@]}" --gw=10.81.0.1 --route=10.89.0.0/16:via=10.83.0.1 "$IMG" send 10.88.0.7 9000)
	echo "$out"
	[[ $out == *"heard tap0 10.81.0.2 hello"* ]]
	# --gw=NAME:ADDR: the default route through net1.
	out=$(where "${NICS[@]}" "${ADDRS[@]}" --gw=net1:10.82.0.1 "$IMG" send 10.88.0.7 9000)
	echo "$out"
	[[ $out == *"heard tap1 10.82.0.2 hello"* ]]
	# A route by device only (on the link): the guest asks for 10.89.0.5 itself
	# (and the host answers: it is one of its addresses).
	out=$(where "${NICS[@]}" "${ADDRS[@]}" --route=10.89.0.0/16:dev=net0 "$IMG" send 10.89.0.5 9000)
	echo "$out"
	[[ $out == *"heard tap0 10.81.0.2 hello"* ]]
}

@test "netcfg: SO_BINDTODEVICE sends through the named NIC whatever the routes say, and hears only it" {
	out=$(where "${NICS[@]}" "${ADDRS[@]}" --gw=10.81.0.1 --gw=net1:10.82.0.1 \
		--route=10.89.0.0/16:via=10.83.0.1 "$IMG" send 10.89.0.5 9000 net0)
	echo "$out"
	[[ $out == *"bound to 'net0'"* ]]
	[[ $out == *"heard tap0 10.81.0.2 hello"* ]]
	nsrun "$RUN" "${NICS[@]}" "${ADDRS[@]}" "$IMG" send 10.89.0.5 9000 nosuch
	[ "$status" -eq 1 ]
	[[ $output == *"SO_BINDTODEVICE: No such device"* ]]
	# Bound to net0, a socket does not hear what comes in on net1.
	nsbg "$BATS_TEST_TMPDIR/out" "$RUN" "${NICS[@]}" "${ADDRS[@]}" "$IMG" serve 9100 1 net0
	wait_for_line "$BATS_TEST_TMPDIR/out" ready 5 $BG_PID
	nsrun $PY -c '
import socket
for a in ("10.82.0.2", "10.81.0.2"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(b"x", (a, 9100))
    try:
        print(a, "answered from", s.recvfrom(100)[1][0])
    except socket.timeout:
        print(a, "no answer")
'
	echo "$output"
	wait $BG_PID
	cat "$BATS_TEST_TMPDIR/out"
	[[ $output == *"10.82.0.2 no answer"*"10.81.0.2 answered from 10.81.0.2"* ]]
	[ "$(grep -c '^got' "$BATS_TEST_TMPDIR/out")" -eq 1 ]
}

@test "netcfg: IP_PKTINFO says which NIC and address a datagram came to; sendmsg answers from it" {
	nsbg "$BATS_TEST_TMPDIR/out" "$RUN" "${NICS[@]}" "${ADDRS[@]}" "$IMG" serve 9100 2
	wait_for_line "$BATS_TEST_TMPDIR/out" ready 5 $BG_PID
	nsrun $PY -c '
import socket, sys
for a in ("10.83.0.2", "10.81.0.2"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(b"x", (a, 9100))
    d, f = s.recvfrom(100)
    print("answer from", f[0])
'
	echo "$output"
	wait $BG_PID
	cat "$BATS_TEST_TMPDIR/out"
	[[ $output == *"answer from 10.83.0.2"*"answer from 10.81.0.2"* ]]
	grep -q "^got net1 10.83.0.2 from 10.83.0.1$" "$BATS_TEST_TMPDIR/out"
	grep -q "^got net0 10.81.0.2 from 10.81.0.1$" "$BATS_TEST_TMPDIR/out"
}

@test "netcfg: the monitor hands every --ip, --gw and --route to the guest (TINCAN_IP, TINCAN_ROUTE)" {
	cp "$TINY" "$BATS_TEST_TMPDIR/tiny.tc"
	"$B/bin/tincan-mkimage" --net=net0 --net=net1 "$BATS_TEST_TMPDIR/tiny.tc" >/dev/null
	nsrun "$RUN" "${NICS[@]}" --ip=10.81.0.2/24 --ip=net1:10.82.0.2 --ip=fd00::2/64 --gw=net1:10.82.0.1 \
		--route=10.89.0.0/16:via=10.81.0.1 --route=fd01::/64:dev=net1:via=fd00::1 --gw=fe80::1 \
		--route=10.88.0.0/24:dev=net0 --route=10.87.0.0/16:via=10.81.0.1:dev=net0 "$BATS_TEST_TMPDIR/tiny.tc" args
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	echo "$output"
	[[ $output == *"TINCAN_IP=net0:10.81.0.2/24,net1:10.82.0.2/24,net0:fd00::2/64"* ]]
	[[ $output == *"TINCAN_ROUTE=0.0.0.0/0@10.82.0.1%net1,10.89.0.0/16@10.81.0.1,fd01::/64@fd00::1%net1,::/0@fe80::1%net0,10.88.0.0/24%net0,10.87.0.0/16@10.81.0.1%net0"* ]]
	# The boot info: each NIC's first IPv4 address (net-info's last five numbers).
	nsrun "$RUN" "${NICS[@]}" --ip=net1:10.82.0.2/24 --ip=net1:10.83.0.2/24 --ip=10.81.0.2/16 "$BATS_TEST_TMPDIR/tiny.tc" net-info
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr '\n' ' ' | sed 's/net0 \([0-9]* \)\{6\}/net0 /; s/net1 \([0-9]* \)\{6\}/net1 /')" = "2 net0 10 81 0 2 16 net1 10 82 0 2 24 " ]
}

@test "netcfg: bad --ip, --gw and --route values are one-line usage errors" {
	bad() { # OPTION MESSAGE
		nsrun "$RUN" "${NICS[@]}" "$1" "$IMG" info
		[ "$status" -eq 104 ] || { echo "$1: status $status: $output"; return 1; }
		[ "${#lines[@]}" -eq 1 ] || { echo "$1: $output"; return 1; }
		first_line_has "$2"
	}
	bad --ip=net9:10.0.0.1/24 "invalid --ip=net9:10.0.0.1/24: expected [NAME:]ADDR/PREFIX"
	bad --ip=10.0.0.1/33 "invalid --ip=10.0.0.1/33"
	bad --ip=fd00::1/129 "invalid --ip=fd00::1/129"
	bad --ip=0.0.0.0/8 "invalid --ip=0.0.0.0/8"
	bad --ip=10.0.0.0/8 "invalid --ip=10.0.0.0/8: expected [NAME:]ADDR/PREFIX, no /0 or IPv4 net/broadcast"
	bad --ip=10.255.255.255/8 "invalid --ip=10.255.255.255/8"
	bad --ip=255.255.255.255/32 "invalid --ip=255.255.255.255/32"
	bad --ip=10.0.0.2/0 "invalid --ip=10.0.0.2/0"
	bad --ip=1:2:3/64 "invalid --ip=1:2:3/64"
	bad --ip=net1: "invalid --ip=net1:"
	bad --gw=net1:fd00::/64 "invalid --gw=net1:fd00::/64: expected [NAME:]ADDR"
	bad --gw=10.0.0.300 "invalid --gw=10.0.0.300"
	R="expected DEST/PREFIX[:via=GW][:dev=NAME], no host bits in DEST, GW of its family, NAME an attached net device"
	bad --route=10.0.0.0/8 "invalid --route=10.0.0.0/8: $R"
	bad --route=10.0.0.1/8:via=10.0.0.1 "invalid --route=10.0.0.1/8:via=10.0.0.1: $R"
	bad --route=10.0.0.0/8:via=fd00::1 "invalid --route=10.0.0.0/8:via=fd00::1: $R"
	bad --route=fd00::/64:via=fd00::1::2 "invalid --route=fd00::/64:via=fd00::1::2: $R"
	bad --route=10.0.0.0/8:dev=eth7 "invalid --route=10.0.0.0/8:dev=eth7: $R"
	bad --route=10.0.0.0:via=10.0.0.1 "invalid --route=10.0.0.0:via=10.0.0.1: $R"
	bad --route=10.0.0.0/99:dev=net0 "invalid --route=10.0.0.0/99:dev=net0: $R"
	bad --route=fd00::/64:dev=net1:via=10.0.0.1 "invalid --route=fd00::/64:dev=net1:via=10.0.0.1: $R"
	bad --route=10.0.0.0/8:via=10.81.0.1:dev=eth7 "invalid --route=10.0.0.0/8:via=10.81.0.1:dev=eth7: $R"
	nsrun "$RUN" --route=10.0.0.0/8:via=10.0.0.1 "$IMG" info
	[ "$status" -eq 104 ]
	first_line_has "--ip, --gw and --route need a --net device"
	args=()
	for i in $(seq 17); do args+=(--ip=10.81.0.$i/24); done
	nsrun "$RUN" "${NICS[@]}" "${args[@]}" "$IMG" info
	[ "$status" -eq 104 ]
	first_line_has "more than 16 --ip or --route and --gw options"
	# 256 --env fit; --ip's TINCAN_IP is one more, and the message says so.
	args=()
	for i in $(seq 256); do args+=(--env=E$i=x); done
	nsrun "$RUN" "${NICS[@]}" "${args[@]}" --ip=10.81.0.2/24 "$IMG" info
	[ "$status" -eq 104 ]
	first_line_has "more than 256 --env options (with --ip/--route's)"
}

@test "netcfg: a malformed TINCAN_IP or TINCAN_ROUTE stops the guest with a message" {
	nsrun "$RUN" "${NICS[@]}" --env=TINCAN_IP=net0:10.81.0.2 "$IMG" info
	[ "$status" -eq 100 ]
	[[ $output == *"malformed TINCAN_IP entry 'net0:10.81.0.2': expected NAME:ADDR/PREFIX"* ]]
	nsrun "$RUN" "${NICS[@]}" --env=TINCAN_IP=eth5:10.81.0.2/24 "$IMG" info
	[ "$status" -eq 100 ]
	[[ $output == *"'eth5:10.81.0.2/24': no such net device"* ]]
	nsrun "$RUN" "${NICS[@]}" --env=TINCAN_ROUTE=10.1.0.0/16@fd00::1 "$IMG" info
	[ "$status" -eq 100 ]
	[[ $output == *"malformed TINCAN_ROUTE entry '10.1.0.0/16@fd00::1': the gateway is not an address"* ]]
	nsrun "$RUN" "${NICS[@]}" --env=TINCAN_ROUTE=10.1.0.0/16 "$IMG" info
	[ "$status" -eq 100 ]
	[[ $output == *"neither a gateway nor a device"* ]]
}

# libos reads the env's addresses with its own inet_pton (glibc's rules),
# not the monitor's stricter parser: an IPv6 address may end in a dotted
# IPv4 part (RFC 4291 2.2), a zone id, a bad tail or a second "::" is none.
@test "netcfg: TINCAN_IP and TINCAN_ROUTE take IPv6 text as inet_pton does (a dotted IPv4 tail counts)" {
	nsrun "$RUN" "${NICS[@]}" --env=TINCAN_IP=net0:10.81.0.2/24,net1:10.82.0.2/24,net1:fd00:82::10.82.0.2/64 \
		--env=TINCAN_ROUTE=fd00:89::/64@fd00:82::10.82.0.1 "$IMG" info
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"ifa net1 fd00:82::a52:2/64 up"* ]]
	for a in fd00:82::10.82.0.2.1 fd00:82::010.82.0.2 fd00:82::10.82.0 fe80::1%net1 fd00::82::2 1.2.3.4::; do
		nsrun "$RUN" "${NICS[@]}" --env=TINCAN_IP=net0:10.81.0.2/24,net1:$a/64 "$IMG" info
		[ "$status" -eq 100 ] || { echo "$a: status $status: $output"; return 1; }
		[[ $output == *"malformed TINCAN_IP entry 'net1:$a/64': expected NAME:ADDR/PREFIX"* ]]
	done
}

@test "netcfg: a restore takes its own --ip addresses, further ones too (the snapshot's are gone)" {
	nsrun "$RUN" --snapshot="$BATS_TEST_TMPDIR/s.snap" "${NICS[@]}" --ip=10.81.0.9/24 --ip=net1:10.82.0.9/24 \
		--ip=net1:10.84.0.9/24 "$IMG" serve 9100 1
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	ready_fd
	nsbg "$BATS_TEST_TMPDIR/out" "$RUN" --ready-fd="$READY" --restore="$BATS_TEST_TMPDIR/s.snap" "${NICS[@]}" "${ADDRS[@]}"
	ready_wait
	for a in 10.81.0.2 10.82.0.2 10.83.0.2; do
		nsrun ping -c 2 -i 0.2 -W 3 $a
		echo "$output"
		[[ $output == *" 0% packet loss"* ]]
	done
	# The snapshot's further address is not the restore's.
	ip -n "$NS" addr add 10.84.0.1/24 dev tap1
	nsrun ping -c 1 -W 1 10.84.0.9
	st=$status
	ip -n "$NS" addr del 10.84.0.1/24 dev tap1
	[ "$st" -ne 0 ]
	nsrun $PY -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(b"x", ("10.83.0.2", 9100))
print("answer from", s.recvfrom(100)[1][0])
'
	echo "$output"
	wait $BG_PID
	cat "$BATS_TEST_TMPDIR/out"
	[[ $output == *"answer from 10.83.0.2"* ]]
	grep -q "^got net1 10.83.0.2 from 10.83.0.1$" "$BATS_TEST_TMPDIR/out"
}
