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
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.84.0.1/24 dev tap0
}

teardown_file() {
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "these tests need root (a network namespace, the monitor's pagemap)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
}

teardown() {
	if [ -n "${VM:-}" ]; then
		kill "$VM" 2>/dev/null || true
		wait "$VM" 2>/dev/null || true
	fi
}

ns() { run timeout 30 ip netns exec "$NS" "$@"; }

# start APP [MONITOR OPTIONS]: boot build/apps/APP on tap0 under a time
# limit; VM is the `timeout`, MON the monitor, OUT its output.
start() {
	local app=$1
	shift
	OUT=$BATS_TEST_TMPDIR/vm.out
	ip netns exec "$NS" timeout 60 "$RUN" --mem=4M --stats --net=tap0 --ip=$GUEST/24 "$@" "$B/apps/$app.tc" \
		> "$OUT" 2>&1 &
	VM=$!
	for _ in $(seq 100); do
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
