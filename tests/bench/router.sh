#!/bin/bash
# make bench, router part (root only; issue 17): the forwarding rate of
# 64-byte and 1,500-byte frames through the router guest (apps/router)
# against Linux forwarding in the same run, and the host memory of an idle
# router.
#
# Both forwarders sit between a sender namespace and a receiver namespace,
# joined to each by one virtual link, and do the same work: forward, with
# connection tracking, one deny rule (TCP port 23) and source NAT
# (masquerade) to the receiver's side.
#   Linux:  S --veth-- L --veth-- D   L: ip_forward=1 and nftables rules
#           (ct state established,related accept; tcp dport 23 drop;
#           oif masquerade), RPS on its sender-side veth
#   guest:  S --tap-- router guest --tap-- D   the guest's two taps, each
#           moved into its own namespace once the monitor holds it
# Links: a veth pair is Linux's namespace-to-namespace link, as the tap is
# the guest's: each is one hop through the host kernel with no wire, no
# bridge and no qdisc behind it (taps with no reader could not carry a
# Linux namespace's frames).  CPUs: the sender is pinned to CPU 0.
# The guest's monitor runs where the scheduler puts it (the other CPU,
# with whatever else the host runs); Linux forwards in softirq context,
# which on a veth is the sending CPU unless RPS moves it: rps_cpus on L's
# ingress veth sends the forwarding to CPU 1, so that both forwarders have
# a CPU beside the sender's (the row shows Linux without RPS too).  The
# row also gives the monitor's time on a CPU and waiting for one
# (schedstat): a woken process waits for its turn, softirq does not.
#
# Traffic: tests/bench/frameblast.c writes UDP frames from S to D's port 9
# straight into S's link (AF_PACKET, no qdisc, sendmmsg() in batches of
# 64) as fast as the link takes them, 64 flows (source ports 10000-10063);
# frames of 60 bytes (64 on a wire with the FCS: 18 bytes of payload) and
# of 1,514 (1,500-byte IP packets).  (Debian's trafgen: its TX ring gave
# up with EAGAIN as soon as a forwarder's queue filled, and its sendto()
# mode sent 0.8 x frameblast's rate.)  D drops them in nftables'
# prerouting hook before its stack looks at them (no ICMP back).  Figures: the frames and bytes D's link
# received over SECS seconds after one second of warm-up, from its
# /sys/class/net statistics, against the clock; offered: what S's link
# took in the same window (tx_packets + tx_dropped).
#
# Every figure: ROUNDS rounds in which the guest, Linux with RPS and Linux
# without run back to back (the order rotating); the round with the median
# guest/Linux ratio is printed with the range of the ratio over the rounds.
#
# Memory: IDLE_N routers booted with their two taps (all in one namespace of
# our own), up (each answers ARP for its eth0 address) and left idle for
# SETTLE seconds; the charge of a memory cgroup (v1) that made the taps and
# started the monitors, per router, and the PSS and RSS of the monitors.
#
# Appends rows to OUT_FILE; a figure that cannot be measured is an error.
#   tests/bench/router.sh BUILD_DIR OUT_FILE [--check]
# --check: one short round (no Linux without RPS), one idle router; asserts
# only that frames went through both forwarders (tests/kvm/routerbench.bats).
# BENCH_ROUTER_ROUNDS (default BENCH_ROUNDS, else 5), BENCH_ROUTER_SECS (3),
# BENCH_ROUTER_IDLE_N (8), BENCH_ROUTER_SETTLE (3 s), BENCH_ROUTER_OPTS (more
# tincan-run options for the measured router, e.g. --stats),
# BENCH_ROUTER_ARGS (more arguments for the router itself, e.g. --poll=50),
# BENCH_ROUTER_PREFIX (a command before its tincan-run, e.g. "taskset -c 1");
# BENCH_ROUTER_LINUX_ONLY=1 measures the Linux side alone (no router image:
# while working on the bench; nothing is written to OUT_FILE).
set -euo pipefail
B=$1 OUT=$2
CHECK=${3:-}
RUN=$B/bin/tincan-run
BLAST=$B/bench/frameblast
ROUTER=${BENCH_ROUTER_IMAGE:-$B/apps/router.tc}
ROUNDS=${BENCH_ROUTER_ROUNDS:-${BENCH_ROUNDS:-5}}
SECS=${BENCH_ROUTER_SECS:-3}
IDLE_N=${BENCH_ROUTER_IDLE_N:-8}
SETTLE=${BENCH_ROUTER_SETTLE:-3}
LINUX_ONLY=${BENCH_ROUTER_LINUX_ONLY:-}
if [ "$CHECK" = --check ]; then
	ROUNDS=1 SECS=1 IDLE_N=1 SETTLE=1
