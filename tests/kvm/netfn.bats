# The raw-frame API, <tincan/netfn.h> (libos/netfn.c, docs/netfn.md): a
# guest (tests/guests/netfn.c) receives whole frames the host sends on a
# tap (tests/kvm/rawframes.py, AF_PACKET) and answers them, alone (netfn.tc
# links no lwIP) or beside the socket stack (netfnsock.tc).  Everything
# happens in a network namespace of our own.
load ../helpers

GMAC=02:00:00:00:00:02
RAW=$BATS_TEST_DIRNAME/rawframes.py

setup_file() {
	export NS=tincan-nf$$
	netns_ok && netns_add "$NS" || return 0
	# No IPv6 on the host's side: no frames of its own (solicitations).
	netns_tap --no-ipv6 "$NS" tap0 10.78.0.1/24
	netns_tap --no-ipv6 "$NS" tap1
	cp "$B/tests/netfn.tc" "$BATS_FILE_TMPDIR/nf.tc"
	"$B/bin/tincan-mkimage" --net=lan "$BATS_FILE_TMPDIR/nf.tc" >/dev/null
}

teardown_file() { netns_del "$NS"; }

setup() {
	need_kvm
	need_netns "$NS"
	NF=$BATS_FILE_TMPDIR/nf.tc
	NFS=$B/tests/netfnsock.tc
	netns_fresh "$NS"
}

teardown() { bg_reap; }

# Start a guest in the background (monitor options and image args in "$@"),
# its output in $OUT, and wait for its "ready".
start_guest() {
	OUT=$BATS_TEST_TMPDIR/guest
	nsbg "$OUT" "$RUN" "$@"
	GPID=$BG_PID
	wait_for_line "$OUT" '^ready' 10 $GPID
}

# Wait for the guest to end; its status in $GST.
end_guest() {
	GST=0
	wait $GPID || GST=$?
	cat "$OUT"
}

@test "netfn alone (no lwIP): 200 frames sent at once arrive whole, in batches, and are echoed edited" {
	! nm "$B/tests/netfn.tc" | grep -qi ' ethernet_input$'
	start_guest --net=tap0 --net-mac=$GMAC "$NF" echo lan only 400
	grep -q '^ready lan mtu 1500 index 1$' "$OUT"
	# Twice: more frames than the ring has buffers, each batch released.
	nsrun /usr/bin/python3 "$RAW" echo tap0 $GMAC 200
	[ "$output" = "sent 200 echoed 200" ]
	nsrun /usr/bin/python3 "$RAW" echo tap0 $GMAC 200
	end_guest
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$GST" -eq 0 ]
	[ "$output" = "sent 200 echoed 200" ]
	grep -q '^echoed 400 ' "$OUT"
	# Batches: fewer receives than frames.
	[ "$(sed -n 's/^echoed 400 batches \([0-9]*\) .*/\1/p' "$OUT")" -lt 400 ]
	[ "$(sed -n 's/^echoed 400 batches [0-9]* max \([0-9]*\)$/\1/p' "$OUT")" -gt 1 ]
	grep -q '^stats rx 400 tx 400 txbytes 24000 full 0 dropped 0$' "$OUT"
}

@test "not promiscuous: a frame to another unicast MAC is not delivered; with TC_NETFN_PROMISC it is" {
	start_guest --net=tap0 --net-mac=$GMAC "$NF" echo lan only 10
	nsrun /usr/bin/python3 "$RAW" echo tap0 02:00:00:00:00:77 10 $GMAC
	[ "$output" = "sent 10 echoed 0" ]
	nsrun /usr/bin/python3 "$RAW" echo tap0 ff:ff:ff:ff:ff:ff 5 $GMAC
	[ "$output" = "sent 5 echoed 5" ]
	nsrun /usr/bin/python3 "$RAW" echo tap0 01:00:5e:00:00:fb 5 $GMAC
	[ "$output" = "sent 5 echoed 5" ]
	end_guest
	[ "$GST" -eq 0 ]
	grep -q '^echoed 10 ' "$OUT"
	start_guest --net=tap0 --net-mac=$GMAC "$NF" echo lan only,promisc 10
	nsrun /usr/bin/python3 "$RAW" echo tap0 02:00:00:00:00:77 10 $GMAC
	end_guest
	echo "$output"
	[ "$output" = "sent 10 echoed 10" ]
	[ "$GST" -eq 0 ]
}

