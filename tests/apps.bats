# The network apps (apps/udpecho, apps/tcpecho) on lwIP and the socket layer,
# booted with a tap in a network namespace of our own; a host-side client
# (tests/tools/netclient.c) drives them.  Every wait is bounded.
load helpers

CLIENT=$B/tests/netclient
GUEST=10.78.0.2

setup_file() {
	export NS=tincan-a$$
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null || return 0
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.78.0.1/24 dev tap0
}

teardown_file() {
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
}

teardown() {
	if [ -n "${APP_PID:-}" ]; then
		kill "$APP_PID" 2>/dev/null || true
		wait "$APP_PID" 2>/dev/null || true
	fi
}

# Boot an app on tap0 in the background and wait (bounded) until it listens.
start_app() {
	ip netns exec "$NS" timeout 60 "$RUN" --net=tap0 --ip=$GUEST/24 "$B/apps/$1.tc" -- "${@:2}" \
		> "$BATS_TEST_TMPDIR/app.out" 2>&1 &
	APP_PID=$!
	for i in $(seq 1 100); do
		grep -q listening "$BATS_TEST_TMPDIR/app.out" && return 0
		sleep 0.05
	done
	cat "$BATS_TEST_TMPDIR/app.out"
	return 1
}

ns() { run timeout 60 ip netns exec "$NS" "$@"; }

@test "lwIP answers ping" {
	start_app udpecho
	ns ping -c 20 -i 0.01 -W 2 $GUEST
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *" 0% packet loss"* ]]
}

@test "UDP echo of every size from 1 byte to the MTU" {
	start_app udpecho -p 7007
	ns "$CLIENT" udp $GUEST 7007 1 1472
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "udp: 1472 sizes echoed" ]
}

@test "UDP datagrams larger than the MTU are fragmented and reassembled" {
	start_app udpecho
	ns "$CLIENT" udp $GUEST 7 1473 1480
	[ "$status" -eq 0 ]
	ns "$CLIENT" udp $GUEST 7 8000 8000
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "TCP echo of 2 MB in both directions at once" {
	start_app tcpecho -p 7008
	ns "$CLIENT" tcp $GUEST 7008 2000000
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "1,000 sequential TCP connections" {
	start_app tcpecho
	ns "$CLIENT" conns $GUEST 7 1000
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "a thread per connection: a slow client does not stall the others" {
	start_app tcpecho
	ip netns exec "$NS" timeout 20 "$CLIENT" hold $GUEST 7 3 &
	holder=$!
	sleep 0.2
	ns "$CLIENT" conns $GUEST 7 20
	kill $holder 2>/dev/null || true
	wait $holder 2>/dev/null || true
	[ "$status" -eq 0 ]
}

@test "garbage frames do not knock the guest over" {
	start_app tcpecho
	ns "$CLIENT" garbage tap0 5000
	[ "$status" -eq 0 ]
	ns "$CLIENT" conns $GUEST 7 10
	echo "$output"
	[ "$status" -eq 0 ]
	kill -0 "$APP_PID"
}

@test "a SYN flood from the host side (bounded) while the guest keeps serving" {
	command -v hping3 >/dev/null || skip "hping3 is not installed"
	start_app tcpecho
	ip netns exec "$NS" timeout 3 hping3 -q -S -p 7 -i u200 $GUEST >/dev/null 2>&1 &
	flood=$!
	ns "$CLIENT" conns $GUEST 7 20
	wait $flood || true
	echo "$output"
	[ "$status" -eq 0 ]
	ns "$CLIENT" tcp $GUEST 7 100000
	[ "$status" -eq 0 ]
}
