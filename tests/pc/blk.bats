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
