# The shared test helpers themselves (tests/helpers.bash): the bounded
# waits, the background processes' start and reaping, and the network
# namespace set-up and clean-up the network tests build on.
load helpers

teardown() {
	bg_reap
	[ -z "${NS:-}" ] || netns_del "$NS" "$NS2"
}

@test "wait_until: true once its command is, false after its time" {
	touch "$BATS_TEST_TMPDIR/later"
	(sleep 0.3 && rm "$BATS_TEST_TMPDIR/later") &
	wait_until 10 test ! -e "$BATS_TEST_TMPDIR/later"
	run wait_until 1 test -e "$BATS_TEST_TMPDIR/never"
	[ "$status" -eq 1 ]
}

@test "wait_for_line: a matching line; none is a failure that shows the file" {
	f=$BATS_TEST_TMPDIR/out
	(sleep 0.3 && printf 'one\nready 2\n' > "$f") &
	wait_for_line "$f" '^ready [0-9]$' 10
	run wait_for_line "$f" '^gone' 1
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "no line like '^gone' in $f (after 1 s):" ]
	[ "${lines[2]}" = "ready 2" ]
	# Its process ended without the line: a failure, without waiting out the time.
	sleep 0.1 &
	run wait_for_line "$f" '^gone' 600 $!
	[ "$status" -eq 1 ]
	[[ ${lines[0]} == *", or pid $! ended):" ]]
}

@test "bg_start and bg_reap: output to a file, pids kept, the running ones ended" {
	bg_start "$BATS_TEST_TMPDIR/o" sh -c 'echo out; echo err >&2; exec sleep 60'
	p1=$BG_PID
	bg_start "$BATS_TEST_TMPDIR/o2" true
	p2=$BG_PID
	wait $p2
	[ "${BG_PIDS[*]}" = "$p1 $p2" ]
	wait_for_line "$BATS_TEST_TMPDIR/o" err 10
	grep -qx out "$BATS_TEST_TMPDIR/o"
	kill -0 $p1
	bg_reap
	! kill -0 $p1 2> /dev/null
	[ "${#BG_PIDS[@]}" -eq 0 ]
}

@test "co_start: a line printed just before the end is still read, and the status waited for" {
	co_start sh -c 'read -r x && echo "got $x" && exit 7'
	p=$CO_PID
	echo hi >&"$CO_W"
	sleep 0.5 # it has ended: a coproc's fds and pid would be gone by now
	read -r -t 10 out <&"$CO_R"
	[ "$out" = "got hi" ]
	st=0
	wait "$CO_PID" || st=$?
	[ "$st" -eq 7 ]
	[ "${BG_PIDS[*]}" = "$p" ]
}

@test "netns_*: taps (up, down, without IPv6), addresses, neighbours forgotten, veths across namespaces, a bridge; netns_del ends what runs inside" {
	need_netns
	NS=tincan-h$$ NS2=tincan-h$$b
	netns_add "$NS" "$NS2"
	need_netns "$NS" "$NS2"
	netns_tap "$NS" t0 10.91.0.1/24 fd00:91::1/64
	netns_tap --no-ipv6 "$NS" t1 10.92.0.1/24
	netns_tap --down "$NS" t2
	netns_veth "$NS" v0 v1 "$NS2"
	netns_veth "$NS" v2 v3
	netns_bridge "$NS" br0 v2 t2
	netns_addr "$NS" lo 10.93.0.5/32
	nsrun ip -o addr show
	echo "$output"
	[[ $output == *"t0    inet 10.91.0.1/24"* ]]
	[[ $output == *"t0    inet6 fd00:91::1/64 scope global nodad"* ]]
	[[ $output == *"t1    inet 10.92.0.1/24"* ]]
	[[ $output == *"lo    inet 10.93.0.5/32"* ]]
	[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv6/conf/t1/disable_ipv6)" = 1 ]
	[ "$(ip netns exec "$NS" cat /proc/sys/net/ipv6/conf/t0/disable_ipv6)" = 0 ]
	ip -n "$NS" link show t0 | grep -q '[<,]UP[,>]'
	! ip -n "$NS" link show t2 | grep -q '[<,]UP[,>]'
	ip -n "$NS" -d link show t0 | grep -q tun
	ip -n "$NS2" link show v1 | grep -q '[<,]UP[,>]'
	ip -n "$NS" link show v3 | grep -q '[<,]UP[,>]'
	[ "$(ip -n "$NS" -o link show master br0 | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort | tr '\n' ' ')" = "t2 v2 " ]
	# netns_fresh forgets learnt neighbours (a guest's old MAC).
	ip -n "$NS" neigh add 10.91.0.9 lladdr 02:00:00:00:00:09 dev t0 nud reachable
	ip -n "$NS" neigh add 10.92.0.9 lladdr 02:00:00:00:00:0a dev t1 nud stale
	[ "$(ip -n "$NS" neigh show | wc -l)" -eq 2 ]
	netns_fresh "$NS" "$NS2"
	[ -z "$(ip -n "$NS" neigh show)" ]
	# Not twice; a bad address is a failure.
	! netns_tap "$NS" t0 2> /dev/null
	! netns_addr "$NS" t1 10.94.0.300/24 2> /dev/null
	ip netns exec "$NS" sleep 60 &
	p=$!
	wait_until 5 test -n "$(ip netns pids "$NS")"
	netns_del "$NS" "$NS2"
	wait $p || true
	! kill -0 $p 2> /dev/null
	! ip netns list | grep -q "^tincan-h$$"
}
