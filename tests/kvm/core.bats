# --core and --core-max (platforms/kvm/monitor/debug/coredump.c): an ELF
# core of a guest that faults or panics (tests/guests/crash.c), opened by
# Debian's gdb in batch mode; no core and no temporary file on other ends.
load ../helpers

CRASH=$B/tests/crash.tc

setup() {
	need_kvm
	D=$BATS_TEST_TMPDIR/cores
	mkdir -p "$D"
	# As root the jail runs as the directory's owner, or nobody for root's.
	if [ "$(id -u)" -eq 0 ]; then
		chmod 755 "$BATS_TEST_TMPDIR"
		chown 65534:65534 "$D"
	fi
}

need_gdb() {
	command -v gdb > /dev/null || skip "gdb is not installed (Debian: gdb)"
}

# gdb in batch mode on the crash image and core $1, then commands.
gdb_core() {
	local core=$1 a=()
	shift
	for c in "$@"; do a+=(-ex "$c"); done
	run timeout 60 gdb -nx -batch "${a[@]}" "$CRASH" "$core"
	echo "$output"
}

@test "core: a NULL dereference gives a core gdb opens at the faulting frame, with its argument and local" {
	need_gdb
	boot --core="$D/c" "$CRASH" fault 7
	echo "$output"
	[ "$status" -eq 101 ]
	[[ $output == *"guest fault: null pointer dereference at 0x0, rip 0x"*" in crash_here+"* ]]
	[[ $output == *"tincan-run: core: $D/c, "*" KiB in "*" ms"* ]]
	local rip
	rip=$(grep -o 'null pointer dereference at 0x0, rip 0x[0-9a-f]*' <<< "$output" | sed 's/.* rip //')
	[ -s "$D/c" ]
	[ "$(ls -A "$D")" = c ]
	gdb_core "$D/c" bt 'info registers rip' 'print local' 'print crash_global' 'frame 1' 'print n'
	[[ $output == *"Program terminated with signal SIGSEGV"* ]]
	[[ $output == *"#0  $(printf '0x%016x' "$rip") in crash_here (arg=7) at tests/guests/crash.c:"* ]]
	[[ $output == *"#1  0x"*" in main (argc=3, argv=0x"* ]]
	grep -Eq "^rip +$rip +$rip <crash_here\+[0-9]+>$" <<< "$output"
	[[ $output == *'$1 = 22'* ]]
	[[ $output == *'$2 = "a global in the core"'* ]]
	[[ $output == *'$3 = 7'* ]]
	[[ $output != *"too small"* && $output != *"Cannot access memory"* ]]
}

@test "core: abort() gives a SIGABRT core with the panic's frames" {
	need_gdb
	boot --core="$D/" "$CRASH" abort
	echo "$output"
	[ "$status" -eq 100 ]
	local f=("$D"/core.crash.tc.*)
	[ "${#f[@]}" -eq 1 ] && [ -s "${f[0]}" ]
	[[ $output == *"tincan-run: core: ${f[0]}, "* ]]
	gdb_core "${f[0]}" bt
	[[ $output == *"Program terminated with signal SIGABRT"* ]]
	[[ $output == *" in abort ()"* ]]
	[[ $output == *" in main (argc=2, argv=0x"*"crash.c:"* ]]
}

@test "core: a guest that breaks the ABI (an unknown hypercall) gets a SIGSYS core with the reason" {
	need_gdb
	boot --core="$D/c" "$TINY" unknown-hypercall
	[ "$status" -eq 102 ]
	first_line_has "unknown hypercall 77"
	strings "$D/c" | grep -q "^guest made unknown hypercall 77$"
	run timeout 60 gdb -nx -batch -ex 'info registers rip' "$TINY" "$D/c"
	echo "$output"
	[[ $output == *"Program terminated with signal SIGSYS"* ]]
	grep -Eq "^rip +0x[0-9a-f]+ " <<< "$output"
}

