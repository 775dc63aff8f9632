# hello's bootable ISOs (make PLATFORM=pc builds build/apps/NAME.iso, the
# BIOS+UEFI kind; tincan-mkimage --iso --bios-only the small kind) booted
# by plain QEMU under TCG: from the CD drive on SeaBIOS, on OVMF (UEFI),
# and as a raw hard disk; within the size budgets.  tests/iso.bats covers
# tincan-mkimage --iso itself with a test kernel.
load ../helpers

OVMF=/usr/share/OVMF
HELLO_ISO=$B/apps/hello.iso

setup() {
	need_platform
	[ -f "$HELLO_ISO" ]
}

# The greeting and argv as hello prints them, then its boot time.
greets() {
	echo "$output"
	[[ $output == *"Hello from tincan!"* ]]
	[[ $output == *'sqrt(2) = 1.414214'* ]]
	[[ $output =~ boot\ to\ main:\ [0-9]+\.[0-9]{3}\ ms ]]
}

@test "hello's ISO, plain qemu-system-x86_64 -cdrom with no extra devices: it prints and QEMU exits by itself" {
	run timeout 60 "$QEMU" -cdrom "$HELLO_ISO" -display none -serial stdio -no-reboot -nic none
	[ "$status" -eq 0 ]
	greets
	# and it powered off (ACPI), not reset: without -no-reboot it still ends
	run timeout 60 "$QEMU" -cdrom "$HELLO_ISO" -display none -serial stdio -nic none
	[ "$status" -eq 0 ]
	greets
}

@test "hello's ISO under OVMF (UEFI, q35) and as a raw hard disk on SeaBIOS" {
	[ -f $OVMF/OVMF_CODE_4M.fd ] && [ -f $OVMF/OVMF_VARS_4M.fd ] || skip "OVMF is not installed (ovmf)"
	cp $OVMF/OVMF_VARS_4M.fd "$BATS_TEST_TMPDIR/vars.fd"
	run timeout 120 "$QEMU" -M q35 -m 256 -drive if=pflash,format=raw,readonly=on,file=$OVMF/OVMF_CODE_4M.fd \
		-drive if=pflash,format=raw,file="$BATS_TEST_TMPDIR/vars.fd" -cdrom "$HELLO_ISO" -display none \
		-serial stdio -no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04
	[ "$(pc_status "$status")" -eq 0 ]
	greets
	cp "$HELLO_ISO" "$BATS_TEST_TMPDIR/disk.img"
	run timeout 60 "$QEMU" -drive format=raw,file="$BATS_TEST_TMPDIR/disk.img" -display none -serial stdio \
		-no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04
	[ "$(pc_status "$status")" -eq 0 ]
	greets
}

@test "hello's ISOs fit their budgets: BIOS+UEFI <= 5 MiB, BIOS-only <= 1 MiB (and that one boots with ARGS)" {
	size=$(stat -c %s "$HELLO_ISO")
	echo "hybrid $size"
	[ "$size" -le $((5 << 20)) ]
	"$B/bin/tincan-mkimage" --iso="$BATS_TEST_TMPDIR/bios.iso" --bios-only "$B/apps/pc/hello.elf" -- one "two three"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/bios.iso")
	echo "bios-only $size"
	[ "$size" -le $((1 << 20)) ]
	run timeout 60 "$QEMU" -cdrom "$BATS_TEST_TMPDIR/bios.iso" -display none -serial stdio -no-reboot -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04
	[ "$(pc_status "$status")" -eq 0 ]
	greets
	[[ $output == *'argv[1] = "one"'* ]]
	[[ $output == *'argv[2] = "two three"'* ]]
}
