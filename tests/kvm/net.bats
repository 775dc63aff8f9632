# Net devices on the monitor: tap attach, option errors, the batched rings,
# and guests that lie in them.  The guest is the hand-written network
# function in tests/guests/tiny.c (it answers ARP and ping on its own).
# Everything happens in a network namespace of our own.
load ../helpers

NETTINY=$BATS_FILE_TMPDIR/net.tc

setup_file() {
	export NS=tincan-t$$
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null || return 0
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	for t in tap0 tap1; do ip -n "$NS" tuntap add "$t" mode tap; done
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.77.0.1/24 dev tap0
	ip -n "$NS" link add veth0 type veth peer name veth1
	cp "$TINY" "$NETTINY"
	"$B/bin/tincan-mkimage" --net=net0 "$NETTINY" >/dev/null
}

teardown_file() {
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
	netns_fresh "$NS"
}

nsrun() { run timeout 20 ip netns exec "$NS" "$@"; }

@test "--net attaches a tap; --net-mac and --ip reach the guest" {
	nsrun "$RUN" --net=tap0 --net-mac=02:11:22:33:44:55 --ip=10.77.0.2/24 --gw=10.77.0.1 "$NETTINY" net-info
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '1\nnet0\n2\n17\n34\n51\n68\n85\n10\n77\n0\n2\n24')" ]
	nsrun "$RUN" --net=net0:tap0 "$NETTINY" net-info
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = net0 ]
}

@test "a guest answers ping through the batched ring" {
	ready_fd
	ip netns exec "$NS" "$RUN" --ready-fd="$READY" --net=tap0 --ip=10.77.0.2/24 "$NETTINY" net-echo 1500 \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	ready_wait
	nsrun ping -c 50 -i 0.01 -W 2 -s 1400 10.77.0.2
	echo "$output"
	wait $pid
	cat "$BATS_TEST_TMPDIR/out"
	[ "$status" -eq 0 ]
	[[ $output == *" 0% packet loss"* ]]
	grep -q '^replies [0-9]' "$BATS_TEST_TMPDIR/out"
	[ "$(sed -n 's/^replies //p' "$BATS_TEST_TMPDIR/out")" -ge 51 ]
}

@test "--net errors: missing tap, not a tap, busy tap, undeclared device, bad values" {
	nsrun "$RUN" --net=nosuchtap "$NETTINY" net-info
	[ "$status" -eq 104 ]
	first_line_has "tap device 'nosuchtap' does not exist (create it with: ip tuntap add nosuchtap mode tap)"
	nsrun "$RUN" --net=veth0 "$NETTINY" net-info
	[ "$status" -eq 104 ]
	first_line_has "'veth0' is not a tap device"
	nsrun "$RUN" --net=eth9:tap0 "$NETTINY" net-info
	[ "$status" -eq 104 ]
	first_line_has "declares no net device 'eth9' (it declares: net0)"
	nsrun "$RUN" --net=tap0 "$TINY" net-info
	[ "$status" -eq 104 ]
	first_line_has "declares 0 net devices (none): pass --net=NAME:TAP"
	nsrun "$RUN" --net=tap0 --ip=10.77.0.300/24 "$NETTINY" net-info
	[ "$status" -eq 104 ]
	first_line_has "invalid --ip=10.77.0.300/24"
	nsrun "$RUN" --net=tap0 --net-mac=01:00:00:00:00:01 "$NETTINY" net-info
	[ "$status" -eq 104 ]
	first_line_has "expected a unicast MAC"
	nsrun "$RUN" --ip=10.77.0.2/24 "$NETTINY" net-info
	[ "$status" -eq 104 ]
	first_line_has "--ip, --gw and --route need a --net device"
	ready_fd
	ip netns exec "$NS" "$RUN" --ready-fd="$READY" --net=tap1 "$NETTINY" sleep 1500 >/dev/null &
	pid=$!
	ready_wait
	nsrun "$RUN" --net=tap1 "$NETTINY" net-info
	kill $pid; wait $pid || true
	[ "$status" -eq 104 ]
	first_line_has "tap device 'tap1' is busy"
}

