#!/bin/bash
# Where an idle udpecho guest's memory goes (root only): one guest at
# --mem=4M on a tap of its own in a namespace of ours, its present pages
# by region (tests/tools/guestpages.c) idle, after COUNT broadcast pings
# from the host side (PACE s apart; lwIP answers none of them, but every
# one is a frame the monitor writes into an rx buffer), and after a UDP
# echo of every size from 1 to 1472 bytes; then the guest's KVM exits in
# IDLE seconds with no traffic at all (--stats, with the exits of a run
# of the same guest that ends at once subtracted).
#   tests/bench/guestpages.sh BUILD_DIR [COUNT [PACE [IDLE]]]   (1000, 0.002, 10)
set -euo pipefail
B=$1 COUNT=${2:-1000} PACE=${3:-0.002} IDLE=${4:-10}
RUN=$B/bin/tincan-run APP=$B/apps/udpecho.tc TOOL=$B/tests/guestpages CLIENT=$B/tests/netclient
NS=tincan-gp$$
for f in "$RUN" "$APP" "$TOOL" "$CLIENT"; do
	[ -e "$f" ] || { echo "guestpages bench: $f is missing (make $f)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "guestpages bench: needs root (a tap, a network namespace)" >&2; exit 1; }
vm=
cleanup() {
	[ -n "$vm" ] && { kill "$vm" 2> /dev/null || true; wait "$vm" 2> /dev/null || true; }
	ip netns del "$NS" 2> /dev/null || true
}
trap cleanup EXIT
ip netns add "$NS"
# No IPv6 on the tap: its router solicitations and MLD reports would wake
# the guest during the idle count.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add tap0 mode tap
ip -n "$NS" link set tap0 up
ip -n "$NS" addr add 10.85.0.1/24 dev tap0
out=$(mktemp)
trap 'cleanup; rm -f "$out"' EXIT

# The guest under `timeout` (our child), the monitor its child.
boot() { # SECONDS
	ip netns exec "$NS" timeout -s TERM "$1" "$RUN" --mem=4M --stats --net=tap0 --ip=10.85.0.2/24 "$APP" > "$out" 2>&1 &
	vm=$!
	for _ in $(seq 100); do
		grep -q listening "$out" && break
		sleep 0.05
	done
	pid=$(pgrep -n -P "$vm")
}
exits() { sed -n 's/.*stats: \([0-9]*\) KVM exits.*/\1/p' "$out"; }

boot 60
sleep 2
echo "== idle udpecho, 2 s after boot"
"$TOOL" "$pid" "$APP"
ip netns exec "$NS" ping -q -b -c "$COUNT" -i "$PACE" 10.85.0.255 > /dev/null 2>&1 || true
sleep 0.5
echo "== after $COUNT broadcast pings, $PACE s apart"
"$TOOL" "$pid" "$APP"
ip netns exec "$NS" timeout 30 "$CLIENT" udp 10.85.0.2 7 1 1472
echo "== after a UDP echo of every size from 1 to 1472 bytes"
"$TOOL" "$pid" "$APP"
kill "$vm"
wait "$vm" || true
vm=

# Idle exits: a run of IDLE + 2 s against one of 2 s, no traffic.
boot 2
wait "$vm" || true
short=$(exits)
boot $((IDLE + 2))
wait "$vm" || true
vm=
long=$(exits)
echo "== KVM exits over $IDLE s idle (no traffic): $((long - short)) ($long in $((IDLE + 2)) s, $short in 2 s)"
