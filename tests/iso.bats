# Bootable ISOs: tincan-mkimage --iso (mkimage/iso.c) with the multiboot2
# test kernel (tests/guests/pc_mb2.S: prints its command line on COM1, exits
# with the status of an exit=N word), booted by plain QEMU under TCG on
# SeaBIOS, on OVMF (UEFI) and as a raw disk; its refusals; and tincan-run
# refusing what belongs to the pc platform.
load helpers

MK=$B/bin/tincan-mkimage
KERNEL=$B/tests/pc_mb2.elf
# Words GRUB must carry through unchanged: blanks, both quotes, $, \, ;, #.
TRICKY=('two words' "it's" 'say "hi"' '$HOME ${x}' 'back\slash' "a'b\"c\\d e" ';' '#not-a-comment' exit=5)
# QEMU as a user runs it: no extra devices but the exit port.
QEMU=(qemu-system-x86_64 -accel tcg -display none -serial stdio -no-reboot -nic none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
OVMF=/usr/share/OVMF

need_iso_tools() {
	local t
	for t in grub-mkrescue xorriso mformat qemu-system-x86_64; do
		command -v $t >/dev/null || skip "$t is not installed (toolchain/deps.sh test installs it)"
	done
	for t in i386-pc x86_64-efi; do
		[ -d /usr/lib/grub/$t ] || skip "GRUB's $t files are not installed (grub-pc-bin, grub-efi-amd64-bin)"
	done
}

# iso bios|hybrid: build (once per file) the test kernel's ISO with TRICKY
# as its arguments; its path in $iso.
iso() {
	iso=$BATS_FILE_TMPDIR/$1.iso
	[ -f "$iso" ] && return 0
	mkdir -p "$BATS_FILE_TMPDIR/tmp"
	TMPDIR=$BATS_FILE_TMPDIR/tmp run "$MK" --iso="$iso" $([ "$1" = bios ] && echo --bios-only) "$KERNEL" -- "${TRICKY[@]}"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -f "$iso" ]
	[ -z "$(ls -A "$BATS_FILE_TMPDIR/tmp")" ] # the staging directory is gone
}

