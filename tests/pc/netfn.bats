# The raw-frame API (<tincan/netfn.h>, docs/netfn.md) on the pc platform's
# virtio-net: the guest tests/guests/netfn.c, linked for pc without sockets,
# echoes frames the host sends on a tap in a network namespace of our own
# (tests/kvm/rawframes.py), several to a batch.
load ../helpers

GMAC=02:00:00:00:00:02
RAW=$TESTS/kvm/rawframes.py

setup_file() {
	export NS=tincan-pcnf$$
	[ -x "$B/bin/tincan-cc" ] || return 0
	local g=$BATS_FILE_TMPDIR/netfn.elf
	"$B/bin/tincan-cc" --platform=pc -O2 -o "$g" "$TESTS/guests/netfn.c" 2> "$BATS_FILE_TMPDIR/cc.log" &&
		"$B/bin/tincan-mkimage" --net=lan "$g" > /dev/null 2>> "$BATS_FILE_TMPDIR/cc.log" || rm -f "$g"
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip > /dev/null || return 0
	ip netns add "$NS" || return 0
	ip -n "$NS" tuntap add tap0 mode tap
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.tap0.disable_ipv6=1
	ip -n "$NS" link set tap0 up
}

teardown() {
	[ -z "${pid:-}" ] || { kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; }
	pid=
}

teardown_file() {
	ip netns del "$NS" 2> /dev/null || true
}

setup() {
	need_platform
	G=$BATS_FILE_TMPDIR/netfn.elf
	[ -f "$G" ] || { cat "$BATS_FILE_TMPDIR/cc.log"; false; }
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
	netns_fresh "$NS"
}

@test "netfn on virtio-net: 100 frames sent at once are echoed, edited, in batches" {
	local out=$BATS_TEST_TMPDIR/guest
	ip netns exec "$NS" timeout 60 "$QEMU" -accel tcg -cpu max -m 128 -display none -serial stdio -monitor none \
		-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -M pc \
		-netdev tap,id=n,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n,mac=$GMAC \
		-kernel "$G" -append "-- echo lan only 100" > "$out" 2>&1 < /dev/null 3>&- &
	pid=$!
	for i in $(seq 300); do
		grep -q '^ready' "$out" && break
		sleep 0.1
	done
	# TCG is slow: the answers may take a while.
	run timeout 40 ip netns exec "$NS" env RAWFRAMES_WAIT=30 /usr/bin/python3 "$RAW" echo tap0 $GMAC 100
	st=0
	wait $pid || st=$?
	pid=
	cat "$out"
	echo "$output"
	[ "$output" = "sent 100 echoed 100" ]
	[ "$(pc_status $st)" -eq 0 ]
	grep -q '^echoed 100 ' "$out"
	[ "$(sed -n 's/^echoed 100 batches [0-9]* max \([0-9]*\)$/\1/p' "$out")" -gt 1 ]
	grep -q '^stats rx 100 tx 100 txbytes 6000 full 0 dropped 0$' "$out"
}