elif [ -n "$CHECK" ]; then
	echo "usage: tests/bench/router.sh BUILD_DIR OUT_FILE [--check]" >&2
	exit 2
fi
DIR=$B/bench/router
die() {
	echo "router bench: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, taps)"
[ -c /dev/net/tun ] || die "needs /dev/net/tun"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || [ -n "$LINUX_ONLY" ] || die "/dev/kvm is not usable here"
[ -x "$BLAST" ] || die "$BLAST is missing (make bench builds it)"
for c in ip nft taskset ping timeout; do
	command -v $c > /dev/null || die "$c is missing (toolchain/deps.sh bench installs it: iproute2, nftables, util-linux, iputils-ping, coreutils)"
done
if [ -z "$LINUX_ONLY" ]; then
	for f in "$RUN" "$ROUTER"; do
		[ -e "$f" ] || die "$f is missing (make bench builds it)"
	done
fi
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (the sender on one, the forwarder on another)"
[[ $ROUNDS =~ ^[1-9][0-9]*$ && $SECS =~ ^[1-9][0-9]*$ && $IDLE_N =~ ^[1-9][0-9]*$ && $SETTLE =~ ^[0-9]+$ ]] ||
	die "BENCH_ROUTER_ROUNDS, _SECS, _IDLE_N and _SETTLE must be whole numbers"
rm -rf "$DIR"
mkdir -p "$DIR"

# Namespaces: Linux's sender, forwarder, receiver; the guest's sender and
# receiver; the idle routers'.  All ours, deleted at the end.
T=$$
NS_LS=tincan-rbls$T NS_LF=tincan-rblf$T NS_LD=tincan-rbld$T
NS_GS=tincan-rbgs$T NS_GD=tincan-rbgd$T NS_I=tincan-rbi$T
NSES=("$NS_LS" "$NS_LF" "$NS_LD" "$NS_GS" "$NS_GD" "$NS_I")
# Background processes are started without a function, so that $! is the
# process itself (ip netns exec execs it); each ends by itself (tincan-run
# --timeout, timeout) even if this script is killed.
pids=()
CGROOT=/sys/fs/cgroup/memory CG=
cleanup() {
	[ ! -f "$DIR/idle.pids" ] || mapfile -t -O "${#pids[@]}" pids < "$DIR/idle.pids"
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
	for n in "${NSES[@]}"; do ip netns del "$n" 2> /dev/null || true; done
	[ -z "$CG" ] || rmdir "$CG" 2> /dev/null || true
}
trap cleanup EXIT

# Addresses: Linux's path 10.77.1.0/24 (sender side) and 10.77.2.0/24
# (receiver side), the guest's 10.78.x, the idle routers' 10.79.x; the
# forwarder is .1 on each side, the sender and receiver .2.
MAC_LAN=02:7c:00:00:01:01 MAC_WAN=02:7c:00:00:02:01
ip netns add "$NS_LS"
ip netns add "$NS_LF"
ip netns add "$NS_LD"
for n in "$NS_LS" "$NS_LF" "$NS_LD"; do ip -n "$n" link set lo up; done
ip -n "$NS_LS" link add s0 type veth peer name f0 netns "$NS_LF"
ip -n "$NS_LD" link add d0 type veth peer name f1 netns "$NS_LF"
ip -n "$NS_LS" addr add 10.77.1.2/24 dev s0
ip -n "$NS_LS" link set s0 up
ip -n "$NS_LS" route add default via 10.77.1.1
ip -n "$NS_LF" addr add 10.77.1.1/24 dev f0
ip -n "$NS_LF" addr add 10.77.2.1/24 dev f1
ip -n "$NS_LF" link set f0 up
ip -n "$NS_LF" link set f1 up
ip -n "$NS_LD" addr add 10.77.2.2/24 dev d0
ip -n "$NS_LD" link set d0 up
ip netns exec "$NS_LF" sysctl -qw net.ipv4.ip_forward=1
# The router's rules, as nftables: what conntrack has seen goes through,
# new TCP to port 23 is denied, everything leaving towards D is masqueraded.
ip netns exec "$NS_LF" nft -f - << 'EOF'
table ip router {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state established,related accept
		ct state invalid drop
		tcp dport 23 drop
	}
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "f1" masquerade
	}
}
EOF
# The receivers drop the frames as early as nftables can.
rx_drop() {
	ip netns exec "$1" nft -f - << 'EOF'
table ip sink {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		udp dport 9 drop
	}
}
EOF
}
rx_drop "$NS_LD"
# RPS on the forwarder's ingress veth: CPU 1 (mask 2), or none (0).
rps() { ip netns exec "$NS_LF" sh -c "echo $1 > /sys/class/net/f0/queues/rx-0/rps_cpus"; }

