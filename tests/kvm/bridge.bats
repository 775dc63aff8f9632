# --net=bridge:BR[,tap=TAP][,isolated]: the monitor makes a tap of its own on
# a bridge, which goes with it however it ends.  Each test has a network
# namespace of its own (bridge br0 at 10.87.0.1/24); every wait is
# bounded and every monitor is ended by its recorded pid.
load ../helpers

CLIENT=$B/tests/netclient
NETTINY=$BATS_FILE_TMPDIR/net.tc

setup_file() {
	cp "$TINY" "$NETTINY"
	"$B/bin/tincan-mkimage" --net=net0 "$NETTINY" >/dev/null
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "bridge tests need root (network namespaces, CAP_NET_ADMIN)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	command -v ip >/dev/null || skip "ip (iproute2) is not installed"
	NS=tincan-b$$-$BATS_TEST_NUMBER
	PIDS=()
	ip netns add "$NS" || skip "could not create a network namespace"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add br0 type bridge || skip "no bridge support in this kernel"
	ip -n "$NS" addr add 10.87.0.1/24 dev br0
	ip -n "$NS" link set br0 up
}

teardown() {
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
	[ -z "${NS2:-}" ] || ip netns del "$NS2" 2>/dev/null || true
}

nsrun() { run timeout 20 ip netns exec "$NS" "$@"; }

# start OUT RUN-ARGS...: a monitor in the background (its pid in PIDS, and
# $pid); ip netns exec execs it, so $! is the monitor itself.
start() {
	local out=$1
	shift
	ip netns exec "$NS" "$RUN" "$@" > "$out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
}

# Is port $2 (in namespace $1) isolated on its bridge?
isolated() { [ "$(ip netns exec "$1" cat "/sys/class/net/$2/brport/isolated" 2> /dev/null)" = 1 ]; }

# The names of the bridge's ports.
ports() { ip -n "$NS" -o link show master br0 | awk -F': ' '{ print $2 }' | sed 's/@.*//'; }

# Wait (up to 2 s) until the bridge has no port.
no_ports() {
	for i in $(seq 1 40); do
		[ -z "$(ports)" ] && return 0
		sleep 0.05
	done
	ports
	return 1
}

wait_listening() {
	for i in $(seq 1 400); do
		grep -q listening "$1" && return 0
		sleep 0.05
	done
	cat "$1"
	return 1
}

@test "--net=bridge:BR: udpecho on a new tap answers the bridge's address; the tap goes when the run ends" {
	[ -x "$CLIENT" ] || skip "build/tests/netclient is missing"
	start "$BATS_TEST_TMPDIR/out" --net=bridge:br0 --ip=10.87.0.2/24 "$B/apps/udpecho.tc"
	wait_listening "$BATS_TEST_TMPDIR/out"
	tap=$(ports)
	echo "port: $tap"
	[[ $tap =~ ^tc[0-9]+$ ]]
	# A short tx queue, IPv6 off (on by default in the namespace), up,
	# and not persistent.
	[ "$(ip netns exec "$NS" cat /sys/class/net/$tap/tx_queue_len)" = 64 ]
	if [ -e /proc/sys/net/ipv6 ]; then
		[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv6/conf/default/disable_ipv6)" = 0 ]
		[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv6/conf/$tap/disable_ipv6)" = 1 ]
	fi
	ip -n "$NS" -d link show "$tap" | grep -q "tun type tap pi off vnet_hdr on persist off"
	ip -n "$NS" link show "$tap" | grep -q "state UNKNOWN\|,UP"
	nsrun "$CLIENT" udp 10.87.0.2 7 1 200
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "udp: 200 sizes echoed" ]
	kill -TERM "$pid"
	wait "$pid" || true
	no_ports
	! ip -n "$NS" link show "$tap" 2>/dev/null
}

@test "--net=bridge:BR: the tap goes with a monitor killed by SIGKILL" {
	start "$BATS_TEST_TMPDIR/out" --net=bridge:br0,tap=tcbk$$ --ip=10.87.0.2/24 "$NETTINY" sleep 20000
	for i in $(seq 1 400); do
		[ "$(ports)" = tcbk$$ ] && break
		sleep 0.05
	done
	[ "$(ports)" = tcbk$$ ]
	kill -KILL "$pid"
	wait "$pid" || true
	no_ports
	! ip -n "$NS" link show tcbk$$ 2>/dev/null
}

