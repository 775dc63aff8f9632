# Signals inside one guest (tests/guests/signals.c).
load helpers
SIG=$B/tests/signals.tc

setup() { need_platform; }

@test "sigaction, masks, sigsetjmp, timers, EINTR, SIGPIPE (TAP from the guest)" {
	boot "$SIG"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "SIGPIPE's default action ends the guest with status 141" {
	boot "$SIG" pipe
	echo "$output"
	[ "$status" -eq 141 ]
	[[ $output == *"killed by signal 13 (SIGPIPE)"* ]]
	! [[ $output == *"write returned"* ]]
}

@test "alarm() wakes a guest that only pauses: SIGALRM's default action, status 142" {
	boot "$SIG" alarm
	echo "$output"
	[ "$status" -eq 142 ]
	[[ $output == *"killed by signal 14 (SIGALRM)"* ]]
	! [[ $output == *"pause returned"* ]]
}

@test "<signal.h> and <setjmp.h> with sigjmp_buf are clean under -std=c89 -pedantic and -ansi" {
	printf '#include <signal.h>\n#include <setjmp.h>\nint main(void) { return 0; }\n' > "$BATS_TEST_TMPDIR/a.c"
	printf '#define _POSIX_C_SOURCE 200809L\n#include <signal.h>\n#include <setjmp.h>\nstatic sigjmp_buf j;\nint main(void) { struct sigaction a; siginfo_t si; a.sa_flags = SA_SIGINFO | SA_RESTART; si.si_pid = 0; if (sigsetjmp(j, 1)) return a.sa_flags + si.si_pid; siglongjmp(j, 1); }\n' > "$BATS_TEST_TMPDIR/b.c"
	for std in -std=c89 -ansi; do
		"$B/bin/tincan-cc" $std -pedantic -Wall -Wextra -Werror -c "$BATS_TEST_TMPDIR/a.c" -o "$BATS_TEST_TMPDIR/a.o"
		"$B/bin/tincan-cc" $std -pedantic -Wall -Wextra -Werror -c "$BATS_TEST_TMPDIR/b.c" -o "$BATS_TEST_TMPDIR/b.o"
	done
}

# Start the guest in the background, wait for its "waiting", send the
# monitor signal $1; the exit status in $status, output in $output.
signal_guest() {
	local sig=$1 out=$BATS_TEST_TMPDIR/out
	shift
	$(boot_cmd) "$SIG" "$@" < "${STDIN:-/dev/null}" > "$out" 2>&1 &
	local pid=$! i
	for i in $(seq 400); do
		grep -q waiting "$out" && break
		sleep 0.05
	done
	T0=$(date +%s%N)
	kill -"$sig" "$pid"
	status=0
	wait "$pid" || status=$?
	T1=$(date +%s%N)
	output=$(cat "$out")
	echo "$output"
}

@test "host SIGTERM: the guest's handler runs and the guest exits as it likes" {
	signal_guest TERM term
	[ "$status" -eq 3 ]
	[[ $output == *"handler ran for signal 15"* ]]
}

@test "host SIGTERM without a handler: the default action, status 143, at once" {
	signal_guest TERM wait
	[ "$status" -eq 143 ]
	[[ $output == *"killed by signal 15 (SIGTERM)"* ]]
	! [[ $output == *"sleep returned"* ]]
	[ $(((T1 - T0) / 1000000)) -lt 2000 ]
}

@test "host SIGINT without a handler: status 130" {
	signal_guest INT term
	[ "$status" -eq 130 ]
	[[ $output == *"killed by signal 2 (SIGINT)"* ]]
}

@test "a guest that ignores SIGTERM is ended by the monitor after 5 s, status 143" {
	signal_guest TERM ignore
	[ "$status" -eq 143 ]
	[[ $output == *"did not stop within 5 s of SIGTERM"* ]]
	[ $(((T1 - T0) / 1000000)) -ge 4900 ]
}

@test "a guest computing without waiting again is ended by the monitor after 5 s" {
	signal_guest TERM spin
	[ "$status" -eq 143 ]
	[[ $output == *"did not stop within 5 s of SIGTERM"* ]]
	[ $(((T1 - T0) / 1000000)) -ge 4900 ]
}

# A stdin that stays open and empty: a fifo this shell holds open.
open_stdin() {
	STDIN=$BATS_TEST_TMPDIR/fifo
	mkfifo "$STDIN"
	exec {STDIN_FD}<>"$STDIN"
}

@test "host SIGTERM reaches a monitor blocked reading stdin for the guest" {
	open_stdin
	signal_guest TERM stdin
	exec {STDIN_FD}>&-
	[ "$status" -eq 143 ]
	[ $(((T1 - T0) / 1000000)) -lt 2000 ]
}

@test "an alarm interrupts a read of stdin: EINTR after the handler" {
	open_stdin
	run timeout 20 $(boot_cmd) "$SIG" stdin-alarm < "$STDIN"
	exec {STDIN_FD}>&-
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"read -1 EINTR, 1 handler runs"* ]]
}
