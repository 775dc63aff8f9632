#!/bin/bash
# make bench, pc platform part: boot-to-exit under QEMU with TCG of hello
# from a BIOS-only ISO, from a BIOS+UEFI ISO (booted by SeaBIOS), and
# through PVH (-kernel) on the microvm machine; beside them, in the same
# rounds, Debian's kernel with a one-binary initramfs (-kernel -initrd on
# the pc machine), what users pick instead.  Also the ISO sizes.  Rounds
# alternate the four; each figure is the median over the rounds, with the
# range.  Appends rows to OUT_FILE.
#   tests/bench/pc.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
ROUNDS=${BENCH_PC_ROUNDS:-7}
DIR=$B/bench/pc
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/tincan/linux-baseline
rm -rf "$DIR"
mkdir -p "$DIR" "$CACHE"
QEMU=qemu-system-x86_64
for t in $QEMU grub-mkrescue xorriso cpio musl-gcc; do
	command -v $t > /dev/null || { echo "(pc figures need $t: apt-get install qemu-system-x86 grub-pc-bin grub-efi-amd64-bin xorriso mtools cpio musl-tools; skipped)" | tee -a "$OUT"; exit 0; }
done

# Debian's kernel, from its package (downloaded once, not installed).
if [ ! -f "$CACHE/vmlinuz" ]; then
	pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || { echo "pc.sh: cannot tell which package linux-image-amd64 depends on" >&2; exit 1; }
	(cd "$CACHE" && rm -f ./*.deb && apt-get download "$pkg" > /dev/null && dpkg-deb -x ./*.deb x &&
		cp x/boot/vmlinuz-* vmlinuz && echo "$pkg" > version && rm -rf x ./*.deb)
fi
musl-gcc -static -Os -o "$DIR/init" "$(dirname "$0")/pcinit.c"
(cd "$DIR" && echo init | cpio -o -H newc --quiet > initrd.cpio)

HELLO=$B/apps/pc/hello.elf
"$B/bin/tincan-mkimage" --iso="$DIR/bios.iso" --bios-only "$HELLO" > /dev/null
"$B/bin/tincan-mkimage" --iso="$DIR/hybrid.iso" "$HELLO" > /dev/null

Q=(timeout 120 $QEMU -accel tcg -display none -serial stdio -monitor none -no-reboot -nic none)
secs() { # command... -> seconds to exit, and the output must hold the greeting
	local t0 t1 out
	t0=$(date +%s%N)
	out=$("$@" 2>&1 < /dev/null) || true
	t1=$(date +%s%N)
	[[ $out == *"Hello from"* ]] || { echo "pc.sh: no greeting from: $*" >&2; echo "$out" | tail -5 >&2; exit 1; }
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
for r in $(seq 1 "$ROUNDS"); do
	l=$(secs "${Q[@]}" -cpu max -m 256 -kernel "$CACHE/vmlinuz" -initrd "$DIR/initrd.cpio" \
		-append "console=ttyS0 quiet panic=-1 rdinit=/init")
	b=$(secs "${Q[@]}" -cpu max -m 128 -boot d -cdrom "$DIR/bios.iso")
	h=$(secs "${Q[@]}" -cpu max -m 128 -boot d -cdrom "$DIR/hybrid.iso")
	k=$(secs "${Q[@]}" -cpu max -M microvm -m 128 -kernel "$HELLO")
	echo "$l $b $h $k"
done > "$DIR/rounds"
# Median and range of column c, and of its ratio to column 1.
stat_col() {
	awk -v c="$1" '{ print $c, $c / $1 }' "$DIR/rounds" | sort -n > "$DIR/col"
	local n mid
	n=$(wc -l < "$DIR/col")
	mid=$(((n + 1) / 2))
	read -r med ratio < <(sed -n "${mid}p" "$DIR/col")
	lo=$(sort -n -k2 "$DIR/col" | head -n 1 | cut -d' ' -f2)
	hi=$(sort -n -k2 "$DIR/col" | tail -n 1 | cut -d' ' -f2)
	printf "%s s = %.3f x (range %.3f-%.3f)" "$med" "$ratio" "$lo" "$hi"
}
lmed=$(cut -d' ' -f1 "$DIR/rounds" | sort -n | sed -n "$(((ROUNDS + 1) / 2))p")
{
	echo "| pc: Debian's kernel ($(cat "$CACHE/version")) + a one-binary initramfs, TCG boot to power-off (the baseline) | $lmed s (median of $ROUNDS rounds) | |"
	echo "| pc: hello from the BIOS-only ISO, TCG boot to exit | $(stat_col 2) the baseline | <= 0.1 x |"
	echo "| pc: hello from the BIOS+UEFI ISO (SeaBIOS), TCG boot to exit | $(stat_col 3) the baseline | |"
	echo "| pc: hello through PVH on microvm (-kernel), TCG boot to exit | $(stat_col 4) the baseline | <= 0.05 x |"
	echo "| pc: hello ISO sizes, BIOS-only / BIOS+UEFI | $(stat -c %s "$DIR/bios.iso") B / $(stat -c %s "$DIR/hybrid.iso") B | <= 1 MiB / <= 5 MiB |"
} | tee -a "$OUT"
