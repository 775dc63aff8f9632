# AF_UNIX sockets and epoll inside one guest (tests/guests/unixsock.c, epoll.c).
load helpers

setup() { need_platform; }

@test "AF_UNIX stream, datagram and seqpacket sockets inside the guest (TAP from the guest)" {
	boot --mem=64M "$B/tests/unixsock.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}

@test "an app that only uses AF_UNIX links no network stack" {
	! nm "$B/tests/unixsock.tc" | grep -q -e lwip_init -e __tincan_net_start
	nm "$B/tests/epoll.tc" | grep -q lwip_init
}

@test "epoll over pipes, eventfd, AF_UNIX and TCP sockets (TAP from the guest)" {
	boot --mem=32M "$B/tests/epoll.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
}