# The router guest (apps/router/README.md): eth0 the sender's side, eth1
# the receiver's, masqueraded, the same deny rule as Linux's.
router_args() { # LAN_ADDR WAN_ADDR -> RARGS
	RARGS=("--addr=eth0:$1/24" "--addr=eth1:$2/24" --snat=eth1 "--rule=deny proto tcp port 23")
	# shellcheck disable=SC2206 # more router arguments, as words
	RARGS+=(${BENCH_ROUTER_ARGS:-})
}
# Up: it answered ARP for ADDR (it need not answer pings to itself).
arp_up() { # NS DEV ADDR
	local k
	for k in $(seq 50); do
		ip netns exec "$1" ping -c 1 -W 0.2 "$3" > /dev/null 2>&1 || true
		ip -n "$1" neigh show "$3" dev "$2" | grep -q lladdr && return 0
		[ "$k" -lt 50 ] && sleep 0.1
	done
	return 1
}
# The router guest: its two taps made in the sender's namespace, where the
# monitor opens them; the receiver's moved to its own namespace once the
# monitor holds it (a tap keeps its file through the move).
LIFE=$((ROUNDS * (SECS + 2) * 6 * 2 + SETTLE + 300))
guest_up=
if [ -z "$LINUX_ONLY" ]; then
	ip netns add "$NS_GS"
	ip netns add "$NS_GD"
	for n in "$NS_GS" "$NS_GD"; do ip -n "$n" link set lo up; done
	ip -n "$NS_GS" tuntap add t0 mode tap
	ip -n "$NS_GS" tuntap add t1 mode tap
	router_args 10.78.1.1 10.78.2.1
	ip -n "$NS_GS" link set t1 up
	# shellcheck disable=SC2086 # the prefix and the extra options are words
	ip netns exec "$NS_GS" ${BENCH_ROUTER_PREFIX:-} "$RUN" --timeout=${LIFE}s ${BENCH_ROUTER_OPTS:-} --net=eth0:t0 --net=eth1:t1 --net-mac=eth0:$MAC_LAN --net-mac=eth1:$MAC_WAN \
		"$ROUTER" -- "${RARGS[@]}" > "$DIR/guest.log" 2>&1 &
	gpid=$!
	pids+=("$gpid")
	# A tap that is up has a carrier once a process holds it.
	held() { [ "$(ip netns exec "$NS_GS" cat /sys/class/net/t1/carrier 2> /dev/null)" = 1 ]; }
	for _ in $(seq 100); do
		held && break
		kill -0 "$gpid" 2> /dev/null || die "the router guest ended at start: $(tail -n 3 "$DIR/guest.log")"
		sleep 0.05
	done
	held || die "the router's monitor did not open its taps within 5 s"
	ip -n "$NS_GS" link set t1 netns "$NS_GD"
	ip -n "$NS_GS" addr add 10.78.1.2/24 dev t0
	ip -n "$NS_GS" link set t0 up
	ip -n "$NS_GS" route add default via 10.78.1.1
	ip -n "$NS_GD" addr add 10.78.2.2/24 dev t1
	ip -n "$NS_GD" link set t1 up
	rx_drop "$NS_GD"
	arp_up "$NS_GS" t0 10.78.1.1 || die "the router guest does not answer ARP for 10.78.1.1 (log: $DIR/guest.log)"
	guest_up=1
