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
	co_start timeout 20 "$RUN" "$THREADS" stdin
	read -r -t 10 one <&"$CO_R"
	read -r -t 10 two <&"$CO_R"
	[ "$one $two" = "tick tick" ]
	echo hello >&"$CO_W"
	rest=$(timeout 10 cat <&"$CO_R")
	[[ $rest == *"got hello"* ]]
	wait "$CO_PID"
}

@test "a deadlock ends the guest with a message instead of hanging" {
	boot "$THREADS" deadlock
	[ "$status" -eq 100 ]
	first_line_has "deadlock: every thread is blocked"
}

@test "a thread that overflows its stack faults at once on the guard page below it" {
	[ "$PLATFORM" = kvm ] || skip "guard pages for thread stacks are kvm's (tincan-run's TC_HC_GUARD)"
	boot "$THREADS" stack
	echo "$output"
	[ "$status" -eq 101 ]
	first_line_has "stack overflow: hit a thread stack's guard page"
	first_line_has "in deep+0x"
}

@test "a thread stack's guard page holds on memory just used and freed (cached translations dropped)" {
	[ "$PLATFORM" = kvm ] || skip "guard pages for thread stacks are kvm's (tincan-run's TC_HC_GUARD)"
	for mem in "" --mem-max=0; do
		boot $mem --mem=32M "$THREADS" stack-touched
		echo "$output"
		[ "$status" -eq 101 ]
		read -r _ lo hi <<<"${lines[0]}"
		at=$(sed -n 's/.*guard page at \(0x[0-9a-f]*\).*/\1/p' <<<"${lines[1]}")
		[ -n "$at" ] && ((at >= lo && at < hi))
	done
}

@test "a thread stack without a guard page (none left) is still caught at its next switch" {
	boot --mem=64M "$THREADS" stack-many
	echo "$output"
	[ "$status" -eq 100 ]
	first_line_has "thread stack overflow (a thread used more than its stack size)"
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