# qemu_boot QEMU-ARGS...: boot with a time limit; output without CRs.
qemu_boot() {
	local t0=$EPOCHREALTIME
	run timeout 120 "${QEMU[@]}" "$@" </dev/null
	output=${output//$'\r'/}
	echo "# QEMU $* : status $status in $(((${EPOCHREALTIME/./} - ${t0/./}) / 1000)) ms" >&3
	echo "$output" | cat -v | tail -n 20
}

# The kernel's command line, split as the pc platform splits it, is exactly
# the given words; QEMU's status is isa-debug-exit's (5 << 1) | 1.
args_arrived() {
	local line
	line=$(grep -ao 'CMDLINE=.*' <<<"$output" | head -n 1)
	[ -n "$line" ] || { echo "no CMDLINE line"; return 1; }
	"$B/tests/cmdsplit" "${line#CMDLINE=}" >"$BATS_TEST_TMPDIR/got"
	printf '%s\0' "$@" >"$BATS_TEST_TMPDIR/want"
	cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got" || { od -c "$BATS_TEST_TMPDIR/got"; return 1; }
}

@test "a BIOS-only ISO is at most 1 MiB; plain QEMU boots it, the arguments arrive unchanged, the exit status comes back" {
	need_iso_tools
	iso bios
	local size
	size=$(stat -c %s "$iso")
	echo "# BIOS-only ISO: $size bytes" >&3
	[ "$size" -le 1048576 ]
	qemu_boot -cdrom "$iso"
	[ "$status" -eq $(((5 << 1) | 1)) ]
	args_arrived "${TRICKY[@]}"
}

@test "the hybrid ISO is at most 5 MiB and boots on BIOS (SeaBIOS)" {
	need_iso_tools
	iso hybrid
	local size
	size=$(stat -c %s "$iso")
	echo "# hybrid ISO: $size bytes" >&3
	[ "$size" -le $((5 << 20)) ]
	qemu_boot -cdrom "$iso"
	[ "$status" -eq 11 ]
	args_arrived "${TRICKY[@]}"
}

@test "the hybrid ISO boots on UEFI (OVMF, q35)" {
	need_iso_tools
	[ -f $OVMF/OVMF_CODE_4M.fd ] && [ -f $OVMF/OVMF_VARS_4M.fd ] || skip "OVMF is not installed (ovmf)"
	iso hybrid
	cp $OVMF/OVMF_VARS_4M.fd "$BATS_TEST_TMPDIR/vars.fd"
	qemu_boot -M q35 -drive if=pflash,format=raw,readonly=on,file=$OVMF/OVMF_CODE_4M.fd \
		-drive if=pflash,format=raw,file="$BATS_TEST_TMPDIR/vars.fd" -cdrom "$iso"
	[ "$status" -eq 11 ]
	args_arrived "${TRICKY[@]}"
}

@test "the hybrid ISO boots as a raw hard disk on UEFI too, with no GRUB errors" {
	need_iso_tools
	[ -f $OVMF/OVMF_CODE_4M.fd ] && [ -f $OVMF/OVMF_VARS_4M.fd ] || skip "OVMF is not installed (ovmf)"
	iso hybrid
	cp "$iso" "$BATS_TEST_TMPDIR/disk.img"
	cp $OVMF/OVMF_VARS_4M.fd "$BATS_TEST_TMPDIR/vars.fd"
	qemu_boot -M q35 -drive if=pflash,format=raw,readonly=on,file=$OVMF/OVMF_CODE_4M.fd \
		-drive if=pflash,format=raw,file="$BATS_TEST_TMPDIR/vars.fd" -drive format=raw,file="$BATS_TEST_TMPDIR/disk.img"
	[ "$status" -eq 11 ]
	args_arrived "${TRICKY[@]}"
	# GRUB loads every partition map from a disk: none may be missing.
	if grep -a "not found" <<<"$output"; then return 1; fi
}

@test "the hybrid ISO boots as a raw hard disk (what dd to a disk or a cloud's raw image import gives)" {
	need_iso_tools
	iso hybrid
	cp "$iso" "$BATS_TEST_TMPDIR/disk.img"
	qemu_boot -drive format=raw,file="$BATS_TEST_TMPDIR/disk.img"
	[ "$status" -eq 11 ]
	args_arrived "${TRICKY[@]}"
}

@test "no arguments: an empty command line; without isa-debug-exit the kernel powers off through ACPI (status 0)" {
	need_iso_tools
	run "$MK" --iso="$BATS_TEST_TMPDIR/none.iso" --bios-only "$KERNEL"
	[ "$status" -eq 0 ]
	# No -no-reboot: a kernel that failed to power off would reset and
	# boot again until the timeout (status 124).
	run timeout 60 qemu-system-x86_64 -accel tcg -display none -serial stdio -nic none \
		-cdrom "$BATS_TEST_TMPDIR/none.iso" </dev/null
	output=${output//$'\r'/}
	echo "$output" | cat -v
	[ "$status" -eq 0 ]
	grep -ax 'CMDLINE=' <<<"$output"
}

# wait_for PATTERN FILE: until FILE (a serial log) has PATTERN, 60 s at most.
wait_for() {
	for _ in $(seq 600); do
		grep -aqF -- "$1" "$2" && return 0
		sleep 0.1
	done
	echo "no '$1' in $2:"
	cat -v "$2" | tail -c 2000
	return 1
}

@test "Shift held at boot shows GRUB's menu: e edits the command line, Ctrl-x boots it" {
	need_iso_tools
	iso bios
	local d=$BATS_TEST_TMPDIR
	mkfifo "$d/ser.in" "$d/ser.out" "$d/mon.in" "$d/mon.out"
	timeout 120 qemu-system-x86_64 -accel tcg -display none -no-reboot -nic none \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -chardev pipe,id=s0,path="$d/ser" -serial chardev:s0 \
		-chardev pipe,id=m0,path="$d/mon" -mon chardev=m0,mode=control -cdrom "$iso" </dev/null >"$d/qemu.log" 2>&1 3>&- &
	local qemu=$!
	exec 5>"$d/mon.in" 6>"$d/ser.in"
	cat "$d/mon.out" >/dev/null 3>&- &
	cat "$d/ser.out" >"$d/serial.log" 3>&- &
	# Shift held on the PS/2 keyboard: pressed (never released) again and
	# again through QMP, as a held key repeats, since the BIOS forgets a key
	# pressed before it resets the keyboard; until the menu shows.
	(
		echo '{"execute": "qmp_capabilities"}'
		for _ in $(seq 1000); do
			grep -aqF '*tincan' "$d/serial.log" && break
			echo '{"execute": "input-send-event", "arguments": {"events": [{"type": "key", "data":' \
				'{"down": true, "key": {"type": "qcode", "data": "shift"}}}]}}' || break
			sleep 0.02
		done
	) >&5 3>&- 2>/dev/null &
	wait_for '*tincan pc_mb2.elf' "$d/serial.log" # the menu, its entry highlighted
	printf e >&6
	wait_for "multiboot2 /boot/tincan.elf" "$d/serial.log"
	printf '\016\016\005 exit=7 edited\030' >&6 # down to the multiboot2 line (under setparams and a blank one), its end, type, boot
	local st=0
	wait $qemu || st=$?
	exec 5>&- 6>&-
	cat -v "$d/serial.log" | tail -c 3000
	[ "$st" -eq $(((7 << 1) | 1)) ]
	output=$(tr -d '\r' <"$d/serial.log")
	args_arrived "${TRICKY[@]}" exit=7 edited
}

# refused WHAT IMAGE: one line with WHAT, status 1, no OUT.
refused() {
	run "$MK" --iso="$BATS_TEST_TMPDIR/out.iso" "$2"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ ${lines[0]} == *"$1"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/out.iso" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR" | grep out.iso)" ]
}

@test "--iso refuses a kvm image, naming tincan-cc --platform=pc" {
	# The test kernel with its manifest's platform (at byte 256) made kvm.
	local kvm
	kvm=$(patch_copy "$KERNEL" $(($(manifest_off "$KERNEL") + 256)) '\x01')
	run "$MK" "$kvm"
	[[ $output == *"platform: kvm"* ]]
	refused "linked for the kvm platform; an ISO boots a pc image: link it with tincan-cc --platform=pc" "$kvm"
}

@test "--iso refuses a file that is no ELF, and a missing one" {
	echo "hello" >"$BATS_TEST_TMPDIR/text"
	refused "text: not an ELF file" "$BATS_TEST_TMPDIR/text"
	refused "nothing-here: No such file or directory" "$BATS_TEST_TMPDIR/nothing-here"
}

@test "--iso refuses a pc image without a multiboot2 header (its checksum broken)" {
	local off
	off=$(grep -abo $'\xd6\x50\x52\xe8' "$KERNEL" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] && [ "$off" -lt 32768 ]
	refused "has no multiboot2 header in its first 32 KiB" "$(patch_copy "$KERNEL" $((off + 12)) '\x01')"
}

@test "missing GRUB or xorriso tools: one line with the apt-get command, status 1, no ISO" {
	mkdir "$BATS_TEST_TMPDIR/bin"
	PATH=$BATS_TEST_TMPDIR/bin refused "install with: sudo apt-get install -y grub-common xorriso mtools" "$KERNEL"
	[[ $output == *"needs grub-mkrescue, xorriso, mformat (not found)"* ]]
	command -v grub-mkrescue >/dev/null || skip "grub-mkrescue is not installed"
	ln -s "$(command -v grub-mkrescue)" "$BATS_TEST_TMPDIR/bin/"
	PATH=$BATS_TEST_TMPDIR/bin refused "needs xorriso, mformat (not found): install with: sudo apt-get install -y xorriso mtools" "$KERNEL"
	# BIOS only needs no mformat
	run env PATH="$BATS_TEST_TMPDIR/bin" "$MK" --bios-only --iso="$BATS_TEST_TMPDIR/out.iso" "$KERNEL"
	[ "$status" -eq 1 ]
	[[ $output == *"needs xorriso (not found): install with: sudo apt-get install -y xorriso" ]]
}

@test "a failing grub-mkrescue: its last line, status 1, the old OUT kept whole, no temporary file left" {
	need_iso_tools
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir "$bin"
	ln -s "$(command -v xorriso)" "$(command -v mformat)" "$bin/"
	printf '#!/bin/sh\necho noise >&2\necho "grub-mkrescue: error: the disc is on fire." >&2\necho stdout\nexit 1\n' \
		>"$bin/grub-mkrescue"
	chmod +x "$bin/grub-mkrescue"
	mkdir "$BATS_TEST_TMPDIR/out"
	echo old >"$BATS_TEST_TMPDIR/out/x.iso"
	mkdir "$BATS_TEST_TMPDIR/tmp"
	PATH=$bin:$PATH TMPDIR=$BATS_TEST_TMPDIR/tmp run "$MK" --iso="$BATS_TEST_TMPDIR/out/x.iso" "$KERNEL" -- a
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"grub-mkrescue failed (exit 1): grub-mkrescue: error: the disc is on fire." ]]
	[ "$(cat "$BATS_TEST_TMPDIR/out/x.iso")" = old ]
	[ "$(ls "$BATS_TEST_TMPDIR/out")" = x.iso ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/tmp")" ]
}

