# Per-NIC configuration on the pc platform, live: two virtio-net devices
# on two taps in a network namespace of our own, the guest options --ip
# (several per NIC, IPv4 and IPv6), --gw and --route on the kernel command
# line (platforms/common/netopt.c, as tincan-run's), and
# tests/guests/netcfg.c built for pc: it lists its addresses, answers
# pings on each NIC, and its datagrams leave through the tap the routes
# say, from that NIC's address (tests/kvm/udpwhere.py listens on the host).
load ../helpers

PY=/usr/bin/python3
WHERE=$BATS_TEST_DIRNAME/../kvm/udpwhere.py

setup_file() {
	export NS=tincan-pcnc$$
	[ -x "$B/bin/tincan-cc" ] || return 0
	local g=$BATS_FILE_TMPDIR/netcfg.elf
	"$B/bin/tincan-cc" --platform=pc -O2 -o "$g" "$TESTS/guests/netcfg.c" 2> "$BATS_FILE_TMPDIR/cc.log" &&
		"$B/bin/tincan-mkimage" --net=net0 --net=net1 "$g" > /dev/null 2>> "$BATS_FILE_TMPDIR/cc.log" || rm -f "$g"
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip > /dev/null || return 0
	ip netns add "$NS" || return 0
	ip -n "$NS" link set lo up
	for t in tap0 tap1; do
		ip -n "$NS" tuntap add "$t" mode tap
		ip -n "$NS" link set "$t" up
	done
	ip -n "$NS" addr add 10.81.0.1/24 dev tap0
	ip -n "$NS" addr add 10.82.0.1/24 dev tap1
	ip -n "$NS" addr add 10.83.0.1/24 dev tap1
	ip -n "$NS" addr add fd00:82::1/64 dev tap1 nodad
	# Far destinations, reached through one tap or the other.
	ip -n "$NS" addr add 10.89.0.5/32 dev lo
	ip -n "$NS" addr add 10.88.0.7/32 dev lo
	for c in all default tap0 tap1; do
		ip netns exec "$NS" sysctl -qw "net.ipv4.conf.$c.rp_filter=0"
	done
}

teardown() {
	if [ -n "${pid:-}" ]; then
		kill "$pid" 2> /dev/null || true
		wait "$pid" 2> /dev/null || true
	fi
	pid=
}

teardown_file() {
	ip netns del "$NS" 2> /dev/null || true
}

setup() {
	need_platform
	G=$BATS_FILE_TMPDIR/netcfg.elf
	[ -f "$G" ] || { cat "$BATS_FILE_TMPDIR/cc.log"; false; }
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
	netns_fresh "$NS"
}

ADDRS="--ip=10.81.0.2/24 --ip=net1:10.82.0.2/24 --ip=net1:10.83.0.2/24"

# qemu APPEND: the QEMU command line, both NICs on their taps, in $NS.
qemu() {
	echo ip netns exec "$NS" timeout 60 "$QEMU" -accel tcg -cpu max -M "$PC_MACHINE" -m 128 -display none \
		-serial stdio -monitor none -no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n0 \
		-netdev tap,id=n1,ifname=tap1,script=no,downscript=no -device virtio-net-pci,netdev=n1 \
		-kernel "$G"
}

# nboot APPEND: boot to the end; $status is the guest's.
nboot() {
	run $(qemu) -append "$1" < /dev/null
	status=$(pc_status "$status")
}

# where APPEND: boot the guest's "send" while the host listens on UDP
# 9000; prints the listener's "heard TAP SOURCE DATA" line.
where() {
	rm -f "$BATS_TEST_TMPDIR/ready"
	ip netns exec "$NS" timeout 60 $PY "$WHERE" 9000 "$BATS_TEST_TMPDIR/ready" > "$BATS_TEST_TMPDIR/heard" 2>&1 &
	local l=$! i
	for i in $(seq 50); do
		[ -e "$BATS_TEST_TMPDIR/ready" ] && break
		sleep 0.1
	done
	nboot "$1"
	echo "$output"
	[ "$status" -eq 0 ] || {
		kill $l
		return 1
	}
	wait $l || true
	cat "$BATS_TEST_TMPDIR/heard"
}

