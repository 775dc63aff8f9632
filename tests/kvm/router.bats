# apps/router between two network namespaces joined only through it: LAN
# (namespace L, 10.1.0.2 / fd01::2) on the guest's eth0, the outside
# (namespace W, 10.2.0.2 / fd02::2) on its eth1.  The monitor runs in a
# third namespace (M) that holds the taps, each bridged to a veth whose
# other end is in L or W.  Every wait is bounded; every process is ended by
# its recorded pid; the namespaces go in teardown_file.
load ../helpers

MAC0=02:00:00:0a:01:01
MAC1=02:00:00:0a:02:01
TOOL=$BATS_TEST_DIRNAME/routertool.py
PY=/usr/bin/python3

setup_file() {
	export RP=trt$$
	export M=${RP}m L=${RP}l W=${RP}w
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null || return 0
	for n in $M $L $W; do
		ip netns add $n || return 0
		ip -n $n link set lo up
	done
	ip netns exec $M sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	# br_netfilter (where loaded) would drop malformed IP frames on the bridges.
	for t in iptables ip6tables arptables; do
		ip netns exec $M sysctl -qw net.bridge.bridge-nf-call-$t=0 2>/dev/null || true
	done
	for s in l w; do
		ip -n $M tuntap add tap$s mode tap
		ip -n $M link add br$s type bridge
		ip -n $M link set tap$s master br$s
		ip -n $M link add v$s type veth peer name v${s}1
		ip -n $M link set v$s master br$s
		ip -n $M link set v${s}1 netns ${RP}$s
		for d in tap$s br$s v$s; do ip -n $M link set $d up; done
		ip -n ${RP}$s link set v${s}1 up
	done
	ip -n $L addr add 10.1.0.2/24 dev vl1
	ip -n $L addr add fd01::2/64 dev vl1 nodad
	ip -n $L route add default via 10.1.0.1
	ip -n $L -6 route add default via fd01::1
	ip -n $W addr add 10.2.0.2/24 dev vw1
	ip -n $W addr add fd02::2/64 dev vw1 nodad
	ip -n $W -6 route add fd01::/64 via fd02::1
	head -c 20000000 /dev/urandom > "$BATS_FILE_TMPDIR/big"
	echo small > "$BATS_FILE_TMPDIR/small"
}

teardown_file() {
	for n in $M $L $W; do ip netns del $n 2>/dev/null || true; done
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "router tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$W" || skip "could not create the network namespaces"
	[ -x $PY ] || skip "$PY is missing"
	PIDS=()
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip -n $W route del 10.1.0.0/16 2>/dev/null || true
	ip -n $W addr del 10.9.0.1/32 dev lo 2>/dev/null || true
	ip -n $W addr del fd09::1/128 dev lo 2>/dev/null || true
}

# start_router ARGS...: the router with two NICs (the monitor itself is
# $RPID: ip netns exec execs it); waits for its "ready".
start_router() {
	OUT=$BATS_TEST_TMPDIR/router
	ip netns exec $M "$RUN" --net=eth0:tapl --net=eth1:tapw --net-mac=eth0:$MAC0 --net-mac=eth1:$MAC1 \
		"$@" > "$OUT" 2>&1 &
	RPID=$!
	PIDS+=("$RPID")
	for i in $(seq 1 400); do
		grep -q '^router: ready' "$OUT" && return 0
		kill -0 $RPID 2>/dev/null || break
		sleep 0.05
	done
	cat "$OUT"
	return 1
}

# stop_router: SIGTERM; the router prints its counters and exits 0.
stop_router() {
	kill -TERM $RPID
	RST=0
	wait $RPID || RST=$?
	cat "$OUT"
	[ "$RST" -eq 0 ]
	grep -q '^router: drop malformed ' "$OUT"
}

# count NAME: a counter's last value ("eth0 malformed", "drop rule"...).
count() { sed -n "s/^router: $1 //p" "$OUT" | tail -n 1; }