@test "net ring limits are exact: a full ring passes, one frame or rx buffer more stops the guest" {
	nsrun "$RUN" --net=tap0 "$NETTINY" net-fill 256 256
	[ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }
	[ "$output" = survived ]
	nsrun "$RUN" --net=tap0 "$NETTINY" net-fill 257 0
	[ "$status" -eq 102 ] || { echo "status $status: $output"; return 1; }
	first_line_has "guest's net ring 0: more frames queued than the ring holds (0x101)"
	nsrun "$RUN" --net=tap0 "$NETTINY" net-fill 0 257
	[ "$status" -eq 102 ] || { echo "status $status: $output"; return 1; }
	first_line_has "guest's net ring 0: more rx buffers posted than the ring holds (0x101)"
}

# Raw frames turn the tap's offloads off once a run, however often the
# guest asks (the ioctl takes the host's rtnl_lock): 1 TUNSETOFFLOAD when
# the tap is opened, 1 for raw frames.
@test "asking for raw frames 100 times turns the tap's offloads off once" {
	command -v strace >/dev/null || skip "strace is not installed"
	nsrun strace -f -qq -e trace=ioctl -o "$BATS_TEST_TMPDIR/trace" "$RUN" --jail=off --net=tap0 "$NETTINY" net-raw-loop
	[ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }
	[ "${lines[0]}" = "raw ok" ] || { echo "$output"; return 1; }
	n=$(grep -c TUNSETOFFLOAD "$BATS_TEST_TMPDIR/trace")
	[ "$n" -eq 2 ] || { grep TUNSETOFFLOAD "$BATS_TEST_TMPDIR/trace"; return 1; }
}

lying_guest() { # "MODE [ARG]" WANT
	nsrun "$RUN" --net=tap0 "$NETTINY" $1 # MODE [ARG]
	[ "$status" -eq 102 ] || { echo "status $status: $output"; return 1; }
	first_line_has "$2"
}

@test "a guest that lies in its net ring is stopped with a message" {
	lying_guest net-bad-ring "bad net ring address"
	lying_guest net-lie-prod "more frames queued than the ring holds"
	lying_guest net-lie-len "tx frame length out of range"
	lying_guest net-lie-txaddr "tx frame outside readable guest memory"
	lying_guest net-lie-rxaddr "rx buffer outside writable guest memory"
	lying_guest net-small-rx "rx buffer smaller than a frame"
	lying_guest net-wait-nodev "unknown events"
}

@test "a tap deleted under a running guest ends the run with a message, not a spin" {
	ip -n "$NS" tuntap add tapgone mode tap
	ip -n "$NS" link set tapgone up
	ready_fd
	ip netns exec "$NS" timeout 20 "$RUN" --ready-fd="$READY" --net=tapgone --ip=10.77.9.2/24 "$NETTINY" net-echo 10000 \
		> "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	ready_wait
	ip -n "$NS" link del tapgone
	st=0
	wait $pid || st=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq 105 ]
	grep -q "tap device" "$BATS_TEST_TMPDIR/out"
}

@test "a burst of 300 datagrams queued without yielding (more than the tx buffers) arrives once and in order" {
	[ -x "$B/tests/netclient" ] || skip "build/tests/netclient is missing"
	ip netns exec "$NS" timeout 30 "$RUN" --net=tap0 --ip=10.77.0.2/24 "$B/tests/udpburst.tc" -- 9000 \
		> "$BATS_TEST_TMPDIR/guest" 2>&1 3>&- &
	pid=$!
	for i in $(seq 1 400); do
		grep -q listening "$BATS_TEST_TMPDIR/guest" && break
		sleep 0.05
	done
	nsrun "$B/tests/netclient" burst 10.77.0.2 9000 300
	wait $pid && st=0 || st=$?
	cat "$BATS_TEST_TMPDIR/guest"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$st" -eq 0 ]
	[ "$output" = "burst: 300 datagrams once and in order" ]
}