@test "--net=NAME:bridge:BR,tap=TAP: a named tap for the named device" {
	nsrun "$RUN" --net=net0:bridge:br0,tap=tcbn$$ "$NETTINY" net-info
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = net0 ]
	# Gone again once the run ended.
	no_ports
	start "$BATS_TEST_TMPDIR/out" --net=net0:bridge:br0,tap=tcbn$$ "$NETTINY" sleep 20000
	for i in $(seq 1 400); do
		[ "$(ports)" = tcbn$$ ] && break
		sleep 0.05
	done
	[ "$(ports)" = tcbn$$ ]
}

# error ARG STATUS LINE: tincan-run --net=ARG fails with STATUS and exactly LINE.
error() {
	nsrun "$RUN" --net="$1" "$NETTINY" net-info
	echo "status $status: $output"
	[ "$status" -eq "$2" ]
	[ "$output" = "tincan-run: $3" ]
}

@test "--net=bridge: errors are one line each, and no tap is left behind" {
	ip -n "$NS" link add vb0 type veth peer name vb1
	ip -n "$NS" tuntap add tcbp$$ mode tap
	error bridge:nosuch 105 "--net=bridge:nosuch: bridge 'nosuch' does not exist"
	error bridge:vb0 105 "--net=bridge:vb0: bridge 'vb0' is not a bridge"
	error bridge:br0,tap=vb1 105 "--net=bridge:br0,tap=vb1: a device named 'vb1' exists already"
	error bridge:br0,tap=br0 105 "--net=bridge:br0,tap=br0: a device named 'br0' exists already"
	# A stale persistent tap is never adopted: it stays off the bridge.
	error bridge:br0,tap=tcbp$$ 105 "--net=bridge:br0,tap=tcbp$$: a device named 'tcbp$$' exists already"
	ip -n "$NS" -d link show tcbp$$ | grep -q "persist on"
	error bridge:br0,tap=tcb0123456789abc 104 \
		"--net=bridge:br0,tap=tcb0123456789abc: a tap name has at most 15 characters"
	error bridge:br0123456789abcd 104 \
		"invalid --net=bridge:br0123456789abcd: expected [NAME:]bridge:BRIDGE[,tap=TAP][,isolated]"
	error bridge: 104 "invalid --net=bridge:: expected [NAME:]bridge:BRIDGE[,tap=TAP][,isolated]"
	error bridge:br0,isolate 104 \
		"invalid --net=bridge:br0,isolate: expected [NAME:]bridge:BRIDGE[,tap=TAP][,isolated]"
	error bridge:br0,tap= 104 "invalid --net=bridge:br0,tap=: expected [NAME:]bridge:BRIDGE[,tap=TAP][,isolated]"
	error bridge:br0,tap=a,tap=b 104 \
		"invalid --net=bridge:br0,tap=a,tap=b: expected [NAME:]bridge:BRIDGE[,tap=TAP][,isolated]"
	[ -z "$(ports)" ]
	if command -v setpriv >/dev/null; then
		nsrun setpriv --inh-caps=-all --bounding-set=-net_admin "$RUN" --net=bridge:br0 "$NETTINY" net-info
		echo "status $status: $output"
		[ "$status" -eq 105 ]
		[ "$output" = "tincan-run: --net=bridge:br0: making a tap needs CAP_NET_ADMIN (run as root)" ]
	fi
	[ -z "$(ports)" ]
}

@test "--net=bridge: a bridge with 1023 ports is full" {
	for i in $(seq 1 1023); do echo "tuntap add tf$i mode tap"; done | ip -n "$NS" -batch -
	for i in $(seq 1 1023); do echo "link set tf$i master br0"; done | ip -n "$NS" -batch -
	error bridge:br0 105 "--net=bridge:br0: bridge 'br0' is full (1023 ports)"
	! ip -n "$NS" -o link show | grep -q ' tc[0-9]*:'
}

# Frames the bridge handed to a tap for its guest (read, or dropped with
# its queue full).
tap_tx() {
	local d=/sys/class/net/$1/statistics
	echo $(($(ip netns exec "$NS" cat $d/tx_packets) + $(ip netns exec "$NS" cat $d/tx_dropped)))
}