# bg NS OUTFILE CMD...: a background command in a namespace (ip netns exec
# execs it, so $! is the command itself, which teardown ends).
bg() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$@" > "$out" 2>&1 &
	PIDS+=("$!")
}

# wait_for FILE TEXT: up to 20 s.
wait_for() {
	for i in $(seq 1 400); do
		grep -q "$2" "$1" && return 0
		sleep 0.05
	done
	cat "$1"
	return 1
}

# An HTTP server in W on PORT (both families) serving the test's files.
http_server() {
	bg $W "$BATS_TEST_TMPDIR/http$1" $PY -u -m http.server -b :: -d "$BATS_FILE_TMPDIR" "$1"
	for i in $(seq 1 100); do
		ip netns exec $W ss -ltn | grep -q ":$1 " && return 0
		sleep 0.05
	done
	return 1
}

ARGS4="--addr=eth0:10.1.0.1/24 --addr=eth0:fd01::1/64 --addr=eth1:10.2.0.1/24 --addr=eth1:fd02::1/64"

@test "router: ping, ping6, curl and a 20 MB TCP transfer pass through it, both families" {
	ip -n $W route add 10.1.0.0/16 via 10.2.0.1
	start_router "$B/apps/router.tc" -- $ARGS4
	http_server 8000
	run ip netns exec $L ping -c 3 -i 0.2 -W 2 10.2.0.2
	echo "$output"
	[[ $output == *" 0% packet loss"* ]]
	[[ $output == *"ttl=63"* ]]
	run ip netns exec $L ping -6 -c 3 -i 0.2 -W 2 fd02::2
	echo "$output"
	[[ $output == *" 0% packet loss"* ]]
	run ip netns exec $W ping -c 1 -W 2 10.2.0.1
	[[ $output == *" 0% packet loss"* ]]
	# TTL 1: the router says so, from its LAN address.
	run ip netns exec $L ping -c 1 -t 1 -W 2 10.2.0.2
	[[ $output == *"From 10.1.0.1 "*"Time to live exceeded"* ]]
	run ip netns exec $L timeout 20 curl -sS -m 15 http://10.2.0.2:8000/small
	[ "$output" = small ]
	run ip netns exec $L timeout 20 curl -sS -m 15 "http://[fd02::2]:8000/small"
	[ "$output" = small ]
	ip netns exec $L timeout 30 curl -sS -m 25 -o "$BATS_TEST_TMPDIR/got" http://10.2.0.2:8000/big
	[ "$(sha256sum < "$BATS_TEST_TMPDIR/got")" = "$(sha256sum < "$BATS_FILE_TMPDIR/big")" ]
	ip netns exec $L timeout 30 curl -sS -m 25 -o "$BATS_TEST_TMPDIR/got6" "http://[fd02::2]:8000/big"
	[ "$(sha256sum < "$BATS_TEST_TMPDIR/got6")" = "$(sha256sum < "$BATS_FILE_TMPDIR/big")" ]
	# No NAT: the server saw the LAN host's own addresses.
	wait_for "$BATS_TEST_TMPDIR/http8000" '10\.1\.0\.2 .*GET /big'
	wait_for "$BATS_TEST_TMPDIR/http8000" 'fd01::2 .*GET /big'
	stop_router
	[ "$(count 'eth1 forwarded')" -gt 20000 ]
	[ "$(count 'eth0 malformed')" -eq 0 ]
	[ "$(count 'eth1 malformed')" -eq 0 ]
	[ "$(count echo_replies)" -ge 1 ]
	[ "$(count flows_nat)" -eq 0 ]
}

