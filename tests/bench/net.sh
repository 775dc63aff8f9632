#!/bin/bash
# make bench, network part (root only): httpd and udpecho as guests beside
# the same sources as Linux processes (build/host), in one namespace, plus
# ping RTT and the one-exit-per-frame ceiling measured in the same run.
#   tests/bench/net.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
RUN=$B/bin/tincan-run
NS=tincan-bench$$
GUEST=10.79.0.2
PROBES=$(cd "$(dirname "$0")/../.." && pwd)/../shared/probes
# Background servers are started without the nsx function: $! must be
# the server's own process (ip netns exec execs timeout, which passes a
# SIGTERM on), not a subshell whose death would leave the server running.
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add tap0 mode tap
ip -n "$NS" tuntap add tap1 mode tap
ip -n "$NS" link set tap0 up
ip -n "$NS" link set tap1 up
ip -n "$NS" addr add 10.79.0.1/24 dev tap0
ip -n "$NS" addr add 10.79.1.1/24 dev tap1
nsx() { ip netns exec "$NS" "$@"; }

boot() { # TAP IP APP
	ip netns exec "$NS" timeout 300 "$RUN" --net="$1" --ip="$2/24" "$B/apps/$3.tc" >/dev/null 2>&1 &
	pids+=($!)
}
boot tap0 $GUEST httpd
boot tap1 10.79.1.2 udpecho
ip netns exec "$NS" timeout 300 "$B/host/httpd" -p 8080 >/dev/null 2>&1 &
pids+=($!)
ip netns exec "$NS" timeout 300 "$B/host/udpecho" -p 7070 >/dev/null 2>&1 &
pids+=($!)
sleep 1

ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }
	else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.3f", v }'; }
wrk_run() { # URL -> "req/s p50 p99"
	local o
	o=$(nsx wrk -t2 -c32 -d5s --latency "$1")
	printf '%s %s %s\n' "$(awk '/Requests\/sec/ { printf "%.0f", $2 }' <<< "$o")" \
		"$(awk '$1 == "50%" { print $2 }' <<< "$o" | ms)" "$(awk '$1 == "99%" { print $2 }' <<< "$o" | ms)"
}
read -r g_rps g_p50 g_p99 < <(wrk_run http://$GUEST/hello.txt)
read -r h_rps h_p50 h_p99 < <(wrk_run http://127.0.0.1:8080/hello.txt)

udp_g=$(nsx "$B/tests/netclient" udprate 10.79.1.2 7 5 64 | awk '{ print $2 }')
udp_h=$(nsx "$B/tests/netclient" udprate 127.0.0.1 7070 5 64 | awk '{ print $2 }')
udp_1=$(nsx "$B/tests/netclient" udprate 10.79.1.2 7 3 1 | awk '{ print $2 }')

rtt=$(nsx ping -c 200 -i 0.005 $GUEST | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')

ceiling=
if [ -f "$PROBES/mmio-exit-cpl3.c" ]; then
	gcc -O2 -o "$B/bench/mmio-exit-cpl3" "$PROBES/mmio-exit-cpl3.c"
	us=$("$B/bench/mmio-exit-cpl3" 3 20000 | sed -n 's/.*, \([0-9.]*\) us\/exit.*/\1/p')
	ceiling=$(awk -v u="$us" 'BEGIN { printf "%.0f", 1e6 / u }')
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
	echo "| HTTP keep-alive req/s (wrk, 32 connections, 5 s, hello.txt) | guest $g_rps, Linux process $h_rps: $(ratio "$g_rps" "$h_rps") x | >= 0.5 x the Linux process |"
	echo "| HTTP latency p50 / p99 | guest $g_p50 / $g_p99 ms, Linux process $h_p50 / $h_p99 ms | |"
	echo "| UDP echo, 64 in flight | guest $udp_g/s, Linux process $udp_h/s ($(ratio "$udp_g" "$udp_h") x)$([ -n "$ceiling" ] && echo "; $(ratio "$udp_g" "$ceiling") x the one-exit-per-frame ceiling of $ceiling frames/s ($us us per exit)") | >= 3 x the ceiling |"
	echo "| UDP echo, 1 in flight | guest $udp_1 round trips/s | |"
	echo "| ping RTT through the tap, median of 200 | $rtt ms | <= 0.2 ms |"
} | tee -a "$OUT"
