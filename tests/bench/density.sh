#!/bin/bash
# make bench-density (root only): what an idle VM costs the host, at scale.
#   1. N bare idle KVM VMs of MEM (tests/bench/probes/kvm-floor.c MEM): the floor;
#   2. N udpecho guests at --mem=MEM, each on its own tap, BRIDGE_PORTS taps
#      to a bridge (one /24 each) in a namespace of our own; a sample of them
#      must answer a UDP echo.
# Each phase: MemAvailable before, all started, settled for SETTLE s, after;
# the difference over N is the cost per VM.  Every process is reaped and the
# namespace deleted before the next phase.  N is capped by the tasks the
# host has left (pid_max; each KVM VM takes two) and by MemAvailable (3 MiB
# a VM), and the row says so.  Appends one row to OUT_FILE.
# BENCH_DENSITY_N (1000), BENCH_DENSITY_MEM (4M), BENCH_DENSITY_SETTLE (10).
#   tests/bench/density.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
RUN=$B/bin/tincan-run IDLE=$B/bench/kvm-floor-static APP=$B/apps/udpecho.tc CLIENT=$B/tests/netclient
N=${BENCH_DENSITY_N:-1000} MEM=${BENCH_DENSITY_MEM:-4M} SETTLE=${BENCH_DENSITY_SETTLE:-10}
BRIDGE_PORTS=250
NS=tincan-dn$$
for f in "$RUN" "$IDLE" "$APP" "$CLIENT"; do
	[ -e "$f" ] || { echo "density bench: $f is missing (make bench-density builds it)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "density bench: needs root (taps, a network namespace)" >&2; exit 1; }
case $MEM in
*[Mm]) bytes=$((${MEM%?} << 20)) ;;
*) echo "density bench: BENCH_DENSITY_MEM must be megabytes (like 4M), not $MEM" >&2; exit 1 ;;
esac

pids=()
reap() {
	[ ${#pids[@]} -eq 0 ] && return 0
	kill "${pids[@]}" 2> /dev/null || true
	wait "${pids[@]}" 2> /dev/null || true
	pids=()
}
cleanup() {
	reap
	ip netns del "$NS" 2> /dev/null || true
}
trap cleanup EXIT
die() {
	echo "density bench: $*" >&2
	exit 1
}
avail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }

# Headroom: tasks (two per VM, 4,000 kept free for the host) and memory.
tasks=$(ps -eLf --no-headers | wc -l)
by_tasks=$((($(cat /proc/sys/kernel/pid_max) - tasks - 4000) / 2))
by_mem=$(($(avail) / 3072))
cap=$N note=
[ "$by_tasks" -lt "$cap" ] && cap=$by_tasks note="capped by free tasks"
[ "$by_mem" -lt "$cap" ] && cap=$by_mem note="capped by MemAvailable"
[ "$cap" -ge 10 ] || die "no room for 10 VMs (tasks allow $by_tasks, memory $by_mem)"
N=$cap

# 1. The floor: bare idle VMs.
sync
m0=$(avail)
t0=$(date +%s%N)
for _ in $(seq "$N"); do
	"$IDLE" "$bytes" &
	pids+=($!)
done
sleep "$SETTLE"
m1=$(avail)
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null && alive=$((alive + 1)); done
[ "$alive" -eq "$N" ] || die "only $alive of $N bare VMs stayed up"
floor=$(((m0 - m1) / N))
reap

# 2. udpecho guests, a tap each, BRIDGE_PORTS to a bridge.
ip netns add "$NS"
nbr=$(((N + BRIDGE_PORTS - 1) / BRIDGE_PORTS))
{
	echo "link set lo up"
	for k in $(seq 0 $((nbr - 1))); do
		echo "link add br$k type bridge"
		echo "addr add 10.81.$k.1/24 dev br$k"
		echo "link set br$k up"
	done
	for i in $(seq 0 $((N - 1))); do
		echo "tuntap add t$i mode tap"
		echo "link set t$i master br$((i / BRIDGE_PORTS))"
		echo "link set t$i up"
	done
} | ip -n "$NS" -batch - || die "could not create $N taps on $nbr bridges"
sleep 2
sync
m0=$(avail)
t0=$(date +%s%N)
for i in $(seq 0 $((N - 1))); do
	ip netns exec "$NS" "$RUN" --mem="$MEM" --net=t$i --ip=10.81.$((i / BRIDGE_PORTS)).$((i % BRIDGE_PORTS + 2))/24 "$APP" > /dev/null 2>&1 &
	pids+=($!)
done
t1=$(date +%s%N)
sleep "$SETTLE"
m1=$(avail)
alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null && alive=$((alive + 1)); done
[ "$alive" -eq "$N" ] || die "only $alive of $N udpecho guests stayed up"
answered=0
for j in $(seq 0 19); do
	i=$((j * N / 20))
	ip netns exec "$NS" timeout 5 "$CLIENT" udp 10.81.$((i / BRIDGE_PORTS)).$((i % BRIDGE_PORTS + 2)) 7 16 16 > /dev/null 2>&1 &&
		answered=$((answered + 1))
done
cost=$(((m0 - m1) / N))
reap
ip netns del "$NS"

echo "| $N idle udpecho guests at --mem=$MEM, each on its own tap ($BRIDGE_PORTS to a bridge; ${note:-as asked}): MemAvailable per guest vs a bare idle KVM VM of the same size (tests/bench/probes/kvm-floor.c with a size), same run | $cost KiB vs $floor KiB = $(awk -v a="$cost" -v b="$floor" 'BEGIN { printf "%.2f", a / b }') x; UDP echo answered by $answered of a sample of 20; started at $(awk -v n="$N" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }') guests/s (the monitors' start, taps made before) | <= 1.0 MiB and <= 1.3 x |" | tee -a "$OUT"