@test "router: a rule file (through --dir) denies a port, v4 and v6; the drops are counted; the rest passes" {
	ip -n $W route add 10.1.0.0/16 via 10.2.0.1
	printf '# test rules\ndeny proto tcp port 8001\nallow in eth0\npolicy deny\n' > "$BATS_TEST_TMPDIR/router.rules"
	start_router --dir="$BATS_TEST_TMPDIR:/etc/router:ro" "$B/apps/router.tc" -- $ARGS4 --rules=/etc/router/router.rules
	grep -q 'ready: 2 NICs, 4 routes, 2 rules, policy deny' "$OUT"
	http_server 8000
	http_server 8001
	run ip netns exec $L timeout 10 $PY "$TOOL" tcpconnect 10.2.0.2 8001 1
	[ "$output" = failed ]
	run ip netns exec $L timeout 10 $PY "$TOOL" tcpconnect fd02::2 8001 1
	[ "$output" = failed ]
	run ip netns exec $L timeout 10 $PY "$TOOL" tcpconnect 10.2.0.2 8000 5
	[ "$output" = connected ]
	run ip netns exec $L timeout 20 curl -sS -m 15 "http://[fd02::2]:8000/small"
	[ "$output" = small ]
	# The outside may open nothing (policy deny), but replies came back.
	run ip netns exec $W timeout 10 $PY "$TOOL" tcpconnect 10.1.0.2 22 1
	[ "$output" = failed ]
	stop_router
	[ "$(count 'drop rule')" -ge 3 ]
	[ "$(count 'rule 1 deny')" -ge 2 ]
	[ "$(count 'rule 2 allow')" -ge 2 ]
	[ "$(count 'policy deny')" -ge 1 ]
}

@test "router: source NAT to the outside address, 1,000 concurrent UDP flows and their replies" {
	# W has no route back to 10.1.0.0/16: only NAT makes replies arrive.
	start_router "$B/apps/router.tc" -- $ARGS4 --snat=eth1
	http_server 8000
	bg $W "$BATS_TEST_TMPDIR/udp" $PY -u "$TOOL" udpserver 0.0.0.0 9000 2
	wait_for "$BATS_TEST_TMPDIR/udp" listening
	run ip netns exec $L timeout 20 curl -sS -m 15 http://10.2.0.2:8000/small
	[ "$output" = small ]
	wait_for "$BATS_TEST_TMPDIR/http8000" '10\.2\.0\.1 .*GET /small'
	run ip netns exec $L timeout 30 sh -c "ulimit -n 4096 && $PY $TOOL flows 10.2.0.2 9000 1000"
	echo "$output"
	[ "$output" = "answered 1000 of 1000" ]
	wait_for "$BATS_TEST_TMPDIR/udp" '^peers'
	cat "$BATS_TEST_TMPDIR/udp"
	grep -q '^peers 1000 addrs 10\.2\.0\.1$' "$BATS_TEST_TMPDIR/udp"
	run ip netns exec $L ping -c 2 -i 0.2 -W 2 10.2.0.2
	[[ $output == *" 0% packet loss"* ]]
	stop_router
	[ "$(count flows)" -ge 1000 ]
	[ "$(count flows_nat)" -ge 1002 ]
	[ "$(count 'drop flows_full')" -eq 0 ]
}

@test "router: malformed frames on either side are counted and dropped; forwarding goes on" {
	ip -n $W route add 10.1.0.0/16 via 10.2.0.1
	start_router "$B/apps/router.tc" -- $ARGS4 --stats=1 --poll=300
	# --stats: the counters every second too.
	wait_for "$OUT" '^router: eth0 rx_frames'
	run ip netns exec $L ping -c 1 -W 2 10.2.0.2
	[[ $output == *" 0% packet loss"* ]]
	run ip netns exec $L $PY "$TOOL" garbage vl1 $MAC0
	[ "$output" = "sent 11" ]
	run ip netns exec $W $PY "$TOOL" garbage vw1 $MAC1
	[ "$output" = "sent 11" ]
	run ip netns exec $L ping -c 3 -i 0.2 -W 2 10.2.0.2
	[[ $output == *" 0% packet loss"* ]]
	run ip netns exec $W ping -6 -c 3 -i 0.2 -W 2 fd01::2
	[[ $output == *" 0% packet loss"* ]]
	stop_router
	[ "$(count 'eth0 malformed')" -eq 11 ]
	[ "$(count 'eth1 malformed')" -eq 11 ]
	[ "$(count 'drop malformed')" -eq 22 ]
}

