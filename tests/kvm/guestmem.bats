# What an idle guest costs the host: which of its pages the host backs
# (tests/tools/guestpages.c reads the monitor's /proc/PID/pagemap), and its
# exits while nothing happens.  The guests are apps/udpecho and apps/tcpecho
# on a tap in a network namespace of our own; every wait is bounded.
load ../helpers

CLIENT=$B/tests/netclient
PAGES=$B/tests/guestpages
GUEST=10.84.0.2

setup_file() {
	export NS=tincan-gm$$
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null || return 0
	ip netns add "$NS"
	# No IPv6: the host's router solicitations and MLD reports would wake
	# the guests that must stay asleep.
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$NS" link set lo up
	for t in tap0 tap1; do
		ip -n "$NS" tuntap add $t mode tap
		ip -n "$NS" link set $t up
	done
	ip -n "$NS" addr add 10.84.0.1/24 dev tap0
	# tap1 never answers ARP: the guest's requests for 10.84.1.1 stay pending.
	ip -n "$NS" addr add 10.84.1.1/24 dev tap1
	ip -n "$NS" link set tap1 arp off
	ip -n "$NS" neigh replace 10.84.1.2 lladdr 02:00:00:84:01:02 dev tap1 nud permanent
}

teardown_file() {
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "these tests need root (a network namespace, the monitor's pagemap)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
	netns_fresh "$NS"
}

teardown() {
	if [ -n "${VM:-}" ]; then
		kill "$VM" 2>/dev/null || true
		wait "$VM" 2>/dev/null || true
	fi
}

ns() { run timeout 30 ip netns exec "$NS" "$@"; }

# start APP [MONITOR OPTIONS]: boot build/apps/APP on tap0 (unless the
# options name another) under a time limit; VM is the `timeout`, MON the
# monitor, OUT its output.
start() {
	local app=$1
	shift
	OUT=$BATS_TEST_TMPDIR/vm.out
	ip netns exec "$NS" timeout 60 "$RUN" --mem=4M --stats --net=tap0 --ip=$GUEST/24 "$@" "$B/apps/$app.tc" \
		> "$OUT" 2>&1 &
	VM=$!
	for _ in $(seq 400); do
		grep -q listening "$OUT" && break
		sleep 0.05
	done
	grep -q listening "$OUT" || { cat "$OUT"; return 1; }
	MON=$(pgrep -n -P "$VM")
}

# The guest's present pages of rx buffers.
rx_pages() { "$PAGES" "$MON" "$B/apps/$1.tc" --pages=rx | wc -l; }

@test "an idle udpecho sent 600 broadcast frames backs a few pages of rx buffers, not all 128" {
	start udpecho
	ns ping -q -b -c 600 -i 0.002 10.84.0.255
	n=$(rx_pages udpecho)
	echo "rx buffer pages backed: $n"
	[ "$n" -ge 1 ] && [ "$n" -le 16 ]
	ns "$CLIENT" udp $GUEST 7 1 1472
	[ "$status" -eq 0 ]
}

@test "a volley of 60 datagrams (more than the first rx window) is echoed whole" {
	start udpecho
	ns "$CLIENT" volley $GUEST 7 60
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "volley: 60 of 60 echoed" ]
}

@test "the rx window grows under TCP bulk load: more buffers than the first window are used" {
	start tcpecho --mem=16M
	ns "$CLIENT" tcp $GUEST 7 4000000
	[ "$status" -eq 0 ]
	n=$(rx_pages tcpecho)
	echo "rx buffer pages backed: $n"
	# The first window is 44 + 7 buffers of 2 KiB: 26 pages.
	[ "$n" -gt 26 ]
}

@test "an idle udpecho with --ip makes no exit: lwIP's timers sleep while they have nothing to do" {
	# After IPv6's start (duplicate address detection, MLD reports at random
	# delays, router solicitations at 1, 5 and 9 s: libos/net/stack6.c),
	# nothing runs: one run's exits counted at 12 s (SIGUSR1's stats) and at
	# its end, 15 s (two runs' start-ups differ by a few exits).
	# (no timeout(1) between: SIGUSR1 goes to the monitor itself, which
	# ends by its own --timeout)
	ip netns exec "$NS" "$RUN" --mem=4M --stats --timeout=15s --net=tap0 --ip=$GUEST/24 \
		"$B/apps/udpecho.tc" > "$BATS_TEST_TMPDIR/idle.out" 2>&1 &
	VM=$!
	sleep 12
	kill -USR1 "$VM"
	local st=0
	wait "$VM" || st=$?
	cat "$BATS_TEST_TMPDIR/idle.out"
	[ "$st" -eq 106 ]
	counts=$(sed -n 's/.*stats: \([0-9]*\) KVM exits.*/\1/p' "$BATS_TEST_TMPDIR/idle.out")
	short=$(head -1 <<< "$counts") long=$(tail -1 <<< "$counts")
	echo "exits: $short at 12 s, $long at 15 s"
	[ "$(wc -l <<< "$counts")" -eq 2 ]
	# lwIP's own timers made ~2 a second (ARP, reassembly, DNS: 1 s; DHCP: 0.5 s).
	[ $((long - short)) -le 1 ]
}

@test "an ARP request nobody answers is asked again every second, then given up" {
	command -v tcpdump > /dev/null || skip "tcpdump is not installed"
	# A datagram from 10.84.1.1 (whose MAC the guest must ask for, and
	# tap1 never answers): udpecho's echo waits on a pending ARP entry.
	ip netns exec "$NS" timeout 60 "$RUN" --mem=4M --stats --net=tap1 --ip=10.84.1.2/24 \
		--net-mac=02:00:00:84:01:02 "$B/apps/udpecho.tc" > "$BATS_TEST_TMPDIR/vm.out" 2>&1 &
	VM=$!
	for _ in $(seq 400); do
		grep -q listening "$BATS_TEST_TMPDIR/vm.out" && break
		sleep 0.05
	done
	ip netns exec "$NS" timeout 10 tcpdump -l -n -i tap1 arp > "$BATS_TEST_TMPDIR/arp" 2> /dev/null &
	dump=$!
	sleep 1
	ip netns exec "$NS" bash -c 'echo hello > /dev/udp/10.84.1.2/7'
	sleep 8
	kill "$dump" 2> /dev/null || true
	wait "$dump" || true
	cat "$BATS_TEST_TMPDIR/arp"
	asked=$(grep -c "Request who-has 10.84.1.1 tell 10.84.1.2" "$BATS_TEST_TMPDIR/arp" || true)
	# etharp.c: the request, then again at each of the pending entry's
	# 1 s ticks until it is dropped at the 5th.
	[ "$asked" -ge 4 ] && [ "$asked" -le 6 ]
}

@test "whole frames grow the rx window only when they keep using it up: a burst of 20 does not, a flood does" {
	start udpecho
	# The first window takes 8 small frames a wait (44 + 7 posted, the
	# monitor reads while 44 are): 20 use it up twice at most, and it grows
	# after 4 in a row.
	ns "$CLIENT" volley $GUEST 7 20
	[ "$status" -eq 0 ]
	n=$(rx_pages udpecho)
	echo "rx buffer pages backed after 20: $n"
	[ "$n" -le 4 ]
	ns "$CLIENT" udprate $GUEST 7 1 64
	[ "$status" -eq 0 ]
	n=$(rx_pages udpecho)
	echo "rx buffer pages backed after a second of 64 in flight: $n"
	[ "$n" -gt 4 ]
}
