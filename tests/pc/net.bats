# virtio-net on the pc platform (k_pci.c finds it, platforms/common/drivers/
# virtio drives it): httpd (build/apps/pc/httpd.elf) answers curl and wrk
# through a tap in a network namespace of our own; the guest options
# --ip, --gw and --dns; a declared net device with no device behind it.
load ../helpers

HTTPD=$B/apps/pc/httpd.elf

setup_file() {
	export NS=tincan-pc$$
	[ -x "$B/bin/tincan-cc" ] || return 0
	local g=$BATS_FILE_TMPDIR/pcnet.elf
	"$B/bin/tincan-cc" --platform=pc -O2 -o "$g" "$TESTS/guests/pcboot.c" 2> "$BATS_FILE_TMPDIR/cc.log" &&
		"$B/bin/tincan-mkimage" --net=net0 "$g" > /dev/null 2>> "$BATS_FILE_TMPDIR/cc.log" || rm -f "$g"
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip > /dev/null || return 0
	ip netns add "$NS" || return 0
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.78.0.1/24 dev tap0
}

# A failed assertion leaves the background QEMU (and dnsmasq) running on
# tap0: stop them, so the next test gets the tap.
teardown() {
	for p in ${pid:-} ${dm:-}; do
		kill "$p" 2> /dev/null || true
		wait "$p" 2> /dev/null || true
	done
	pid= dm=
}

teardown_file() {
	ip netns del "$NS" 2> /dev/null || true
}

setup() {
	need_platform
	G=$BATS_FILE_TMPDIR/pcnet.elf
	[ -f "$G" ] || { cat "$BATS_FILE_TMPDIR/cc.log"; false; }
	netns_fresh "$NS"
}

need_ns() {
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	command -v curl > /dev/null || skip "curl is not installed"
	command -v wrk > /dev/null || skip "wrk is not installed"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
}

QARGS=(-accel tcg -cpu max -m 128 -display none -serial stdio -monitor none -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)

# nboot IMAGE APPEND: boot with a virtio-net device that has no backend
# (frames go nowhere): enough for the guest options.  QEMU's warning about
# that (on its stderr) is left out; the guest's console is its stdout.
nboot() {
	run bash -c 'exec timeout 60 "$@" 2> /dev/null' _ "$QEMU" "${QARGS[@]}" -M pc -nic none -device virtio-net-pci \
		-kernel "$1" -append "$2" < /dev/null
	status=$(pc_status "$status")
}

@test "virtio-net: httpd answers curl and a wrk run without errors (tap in a namespace)" {
	need_ns
	local m
	for m in pc q35; do
		ip netns exec "$NS" timeout 60 "$QEMU" "${QARGS[@]}" -M $m \
			-netdev tap,id=n,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n \
			-kernel "$HTTPD" -append "--ip=10.78.0.2/24 --gw=10.78.0.1 --" > "$BATS_TEST_TMPDIR/$m.log" 2>&1 < /dev/null 3>&- &
		pid=$!
		for i in $(seq 100); do
			ip netns exec "$NS" curl -s -m 1 -o /dev/null http://10.78.0.2/ && break
			sleep 0.1
		done
		run ip netns exec "$NS" curl -s -m 5 http://10.78.0.2/
		echo "$m: curl: $output"
		[ "$status" -eq 0 ]
		[[ $output == *"<h1>Served by a tincan unikernel</h1>"* ]]
		run ip netns exec "$NS" timeout 20 wrk -t1 -c8 -d 2 http://10.78.0.2/
		echo "$m: wrk: $output"
		kill $pid
		wait $pid || true
		cat "$BATS_TEST_TMPDIR/$m.log"
		[ "$status" -eq 0 ]
		[[ $output == *"Requests/sec:"* ]]
		[[ $output != *"Socket errors"* ]]
		[[ $output != *"Non-2xx"* ]]
		[ "$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' <<< "$output")" -ge 200 ]
	done
}