@test "router: addresses and routes from TINCAN_IP / TINCAN_ROUTE (the platform's per-NIC environment)" {
	ip -n $W route add 10.1.0.0/16 via 10.2.0.1
	start_router --env=TINCAN_IP=eth0:10.1.0.1/24,eth0:fd01::1/64,eth1:10.2.0.1/24,eth1:fd02::1/64 \
		--env=TINCAN_ROUTE=10.9.0.0/16@10.2.0.2,fd09::/64@fd02::2%eth1 "$B/apps/router.tc"
	grep -q '^router: eth1 02:00:00:0a:02:01 mtu 1500 10.2.0.1/24 fd02::1/64$' "$OUT"
	grep -q 'ready: 2 NICs, 6 routes' "$OUT"
	run ip netns exec $L ping -c 2 -i 0.2 -W 2 10.2.0.2
	[[ $output == *" 0% packet loss"* ]]
	run ip netns exec $L ping -6 -c 2 -i 0.2 -W 2 fd02::2
	[[ $output == *" 0% packet loss"* ]]
	# The static routes: 10.9.0.1 and fd09::1 are W's, through its address.
	ip -n $W addr add 10.9.0.1/32 dev lo
	ip -n $W addr add fd09::1/128 dev lo
	run ip netns exec $L ping -c 2 -i 0.2 -W 2 10.9.0.1
	[[ $output == *" 0% packet loss"* ]]
	run ip netns exec $L ping -6 -c 2 -i 0.2 -W 2 fd09::1
	[[ $output == *" 0% packet loss"* ]]
	stop_router
}

@test "router: configured by the monitor's per-NIC --ip and --route (TINCAN_IP / TINCAN_ROUTE)" {
	ip -n $W route add 10.1.0.0/16 via 10.2.0.1
	start_router --ip=eth0:10.1.0.1/24 --ip=eth0:fd01::1/64 --ip=eth1:10.2.0.1/24 --ip=eth1:fd02::1/64 \
		--route=10.9.0.0/16:via=10.2.0.2 "$B/apps/router.tc"
	grep -q '^router: eth0 02:00:00:0a:01:01 mtu 1500 10.1.0.1/24 fd01::1/64$' "$OUT"
	grep -q 'ready: 2 NICs, 5 routes' "$OUT"
	ip -n $W addr add 10.9.0.1/32 dev lo
	run ip netns exec $L ping -c 2 -i 0.2 -W 2 10.9.0.1
	[[ $output == *" 0% packet loss"* ]]
	run ip netns exec $W ping -6 -c 2 -i 0.2 -W 2 fd01::2
	[[ $output == *" 0% packet loss"* ]]
	stop_router
}

