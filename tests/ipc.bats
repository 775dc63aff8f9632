# Pipes and eventfd inside one guest (tests/guests/ipc.c).
load helpers
IPC=$B/tests/ipc.tc

setup() { need_platform; }

@test "pipes and eventfd inside the guest (TAP from the guest)" {
	boot --mem=32M "$IPC"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "the only thread reading an empty pipe it could write is a deadlock, not a hang" {
	boot "$IPC" deadlock
	[ "$status" -eq 100 ]
	first_line_has "deadlock: every thread is blocked"
	! [[ $output == *"read returned"* ]]
}