# Issue 12 item 4: datagrams sent to a neighbour not yet resolved wait for
# its ARP answer (lwIP's ARP_QUEUEING) and still leave when the guest exits
# at once; before, lwIP kept only the last one: 1 of 300 arrived.
@test "300 datagrams to an unresolved neighbour, then exit at once: all arrive, in order" {
	[ -x "$B/tests/netclient" ] || skip "build/tests/netclient is missing"
	ip netns exec "$NS" ip neigh flush dev tap0 2>/dev/null || true
	ip netns exec "$NS" timeout 20 "$B/tests/netclient" sink 9001 300 > "$BATS_TEST_TMPDIR/sink" 2>&1 &
	sinkpid=$!
	for i in $(seq 1 400); do
		grep -q ready "$BATS_TEST_TMPDIR/sink" && break
		sleep 0.05
	done
	t0=$(date +%s%N)
	nsrun "$RUN" --net=tap0 --ip=10.77.0.2/24 "$B/tests/udpburst.tc" -- to 10.77.0.1 9001 300
	t1=$(date +%s%N)
	st=0
	wait $sinkpid || st=$?
	cat "$BATS_TEST_TMPDIR/sink"
	echo "guest: $output; exit took $(((t1 - t0) / 1000000)) ms"
	[ "$status" -eq 0 ]
	[ "$st" -eq 0 ]
	grep -q "^sink: 300 of 300 datagrams once and in order" "$BATS_TEST_TMPDIR/sink"
	[ $(((t1 - t0) / 1000000)) -lt 3000 ]
}

# Issue 11 item 5: a wait on a net device whose guest cannot take a frame
# (no ring, or no rx buffer posted) must sleep, not return at once again and
# again because the tap has a frame waiting.  The guest counts its waits.
@test "a wait on a net device with no ring or no rx buffers sleeps instead of spinning" {
	for mode in net-wait-noring net-wait-nobufs; do
		ready_fd
		ip netns exec "$NS" "$RUN" --ready-fd="$READY" --net=tap0 --ip=10.77.0.2/24 "$NETTINY" "$mode" 1500 \
			> "$BATS_TEST_TMPDIR/out" 2>&1 &
		pid=$!
		ready_wait
		# A frame for the guest waits on the tap (an ARP request, unanswered).
		ip netns exec "$NS" bash -c 'echo x > /dev/udp/10.77.0.2/9' || true
		sleep 0.2
		t0=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
		sleep 0.5
		t1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
		st=0
		wait "$pid" || st=$?
		echo "$mode: status $st, $((t1 - t0)) ticks in 0.5 s, $(cat "$BATS_TEST_TMPDIR/out") waits"
		[ "$st" -eq 0 ]
		[ "$((t1 - t0))" -le 3 ]
		[ "$(cat "$BATS_TEST_TMPDIR/out")" -le 10 ]
	done
}

# Frames the tap got from the monitor (the guest's, sent on).
tap_rx() { ip netns exec "$NS" cat /sys/class/net/tap0/statistics/rx_packets; }

# Issue 11 item 3: a guest once sent 10^6 frames a second from any source
# MAC, ff:ff:ff:ff:ff:ff included.  Now only its own MAC passes; the rest
# is dropped and counted (the ring's tx_dropped, --stats).
@test "frames with a source MAC not the guest's are dropped and counted" {
	for src in own bcast other; do
		before=$(tap_rx)
		nsrun "$RUN" --stats --net=tap0 --net-mac=02:00:00:00:00:01 "$NETTINY" net-send 300 "$src"
		got=$(($(tap_rx) - before))
		echo "$src: status $status, $got frames on the tap: $output"
		[ "$status" -eq 0 ]
		if [ "$src" = own ]; then
			[ "$got" -eq 300 ]
			[ "${lines[0]}" = 0 ]
			[[ ${lines[1]} == *", 0 forged and 0 over-rate frames dropped" ]]
		else
			[ "$got" -eq 0 ]
			[ "${lines[0]}" = 300 ]
			[[ ${lines[1]} == *", 300 forged and 0 over-rate frames dropped" ]]
		fi
	done
}