@test "virtio-net: httpd's ISO (GRUB, the guest options in its ARGS) answers curl and wrk" {
	need_ns
	command -v grub-mkrescue > /dev/null || skip "grub-mkrescue is not installed (apt-get install grub-common grub-pc-bin)"
	"$B/bin/tincan-mkimage" --iso="$BATS_TEST_TMPDIR/httpd.iso" --bios-only "$HTTPD" -- --ip=10.78.0.2/24 --gw=10.78.0.1 -- \
		> /dev/null
	ip netns exec "$NS" timeout 60 "$QEMU" "${QARGS[@]}" -netdev tap,id=n,ifname=tap0,script=no,downscript=no \
		-device virtio-net-pci,netdev=n -cdrom "$BATS_TEST_TMPDIR/httpd.iso" > "$BATS_TEST_TMPDIR/iso.log" 2>&1 < /dev/null 3>&- &
	pid=$!
	for i in $(seq 150); do
		ip netns exec "$NS" curl -s -m 1 -o /dev/null http://10.78.0.2/ && break
		sleep 0.1
	done
	run ip netns exec "$NS" curl -s -m 5 http://10.78.0.2/
	echo "curl: $output"
	curl_out=$output
	run ip netns exec "$NS" timeout 20 wrk -t1 -c8 -d 2 http://10.78.0.2/
	echo "wrk: $output"
	kill $pid
	wait $pid || true
	cat "$BATS_TEST_TMPDIR/iso.log"
	[[ $curl_out == *"<h1>Served by a tincan unikernel</h1>"* ]]
	[ "$status" -eq 0 ]
	[[ $output == *"Requests/sec:"* ]]
	[[ $output != *"Socket errors"* ]]
	[ "$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' <<< "$output")" -ge 200 ]
}

@test "virtio-net: without --ip the first NIC takes its address by DHCP, with the device's MAC address" {
	need_ns
	command -v dnsmasq > /dev/null || skip "dnsmasq is not installed (the DHCP server)"
	local t=$BATS_TEST_TMPDIR
	ip netns exec "$NS" timeout 60 dnsmasq --no-daemon --interface=tap0 --bind-interfaces --port=0 --no-resolv \
		--no-hosts --dhcp-range=10.78.0.50,10.78.0.50,255.255.255.0 --pid-file="$t/dnsmasq.pid" \
		--dhcp-leasefile="$t/leases" > "$t/dnsmasq.log" 2>&1 3>&- &
	dm=$!
	ip netns exec "$NS" timeout 60 "$QEMU" "${QARGS[@]}" -M pc \
		-netdev tap,id=n,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n,mac=02:aa:bb:cc:dd:ee \
		-kernel "$HTTPD" -append "" > "$t/qemu.log" 2>&1 < /dev/null 3>&- &
	pid=$!
	for i in $(seq 100); do
		ip netns exec "$NS" curl -s -m 1 -o /dev/null http://10.78.0.50/ && break
		sleep 0.1
	done
	run ip netns exec "$NS" curl -s -m 5 http://10.78.0.50/
	kill $pid $dm
	wait $pid $dm || true
	cat "$t/dnsmasq.log" "$t/qemu.log"
	[ "$status" -eq 0 ]
	[[ $output == *"<h1>Served by a tincan unikernel</h1>"* ]]
	grep -q "DHCPACK(tap0) 10.78.0.50 02:aa:bb:cc:dd:ee" "$t/dnsmasq.log"
}

@test "virtio-net: --dns reaches the resolver's TINCAN_DNS; bad --ip, --gw and --dns are refused with 104" {
	nboot "$G" "--ip=10.0.0.2/24 --gw=10.0.0.1 --dns=10.0.0.53 --dns=1.1.1.1 --dns=ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe -- env TINCAN_DNS"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "TINCAN_DNS=10.0.0.53,1.1.1.1,ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe" ]
	nboot "$G" "--ip=10.0.0.2/33 -- exit 0"
	[ "$status" -eq 104 ]
	[ "$output" = "tincan: invalid --ip: expected [NAME:]ADDR/PREFIX, no /0 or IPv4 net/broadcast, NAME an attached net device: --ip=10.0.0.2/33" ]
	nboot "$G" "--ip=10.0.0.256/24 -- exit 0"
	[ "$status" -eq 104 ]
	nboot "$G" "--gw=10.0.0 -- exit 0"
	[ "$status" -eq 104 ]
	[ "$output" = "tincan: invalid --gw: expected [NAME:]ADDR, NAME an attached net device: --gw=10.0.0" ]
	for bad in x :: 0.0.0.0 fd00::1/64 fd00:::1 10.0.0.1x; do
		nboot "$G" "--dns=$bad -- exit 0"
		[ "$status" -eq 104 ]
		[ "$output" = "tincan: invalid --dns: expected an IPv4 or IPv6 address: --dns=$bad" ]
	done
}

