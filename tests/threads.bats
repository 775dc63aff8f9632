# Cooperative threads and pthreads in real guests (tests/guests/threads.c).
load helpers
THREADS=$B/tests/threads.tc

setup() { need_platform; }

@test "pthreads inside the guest (TAP from the guest)" {
	boot --mem=16M --mem-max=0 "$THREADS"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "a thread blocked reading stdin does not stop the others" {
	run bash -c "(sleep 0.3; echo hello) | timeout 20 '$RUN' '$THREADS' stdin"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "tick" ]
	[[ $output == *"tick"*"tick"*"got hello"* ]]
}

@test "a deadlock ends the guest with a message instead of hanging" {
	boot "$THREADS" deadlock
	[ "$status" -eq 100 ]
	first_line_has "deadlock: every thread is blocked"
}

@test "a thread that overflows its stack is caught at its next switch" {
	boot "$THREADS" stack
	[ "$status" -eq 100 ]
	first_line_has "thread stack overflow"
}

@test "pthread_exit from main: the guest ends when the last thread does" {
	boot "$THREADS" main-exit
	[ "$status" -eq 0 ]
	[ "$output" = "main leaves" ]
}

@test "pthread_cancel at cancellation points, cleanup handlers, cancel state and type (TAP from the guest)" {
	need_platform
	boot "$B/tests/cancel.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}
