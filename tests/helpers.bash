# Shared by the bats tests.  B is the build directory, TINCAN_PLATFORM the
# platform the images were built for (make test passes it; default kvm):
# tests/platforms/$PLATFORM.bash says how to boot
# them (need_platform, boot, boot_cmd, IMG).  Tests in tests/ hold for every
# platform; tests/$PLATFORM/ holds a platform's own.
TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=${B:-$TESTS/../build}
PLATFORM=${TINCAN_PLATFORM:-kvm}
. "$TESTS/platforms/$PLATFORM.bash"

# A copy of FILE with bytes at OFFSET replaced: patch FILE OFFSET '\xNN...'
patch_copy() {
	local out=$BATS_TEST_TMPDIR/patched.tc
	cp "$1" "$out"
	printf "$3" | dd of="$out" bs=1 seek="$2" conv=notrunc status=none
	echo "$out"
}

# The first line of output must contain $1; no host signal (status < 128).
first_line_has() {
	[ "$status" -lt 128 ] || { echo "status $status: killed by a signal"; return 1; }
	local first=${lines[0]}
	[[ $first == *"$1"* ]] || { echo "first line: $first"; echo "wanted: $1"; return 1; }
}

# File offset of the manifest descriptor in an image (the note header is 20 bytes).
manifest_off() {
	local note
	note=$(readelf -lW "$1" | awk '$1 == "NOTE" { print $2; exit }')
	echo $((note + 20))
}

# ---- Network namespaces, taps and veths, for the network tests ---------------
# A network test makes its own namespace(s), uses only addresses inside them,
# bounds every wait and cleans up.  Usually: setup_file makes them
# (`netns_ok && netns_add "$NS" || return 0`, then netns_tap, netns_veth,
# netns_bridge), setup checks them (need_netns "$NS", after need_kvm),
# teardown_file deletes them (netns_del "$NS"); background processes are
# started with nsbg (or bg_start) and ended by bg_reap in teardown.

# Whether this run can make namespaces and taps: root, /dev/net/tun, ip(8).
netns_ok() {
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip > /dev/null
}

# need_netns [NS...]: skip (never pass) unless netns_ok, and each NS exists.
need_netns() {
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	command -v ip > /dev/null || skip "ip (iproute2) is not installed"
	local ns
	for ns; do
		ip netns list | grep -q "^$ns\( \|$\)" || skip "could not create the network namespace $ns"
	done
}

# netns_add NS...: new namespaces, each with lo up; fails if one cannot be made.
netns_add() {
	local ns
	for ns; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
}

# netns_tap [--no-ipv6] [--down] NS TAP [ADDR/PREFIX...]: a tap in NS, up
# (not with --down), with those addresses (see netns_addr).  --no-ipv6: no
# IPv6 on it at all, so the host sends no frames of its own there
# (solicitations).
netns_tap() {
	local no6='' up=1
	while [ $# -gt 0 ]; do
		case $1 in
		--no-ipv6) no6=1 ;;
		--down) up='' ;;
		*) break ;;
		esac
		shift
	done
	local ns=$1 tap=$2
	shift 2
	ip -n "$ns" tuntap add "$tap" mode tap || return 1
	[ -z "$no6" ] || ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$tap.disable_ipv6=1" || return 1
	[ -z "$up" ] || ip -n "$ns" link set "$tap" up || return 1
	netns_addr "$ns" "$tap" "$@"
}

# netns_addr NS DEV ADDR/PREFIX...: addresses on DEV; IPv6 ones without
# duplicate address detection (usable at once).
netns_addr() {
	local ns=$1 dev=$2 a
	shift 2
	for a; do
		if [[ $a == *:* ]]; then
			ip -n "$ns" addr add "$a" dev "$dev" nodad || return 1
		else
			ip -n "$ns" addr add "$a" dev "$dev" || return 1
		fi
	done
}

# netns_veth NS DEV PEER [PEER_NS]: a veth pair, DEV in NS and PEER in
# PEER_NS (default NS), both up.
netns_veth() {
	local ns=$1 dev=$2 peer=$3 pns=${4:-$1}
	ip -n "$ns" link add "$dev" type veth peer name "$peer" || return 1
	[ "$pns" = "$ns" ] || ip -n "$ns" link set "$peer" netns "$pns" || return 1
	ip -n "$ns" link set "$dev" up && ip -n "$pns" link set "$peer" up
}

# netns_bridge NS BR [PORT...]: a bridge in NS, up, those devices its ports.
netns_bridge() {
	local ns=$1 br=$2 p
	shift 2
	ip -n "$ns" link add "$br" type bridge || return 1
	for p; do
		ip -n "$ns" link set "$p" master "$br" || return 1
	done
	ip -n "$ns" link set "$br" up
}