@test "core: readelf sees the notes (registers, name, manifest, reason) and the memory segments" {
	boot --core="$D/c" "$CRASH" fault 3
	[ "$status" -eq 101 ]
	run readelf -W -h -n -l "$D/c"
	echo "$output"
	[[ $output == *"Type:"*"CORE (Core file)"* ]]
	[[ $output == *"Machine:"*"Advanced Micro Devices X86-64"* ]]
	grep -Eq '^ +NOTE +0x' <<< "$output"
	[ "$(grep -Ec '^ +LOAD +0x' <<< "$output")" -ge 3 ]
	grep -Eq '^ +CORE +0x00000150.*NT_PRSTATUS' <<< "$output"
	grep -Eq '^ +CORE +0x00000088.*NT_PRPSINFO' <<< "$output"
	grep -Eq '^ +TINCAN .*0x54430001' <<< "$output"
	grep -Eq '^ +TINCAN .*0x54430002' <<< "$output"
	# The manifest's magic, and the fault line as the reason.
	[[ $output == *"description data: 54 43 4d 46 "* ]]
	strings "$D/c" | grep -q "^guest fault: null pointer dereference at 0x0, rip 0x"
	# Nothing left out, so no such note.
	! grep -q 0x54430003 <<< "$output"
}

@test "core: no core and no temporary file after a clean exit, --timeout, or SIGTERM" {
	boot --core="$D/c" "$CRASH" exit
	[ "$status" -eq 0 ]
	boot --core="$D/" --timeout=300ms "$CRASH" spin
	[ "$status" -eq 106 ]
	run timeout -s TERM 1 "$RUN" --core="$D/" "$CRASH" spin
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$D")" ]
}

@test "core: --core-max caps the file (the stack kept, the rest left out), and gdb still opens it" {
	need_gdb
	boot --mem=64M --core="$D/c" --core-max=2M "$CRASH" fill 16
	echo "$output"
	[ "$status" -eq 101 ]
	[[ $output == *"tincan-run: core: $D/c, 2048 KiB in "*" ms; --core-max left out "*" KiB of guest memory"* ]]
	[ "$(stat -c %s "$D/c")" -le $((2 << 20)) ]
	run readelf -W -n "$D/c"
	grep -Eq '^ +TINCAN .*0x54430003' <<< "$output"
	gdb_core "$D/c" bt 'print local'
	[[ $output == *"#0  0x"*" in crash_here (arg=90) at tests/guests/crash.c:"* ]]
	[[ $output == *'$1 = 271'* ]]
	# Uncapped, the 16 MiB written are there; zero pages are not.
	boot --mem=64M --core="$D/u" "$CRASH" fill 16
	local size
	size=$(stat -c %s "$D/u")
	[ "$size" -gt $((16 << 20)) ] && [ "$size" -lt $((24 << 20)) ]
}

@test "core: bad values are one-line errors before the guest runs" {
	boot --core-max=abc --core="$D/c" "$CRASH" fault
	[ "$status" -eq 104 ] && [ "${#lines[@]}" -eq 1 ]
	[[ $output == "tincan-run: --core-max: a size of at least 1M (like 64M, 2G): abc (try tincan-run --help)" ]]
	boot --core-max=4K --core="$D/c" "$CRASH" fault
	[ "$status" -eq 104 ] && [ "${#lines[@]}" -eq 1 ]
	boot --core-max=64M "$CRASH" fault
	[ "$status" -eq 104 ] && [ "${#lines[@]}" -eq 1 ]
	[[ $output == "tincan-run: --core-max needs --core"* ]]
	boot --core= "$CRASH" fault
	[ "$status" -eq 104 ] && [ "${#lines[@]}" -eq 1 ]
	boot --core="$D/missing/c" "$CRASH" fault
	[ "$status" -eq 105 ] && [ "${#lines[@]}" -eq 1 ]
	[[ $output == "tincan-run: --core: cannot open the directory $D/missing: No such file or directory" ]]
	boot --core=/proc/ "$CRASH" fault
	echo "$output"
	[ "$status" -eq 105 ] && [ "${#lines[@]}" -eq 1 ]
	[[ $output == "tincan-run: --core: cannot create a file in /proc/ as uid "* ]]
	[ -z "$(ls -A "$D")" ]
}

