# The socket layer inside a guest, over lwIP's loopback (tests/guests/sockets.c).
load helpers

setup() { need_platform; }

@test "sockets inside the guest (TAP from the guest)" {
	boot --mem=16M "$B/tests/sockets.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "an app that does not use sockets links no network stack" {
	run nm "$B/apps/hello.tc"
	[ "$status" -eq 0 ]
	! [[ $output == *" tcp_input"* ]]
	run nm "$B/apps/tcpecho.tc"
	[[ $output == *" tcp_input"* ]]
}
