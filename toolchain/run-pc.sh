#!/bin/sh
# make run PLATFORM=pc: boot build/apps/APP.iso (its BIOS+UEFI ISO) in QEMU
# from the CD drive, the console on this terminal.  KVM when a probe boot
# shows it is fast here (on nested hosts every ring-0 instruction is
# emulated and TCG is faster), else TCG; it says which.  An app that
# declares a net device gets a virtio-net NIC on a tap as in run.sh.
#   toolchain/run-pc.sh BUILD_DIR APP [ARGS...]
set -eu
B=$1 APP=$2
shift 2
ISO=$B/apps/$APP.iso
ELF=$B/apps/pc/$APP.elf
QEMU=qemu-system-x86_64
TAP=${TINCAN_TAP:-tincan0}
HOST_IP=10.77.77.1 GUEST_IP=10.77.77.2

if [ ! -f "$ELF" ]; then
	echo "no app '$APP': apps are $(ls "$B/apps/pc" | sed -n 's/\.elf$//p' | tr '\n' ' ')" >&2
	exit 1
fi
command -v $QEMU > /dev/null || { echo "make run PLATFORM=pc needs QEMU: apt-get install qemu-system-x86" >&2; exit 1; }
if [ $# -gt 0 ]; then # other arguments than the ISO's: an ISO of its own
	ISO=$B/apps/pc/$APP-run.iso
	"$B/bin/tincan-mkimage" --iso="$ISO" "$ELF" -- "$@" > /dev/null
fi

# The accelerator: KVM if a PVH boot of hello takes under a second there.
accel=tcg why="KVM is not usable here"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	t0=$(date +%s%N)
	if timeout 2 $QEMU -accel kvm -cpu host -M microvm -m 64 -display none -serial none -monitor none -no-reboot \
		-nic none -kernel "$B/apps/pc/hello.elf" > /dev/null 2>&1; then
		ms=$((($(date +%s%N) - t0) / 1000000))
		if [ $ms -lt 1000 ]; then accel=kvm why="a probe boot took $ms ms"; else why="a probe boot under KVM took $ms ms (ring 0 is emulated on this host)"; fi
	else
		why="a probe boot under KVM did not finish in 2 s (ring 0 is emulated on this host)"
	fi
fi
cpu=max
[ $accel = kvm ] && cpu=host
echo "booting $ISO under QEMU with $accel: $why" >&2

net=-nic\ none
if "$B/bin/tincan-mkimage" --print "$ELF" | grep -q '(net)$'; then
	if [ "$(id -u)" != 0 ]; then
		echo "$APP needs a tap device: run as root (or see toolchain/run.sh for the commands)" >&2
		exit 1
	fi
	if ! ip link show "$TAP" > /dev/null 2>&1; then
		ip tuntap add "$TAP" mode tap
		ip addr add "$HOST_IP/24" dev "$TAP"
	fi
	ip link set "$TAP" up
	echo "$APP: guest on tap $TAP (host side $HOST_IP); give it --ip=$GUEST_IP/24 in ARGS, or it asks DHCP" >&2
	net="-netdev tap,id=n0,ifname=$TAP,script=no,downscript=no -device virtio-net-pci,netdev=n0"
fi
echo "(QEMU's console: Ctrl-A X quits)" >&2
# The guest's status comes back through isa-debug-exit as (status << 1) | 1.
st=0
# shellcheck disable=SC2086
$QEMU -accel $accel -cpu $cpu -m 256 -nographic -no-reboot -boot d -cdrom "$ISO" $net \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 || st=$?
[ $((st & 1)) -eq 1 ] && st=$((st >> 1))
exit $st