@test "--net-rate drops what a guest sends beyond its frames a second, counted" {
	before=$(tap_rx)
	nsrun "$RUN" --stats --net-rate=10 --net=tap0 "$NETTINY" net-send 200
	got=$(($(tap_rx) - before))
	echo "status $status, $got frames on the tap: $output"
	[ "$status" -eq 0 ]
	# A second's burst (10), and what the sending refills: a frame per
	# 100 ms, so a host that stalls the guest 0.2 s still passes.
	[ "$got" -ge 10 ]
	[ "$got" -le 12 ]
	[ "${lines[0]}" -eq $((200 - got)) ]
	[[ ${lines[1]} == *", 0 forged and $((200 - got)) over-rate frames dropped" ]]
	nsrun "$RUN" --net-rate=5G --net=tap0 "$NETTINY" net-send 1
	[ "$status" -eq 104 ]
	first_line_has "invalid rate '5G'"
}

# Issue 12 item 3: offloads on the tap (IFF_VNET_HDR).  Every offload
# header a guest hands over is checked against the frame before the host
# sees it; under --net-rate (which counts frames) a guest gets none.
@test "a guest's offload headers are checked: a lie stops it, and --net-rate grants none" {
	nsrun "$RUN" --net=tap0 "$NETTINY" net-gso ok
	[ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }
	[ "$output" = 0 ]
	lying_guest "net-gso csum" "bad tx offload header"
	lying_guest "net-gso udp" "bad tx offload header"
	lying_guest "net-gso mss" "bad tx offload header"
	lying_guest "net-gso hdrlen" "bad tx offload header"
	lying_guest "net-gso more" "unknown tx descriptor flags"
	lying_guest "net-gso big" "tx frame length out of range"
	nsrun "$RUN" --net-rate=1000 --net=tap0 "$NETTINY" net-gso ok
	[ "$status" -eq 102 ] || { echo "status $status: $output"; return 1; }
	first_line_has "bad tx offload header"
}

# tcpecho on tap0 at 10.77.0.2, port 7, in the background ($pid), once it listens.
start_tcpecho() {
	ip netns exec "$NS" timeout 30 "$RUN" --net=tap0 --ip=10.77.0.2/24 "$B/apps/tcpecho.tc" -p 7 \
		> "$BATS_TEST_TMPDIR/guest" 2>&1 3>&- &
	pid=$!
	for _ in $(seq 1 100); do
		grep -q listening "$BATS_TEST_TMPDIR/guest" && break
		sleep 0.05
	done
}

# 2 MB echoed each way through lwIP: the guest's segments leave merged
# (TSO) and the host's arrive merged, so the tap counts a few hundred
# frames each way where 1,370 segments of 1,460 bytes would be 1,370 or
# more; the data is checked byte for byte (netclient tcp).
@test "TCP through the tap moves merged 64 KiB frames both ways, intact" {
	[ -x "$B/tests/netclient" ] || skip "build/tests/netclient is missing"
	tap() { ip netns exec "$NS" cat /sys/class/net/tap0/statistics/"$1"_packets; }
	start_tcpecho
	rx=$(tap rx) tx=$(tap tx)
	nsrun "$B/tests/netclient" tcp 10.77.0.2 7 2000000
	rx=$(($(tap rx) - rx)) tx=$(($(tap tx) - tx))
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	echo "$output; frames from the guest $rx, to it $tx"
	[ "$status" -eq 0 ]
	[ "$rx" -lt 700 ]
	[ "$tx" -lt 700 ]
}

# The guest skips checksum checks only on frames the host vouches for
# (checked by it, or its own with the sum left to fill in): a SYN with a
# bad TCP checksum from a raw socket still gets no answer.
@test "TCP checksums are still checked on frames the host does not vouch for" {
	command -v hping3 >/dev/null || skip "hping3 is not installed"
	start_tcpecho
	nsrun hping3 -S -p 7 -c 3 -i u100000 10.77.0.2
	good=$output
	nsrun hping3 -S -p 7 -c 3 -i u100000 --badcksum 10.77.0.2
	bad=$output
	kill $pid 2>/dev/null || true
	wait $pid 2>/dev/null || true
	echo "good: $good"
	echo "bad: $bad"
	[[ $good == *"3 packets transmitted, 3 packets received"* ]]
	[[ $bad == *"3 packets transmitted, 0 packets received"* ]]
}