@test "interrupted while grub-mkrescue runs: it is stopped, no ISO and no temporary files are left" {
	need_iso_tools
	local bin=$BATS_TEST_TMPDIR/bin d=$BATS_TEST_TMPDIR
	mkdir "$bin" "$d/tmp" "$d/out"
	ln -s "$(command -v xorriso)" "$(command -v mformat)" "$bin/"
	printf '#!/bin/sh\nexec sleep 60\n' >"$bin/grub-mkrescue"
	chmod +x "$bin/grub-mkrescue"
	PATH=$bin:$PATH TMPDIR=$d/tmp "$MK" --iso="$d/out/x.iso" "$KERNEL" 2>"$d/err" 3>&- &
	local pid=$! st=0
	for _ in $(seq 100); do ls "$d"/tmp/*/grub-mkrescue.log >/dev/null 2>&1 && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid" || st=$?
	cat "$d/err"
	[ "$st" -eq 1 ]
	[[ $(cat "$d/err") == *"interrupted (signal 15): no ISO written" ]]
	[ -z "$(ls -A "$d/out")" ]
	[ -z "$(ls -A "$d/tmp")" ]
}

@test "--iso command-line errors: --bios-only or -- ARGS alone, manifest options, words GRUB cannot carry" {
	run "$MK" --bios-only "$KERNEL"
	[ "$status" -eq 2 ] && [[ $output == *"--bios-only goes with --iso=OUT.iso"* ]]
	run "$MK" "$KERNEL" -- a
	[ "$status" -eq 2 ] && [[ $output == *"-- ARGS goes with --iso=OUT.iso"* ]]
	run "$MK" --iso="$BATS_TEST_TMPDIR/o.iso" --mem=1M "$KERNEL"
	[ "$status" -eq 2 ] && [[ $output == *"--iso changes no manifest"* ]]
	run "$MK" --iso="$BATS_TEST_TMPDIR/o.iso" "$KERNEL" -- a ''
	[ "$status" -eq 2 ] && [[ $output == *"argument 2 is empty"* ]]
	run "$MK" --iso="$BATS_TEST_TMPDIR/o.iso" "$KERNEL" -- $'two\nlines'
	[ "$status" -eq 2 ] && [[ $output == *"argument 1 has a control character (0x0a)"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/o.iso" ]
}

@test "tincan-run refuses an ISO and a pc image, each with one line saying what to do" {
	[ -x "$B/bin/tincan-run" ] || skip "no tincan-run (PLATFORM=kvm builds it)"
	need_iso_tools
	iso bios
	run "$B/bin/tincan-run" "$iso"
	echo "$output"
	[ "${#lines[@]}" -eq 1 ] && [ "$status" -eq 103 ]
	[[ $output == *"bios.iso is a bootable ISO: boot it with qemu-system-x86_64 -cdrom "* ]]
	run "$B/bin/tincan-run" "$KERNEL"
	echo "$output"
	[ "${#lines[@]}" -eq 1 ] && [ "$status" -eq 103 ]
	[[ $output == *"pc_mb2.elf was linked for the pc platform: make it a bootable ISO with tincan-mkimage --iso"* ]]
}
