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
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null || return 0
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.78.0.1/24 dev tap0
	cp "$B/tests/netfn.tc" "$BATS_FILE_TMPDIR/nf.tc"
	"$B/bin/tincan-mkimage" --net=lan "$BATS_FILE_TMPDIR/nf.tc" >/dev/null
}

teardown_file() {
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
	NF=$BATS_FILE_TMPDIR/nf.tc
}

nsrun() { run timeout 20 ip netns exec "$NS" "$@"; }

# Start a guest in the background (monitor options and image args in "$@"),
# its output in $OUT, and wait for its "ready".
start_guest() {
	OUT=$BATS_TEST_TMPDIR/guest
	ip netns exec "$NS" timeout 30 "$RUN" "$@" > "$OUT" 2>&1 3>&- &
	GPID=$!
	for i in $(seq 1 200); do
		grep -q '^ready' "$OUT" && return 0
		kill -0 $GPID 2>/dev/null || break
		sleep 0.05
	done
	cat "$OUT"
	return 1
}

# Wait for the guest to end; its status in $GST.
end_guest() {
	GST=0
	wait $GPID || GST=$?
	cat "$OUT"
}

@test "netfn alone (no lwIP): 200 frames sent at once arrive whole, in batches, and are echoed edited" {
	! nm "$B/tests/netfn.tc" | grep -qi ' ethernet_input$'
	start_guest --net=tap0 --net-mac=$GMAC "$NF" echo lan only 200
	grep -q '^ready lan mtu 1500 index 1$' "$OUT"
	nsrun /usr/bin/python3 "$RAW" echo tap0 $GMAC 200
	end_guest
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$GST" -eq 0 ]
	[ "$output" = "sent 200 echoed 200" ]
	grep -q '^echoed 200 ' "$OUT"
	# Batches: fewer receives than frames.
	[ "$(sed -n 's/^echoed 200 batches \([0-9]*\) .*/\1/p' "$OUT")" -lt 200 ]
	[ "$(sed -n 's/^echoed 200 batches [0-9]* max \([0-9]*\)$/\1/p' "$OUT")" -gt 1 ]
	# The host may add a multicast frame or two of its own (IPv6).
	grep -Eq '^stats rx 20[0-9] tx 200 txbytes 12000 full 0 dropped 0$' "$OUT"
}
