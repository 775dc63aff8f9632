# virtio-blk on the pc platform (k_pci.c finds it, platforms/common/drivers/
# virtio drives it): the block file system keeps its data across boots on
# the pc and q35 machines, a read-only disk, and a declared disk with no
# device behind it.  The guest is tests/guests/blockfs.c, built here with
# tincan-cc --platform=pc, its image declaring disk:/data.
load ../helpers

setup_file() {
	[ -x "$B/bin/tincan-cc" ] || return 0
	local g=$BATS_FILE_TMPDIR/blockfs.elf
	"$B/bin/tincan-cc" --platform=pc -O2 -o "$g" "$TESTS/guests/blockfs.c" 2> "$BATS_FILE_TMPDIR/cc.log" &&
		"$B/bin/tincan-mkimage" --block=disk:/data "$g" > /dev/null 2>> "$BATS_FILE_TMPDIR/cc.log" || rm -f "$g"
}

setup() {
	need_platform
	G=$BATS_FILE_TMPDIR/blockfs.elf
	[ -f "$G" ] || { cat "$BATS_FILE_TMPDIR/cc.log"; false; }
	D=$BATS_TEST_TMPDIR
}

# vboot MACHINE DISK[,DRIVE-OPTIONS] ARGS...: boot the guest with DISK as a
# virtio-blk device ("" for none); $status is the guest's.
vboot() {
	local m=$1 disk=$2
	shift 2
	local dev=()
	[ -z "$disk" ] || dev=(-device virtio-blk-pci,drive=d -drive "if=none,id=d,format=raw,file=$disk")
	run timeout 60 "$QEMU" -accel tcg -cpu max -M "$m" -m 128 -display none -serial stdio -monitor none \
		-no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 "${dev[@]}" \
		-kernel "$G" -append "-- $*" < /dev/null
	status=$(pc_status "$status")
}

@test "virtio-blk: a file system made in one boot is there in the next, on the pc and q35 machines" {
	"$B/bin/tincan-mkfs" "$D/d.img" 4M
	vboot pc "$D/d.img" make
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = made ]
	vboot q35 "$D/d.img" show
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ". .. d pieces sl top" ]
	[[ $output == *"link d/e/f"* ]]
	vboot q35 "$D/d.img" rw 7
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'before fsync same\nafter fsync same')" ]
	vboot pc "$D/d.img" rwcheck 7
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "after reboot same" ]
	run "$B/bin/tincan-mkfs" --check "$D/d.img"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *": clean: "* ]]
}

@test "virtio-blk: a read-only disk reads, refuses writes with EROFS and stays unchanged" {
	"$B/bin/tincan-mkfs" "$D/r.img" 1M
	cp "$D/r.img" "$D/before.img"
	vboot pc "$D/r.img,readonly=on" make
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "make failed: Read-only file system" ]
	vboot pc "$D/r.img,readonly=on" ls /data
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ". .." ]
	cmp "$D/r.img" "$D/before.img"
}

@test "virtio-blk: a declared disk without a device is one line and status 105" {
	vboot pc "" ls /data
	echo "$output"
	[ "$status" -eq 105 ]
	[ "$output" = "tincan: the image declares block device 'disk' and the machine has no virtio-blk device for it (QEMU: -device virtio-blk-pci)" ]
}

@test "virtio-blk under UEFI (OVMF, q35) from a GRUB ISO: the firmware's BARs above 4 GiB are mapped too" {
	local code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
	[ -f "$code" ] && [ -f "$vars" ] || skip "OVMF is not installed (apt-get install ovmf)"
	command -v grub-mkrescue > /dev/null && command -v xorriso > /dev/null && [ -d /usr/lib/grub/x86_64-efi ] ||
		skip "grub-mkrescue, xorriso or grub-efi-amd64-bin is not installed"
	mkdir -p "$D/iso/boot/grub"
	cp "$G" "$D/iso/boot/app.elf"
	printf '%s\n' 'set timeout=0' 'set default=0' 'serial --unit=0 --speed=115200' 'terminal_input serial' \
		'terminal_output serial' 'menuentry app {' 'multiboot2 /boot/app.elf -- rw 3' 'boot' '}' > "$D/iso/boot/grub/grub.cfg"
	grub-mkrescue --locales= --fonts= --themes= \
		--install-modules="multiboot2 normal serial terminal part_msdos part_gpt iso9660" \
		-o "$D/app.iso" "$D/iso" -- -padding 32k > "$D/mkrescue.log" 2>&1 || { cat "$D/mkrescue.log"; false; }
	cp "$vars" "$D/vars.fd"
	"$B/bin/tincan-mkfs" "$D/d.img" 4M
	run timeout 60 "$QEMU" -accel tcg -cpu max -M q35 -m 256 -display none -serial stdio -monitor none -no-reboot \
		-nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-drive if=pflash,format=raw,readonly=on,file="$code" -drive if=pflash,format=raw,file="$D/vars.fd" \
		-device virtio-blk-pci,drive=d -drive if=none,id=d,format=raw,file="$D/d.img" -cdrom "$D/app.iso" -boot d < /dev/null
	status=$(pc_status "$status")
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"before fsync same"*"after fsync same"* ]]
}

@test "virtio-blk: the image's disks get the virtio-blk devices in PCI order; extra devices are left alone" {
	local g2=$D/two.elf
	cp "$G" "$g2"
	"$B/bin/tincan-mkimage" --no-devices "$g2" > /dev/null
	"$B/bin/tincan-mkimage" --block=first:/first --block=disk:/data "$g2" > /dev/null
	"$B/bin/tincan-mkfs" "$D/a.img" 1M
	"$B/bin/tincan-mkfs" "$D/b.img" 4M
	"$B/bin/tincan-mkfs" "$D/c.img" 1M
	vboot pc "$D/b.img" make
	[ "$output" = made ]
	cp "$D/c.img" "$D/c0.img"
	run timeout 60 "$QEMU" -accel tcg -cpu max -M q35 -m 128 -display none -serial stdio -monitor none \
		-no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-device virtio-blk-pci,drive=a,addr=0x5 -drive if=none,id=a,format=raw,file="$D/a.img" \
		-device virtio-blk-pci,drive=b,addr=0x6 -drive if=none,id=b,format=raw,file="$D/b.img" \
		-device virtio-blk-pci,drive=c,addr=0x7 -drive if=none,id=c,format=raw,file="$D/c.img" \
		-kernel "$g2" -append "-- ls /data" < /dev/null
	status=$(pc_status "$status")
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = ". .. d pieces sl top" ]
	cmp "$D/c.img" "$D/c0.img"
}