@test "ONLY beside lwIP: the stack neither answers ARP nor ping on the NIC; netfn has its frames" {
	ip -n "$NS" neigh flush dev tap0
	start_guest --net=tap0 --net-mac=$GMAC --ip=10.78.0.2/24 "$NFS" echo net0 only 20
	nsrun ping -c 2 -i 0.2 -W 1 10.78.0.2
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *" 100% packet loss"* ]]
	nsrun /usr/bin/python3 "$RAW" echo tap0 $GMAC 20
	end_guest
	echo "$output"
	[ "$output" = "sent 20 echoed 20" ]
	[ "$GST" -eq 0 ]
	# The ARP requests came to netfn (the echo skips them): more than 20.
	[ "$(sed -n 's/^stats rx \([0-9]*\) .*/\1/p' "$OUT")" -gt 20 ]
}

@test "ONLY: the stack sends nothing on the NIC (no route through it)" {
	before=$(ip netns exec "$NS" cat /sys/class/net/tap0/statistics/rx_packets)
	nsrun "$RUN" --net=tap0 --ip=10.78.0.2/24 "$NFS" sockonly net0 10.78.0.1
	after=$(ip netns exec "$NS" cat /sys/class/net/tap0/statistics/rx_packets)
	echo "$output; tap0 got $((after - before)) frames"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sendto -1 Network is unreachable" ]
	# Only the stack's gratuitous ARP at boot, before main() took the NIC.
	[ "$((after - before))" -le 1 ]
}

# Opening a NIC turns the host's offloads off while the stack may hold TCP
# segments merged for them: those must leave as the device now takes them.
@test "opened beside the stack in the middle of a TCP stream: the stream goes on, whole" {
	NSBG_TIMEOUT=20 nsbg "$BATS_TEST_TMPDIR/server" /usr/bin/python3 -c '
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.78.0.1", 7001)); l.listen(1); print("listening", flush=True)
c, _ = l.accept(); n = 0; ok = True
while True:
    b = c.recv(65536)
    if not b: break
    for i, x in enumerate(b): ok = ok and x == 97 + (n + i) // 65536
    n += len(b)
c.sendall(b"done"); c.close()
print("got", n, "ok" if ok else "bad")'
	spid=$BG_PID
	wait_for_line "$BATS_TEST_TMPDIR/server" listening 5 $spid
	nsrun "$RUN" --net=tap0 --net-mac=$GMAC --ip=10.78.0.2/24 "$NFS" midstream net0 10.78.0.1 7001
	st=0
	wait $spid || st=$?
	echo "guest: $output"
	cat "$BATS_TEST_TMPDIR/server"
	[ "$status" -eq 0 ]
	[ "$output" = "wrote 524288, answer 4" ]
	[ "$st" -eq 0 ]
	grep -q '^got 524288 ok$' "$BATS_TEST_TMPDIR/server"
}

@test "beside lwIP (default): the stack still answers ping, and netfn gets copies of the frames" {
	ip -n "$NS" neigh flush dev tap0
	start_guest --net=tap0 --net-mac=$GMAC --ip=10.78.0.2/24 "$NFS" echo net0 beside 20
	nsrun ping -c 3 -i 0.2 -W 2 10.78.0.2
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *" 0% packet loss"* ]]
	nsrun /usr/bin/python3 "$RAW" echo tap0 $GMAC 20
	end_guest
	echo "$output"
	[ "$output" = "sent 20 echoed 20" ]
	[ "$GST" -eq 0 ]
	# Copies of the ARP request and the 3 pings too.
	[ "$(sed -n 's/^stats rx \([0-9]*\) .*/\1/p' "$OUT")" -ge 24 ]
}