@test "pc netcfg: two virtio NICs, every --ip (IPv4 and IPv6) listed by getifaddrs under its NIC's name" {
	nboot "$ADDRS --ip=net1:fd00:82::2/64 -- info"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep '^ifa' <<< "$output" | sort)" = "$(printf '%s\n' "ifa lo 127.0.0.1/8 up loopback" "ifa lo ::1/128 up loopback" \
		"ifa net0 10.81.0.2/24 up" "ifa net1 10.82.0.2/24 up" "ifa net1 10.83.0.2/24 up" "ifa net1 fd00:82::2/64 up" | sort)" ]
	[[ $output == *"index net0 1 1"* ]]
	[[ $output == *"index net1 2 2"* ]]
}

@test "pc netcfg: the host pings every address, each on its own tap (IPv4 and IPv6)" {
	$(qemu) -append "$ADDRS --ip=net1:fd00:82::2/64 -- serve 9100 1" > "$BATS_TEST_TMPDIR/out" 2>&1 < /dev/null &
	pid=$!
	local a i
	# TCG boots in about a second; wait for the first answer.
	for i in $(seq 60); do
		ip netns exec "$NS" ping -c 1 -W 1 10.81.0.2 > /dev/null 2>&1 && break
		sleep 0.5
	done
	for a in 10.81.0.2 10.82.0.2 10.83.0.2 fd00:82::2; do
		run timeout 30 ip netns exec "$NS" ping -c 2 -i 0.2 -W 3 $a
		echo "$a: $output"
		[[ $output == *" 0% packet loss"* ]] || {
			cat "$BATS_TEST_TMPDIR/out"
			return 1
		}
	done
	# Each answered on its NIC's tap: the host learnt the guest's MACs
	# there, and they are the two devices' (two different MACs).
	local m0 m1
	m0=$(ip -n "$NS" neigh show 10.81.0.2 dev tap0 | grep -o 'lladdr [0-9a-f:]*')
	m1=$(ip -n "$NS" neigh show 10.82.0.2 dev tap1 | grep -o 'lladdr [0-9a-f:]*')
	echo "tap0: $m0, tap1: $m1"
	[ -n "$m0" ] && [ -n "$m1" ] && [ "$m0" != "$m1" ]
	[ "$(ip -n "$NS" neigh show 10.83.0.2 dev tap1 | grep -o 'lladdr [0-9a-f:]*')" = "$m1" ]
	[ "$(ip -n "$NS" -6 neigh show fd00:82::2 dev tap1 | grep -o 'lladdr [0-9a-f:]*')" = "$m1" ]
	[ -z "$(ip -n "$NS" neigh show 10.82.0.2 dev tap0)" ]
}

@test "pc netcfg: --route leaves through its gateway's NIC from that NIC's address; the rest through --gw" {
	out=$(where "$ADDRS --gw=10.81.0.1 --route=10.89.0.0/16:via=10.83.0.1 -- send 10.89.0.5 9000")
	echo "$out"
	[[ $out == *"heard tap1 10.83.0.2 hello"* ]]
	out=$(where "$ADDRS --gw=10.81.0.1 --route=10.89.0.0/16:via=10.83.0.1 -- send 10.88.0.7 9000")
	echo "$out"
	[[ $out == *"heard tap0 10.81.0.2 hello"* ]]
	out=$(where "$ADDRS --gw=net1:10.82.0.1 -- send 10.88.0.7 9000")
	echo "$out"
	[[ $out == *"heard tap1 10.82.0.2 hello"* ]]
}

@test "pc netcfg: an --ip for a device the image does not declare is one line and status 104" {
	nboot "--ip=net7:10.81.0.2/24 -- info"
	echo "$output"
	[ "$status" -eq 104 ]
	[[ $output == *net7* ]]
	[ "$(grep -c . <<< "$output")" -eq 1 ]
}
