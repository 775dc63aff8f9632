# libos in real guests built with tincan-cc (tests/guests/libc.c).
load helpers
LIBC=$B/tests/libc.tc

setup() { need_platform; }

@test "libos checks inside the guest (TAP from the guest)" {
	boot --env=TINCAN_TEST=yes --mem-max=0 "$LIBC" tap "two words"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "poll and the VFS are in libos, linked only by apps that use them" {
	# libc.tc calls poll() and open() but no socket call: no lwIP.
	nm "$LIBC" | grep -qw poll
	nm "$LIBC" | grep -qw vfs_mount
	! nm "$LIBC" | grep -qw tcp_input
	# hello names no file and polls nothing.
	! nm "$B/apps/hello.tc" | grep -qw -e poll -e open -e vfs_mount -e fd_activity
}

@test "main's return value is the exit status; atexit runs; stdio is flushed" {
	boot "$LIBC" atexit
	[ "$status" -eq 3 ]
	[ "$output" = "main returns 3 (no newline, still flushed)atexit handler ran" ]
	boot "$LIBC" exit 7
	[ "$status" -eq 7 ]
	[ "$output" = "buffered" ]
}

@test "destructors run at exit" {
	boot --env=TINCAN_DTOR=1 "$LIBC" exit 0
	[ "$status" -eq 0 ]
	[ "$output" = "buffereddestructor ran" ]
}

@test "stdio on stdin and stdout in a pipeline" {
	run sh -c "seq 1 50000 | timeout 20 '$RUN' '$LIBC' cat 2>/dev/null | sha256sum"
	[ "$output" = "$(seq 1 50000 | sha256sum)" ]
	run sh -c "seq 1 50000 | timeout 20 '$RUN' '$LIBC' cat 2>&1 >/dev/null"
	[ "$output" = "50000 lines" ]
}

# Issue 12 item 5: stdin is read ahead (64 KiB a call), not a stdio
# buffer's worth (1 KiB) per exit to the monitor.
@test "8 MB of stdin from a file through stdio costs ~130 exits, not one per KiB" {
	[ "$PLATFORM" = kvm ] || skip "exits are counted by tincan-run"
	head -c 8000000 /dev/zero | tr '\0' x > "$BATS_TEST_TMPDIR/in"
	run sh -c "timeout 20 '$RUN' --stats '$LIBC' count < '$BATS_TEST_TMPDIR/in' 2>&1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "8000000 bytes" ]
	exits=$(echo "$output" | sed -n 's/.*stats: \([0-9]*\) KVM exits.*/\1/p')
	[ "$exits" -gt 0 ] && [ "$exits" -lt 400 ]
}

@test "abort() ends the guest with status 100 and a symbolized backtrace" {
	boot "$LIBC" abort
	[ "$status" -eq 100 ]
	first_line_has "guest panic: abort() called"
	[[ $output == *" abort+0x"* ]]
	[[ $output == *" main"* ]]
}

@test "panic() formats its message without allocating, with a backtrace" {
	boot "$LIBC" panic
	[ "$status" -eq 100 ]
	first_line_has "guest panic: inner gave up with 42 and a string (7, -8)"
	[[ $output == *"inner_panic"* ]]
	[[ $output == *"libos_main+0x"* ]]
}

@test "a signal with no handler ends the guest with status 128+signal" {
	boot "$LIBC" raise
	[ "$status" -eq 143 ]
	[[ ${lines[0]} == *"killed by signal 15 (SIGTERM)"* ]]
}

@test "a stack overflow in a libc program hits the guard page" {
	boot "$LIBC" overflow
	[ "$status" -eq 101 ]
	first_line_has "stack overflow: hit the guard page"
	[[ $output == *"more times"* ]]
}

@test "a null pointer dereference (address 0 itself)" {
	boot "$LIBC" null
	[ "$status" -eq 101 ]
	first_line_has "null pointer dereference at 0x0"
}

@test "writing to a closed stdout fails in the guest, not the monitor" {
	boot "$LIBC" closed
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "the small-allocation cache: reuse, calloc zeroing, realloc, no overlap (TAP from the guest)" {
	need_platform
	boot "$B/tests/mcache.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "memcmp, memmove and strlen a word at a time: every length and alignment (TAP from the guest)" {
	need_platform
	boot "$B/tests/strings.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "strlen, strcspn, strspn: strings that end at the last byte before an unmapped page do not fault" {
	need_kvm # fixed guest memory (--mem-max=0): the heap ends at the stack's guard page
	run timeout 20 "$RUN" --mem-max=0 "$B/tests/strings.tc" edge
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "1..2" ]
	! [[ $output == *"not ok"* ]]
}