@test "two handles: a bridge forwards frames unchanged both ways (wait on both, send from the other's ring)" {
	cp "$B/tests/netfn.tc" "$BATS_TEST_TMPDIR/br.tc"
	"$B/bin/tincan-mkimage" --net=a --net=b "$BATS_TEST_TMPDIR/br.tc" >/dev/null
	start_guest --net=a:tap0 --net=b:tap1 --net-allow-spoof=a --net-allow-spoof=b "$BATS_TEST_TMPDIR/br.tc" bridge a b 200
	nsrun /usr/bin/python3 "$RAW" cross tap0 tap1 02:00:00:00:00:99 100
	[ "$output" = "sent 100 got 100" ]
	nsrun /usr/bin/python3 "$RAW" cross tap1 tap0 02:00:00:00:00:98 100
	end_guest
	echo "$output"
	[ "$output" = "sent 100 got 100" ]
	[ "$GST" -eq 0 ]
	grep -q '^forwarded 200$' "$OUT"
}

# A wait sends what every handle queued, not only what the handles it
# waits on did (a kvm wait exit carries only the devices it names).
@test "frames sent on a handle the app does not wait on leave at its next wait" {
	cp "$B/tests/netfn.tc" "$BATS_TEST_TMPDIR/fw.tc"
	"$B/bin/tincan-mkimage" --net=a --net=b "$BATS_TEST_TMPDIR/fw.tc" >/dev/null
	start_guest --net=a:tap0 --net=b:tap1 --net-allow-spoof=b "$BATS_TEST_TMPDIR/fw.tc" forward a b 100
	nsrun env RAWFRAMES_WAIT=1.5 /usr/bin/python3 "$RAW" cross tap0 tap1 02:00:00:00:00:99 100
	end_guest
	echo "$output"
	[ "$output" = "sent 100 got 100" ]
	[ "$GST" -eq 0 ]
	grep -q '^forwarded 100$' "$OUT"
}

# The host's offloads are off on a NIC netfn opens: a TCP segment from the
# host arrives with its checksum computed (with TUN_F_CSUM it would hold
# the pseudo-header's sum only), as it would be on the wire.
@test "frames from the host's TCP arrive checksummed (the tap's offloads are off)" {
	ip -n "$NS" neigh replace 10.78.0.2 lladdr $GMAC dev tap0
	start_guest --net=tap0 --net-mac=$GMAC "$NF" csum lan 2
	nsrun /usr/bin/python3 -c 'import socket; s = socket.socket(); s.settimeout(2.5)
try: s.connect(("10.78.0.2", 9))
except OSError: pass'
	end_guest
	ip -n "$NS" neigh del 10.78.0.2 dev tap0
	[ "$GST" -eq 0 ]
	grep -q '^tcp [2-9] bad 0$' "$OUT"
}

# 600 UDP datagrams the host sends before the guest turns raw wait in the
# tap (more than the guest reads before) with the tap's offload marks (a
# partial checksum); the monitor drops those, and what comes after
# arrives checksummed.
@test "frames queued in the tap before netfn opens never reach it with a partial checksum" {
	ip -n "$NS" neigh replace 10.78.0.2 lladdr $GMAC dev tap0
	start_guest --net=tap0 --net-mac=$GMAC "$NF" late lan 1500 100000
	send='import socket, sys; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])): s.sendto(b"x" * 100, ("10.78.0.2", 9))'
	nsrun /usr/bin/python3 -c "$send" 600
	wait_for_line "$OUT" '^open' 10 $GPID
	nsrun /usr/bin/python3 -c "$send" 3
	end_guest
	ip -n "$NS" neigh del 10.78.0.2 dev tap0
	[ "$GST" -eq 0 ]
	grep -q '^udp [1-9][0-9]* bad 0$' "$OUT"
}

@test "restored from a snapshot, a netfn NIC still has the host's offloads off" {
	cd "$BATS_TEST_TMPDIR"
	nsrun "$RUN" --snapshot=s --net=tap0 --net-mac=$GMAC "$NF" csum lan 2
	[ "$status" -eq 0 ]
	[ "$output" = ready ]
	ip -n "$NS" neigh replace 10.78.0.2 lladdr $GMAC dev tap0
	OUT=$BATS_TEST_TMPDIR/out
	nsbg "$OUT" "$RUN" --restore=s --net=tap0 --net-mac=$GMAC
	GPID=$BG_PID
	sleep 0.5
	nsrun /usr/bin/python3 -c 'import socket; s = socket.socket(); s.settimeout(2.5)
try: s.connect(("10.78.0.2", 9))
except OSError: pass'
	end_guest
	ip -n "$NS" neigh del 10.78.0.2 dev tap0
	[ "$GST" -eq 0 ]
	grep -q '^tcp [2-9] bad 0$' "$OUT"
}