# sample: the monitor's --stats now (SIGUSR1) into NW (the guest's wait
# hypercalls so far) and NF (the frames it was given on both NICs so far).
sample() {
	local n0 n=0 rx
	n0=$(grep -c 'stats: time:' "$OUT" || true)
	kill -USR1 $RPID
	for i in $(seq 1 100); do
		n=$(grep -c 'stats: time:' "$OUT" || true)
		[ "$n" -gt "$n0" ] && break
		sleep 0.02
	done
	[ "$n" -gt "$n0" ] || return 1
	NW=$(grep 'stats: hypercalls:' "$OUT" | tail -n 1 | grep -o '\bwait [0-9]*' | cut -d' ' -f2)
	rx=$(grep 'stats: net ' "$OUT" | tail -n 2 | sed -n 's/.*: rx \([0-9]*\) frames.*/\1/p')
	[ -n "$NW" ] && [ "$(wc -l <<< "$rx")" -eq 2 ] || return 1
	NF=$((${rx%%$'\n'*} + ${rx##*$'\n'}))
}

# quiet: wait (up to 20 s) until no frame came to the router for a second
# (the hosts in L and W send a few of their own after their links come up).
quiet() {
	sample
	for i in $(seq 1 20); do
		local f=$NF
		sleep 1
		sample
		[ "$NF" -eq "$f" ] && return 0
	done
	return 1
}

# window SECONDS: sleep, then DW and DF: the waits and frames meanwhile.
window() {
	local w=$NW f=$NF
	sleep "$1"
	sample
	DW=$((NW - w)) DF=$((NF - f))
	echo "$1 s: $DW waits, $DF frames"
}

@test "router: idle, it sleeps (no tick); a flow wakes it at its expiry, then it sleeps again" {
	ip -n $W route add 10.1.0.0/16 via 10.2.0.1
	start_router --stats "$B/apps/router.tc" -- $ARGS4 --flow-timeout=2
	quiet
	# A wait returns for frames (each may wake it once) and for nothing
	# else: a 1 s tick would be 4 more.
	window 4
	[ "$DW" -le "$DF" ]
	# One ping: an ICMP echo flow, its timeout 2 s (--flow-timeout).
	run ip netns exec $L ping -c 1 -W 2 10.2.0.2
	[[ $output == *" 0% packet loss"* ]]
	sample
	window 0.8
	[ "$DW" -le "$DF" ]
	# Woken for its expiry (at 2 s; again at 3 s at most: the scan at 2 s
	# may find the reply's expiry a little later, and scans are a second
	# apart), and no more (a 1 s tick: 3 or 4 in each window).
	window 3.5
	[ "$DW" -ge 1 ]
	[ "$DW" -le $((DF + 2)) ]
	window 4
	[ "$DW" -le $((DF + 1)) ]
	stop_router
	# The flow was tracked, and expired: none is left.
	[ "$(count flows_new)" -eq 1 ]
	[ "$(count flows)" -eq 0 ]
}

@test "router: a pending resolution retries a second apart, gives up after 3, then sleeps" {
	ip -n $W route add 10.1.0.0/16 via 10.2.0.1
	start_router --stats "$B/apps/router.tc" -- $ARGS4
	quiet
	# 10.1.0.99 answers no ARP: 3 requests a second apart, then the drop:
	# woken for the frame(s), the 2 retries and the give-up.
	run ip netns exec $W timeout 10 $PY -c \
		'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("10.1.0.99", 9))'
	[ "$status" -eq 0 ]
	window 5
	[ "$DW" -ge 3 ]
	[ "$DW" -le $((DF + 3)) ]
	# Then the flow's 30 s are all that is left.
	window 4
	[ "$DW" -le $((DF + 1)) ]
	stop_router
	[ "$(count arp_requests)" -eq 3 ]
	[ "$(count 'drop unresolved')" -eq 1 ]
	[ "$(count flows)" -eq 1 ]
}

@test "router: bad configuration is one clear line and a non-zero exit" {
	run ip netns exec $M timeout 20 "$RUN" --net=eth0:tapl --net=eth1:tapw "$B/apps/router.tc" -- --addr=eth0
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "router: --addr=eth0: expected NIC:ADDR/PREFIX" ]
	run ip netns exec $M timeout 20 "$RUN" --net=eth0:tapl --net=eth1:tapw "$B/apps/router.tc" -- \
		--addr=eth0:10.1.0.1/24 --route=0.0.0.0/0@10.9.0.1
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "router: a route's gateway 10.9.0.1 is on no NIC's network" ]
	run ip netns exec $M timeout 20 "$RUN" --net=eth0:tapl --net=eth1:tapw "$B/apps/router.tc" -- \
		--addr=eth7:10.1.0.1/24
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == "router: cannot open NIC 'eth7': "* ]]
	run ip netns exec $M timeout 20 "$RUN" --net=eth0:tapl --net=eth1:tapw "$B/apps/router.tc" -- \
		--addr=eth0:10.1.0.1/24 --flow-timeout=0
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "router: --flow-timeout=0: expected a number of seconds from 1 to 86400" ]
}
