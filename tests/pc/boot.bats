# The pc platform booting in QEMU (TCG): the PVH entry on the pc, q35 and
# microvm machines, exit statuses through isa-debug-exit and ACPI, faults
# and panics reported on the serial console, the guest command line, the
# clocks, entropy, thread-local storage and the heap.  The guest is
# tests/guests/pcboot.c, built here with tincan-cc --platform=pc.
load ../helpers

setup_file() {
	[ -x "$B/bin/tincan-cc" ] || return 0
	"$B/bin/tincan-cc" --platform=pc -O2 -o "$BATS_FILE_TMPDIR/pcboot.elf" "$TESTS/guests/pcboot.c" 2> "$BATS_FILE_TMPDIR/cc.log" || true
}

setup() {
	need_platform
	G=$BATS_FILE_TMPDIR/pcboot.elf
	[ -f "$G" ] || { cat "$BATS_FILE_TMPDIR/cc.log"; false; }
}

@test "an image boots through PVH on the pc, q35 and microvm machines and exits with its status" {
	for m in pc q35 microvm; do
		PC_MACHINE=$m boot "$G" -- exit 7
		echo "$m: status $status: $output"
		[ "$status" -eq 7 ]
	done
	boot "$G" -- exit 0
	[ "$status" -eq 0 ]
}

@test "without isa-debug-exit the guest powers the machine off through ACPI" {
	# No -no-reboot: a guest that failed to power off would reset (a
	# triple fault) and boot again until the timeout (status 124).
	for m in pc q35 microvm; do
		run timeout 30 "$QEMU" -accel tcg -cpu max -M $m -m 64 -display none -serial stdio -monitor none \
			-nic none -kernel "$G" -append "-- exit 3"
		echo "$m: status $status: $output"
		[ "$status" -eq 0 ]
	done
}

@test "a null pointer, a write to text and a stack overflow (main, or a thread's onto its guard page) are faults with status 101 and a backtrace" {
	boot "$G" -- null
	echo "$output"
	[ "$status" -eq 101 ]
	[[ ${lines[0]} == "tincan: guest fault: page fault (null pointer) at 0x"*", rip 0x"* ]]
	[[ $output == *"    #1 0x"* ]]
	boot "$G" -- wx
	echo "$output"
	[ "$status" -eq 101 ]
	[[ ${lines[0]} == *"page fault (write to read-only memory)"* ]]
	boot "$G" -- overflow
	echo "$output"
	[ "$status" -eq 101 ]
	[[ ${lines[0]} == *"page fault (stack overflow (the guard page under the main stack))"* ]]
	boot "$G" -- thread-overflow
	echo "$output"
	[ "$status" -eq 101 ]
	[[ ${lines[0]} == *"page fault (stack overflow: hit a thread stack's guard page)"* ]]
	[[ $output == *"    #1 0x"* ]]
}

@test "abort() is a panic: status 100, the message and a backtrace" {
	boot "$G" -- abort
	echo "$output"
	[ "$status" -eq 100 ]
	[[ $output == *"tincan: guest panic: "* ]]
	[[ $output == *"    #0 0x"* ]]
	[[ $output == *"no symbols loaded"* ]] # PVH loads no symbols
}

@test "the command line: --env before --, quoted arguments, bad options refused with status 104" {
	boot "$G" --env=GREETING=hello\ there -- env GREETING
	[ "$status" -eq 0 ]
	[ "$output" = "GREETING=hello there" ]
	run timeout 60 "$QEMU" -accel tcg -cpu max -m 64 -display none -serial stdio -monitor none -no-reboot -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$G" -append "--bogus exit 0"
	[ "$(pc_status "$status")" -eq 104 ]
	[ "$output" = "tincan: unknown option (guest options: --env=NAME=VALUE, --ip=[NAME:]ADDR/PREFIX, --gw=[NAME:]ADDR, --route=DEST/PREFIX[:via=GW][:dev=NAME], --dns=ADDR; -- ends them): --bogus" ]
	run timeout 60 "$QEMU" -accel tcg -cpu max -m 64 -display none -serial stdio -monitor none -no-reboot -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$G" -append "--ip=10.0.0.2/24 -- exit 0"
	[ "$(pc_status "$status")" -eq 104 ]
	[[ $output == "tincan: the option needs a net device and the image declares none: --ip=10.0.0.2/24" ]]
	run timeout 60 "$QEMU" -accel tcg -cpu max -m 64 -display none -serial stdio -monitor none -no-reboot -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$G" -append "exit 'unterminated"
	[ "$(pc_status "$status")" -eq 104 ]
	[[ $output == "tincan: bad command line"* ]]
}