@test "virtio-net: --ip, --gw and --route reach the guest as tincan-run gives them (TINCAN_IP, TINCAN_ROUTE)" {
	local opts="--ip=10.0.0.2/24 --ip=net0:10.0.1.2/24 --ip=fd00::2/64 --gw=10.0.0.1 --route=10.9.0.0/16:via=10.0.1.1"
	nboot "$G" "$opts -- env TINCAN_IP"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "TINCAN_IP=net0:10.0.0.2/24,net0:10.0.1.2/24,net0:fd00::2/64" ]
	nboot "$G" "$opts --route=fd01::/64:dev=net0 -- env TINCAN_ROUTE"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "TINCAN_ROUTE=0.0.0.0/0@10.0.0.1%net0,10.9.0.0/16@10.0.1.1,fd01::/64%net0" ]
	nboot "$G" "--route=10.9.0.1/16:via=10.0.1.1 -- exit 0"
	[ "$status" -eq 104 ]
	[[ $output == "tincan: invalid --route: expected DEST/PREFIX[:via=GW][:dev=NAME], no host bits in DEST,"*": --route=10.9.0.1/16:via=10.0.1.1" ]]
	nboot "$G" "--ip=eth1:10.0.0.2/24 -- exit 0"
	[ "$status" -eq 104 ]
	[[ $output == "tincan: invalid --ip: expected [NAME:]ADDR/PREFIX"* ]]
}

@test "virtio-net: a declared net device without a device is one line and status 105" {
	run timeout 60 "$QEMU" "${QARGS[@]}" -M pc -nic none -kernel "$HTTPD" -append "" < /dev/null
	status=$(pc_status "$status")
	echo "$output"
	[ "$status" -eq 105 ]
	[ "$output" = "tincan: the image declares net device 'net0' and the machine has no virtio-net device for it (QEMU: -device virtio-net-pci)" ]
}

# Multicast (libos/net/mcast.c): virtio-net negotiates no receive filter, and
# QEMU's device starts promiscuous, so datagrams to a group the guest joined
# reach it (tests/kvm/multicast.bats has the rest).
@test "virtio-net: a guest that joined 239.1.2.3 answers a datagram sent to the group" {
	need_ns
	local t=$BATS_TEST_TMPDIR
	"$B/bin/tincan-cc" --platform=pc -O2 -o "$t/mcast.elf" "$TESTS/guests/mcast.c"
	"$B/bin/tincan-mkimage" --net=net0 "$t/mcast.elf" > /dev/null
	ip netns exec "$NS" timeout 60 "$QEMU" "${QARGS[@]}" -M pc \
		-netdev tap,id=n,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n,mac=02:aa:bb:cc:dd:e1 \
		-kernel "$t/mcast.elf" -append "--ip=10.78.0.3/24 -- serve 9400" > "$t/qemu.log" 2>&1 < /dev/null 3>&- &
	pid=$!
	for i in $(seq 150); do
		grep -q joined "$t/qemu.log" && break
		sleep 0.2
	done
	run ip netns exec "$NS" timeout 20 /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("10.78.0.1"))
s.settimeout(2)
for i in range(4):
    s.sendto(b"pc4", ("239.1.2.3", 9400))
    try:
        data, frm = s.recvfrom(100)
        print("answer", data.decode(), "from", frm[0])
        break
    except socket.timeout:
        pass
'
	echo "$output"
	cat "$t/qemu.log"
	[ "$output" = "answer pc4 from 10.78.0.3" ]
	grep -q "^got 239.1.2.3 from 10.78.0.1: pc4" "$t/qemu.log"
}
