# tincan-oci driven directly, as a container engine's shim drives runc, with
# no engine: tests/tools/ocishim.py is the subreaper that creates, starts and
# reaps.  tests/oci.bats runs it under containerd.  Every test has its own
# --root, bundles, cgroup path and network namespaces, and removes them.
load ../helpers

OCI=$B/bin/tincan-oci
SHIM=$TESTS/tools/ocishim.py

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "tincan-oci tests need root (namespaces, cgroups)"
	command -v jq >/dev/null || skip "jq is not installed"
	command -v python3 >/dev/null || skip "python3 is not installed"
	[ -x "$OCI" ] || skip "$OCI is not built"
	ROOT=$BATS_TEST_TMPDIR/root
	CG=tincan-oci-test-$$-$BATS_TEST_NUMBER
	IDS=()
	NSS=()
	SHIMS=()
}

teardown() {
	for p in "${SHIMS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for id in "${IDS[@]}"; do
		"$OCI" --root "$ROOT" delete --force "$id" 2>/dev/null || true
	done
	for p in "${SHIMS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for ns in "${NSS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/*/"$CG"/*; do
		[ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null || true
	done
}

# bundle NAME IMAGE ARGS-JSON [JQ-FILTER]: a bundle whose rootfs holds IMAGE
# as /tincan.tc; its config.json runs ARGS-JSON, then JQ-FILTER edits it.
bundle() {
	local dir=$BATS_TEST_TMPDIR/$1
	mkdir -p "$dir/rootfs"
	[ -z "$2" ] || cp "$2" "$dir/rootfs/tincan.tc"
	jq -n --argjson args "$3" --arg cg "/$CG/$1" '{
		ociVersion: "1.0.2",
		process: {terminal: false, user: {uid: 0, gid: 0}, args: $args, env: ["PATH=/bin"], cwd: "/"},
		root: {path: "rootfs", readonly: true},
		hostname: "tincan",
		mounts: [{destination: "/proc", type: "proc", source: "proc"}],
		linux: {namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}],
			cgroupsPath: $cg}
	}' | if [ $# -gt 3 ]; then jq "${@:4}"; else jq .; fi >"$dir/config.json"
	echo "$dir"
}

oci() { "$OCI" --root "$ROOT" --log "$BATS_TEST_TMPDIR/log.json" --log-format json "$@"; }

# The last error create (or another command) logged.
last_error() { jq -r 'select(.level == "error") | .msg' "$BATS_TEST_TMPDIR/log.json" | tail -1; }

# shim_bg BUNDLE ID: the mini shim in the background; output in BUNDLE/out.
shim_bg() {
	IDS+=("$2")
	timeout 60 python3 "$SHIM" "$OCI" "$ROOT" "$1" "$2" "$1/status" >"$1/out" 2>&1 &
	SHIMS+=($!)
}

# wait_status ID STATUS: until `state ID` says STATUS (5 s at most).
wait_status() {
	local i s
	for i in $(seq 100); do
		s=$(oci state "$1" 2>/dev/null | jq -r .status) || true
		[ "$s" = "$2" ] && return 0
		sleep 0.05
	done
	echo "state of $1: $s, wanted $2"
	return 1
}

# wait_file FILE: until it exists and is not empty (20 s at most).
wait_file() {
	local i
	for i in $(seq 400); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "$1 never appeared"
	return 1
}

@test "hello boots through create and start: its arguments reach the guest, its exit status the shim" {
	b=$(bundle hello "$B/apps/hello.tc" '["/tincan.tc", "one", "two words"]')
	IDS+=(h1)
	run timeout 30 python3 "$SHIM" "$OCI" "$ROOT" "$b" h1 "$b/status"
	[ "$status" -eq 0 ]
	[[ $output == *"Hello from tincan!"* ]]
	[[ $output == *'argv[1] = "one"'* ]]
	[[ $output == *'argv[2] = "two words"'* ]]
	[[ $output != *'argv[3]'* ]]
	[ "$(cat "$b/status")" = "exit 0" ]

	b=$(bundle seven "$TINY" '["/tincan.tc", "exit", "7"]')
	IDS+=(s7)
	run timeout 30 python3 "$SHIM" "$OCI" "$ROOT" "$b" s7 "$b/status"
	[ "$status" -eq 7 ]
	[ "$(cat "$b/status")" = "exit 7" ]
	run oci state s7
	[ "$(jq -r .status <<<"$output")" = stopped ]
	[ "$(jq -r .pid <<<"$output")" = 0 ]
	oci delete s7
	[ ! -e "$ROOT/s7" ]
}

@test "state goes created, running, paused, running, stopped; delete removes the state and the cgroup" {
	b=$(bundle life "$TINY" '["/tincan.tc", "sleep", "30000"]')
	IDS+=(l1)
	oci create --bundle "$b" --pid-file "$b/pid" l1
	run oci state l1
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .pid <<<"$output")" = "$(cat "$b/pid")" ]
	[ "$(jq -r .bundle <<<"$output")" = "$b" ]
	[ "$(jq -r .rootfs <<<"$output")" = "$b/rootfs" ]
	pid=$(cat "$b/pid")
	grep -q "/$CG/life\$" /proc/"$pid"/cgroup
	[ -d /sys/fs/cgroup/memory/"$CG"/life ] || [ -d /sys/fs/cgroup/"$CG"/life ]
	# a created container is deleted without --force (its init is killed)
	oci delete l1
	[ ! -e "$ROOT/l1" ]
	[ ! -d /sys/fs/cgroup/memory/"$CG"/life ] && [ ! -d /sys/fs/cgroup/"$CG"/life ]
	for i in $(seq 100); do [ -e /proc/"$pid" ] && [ "$(awk '{print $3}' /proc/"$pid"/stat)" != Z ] || break; sleep 0.05; done
	[ ! -e /proc/"$pid" ] || [ "$(awk '{print $3}' /proc/"$pid"/stat)" = Z ]

	shim_bg "$b" l2
	wait_status l2 running
	pid=$(oci state l2 | jq -r .pid)
	grep -q tincan-run /proc/"$pid"/comm
	run oci ps --format json l2
	[ "$output" = "[$pid]" ]
	run oci start l2
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"already running"* ]]
	run oci delete l2
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"not stopped: running"* ]]
	oci pause l2
	[ "$(oci state l2 | jq -r .status)" = paused ]
	if [ -f /sys/fs/cgroup/freezer/"$CG"/life/freezer.state ]; then
		[ "$(cat /sys/fs/cgroup/freezer/"$CG"/life/freezer.state)" = FROZEN ]
	fi
	oci resume l2
	[ "$(oci state l2 | jq -r .status)" = running ]
	oci kill l2 KILL
	wait_file "$b/status"
	[ "$(cat "$b/status")" = "signal 9" ]
	[ "$(oci state l2 | jq -r .status)" = stopped ]
	run oci kill l2 TERM
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"not running"* ]]
	oci delete l2
	[ ! -e "$ROOT/l2" ]
	[ ! -d /sys/fs/cgroup/memory/"$CG"/life ] && [ ! -d /sys/fs/cgroup/"$CG"/life ]
}

@test "kill TERM stops httpd gracefully: the guest handles it and exits 0" {
	b=$(bundle term "$B/apps/httpd.tc" '["/tincan.tc"]')
	shim_bg "$b" t1
	wait_status t1 running
	for i in $(seq 400); do grep -q listening "$b/out" && break; sleep 0.05; done
	oci kill t1 SIGTERM
	wait_file "$b/status"
	cat "$b/out"
	[ "$(cat "$b/status")" = "exit 0" ]
	grep -q "stopped by SIGTERM" "$b/out"
}

@test "env, the memory limit, bind mounts, resolv.conf and hosts become tincan-run's options" {
	mkdir -p "$BATS_TEST_TMPDIR/data"
	# glibc's rules: the keyword at the start of a line, a blank after it; a
	# line cut by the reader's buffer (511 bytes) is not read on as a new one
	{
		printf 'search %s' "$(head -c 504 /dev/zero | tr '\0' x)"
		printf 'nameserver 9.9.9.9\nnameserverX 1.2.3.4\n nameserver 5.6.7.8\nnameserver 10.1.2.3\n'
		printf 'nameserver ::1\nnameserver fe80::1%%eth0\nnameserver fe80::1\nnameserver 64:ff9b::8.8.8.8\n'
		printf 'nameserver ::ffff:10.4.4.4\nnameserver fd00::53\n'
	} >"$BATS_TEST_TMPDIR/resolv"
	printf '127.0.0.1 localhost\n10.9.8.7 db db.local\n::1 localhost ip6-localhost\nff02::1 ip6-allnodes\n%s\n%s\n' \
		'fd00::7 db6 bad:name b,c ok_2' '::ffff:10.0.0.1 legacy' >"$BATS_TEST_TMPDIR/hosts"
	b=$(bundle opts "$TINY" '["/tincan.tc", "sleep", "30000"]' --arg d "$BATS_TEST_TMPDIR" '
		.process.env += ["FOO=bar baz"] |
		.linux.resources.memory.limit = 67108864 | .linux.resources.pids.limit = 20 |
		.mounts += [{destination: "/data", type: "bind", source: ($d + "/data"), options: ["rbind", "ro"]},
			    {destination: "/etc/resolv.conf", type: "bind", source: ($d + "/resolv"), options: ["rbind"]},
			    {destination: "/etc/hosts", type: "bind", source: ($d + "/hosts"), options: ["rbind"]},
			    {destination: "/dev/shm", type: "bind", source: ($d + "/data"), options: ["rbind"]}]')
	shim_bg "$b" o1
	wait_status o1 running
	pid=$(oci state o1 | jq -r .pid)
	args=$(tr '\0' '\n' </proc/"$pid"/cmdline)
	echo "$args"
	grep -qx -- "--env=FOO=bar baz" <<<"$args"
	grep -qx -- "--env=PATH=/bin" <<<"$args"
	grep -qx -- "--user=65534:65534" <<<"$args" # root in the container: never root on the host
	grep -qx -- "--mem-max=58M" <<<"$args"
	grep -qx -- "--dir=$BATS_TEST_TMPDIR/data:/data:ro" <<<"$args"
	# IPv4 and IPv6 servers, not loopback or link-local, in their order, in
	# the form tincan-run reads (hex groups; IPv4-mapped as IPv4), 3 at most
	[ "$(grep -- "--dns=" <<<"$args" | tr '\n' ' ')" = "--dns=10.1.2.3 --dns=64:ff9b::808:808 --dns=10.4.4.4 " ]
	grep -qx -- "--host-entry=db:10.9.8.7" <<<"$args"
	grep -qx -- "--host-entry=db.local:10.9.8.7" <<<"$args"
	grep -qx -- "--host-entry=db6:fd00::7" <<<"$args"
	grep -qx -- "--host-entry=ok_2:fd00::7" <<<"$args"
	grep -qx -- "--host-entry=legacy:10.0.0.1" <<<"$args"
	! grep -q -- "bad:name\|b,c" <<<"$args"
	! grep -q -- "localhost" <<<"$args"
	! grep -q -- "allnodes" <<<"$args"
	[ "$(grep -c -- --dir= <<<"$args")" = 1 ] # not /dev/shm: the guest's /dev is its own
	[ "$(tail -3 <<<"$args" | tr '\n' ' ')" = "-- sleep 30000 " ]
	if [ -d /sys/fs/cgroup/memory/"$CG" ]; then
		[ "$(cat /sys/fs/cgroup/memory/"$CG"/opts/memory.limit_in_bytes)" = 67108864 ]
		[ "$(cat /sys/fs/cgroup/pids/"$CG"/opts/pids.max)" = 20 ]
	else
		[ "$(cat /sys/fs/cgroup/"$CG"/opts/memory.max)" = 67108864 ]
	fi
	oci kill o1 KILL
	wait_file "$b/status"
}

@test "the rootfs's other directories are shared with the guest, read-only with a read-only root" {
	b=$(bundle files "$TINY" '["/tincan.tc", "sleep", "30000"]')
	mkdir "$b/rootfs/etc" "$b/rootfs/data"
	echo hi >"$b/rootfs/greeting"
	ln -s / "$b/rootfs/host"
	mkdir "$b/rootfs/a:b"
	shim_bg "$b" f1
	wait_status f1 running
	pid=$(oci state f1 | jq -r .pid)
	args=$(tr '\0' '\n' </proc/"$pid"/cmdline)
	# the directories are root's: the monitor still is not
	for i in $(seq 100); do [ "$(awk '/^Uid:/ { print $2 }' /proc/"$pid"/status)" = 65534 ] && break; sleep 0.05; done
	[ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' /proc/"$pid"/status)" = 65534655346553465534 ]
	grep -q "a directory name with ':'" "$b/log.json"
	grep -qx -- "--dir=$b/rootfs/etc:/etc:ro" <<<"$args"
	grep -qx -- "--dir=$b/rootfs/data:/data:ro" <<<"$args"
	[ "$(grep -c -- --dir= <<<"$args")" = 2 ] # not the file, not the link
	grep -q 'rootfs /host is not a directory' "$b/log.json"
	oci kill f1 KILL
	wait_file "$b/status"

	b=$(bundle rw "$TINY" '["/tincan.tc", "sleep", "30000"]' '.root.readonly = false')
	mkdir "$b/rootfs/data"
	shim_bg "$b" f2
	wait_status f2 running
	pid=$(oci state f2 | jq -r .pid)
	tr '\0' '\n' </proc/"$pid"/cmdline | grep -qx -- "--dir=$b/rootfs/data:/data"
	oci kill f2 KILL
	wait_file "$b/status"
	b=$(bundle many "$TINY" '["/tincan.tc"]')
	mkdir "$b/rootfs/"{a,b,c,d,e}
	run oci create --bundle "$b" f3
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"a tincan guest takes at most 4 directories"* ]]
}

@test "an image the container's memory limit cannot hold fails create with the figures; nothing is left" {
	b=$(bundle small "$B/apps/httpd.tc" '["/tincan.tc"]' '.linux.resources.memory.limit = 12000000')
	run oci create --bundle "$b" --pid-file "$b/pid" m1
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"the image needs 16384 KiB of memory"*"leaves 8192 KiB for the guest"* ]]
	[ ! -e "$ROOT/m1" ] && [ ! -e "$b/pid" ]
	[ ! -d /sys/fs/cgroup/memory/"$CG"/small ] && [ ! -d /sys/fs/cgroup/"$CG"/small ]
	b=$(bundle big "$TINY" '["/tincan.tc", "sleep", "30000"]' '.linux.resources.memory.limit = 4294967296')
	shim_bg "$b" m3
	wait_status m3 running
	pid=$(oci state m3 | jq -r .pid)
	tr '\0' '\n' </proc/"$pid"/cmdline | grep -qx -- "--mem-max=3072M" # tincan-run's ceiling, 3 GiB
	oci kill m3 KILL
	wait_file "$b/status"
	b=$(bundle tiny "$TINY" '["/tincan.tc"]' '.linux.resources.memory.limit = 2000000')
	run oci create --bundle "$b" m2
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"memory limit 2000000 bytes is too small"* ]]
}

@test "a corrupt, foreign or missing image fails create with a clear message; nothing is left" {
	b=$(bundle trunc "" '["/tincan.tc"]')
	head -c 3000 "$B/apps/hello.tc" >"$b/rootfs/tincan.tc"
	run oci create --bundle "$b" c1
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"tincan.tc: not a tincan image: "*"truncated image?"* ]]
	[ ! -e "$ROOT/c1" ]
	[ -z "$(ls /sys/fs/cgroup/memory/"$CG" 2>/dev/null)" ]

	head -c 5000 /dev/urandom >"$b/rootfs/tincan.tc"
	run oci create --bundle "$b" c2
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"not a tincan image"* ]]

	: >"$b/rootfs/tincan.tc"
	run oci create --bundle "$b" c3
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"not a tincan image (empty)"* ]]

	if [ -f "$B/apps/pc/hello.elf" ]; then
		cp "$B/apps/pc/hello.elf" "$b/rootfs/tincan.tc"
		run oci create --bundle "$b" c4
		[ "$status" -eq 1 ]
		[[ $(last_error) == *"pc"* ]]
	fi

	rm "$b/rootfs/tincan.tc"
	mkdir "$b/rootfs/tincan.tc"
	run oci create --bundle "$b" c5
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"is not a regular file"* ]]
	[ -z "$(ls "$ROOT" 2>/dev/null)" ]
}

@test "the guest takes over the netns's interface: MAC, IPv4 and IPv6 addresses, gateways, routes; delete removes the tap and the redirect" {
	command -v curl >/dev/null || skip "curl is not installed"
	C=tcoci-c$$ H=tcoci-h$$
	NSS+=("$C" "$H")
	ip netns add "$C"
	ip netns add "$H"
	ip -n "$C" link add eth0 type veth peer name peer netns "$H"
	ip -n "$C" addr add 10.87.6.2/24 dev eth0
	for a in 3 4 5; do # one more than the guest takes on a device (ip lists the newest first)
		ip -n "$C" addr add fd00:87:7::$a/64 dev eth0 nodad
	done
	ip -n "$C" addr add fd00:87:6::2/64 dev eth0 nodad
	# not taken: deprecated, and one from autoconfiguration (lifetimes) when
	# static ones fill the device's 3
	ip -n "$C" addr add fd00:87:8::9/64 dev eth0 nodad preferred_lft 0
	ip -n "$C" addr add fd00:87:9::9/64 dev eth0 nodad valid_lft 3600 preferred_lft 3600
	ip -n "$C" link set eth0 up
	ip -n "$C" route add default via 10.87.6.1
	ip -n "$C" route add 10.99.0.0/16 via 10.87.6.1
	ip -n "$C" -6 route add default via fd00:87:6::1
	ip -n "$H" addr add 10.87.6.1/24 dev peer
	ip -n "$H" addr add fd00:87:6::1/64 dev peer nodad
	ip -n "$H" link set peer up
	mac=$(ip -n "$C" -j link show eth0 | jq -r '.[0].address')
	b=$(bundle web "$B/apps/httpd.tc" '["/tincan.tc"]' --arg ns "/var/run/netns/$C" \
		'.linux.namespaces |= map(if .type == "network" then .path = $ns else . end)')
	# a create that fails after the taps were made removes them
	run oci create --bundle "$b" --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" n0
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"--pid-file"* ]]
	run ip -n "$C" link show tincan0
	[ "$status" -ne 0 ]
	! tc -n "$C" qdisc show dev eth0 | grep -q ingress
	[ ! -e "$ROOT/n0" ]
	# an interface another tool shapes is not taken over, nor its qdisc removed
	tc -n "$C" qdisc add dev eth0 ingress
	run oci create --bundle "$b" n0
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"eth0 already has an ingress qdisc"* ]]
	tc -n "$C" qdisc show dev eth0 | grep -q ingress
	tc -n "$C" qdisc del dev eth0 ingress
	shim_bg "$b" n1
	wait_status n1 running
	pid=$(oci state n1 | jq -r .pid)
	args=$(tr '\0' '\n' </proc/"$pid"/cmdline)
	grep -qx -- "--net=net0:tincan0" <<<"$args"
	grep -qx -- "--net-mac=net0:$mac" <<<"$args"
	grep -qx -- "--ip=net0:10.87.6.2/24" <<<"$args"
	grep -qx -- "--ip=net0:fd00:87:6::2/64" <<<"$args"
	! grep -q -- "--ip=net0:fe80" <<<"$args" # the guest makes its own link-local address
	[ "$(grep -c -- "--ip=net0:fd00:" <<<"$args")" = 3 ]
	! grep -q -- "fd00:87:[89]::9" <<<"$args"
	jq -r .msg "$BATS_TEST_TMPDIR/log.json" | grep -q "3 IPv6 addresses per device; this address is left out"
	grep -qx -- "--gw=net0:10.87.6.1" <<<"$args"
	grep -qx -- "--gw=net0:fd00:87:6::1" <<<"$args"
	grep -qx -- "--route=10.99.0.0/16:via=10.87.6.1:dev=net0" <<<"$args"
	run timeout 10 ip netns exec "$H" curl -s -m 5 -o /dev/null -w '%{http_code}' http://10.87.6.2/
	[ "$output" = 200 ]
	run timeout 10 ip netns exec "$H" curl -s -m 5 -o /dev/null -w '%{http_code}' 'http://[fd00:87:6::2]/'
	[ "$output" = 200 ]
	[ "$(ip -n "$H" -j neigh show 10.87.6.2 | jq -r '.[0].lladdr')" = "$mac" ]

	# one tincan container per network namespace
	b2=$(bundle web2 "$B/apps/httpd.tc" '["/tincan.tc"]' --arg ns "/var/run/netns/$C" \
		'.linux.namespaces |= map(if .type == "network" then .path = $ns else . end)')
	IDS+=(n2)
	run oci create --bundle "$b2" n2
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"already given to another tincan container (tincan0 exists)"* ]]

	oci kill n1 TERM
	wait_file "$b/status"
	[ "$(cat "$b/status")" = "exit 0" ]
	ip -n "$C" link show tincan0
	oci delete n1
	run ip -n "$C" link show tincan0
	[ "$status" -ne 0 ]
	! tc -n "$C" qdisc show dev eth0 | grep -q ingress
	ip -n "$C" -br addr show eth0 | grep -q 10.87.6.2/24
}

@test "a netns without interfaces leaves the image's NIC unplugged; the guest still runs" {
	b=$(bundle nonet "$B/apps/httpd.tc" '["/tincan.tc"]')
	shim_bg "$b" u1
	wait_status u1 running
	pid=$(oci state u1 | jq -r .pid)
	! tr '\0' '\n' </proc/"$pid"/cmdline | grep -q -- "--net="
	oci kill u1 TERM
	wait_file "$b/status"
	[ "$(cat "$b/status")" = "exit 0" ]
}

@test "exec is refused; unknown, invalid and duplicate IDs; unsupported specs" {
	b=$(bundle refuse "$TINY" '["/tincan.tc", "sleep", "30000"]')
	IDS+=(e1)
	oci create --bundle "$b" e1
	run oci exec e1 /bin/sh
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"exec: e1 is a tincan guest: it runs one program"* ]]
	run oci create --bundle "$b" e1
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"container with id exists: e1"* ]]
	oci delete e1
	run oci create --bundle "$b" ../escape
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"invalid container ID ../escape"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]

	b=$(bundle userns "$TINY" '["/tincan.tc"]' '.linux.namespaces += [{type: "user"}]')
	run oci create --bundle "$b" e2
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"user namespaces are not supported"* ]]
	b=$(bundle sysd "$TINY" '["/tincan.tc"]' '.linux.cgroupsPath = "system.slice:tincan:e3"')
	run oci create --bundle "$b" e3
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"the systemd cgroup driver is not supported"* ]]
	b=$(bundle noproc "$TINY" '["/tincan.tc"]' 'del(.process)')
	run oci create --bundle "$b" e4
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"no process"* ]]
	[ -z "$(ls "$ROOT" 2>/dev/null)" ]
}

@test "bundles without /tincan.tc, and containers not ours, go to runc with the same arguments" {
	fake=$BATS_TEST_TMPDIR/fake-runc
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >>%s/runc-args\necho "fake runc" >&2\nexit 3\n' "$BATS_TEST_TMPDIR" >"$fake"
	chmod +x "$fake"
	b=$(bundle linux "" '["/bin/sh"]')
	export TINCAN_OCI_RUNC=$fake
	run oci create --bundle "$b" --pid-file "$b/pid" lx
	[ "$status" -eq 3 ]
	[ "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/runc-args")" = "--root $ROOT --log $BATS_TEST_TMPDIR/log.json --log-format json create --bundle $b --pid-file $b/pid lx " ]
	rm "$BATS_TEST_TMPDIR/runc-args"
	run oci kill lx KILL
	[ "$status" -eq 3 ]
	[ "$(tr '\n' ' ' <"$BATS_TEST_TMPDIR/runc-args")" = "--root $ROOT --log $BATS_TEST_TMPDIR/log.json --log-format json kill lx KILL " ]
	rm "$BATS_TEST_TMPDIR/runc-args"
	# a tincan container named like an option's value or a signal does not
	# capture commands about runc's containers
	t=$(bundle named9 "$TINY" '["/tincan.tc"]')
	IDS+=(9 json)
	TINCAN_OCI_RUNC= oci create --bundle "$t" 9
	TINCAN_OCI_RUNC= oci create --bundle "$t" json
	run oci kill lx 9
	[ "$status" -eq 3 ]
	run oci ps --format json lx
	[ "$status" -eq 3 ]
	[ "$(tail -3 "$BATS_TEST_TMPDIR/runc-args" | tr '\n' ' ')" = "--format json lx " ]
	run oci exec --cwd / lx json
	[ "$status" -eq 3 ]
	run oci state 9
	[ "$status" -eq 0 ]
	rm "$BATS_TEST_TMPDIR/runc-args"
	echo '{not json' >"$b/config.json"
	run oci create --bundle "$b" bad
	[ "$status" -eq 3 ] # runc says what is wrong with it
	[ -f "$BATS_TEST_TMPDIR/runc-args" ]
	unset TINCAN_OCI_RUNC
	TINCAN_OCI_RUNC=/nonexistent/runc run oci create --bundle "$b" bad
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"cannot run /nonexistent/runc"* ]]
}

@test "process.terminal: the pty's master goes to the console socket, the guest writes to its slave" {
	b=$(bundle tty "$B/apps/hello.tc" '["/tincan.tc", "on-a-tty"]' '.process.terminal = true')
	IDS+=(y1)
	run timeout 30 python3 "$SHIM" --tty "$OCI" "$ROOT" "$b" y1 "$b/status"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"console /dev/ptmx"* ]]
	[[ $output == *'argv[1] = "on-a-tty"'* ]]
	[[ $output == *$'\r\n'* ]] # through a tty's line discipline
	[ "$(cat "$b/status")" = "exit 0" ]
	b=$(bundle notty "$B/apps/hello.tc" '["/tincan.tc"]' '.process.terminal = true')
	run oci create --bundle "$b" y2
	[ "$status" -eq 1 ]
	[[ $(last_error) == *"no --console-socket was given"* ]]
}