@test "--net=bridge:BR,isolated: isolated guests get none of each other's broadcasts; the host reaches them all" {
	# No IPv6 in the namespace: the bridge's own multicast is no noise.
	ip netns exec "$NS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6' 2>/dev/null || true
	ip netns exec "$NS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
	start "$BATS_TEST_TMPDIR/b" --net=bridge:br0,tap=tcbb$$,isolated --ip=10.87.0.3/24 "$NETTINY" net-echo 100000
	start "$BATS_TEST_TMPDIR/c" --net=bridge:br0,tap=tcbc$$,isolated --ip=10.87.0.4/24 "$NETTINY" net-echo 100000
	for i in $(seq 1 400); do
		[ "$(ports | wc -l)" -eq 2 ] && break
		sleep 0.05
	done
	# (A port joins the bridge before the monitor isolates it.)
	for t in tcbb$$ tcbc$$; do
		wait_until 5 isolated "$NS" "$t"
	done
	nsrun ping -c 5 -i 0.05 -W 2 10.87.0.3
	[ "$status" -eq 0 ]
	nsrun ping -c 5 -i 0.05 -W 2 10.87.0.4
	[ "$status" -eq 0 ]
	# 300 broadcast frames from a third guest: an isolated one's reach
	# neither; one not isolated reaches both (the check of the check).
	b0=$(tap_tx tcbb$$) c0=$(tap_tx tcbc$$)
	nsrun "$RUN" --net=bridge:br0,tap=tcba$$,isolated "$NETTINY" net-send 300 own
	[ "$status" -eq 0 ]
	b1=$(tap_tx tcbb$$) c1=$(tap_tx tcbc$$)
	echo "isolated sender: $((b1 - b0)) and $((c1 - c0)) frames to the others"
	[ $((b1 - b0)) -lt 5 ]
	[ $((c1 - c0)) -lt 5 ]
	nsrun "$RUN" --net=bridge:br0,tap=tcba$$ "$NETTINY" net-send 300 own
	[ "$status" -eq 0 ]
	b2=$(tap_tx tcbb$$) c2=$(tap_tx tcbc$$)
	echo "sender not isolated: $((b2 - b1)) and $((c2 - c1)) frames to the others"
	[ $((b2 - b1)) -ge 300 ]
	[ $((c2 - c1)) -ge 300 ]
}

# The port is isolated over rtnetlink in the monitor's own namespace, not
# through /sys, which shows the namespace of whoever mounted it: entered
# with nsenter from namespace B (whose /sys ip netns exec mounted), the
# monitor isolates its port in A, and B's device of the same name stays as
# it was.
@test "--net=bridge:BR,isolated: under nsenter, the port in the monitor's namespace is isolated, not a same-named one in /sys's" {
	command -v nsenter >/dev/null || skip "nsenter (util-linux) is not installed"
	NS2=tincan-b$$-${BATS_TEST_NUMBER}b
	ip netns add "$NS2" || skip "could not create a second network namespace"
	ip -n "$NS2" link add brB type bridge
	ip -n "$NS2" tuntap add tcbi$$ mode tap
	ip -n "$NS2" link set tcbi$$ master brB
	st=0
	ip netns exec "$NS2" nsenter --net=/run/netns/"$NS" "$RUN" --net=bridge:br0,tap=tcbi$$,isolated "$NETTINY" \
		sleep 20000 > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	for i in $(seq 1 400); do
		[ "$(ports)" = tcbi$$ ] && break
		sleep 0.05
	done
	wait_until 5 isolated "$NS" tcbi$$ || st=1
	a=$(ip netns exec "$NS" cat /sys/class/net/tcbi$$/brport/isolated) || st=1
	b=$(ip netns exec "$NS2" cat /sys/class/net/tcbi$$/brport/isolated) || st=1
	cat "$BATS_TEST_TMPDIR/out"
	echo "isolated: $a in the monitor's namespace, $b in the other"
	[ "$st" -eq 0 ]
	[ "$a" = 1 ]
	[ "$b" = 0 ]
}

# Out of fds, looking a tap up is a host error, not "does not exist".
@test "--net=TAP: an existing tap is never reported missing, whatever the fd limit" {
	ip -n "$NS" tuntap add tcbf$$ mode tap
	for n in 4 5 6 7 8; do
		nsrun bash -c "ulimit -n $n && exec '$RUN' --net=tcbf$$ '$NETTINY' net-info"
		echo "limit $n: status $status: $output"
		[[ $output != *"does not exist"* ]]
	done
}