fi
for _ in $(seq 20); do ip netns exec "$NS_LS" ping -c 1 -W 1 10.77.2.2 > /dev/null 2>&1 && break; done
ip netns exec "$NS_LS" ping -c 1 -W 1 10.77.2.2 > /dev/null 2>&1 || die "Linux does not forward a ping from 10.77.1.2 to 10.77.2.2"
if [ -n "$guest_up" ]; then
	for _ in $(seq 20); do ip netns exec "$NS_GS" ping -c 1 -W 1 10.78.2.2 > /dev/null 2>&1 && break; done
	ip netns exec "$NS_GS" ping -c 1 -W 1 10.78.2.2 > /dev/null 2>&1 || die "the router guest does not forward a ping from 10.78.1.2 to 10.78.2.2 (log: $DIR/guest.log)"
fi

L_MAC=$(ip netns exec "$NS_LF" cat /sys/class/net/f0/address)

stat_of() { # NS DEV COUNTER
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}
# One measurement: WHICH (guest, linux, linux1: without RPS) SIZE ->
# "frames/s bits/s offered_frames/s" at the receiver (bits of whole frames).
measure() {
	local which=$1 size=$2 sns dns sdev ddev mac net t0 t1 r0 r1 b0 b1 o0 o1 p s0="0 0" s1="0 0"
	case $which in
	guest) sns=$NS_GS dns=$NS_GD sdev=t0 ddev=t1 mac=$MAC_LAN net=10.78 ;;
	linux | linux1)
		sns=$NS_LS dns=$NS_LD sdev=s0 ddev=d0 mac=$L_MAC net=10.77
		if [ "$which" = linux ]; then rps 2; else rps 0; fi
		;;
	esac
	ip netns exec "$sns" timeout $((SECS + 5)) taskset -c 0 "$BLAST" $sdev "$mac" $net.1.2 $net.2.2 "$size" $((SECS + 2)) > "$DIR/blast.log" 2>&1 &
	p=$!
	pids+=("$p")
	sleep 1
	offered() { echo $(($(stat_of "$sns" $sdev tx_packets) + $(stat_of "$sns" $sdev tx_dropped))); }
	[ "$which" != guest ] || s0=$(sched)
	t0=$(date +%s.%N) r0=$(stat_of "$dns" $ddev rx_packets) b0=$(stat_of "$dns" $ddev rx_bytes) o0=$(offered)
	sleep "$SECS"
	t1=$(date +%s.%N) r1=$(stat_of "$dns" $ddev rx_packets) b1=$(stat_of "$dns" $ddev rx_bytes) o1=$(offered)
	[ "$which" != guest ] || s1=$(sched)
	wait $p || die "frameblast failed: $(cat "$DIR/blast.log")"
	awk -v r=$((r1 - r0)) -v b=$((b1 - b0)) -v o=$((o1 - o0)) -v t0="$t0" -v t1="$t1" -v s="$s0 $s1" \
		'BEGIN { d = t1 - t0; split(s, a, " "); printf "%.0f %.0f %.0f %.0f %.0f\n", r / d, b * 8 / d, o / d,
			(a[3] - a[1]) / d / 1e6, (a[4] - a[2]) / d / 1e6 }'
}
# The router's monitor: ns run on a CPU and ns runnable but waiting for one,
# all its threads (/proc/PID/task/*/schedstat).
sched() { cat /proc/"$gpid"/task/*/schedstat | awk '{ r += $1; w += $2 } END { printf "%.0f %.0f\n", r, w }'; }
num() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "no figure for $1 (got '$2'; logs in $DIR)"; }

# rounds files, one line a round: "ratio guest linux linux1 g_offered
# l_offered l1_offered g_run g_runqueue" (frames/s for 64, bits/s for 1514;
# the guest's monitor's ms a second on a CPU and waiting for one).
: > "$DIR/r64"
: > "$DIR/r1514"
whos=(linux linux1)
[ -z "$guest_up" ] || whos=(guest linux linux1)
[ "$CHECK" != --check ] || whos=(guest linux)
for r in $(seq 1 "$ROUNDS"); do
	for size in 60 1514; do
		declare -A fr=() bi=() of=() run=() rq=()
		n=${#whos[@]}
		for k in $(seq 0 $((n - 1))); do
			w=${whos[$(((r + k) % n))]}
			read -r "fr[$w]" "bi[$w]" "of[$w]" "run[$w]" "rq[$w]" < <(measure "$w" $size)
			num "$w at $size bytes (round $r)" "${fr[$w]}"
		done
		g=${fr[guest]:-0} gb=${bi[guest]:-0}
		if [ $size = 60 ]; then
			echo "$(awk -v a="$g" -v b="${fr[linux]}" 'BEGIN { printf "%.3f", a / b }') $g ${fr[linux]} ${fr[linux1]:-0} ${of[guest]:-0} ${of[linux]} ${of[linux1]:-0} ${run[guest]:-0} ${rq[guest]:-0}" >> "$DIR/r64"
		else
			echo "$(awk -v a="$gb" -v b="${bi[linux]}" 'BEGIN { printf "%.3f", a / b }') $gb ${bi[linux]} ${bi[linux1]:-0} ${of[guest]:-0} ${of[linux]} ${of[linux1]:-0} ${run[guest]:-0} ${rq[guest]:-0}" >> "$DIR/r1514"
		fi
	done
done
cat "$DIR/r64" "$DIR/r1514" >&2
if [ -n "$guest_up" ]; then
	kill -0 "$gpid" 2> /dev/null || die "the router guest ended during the bench (log: $DIR/guest.log)"
fi

# Memory of IDLE_N idle routers, in a memory cgroup of our own when there is one.
mem=
if [ -n "$guest_up" ]; then
	ip netns add "$NS_I"
	ip -n "$NS_I" link set lo up
	CGHOME=$CGROOT$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
	[ -w "$CGROOT/cgroup.procs" ] && [ -d "$CGHOME" ] || CGROOT=
	[ -z "$CGROOT" ] || CG=$CGROOT/tincan-routerbench-$T
	c0=0 c1=0
	ipids=()
	(
		if [ -n "$CG" ]; then
			mkdir "$CG"
			echo "$BASHPID" > "$CG/cgroup.procs"
			cat "$CG/memory.usage_in_bytes" > "$DIR/cg0"
		fi
		for i in $(seq 1 "$IDLE_N"); do
			a=i${i}a w=i${i}b
			ip -n "$NS_I" tuntap add "$a" mode tap
			ip -n "$NS_I" tuntap add "$w" mode tap
			ip -n "$NS_I" link set "$a" up
			ip -n "$NS_I" link set "$w" up
			ip -n "$NS_I" addr add "10.79.$i.2/24" dev "$a"
			router_args "10.79.$i.1" "10.79.$((i + 128)).1"
			ip netns exec "$NS_I" "$RUN" --timeout=${LIFE}s --net="eth0:$a" --net="eth1:$w" \
				"$ROUTER" -- "${RARGS[@]}" < /dev/null > "$DIR/idle$i.log" 2>&1 &
			echo $! >> "$DIR/idle.pids"
		done
		wait
	) &
	pids+=($!)
	for _ in $(seq 100); do [ -f "$DIR/idle.pids" ] && [ "$(wc -l < "$DIR/idle.pids")" -ge "$IDLE_N" ] && break; sleep 0.1; done
	mapfile -t ipids < "$DIR/idle.pids"
	[ "${#ipids[@]}" -eq "$IDLE_N" ] || die "started ${#ipids[@]} idle routers of $IDLE_N"
	for i in $(seq 1 "$IDLE_N"); do
		arp_up "$NS_I" "i${i}a" "10.79.$i.1" || die "idle router $i does not answer ARP (log: $DIR/idle$i.log)"
	done
	sleep "$SETTLE"
	pss=0 rss=0
	for p in "${ipids[@]}"; do
		read -r a b < <(awk '/^Pss:/ { p = $2 } /^Rss:/ { r = $2 } END { print p + 0, r + 0 }' "/proc/$p/smaps_rollup")
		pss=$((pss + a)) rss=$((rss + b))
	done
	pss=$((pss / IDLE_N)) rss=$((rss / IDLE_N))
	cgk=-
	if [ -n "$CG" ]; then
		c0=$(cat "$DIR/cg0")
		c1=$(cat "$CG/memory.usage_in_bytes")
		cgk=$(((c1 - c0) / 1024 / IDLE_N))
	fi
	mem="$cgk $pss $rss"
	for p in "${ipids[@]}"; do kill "$p" 2> /dev/null || true; done
fi

pick() { sort -g "$DIR/$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
range() { sort -g "$DIR/$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }
# range of column C of F divided by column D
crange() { awk -v c="$2" -v d="$3" '{ print $c / $d }' "$DIR/$1" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }
kpps() { awk -v v="$1" 'BEGIN { printf "%.0f kpps", v / 1000 }'; }
gbit() { awk -v v="$1" 'BEGIN { printf "%.2f Gbit/s", v / 1e9 }'; }
if [ -z "$guest_up" ]; then
	read -r _ _ l l1 _ lo l1o _ < <(sort -k3,3g "$DIR/r64" | sed -n "$(((ROUNDS + 1) / 2))p")
	echo "router bench (Linux only): 64 B: Linux (RPS) $(kpps "$l") (offered $(kpps "$lo")), without RPS $(kpps "$l1") (offered $(kpps "$l1o"))"
	read -r _ _ l l1 _ lo l1o _ < <(sort -k3,3g "$DIR/r1514" | sed -n "$(((ROUNDS + 1) / 2))p")
	echo "router bench (Linux only): 1514 B: Linux (RPS) $(gbit "$l") (offered $(kpps "$lo")), without RPS $(gbit "$l1") (offered $(kpps "$l1o"))"
	exit 0
fi
{
	read -r ratio g l l1 go lo l1o gr gq < <(pick r64)
	echo "| router: forwarding rate, 64-byte frames (tests/bench/frameblast.c, 64 UDP flows, $SECS s; conntrack, a deny rule, SNAT): guest (apps/router) between two taps vs Linux (ip_forward + nftables) between two veths, RPS to the other CPU | $(kpps "$g") vs $(kpps "$l") = $(printf %.2f "$ratio") x (range $(range r64) over $ROUNDS rounds); offered $(kpps "$go") / $(kpps "$lo"); Linux without RPS $(kpps "$l1"); the guest's monitor ran $gr ms a second and waited $gq ms for a CPU | >= 0.5 x |"
	read -r ratio g l l1 go lo l1o gr gq < <(pick r1514)
	echo "| router: throughput, 1,514-byte frames (1,500-byte IP packets; same set-up) | $(gbit "$g") vs $(gbit "$l") = $(printf %.2f "$ratio") x (range $(range r1514) over $ROUNDS rounds); offered $(kpps "$go") / $(kpps "$lo") frames; Linux without RPS $(gbit "$l1"); the monitor ran $gr ms/s, waited $gq ms/s | >= 0.8 x |"
	read -r cgk pss rss <<< "$mem"
	echo "| router: host memory per idle router ($IDLE_N routers, two taps each, up and idle $SETTLE s): memory cgroup charge (taps and monitors); the monitors' PSS / RSS | $cgk KiB; PSS $pss KiB, RSS $rss KiB | <= 1.5 MiB |"
} | tee -a "$OUT"
if [ "$CHECK" = --check ]; then
	read -r _ g _ < "$DIR/r64"
	num "the guest's 64-byte rate" "$g"
fi