@test "a source MAC not the guest's is dropped and counted; --net-allow-spoof=NAME lets it through" {
	for spoof in "" --net-allow-spoof=lan; do
		ip netns exec "$NS" timeout 10 /usr/bin/python3 "$RAW" listen tap0 3 > "$BATS_TEST_TMPDIR/host" \
			2> "$BATS_TEST_TMPDIR/host.err" &
		lpid=$!
		wait_for_line "$BATS_TEST_TMPDIR/host.err" '^listening$' 10 $lpid
		nsrun "$RUN" --stats --net=tap0 --net-mac=$GMAC $spoof "$NF" spoof lan
		wait $lpid
		echo "$spoof: $output; host got: $(cat "$BATS_TEST_TMPDIR/host" | tr '\n' ' ')"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = sent ]
		if [ -z "$spoof" ]; then
			[[ $output == *", 1 forged and 0 over-rate frames dropped"* ]]
			[ "$(cat "$BATS_TEST_TMPDIR/host")" = "$(printf 'O\ndone')" ]
		else
			[[ $output == *", 0 forged and 0 over-rate frames dropped"* ]]
			[ "$(cat "$BATS_TEST_TMPDIR/host")" = "$(printf 'S\nO\ndone')" ]
		fi
	done
}

@test "--net-allow-spoof errors: a device the run does not attach" {
	nsrun "$RUN" --net=tap0 --net-allow-spoof=wan "$NF" spoof lan
	[ "$status" -eq 104 ]
	first_line_has "--net-allow-spoof=wan: no such attached net device"
	nsrun "$RUN" --net=tap0 --net-allow-spoof=lan --net-allow-spoof=lan --net-allow-spoof=lan \
		--net-allow-spoof=lan --net-allow-spoof=lan "$NF" spoof lan
	[ "$status" -eq 104 ]
	first_line_has "more than 4 --net-allow-spoof options"
}

@test "bad calls: unknown NIC ENODEV, bad flags EINVAL, double open EBUSY, oversize and runt sends EMSGSIZE" {
	nsrun "$RUN" --net=tap0 "$NF" errors lan
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "unknown -1 No such device" "flags -1 Invalid argument" "open 0" \
		"again -1 Device or resource busy" "oversize -1 Message too long" "runt -1 Message too long" \
		"full-size 1" "badhandle -1 Bad file number" "nothing 0" "poll 0" ok)" ]
}

@test "garbage frames of any length and content do not crash the guest; all arrive whole" {
	start_guest --net=tap0 --net-mac=$GMAC "$NF" garbage lan 100
	nsrun /usr/bin/python3 "$RAW" garbage tap0 $GMAC 100
	end_guest
	[ "$GST" -eq 0 ]
	grep -q '^got 100 min 14$' "$OUT"
	grep -q '^stats rx 100 .* dropped 0$' "$OUT"
}

# An idle netfn app sleeps in tc_netfn_wait: the monitor uses (almost) no
# CPU while it waits, alone or with the socket stack linked.
@test "an idle guest in tc_netfn_wait sleeps (no busy polling) and times out" {
	for img in "$NF lan" "$NFS net0"; do
		set -- $img
		ip netns exec "$NS" "$RUN" --net=tap1 "$1" idle "$2" 1500 > "$BATS_TEST_TMPDIR/out" 2>&1 &
		pid=$!
		sleep 0.4
		t0=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
		sleep 0.8
		t1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
		st=0
		wait "$pid" || st=$?
		echo "$img: status $st, $((t1 - t0)) ticks in 0.8 s: $(cat "$BATS_TEST_TMPDIR/out")"
		[ "$st" -eq 0 ]
		[ "$((t1 - t0))" -le 3 ]
		grep -q '^woke 0 frames 0$' "$BATS_TEST_TMPDIR/out"
	done
}