# netns_del NS...: kill what still runs in each namespace (a leftover guest
# would keep its taps), then delete it, its taps and veths with it.
netns_del() {
	local ns p
	for ns; do
		for p in $(ip netns pids "$ns" 2> /dev/null); do
			kill -KILL "$p" 2> /dev/null || true
		done
		ip netns del "$ns" 2> /dev/null || true
	done
}

# netns_fresh NS...: forget the namespaces' neighbours (ARP and NDP
# entries), for setup(): each test's guest is a new host with a new random
# MAC at an address an earlier guest had, and Linux ignores a gratuitous ARP
# within a second (locktime) of an entry's last change.
netns_fresh() {
	local n
	for n in "$@"; do ip -n "$n" neigh flush all 2> /dev/null || true; done
}

# nsrun CMD...: bats's run of CMD in the namespace $NS, for at most
# $NSRUN_TIMEOUT seconds (default 20).
nsrun() { run timeout "${NSRUN_TIMEOUT:-20}" ip netns exec "$NS" "$@"; }

# bg_start OUT CMD...: CMD in the background, its output (stdout and stderr)
# in OUT, bats's fd 3 closed (a leftover cannot hold bats up); its pid in
# BG_PID, and in BG_PIDS for bg_reap.
BG_PIDS=()
bg_start() {
	local out=$1
	shift
	"$@" > "$out" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# co_start CMD...: CMD in the background, its stdin and stdout on pipes of
# ours: write to it on fd $CO_W, read from it on fd $CO_R; its pid in CO_PID
# (and BG_PIDS).  Unlike bash's coproc, whose array and NAME_PID vanish the
# moment it ends, these stay: what it printed before ending is still read,
# and its status still waited for.
co_start() {
	local d
	d=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/co.XXXXXX")
	mkfifo "$d/in" "$d/out"
	"$@" < "$d/in" > "$d/out" 3>&- &
	CO_PID=$!
	BG_PIDS+=("$CO_PID")
	exec {CO_W}> "$d/in" {CO_R}< "$d/out"
}

# ready_fd: a FIFO open (read-write) on fd $READY, to give a monitor as
# --ready-fd=$READY; ready_wait [SECONDS] then waits (default 10 s) for its
# byte: the guest's first wait, so it has booted, opened its devices and
# read its image.  1 when none came in time.
ready_fd() {
	local f
	f=$(mktemp -u "${BATS_TEST_TMPDIR:-/tmp}/ready.XXXXXX")
	mkfifo "$f"
	exec {READY}<> "$f"
}
ready_wait() { read -r -t "${1:-10}" -N 1 _ <&"$READY"; }

# nsbg OUT CMD...: bg_start of CMD in the namespace $NS, for at most
# $NSBG_TIMEOUT seconds (default 30).  BG_PID is timeout(1)'s, which hands
# a TERM on to CMD.
nsbg() {
	local out=$1
	shift
	bg_start "$out" ip netns exec "$NS" timeout "${NSBG_TIMEOUT:-30}" "$@"
}

# bg_reap: end every process bg_start started that still runs (TERM), and
# wait for it: for teardown.  Only the shell's own jobs: a pid already
# waited for may be another process's by now.
bg_reap() {
	local p jobs
	jobs=" $(jobs -p | tr '\n' ' ') "
	for p in "${BG_PIDS[@]}"; do
		[[ $jobs == *" $p "* ]] || continue
		kill "$p" 2> /dev/null || true
		wait "$p" 2> /dev/null || true
	done
	BG_PIDS=()
}

# wait_until SECONDS CMD...: run CMD every 0.05 s until it succeeds (0) or
# SECONDS (whole) have passed (1).
wait_until() {
	local i n=$(($1 * 20))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	"$@"
}

# wait_for_line FILE REGEX [SECONDS [PID]]: wait until a line of FILE
# matches REGEX (grep's), at most SECONDS (default 10) and only while PID
# (if given) runs; if none does, print FILE and fail.
wait_for_line() {
	local file=$1 re=$2 n=$((${3:-10} * 20)) pid=${4:-} i
	for ((i = 0; i < n; i++)); do
		grep -q -e "$re" "$file" 2> /dev/null && return 0
		[ -z "$pid" ] || kill -0 "$pid" 2> /dev/null || break
		sleep 0.05
	done
	grep -q -e "$re" "$file" 2> /dev/null && return 0
	echo "no line like '$re' in $file (after ${3:-10} s${pid:+, or pid $pid ended}):"
	cat "$file" 2> /dev/null
	return 1
}