@test "core: a file that exists is never replaced" {
	echo keep > "$D/c"
	boot --core="$D/c" "$CRASH" fault
	[ "$status" -eq 105 ] && [ "${#lines[@]}" -eq 1 ]
	[[ $output == "tincan-run: --core: $D/c exists: a core never replaces a file (remove it, or give a directory)" ]]
	[ "$(cat "$D/c")" = keep ] && [ "$(ls -A "$D")" = c ]
}

@test "core: a write that fails (file size limit, as a full disk) is one line; the run keeps the fault's status" {
	run bash -c "ulimit -f 64; timeout 20 '$RUN' --core='$D/c' '$CRASH' fill 4 2>&1"
	echo "$output"
	[ "$status" -eq 101 ]
	[[ $output == *"tincan-run: core: cannot write $D/c: File too large (no core)"* ]]
	[ -z "$(ls -A "$D")" ]
}

@test "core: as root, the jail's user writes it: the directory's owner, never root, or --user (refused if it cannot)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root (the jail changes users only as root)"
	chown 65534:65534 "$D"
	boot --core="$D/" "$CRASH" fault
	[ "$status" -eq 101 ]
	local f=("$D"/core.crash.tc.*)
	[ "$(stat -c %u "${f[0]}")" -eq 65534 ]
	rm -f "${f[@]}"
	chown 0:0 "$D"
	boot --user=65534 --core="$D/" "$CRASH" fault
	[ "$status" -eq 105 ] && [ "${#lines[@]}" -eq 1 ]
	[[ $output == "tincan-run: --core: cannot create a file in $D/ as uid 65534: Permission denied (started as root, the monitor runs as the directory's owner, nobody for root's, unless --user)" ]]
	[ -z "$(ls -A "$D")" ]
	# A directory of root's does not make the monitor root: it runs as nobody, refused.
	boot --core="$D/" "$CRASH" fault
	[ "$status" -eq 105 ]
	[[ $output == *"as uid 65534: Permission denied"* ]]
	boot --user=0 --core="$D/" "$CRASH" fault
	[ "$status" -eq 101 ]
	f=("$D"/core.crash.tc.*)
	[ "$(stat -c %u "${f[0]}")" -eq 0 ]
}

@test "core: a temporary file a killed run left is taken over; one a running monitor holds is not" {
	: > "$D/.c.tmp"
	boot --core="$D/c" "$CRASH" fault
	[ "$status" -eq 101 ]
	[ -f "$D/c" ] && [ ! -e "$D/.c.tmp" ]
	rm -f "$D/c"
	"$RUN" --core="$D/c" "$CRASH" spin 2> /dev/null &
	local pid=$! i
	for i in $(seq 100); do [ -e "$D/.c.tmp" ] && break; sleep 0.05; done
	boot --core="$D/c" "$CRASH" fault
	kill "$pid"
	wait "$pid" || true
	[ "$status" -eq 105 ]
	[[ $output == "tincan-run: --core: $D/c's temporary file .c.tmp is in use: another run writes that core" ]]
}

@test "core: --stats after a core still counts only the memory the guest touched as resident" {
	boot --mem=512M --stats --core="$D/" "$CRASH" fault
	echo "$output"
	[ "$status" -eq 101 ]
	local kib
	kib=$(sed -n 's/^tincan-run: stats: memory: [0-9]* KiB backed, \([0-9]*\) KiB resident.*/\1/p' <<< "$output")
	[ -n "$kib" ] && [ "$kib" -lt 65536 ]
}