@test "clocks: a 300 ms sleep takes 300 ms, and the real-time clock is the host's" {
	boot "$G" -- sleep 300
	echo "$output"
	[ "$status" -eq 0 ]
	ms=${output#slept }
	ms=${ms% ms}
	[ "$ms" -ge 300 ] && [ "$ms" -lt 1500 ]
	boot "$G" -- now
	[ "$status" -eq 0 ]
	now=$(date +%s)
	echo "guest $output host $now"
	[ "$output" -gt $((now - 120)) ] && [ "$output" -lt $((now + 120)) ]
}

@test "entropy differs between boots; thread-local storage works; the heap takes most of the machine's memory" {
	boot "$G" -- random
	[ "$status" -eq 0 ]
	a=$output
	boot "$G" -- random
	[ "$status" -eq 0 ]
	[[ $a =~ ^[0-9a-f]{32}$ ]] && [ "$a" != "$output" ]
	boot "$G" -- tls
	[ "$status" -eq 0 ]
	[ "$output" = "tls 42" ]
	boot "$G" -- heap 100
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "heap ok" ]
}

@test "tincan-cc --platform=pc links a multiboot2 ELF with the PVH note and a pc manifest" {
	command -v grub-file > /dev/null || skip "grub-file is not installed (apt-get install grub-common)"
	grub-file --is-x86-multiboot2 "$G"
	readelf -nW "$G" | grep -q "Xen.*0x00000004.*Unknown note type: (0x00000012)"
}

@test "booted from an ISO (GRUB loads the symbols), faults and panics name their functions" {
	command -v grub-mkrescue > /dev/null || skip "grub-mkrescue is not installed (apt-get install grub-common grub-pc-bin)"
	for what in null abort overflow; do
		"$B/bin/tincan-mkimage" --iso="$BATS_TEST_TMPDIR/g.iso" --bios-only "$G" -- $what > /dev/null
		run timeout 60 "$QEMU" -cpu max -cdrom "$BATS_TEST_TMPDIR/g.iso" -display none -serial stdio -no-reboot \
			-nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04
		echo "$output"
		case $what in
		null) [ "$(pc_status "$status")" -eq 101 ] && [[ $output == *"    #0 0x"*" main+0x"* ]] ;;
		abort) [ "$(pc_status "$status")" -eq 100 ] && [[ $output == *" abort+0x"* ]] && [[ $output == *" main"* ]] ;;
		overflow) [ "$(pc_status "$status")" -eq 101 ] && [[ $output == *" deep+0x"* ]] &&
			[[ $output == *"    ... the frame above "*" more times"* ]] ;;
		esac
		[[ $output == *" libos_main+0x"* ]]
		[[ $output != *"no symbols loaded"* ]]
	done
}

@test "a console read into read-only memory is EFAULT, not a fault in ring 0" {
	run bash -c 'echo hello | timeout 60 "$@"' _ "$QEMU" -accel tcg -cpu max -m 64 -display none -serial stdio \
		-monitor none -no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$G" -append "-- readro"
	echo "$output"
	[ "$(pc_status "$status")" -eq 0 ]
	[ "$output" = "read: -1 Bad address" ]
}

@test "under UEFI (OVMF splits RAM at 8 MiB) the heap still takes the largest stretch of RAM" {
	[ -f /usr/share/OVMF/OVMF_CODE_4M.fd ] || skip "OVMF is not installed (ovmf)"
	command -v grub-mkrescue > /dev/null || skip "grub-mkrescue is not installed (apt-get install grub-common grub-pc-bin)"
	"$B/bin/tincan-mkimage" --iso="$BATS_TEST_TMPDIR/h.iso" "$G" -- heap 100 > /dev/null
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$BATS_TEST_TMPDIR/vars.fd"
	run timeout 120 "$QEMU" -accel tcg -cpu max -M q35 -m 256 -display none -serial stdio -monitor none -no-reboot \
		-nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-drive if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd \
		-drive if=pflash,format=raw,file="$BATS_TEST_TMPDIR/vars.fd" -cdrom "$BATS_TEST_TMPDIR/h.iso"
	echo "$output"
	[ "$(pc_status "$status")" -eq 0 ]
	[[ $output == *"heap ok"* ]]
}
