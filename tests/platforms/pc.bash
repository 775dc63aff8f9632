# The pc platform's boot helper for the bats tests (loaded by helpers.bash
# when PLATFORM=pc): images boot in QEMU under TCG (never -accel kvm: on
# nested hosts every ring-0 instruction is emulated), through the PVH entry
# (-kernel) on the default machine, the console on stdio, and QEMU's
# isa-debug-exit carrying the guest's exit status.
QEMU=${QEMU:-qemu-system-x86_64}
IMG=.elf
PC_MACHINE=${PC_MACHINE:-pc}

# Skip (never pass) when QEMU is missing.
need_platform() {
	command -v "$QEMU" > /dev/null || skip "$QEMU is not installed (apt-get install qemu-system-x86)"
}
need_kvm() { skip "this test needs the kvm platform (tincan-run)"; }

# QEMU's status back to the guest's: isa-debug-exit ends QEMU with
# (status << 1) | 1 (so only statuses 0-127 come back whole); an even
# status means the guest powered off some other way (ACPI: 0) or QEMU
# failed; 124 is timeout's.
pc_status() {
	local rc=$1
	if [ "$rc" -ne 124 ] && [ $((rc & 1)) -eq 1 ]; then echo $((rc >> 1)); else echo "$rc"; fi
}

# Quote one word for the guest's splitter (platforms/common/guest/cmdline.c).
pc_quote() {
	local a=${1//\\/\\\\}
	a=${a//\"/\\\"}
	printf '"%s"' "$a"
}

# The guest's command line for IMAGE's words: guest options (--env=...),
# then "--" and the app's arguments, as `tincan-run IMAGE OPTS -- ARGS`.
pc_line() {
	local line= a seen=
	for a in "$@"; do
		if [ -z "$seen" ] && [ "$a" = "--" ]; then
			seen=1
			line="$line --"
			continue
		fi
		line="$line $(pc_quote "$a")"
	done
	echo "${line# }"
}

# Boot IMAGE [GUEST-OPTIONS] [-- ARGS] with a time limit; $status is the
# guest's exit status.
boot() {
	local img=$1
	shift
	run timeout 60 "$QEMU" -accel tcg -cpu max -M "$PC_MACHINE" -m 128 -display none -serial stdio -monitor none \
		-no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$img" -append "$(pc_line "$@")" < /dev/null
	status=$(pc_status "$status")
}

# argv[0] as the guest sees it: the image's manifest name, else "app".
argv0() { echo app; }

# net_boot TAP ADDR/PREFIX APP [ARGS...]: NET_BOOT becomes the command that
# boots build/apps/pc/APP.elf with a virtio-net NIC on TAP and that address
# ("": DHCP), for tests that run it in a network namespace of their own.
net_boot() {
	local tap=$1 ip=$2 app=$3
	shift 3
	NET_BOOT=("$QEMU" -accel tcg -cpu max -M "$PC_MACHINE" -m 128 -display none -serial stdio -monitor none -no-reboot
		-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device virtio-net-pci,netdev=n0
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$B/apps/pc/$app.elf"
		-append "$(pc_line ${ip:+--ip="$ip"} -- "$@")")
}
