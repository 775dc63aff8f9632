#!/bin/bash
# make bench, network part (root only): the guests (httpd, udpecho and
# tcpbulk, tests/bench/tcpbulk.c) behind taps in one network namespace, the
# same sources as Linux processes (build/host) in a second namespace behind
# a veth pair: the clients run in the first namespace and cross one virtual
# link either way.  The Linux processes are also measured over their own
# loopback (clients inside their namespace), shown beside.
# Every figure: ROUNDS rounds in which guest, veth and loopback run back to
# back; the round with the median guest/Linux ratio is printed with the
# range of the ratio over all rounds.  Appends rows to OUT_FILE; a figure
# that cannot be measured is an error.
# BENCH_NET_ROUNDS (default BENCH_ROUNDS, else 5) rounds; BENCH_NET_SECS (4)
# seconds for each wrk, UDP and TCP measurement.
#   tests/bench/net.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
RUN=$B/bin/tincan-run
ROUNDS=${BENCH_NET_ROUNDS:-${BENCH_ROUNDS:-5}}
SECS=${BENCH_NET_SECS:-4}
NS=tincan-nb$$ NSL=tincan-nl$$
DIR=$B/bench/net
G_HTTP=10.79.0.2 G_UDP=10.79.1.2 G_TCP=10.79.2.2 LX=10.79.9.2
CLIENT=$B/tests/netclient
EXITCOST=$B/bench/exit-cost
for f in "$CLIENT" "$EXITCOST" "$B/bench/tcpbulk.tc" "$B/host/tcpbulk" "$B/host/httpd" "$B/host/udpecho"; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "net bench: $f is missing (make bench builds it)" >&2; exit 1; }
done
rm -rf "$DIR"
mkdir -p "$DIR"
# Background servers are started without a function: $! must be the
# server's own process (ip netns exec execs timeout, which passes a SIGTERM
# on), not a subshell whose death would leave the server running.
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
	ip netns del "$NS" 2> /dev/null || true
	ip netns del "$NSL" 2> /dev/null || true
}
trap cleanup EXIT
die() {
	echo "net bench: $*" >&2
	exit 1
}

ip netns add "$NS"
ip netns add "$NSL"
ip -n "$NS" link set lo up
ip -n "$NSL" link set lo up
for i in 0 1 2; do
	ip -n "$NS" tuntap add tap$i mode tap
	ip -n "$NS" link set tap$i up
	ip -n "$NS" addr add 10.79.$i.1/24 dev tap$i
done
ip -n "$NS" link add vb0 type veth peer name vb1 netns "$NSL"
ip -n "$NS" addr add 10.79.9.1/24 dev vb0
ip -n "$NS" link set vb0 up
ip -n "$NSL" addr add $LX/24 dev vb1
ip -n "$NSL" link set vb1 up
nsx() { ip netns exec "$NS" "$@"; }
nsl() { ip netns exec "$NSL" "$@"; }

# Everything ends by itself after LIFE seconds even if this script is killed.
LIFE=$((ROUNDS * (SECS * 15 + 40) + 120))
boot() { # TAP IP IMAGE [MEM]
	ip netns exec "$NS" timeout $LIFE "$RUN" --net="$1" --ip="$2/24" ${4:+--mem=$4} "$3" > "$DIR/$(basename "$3").log" 2>&1 &
	pids+=($!)
}
boot tap0 $G_HTTP "$B/apps/httpd.tc"
boot tap1 $G_UDP "$B/apps/udpecho.tc"
boot tap2 $G_TCP "$B/bench/tcpbulk.tc" 64M
for app in httpd:8080 udpecho:7070 tcpbulk:5001; do
	ip netns exec "$NSL" timeout $LIFE "$B/host/${app%%:*}" -p "${app#*:}" > "$DIR/linux-${app%%:*}.log" 2>&1 &
	pids+=($!)
done
# Up when each answers: the guests' pings, then one request each.
for ip in $G_HTTP $G_UDP $G_TCP $LX; do
	for _ in $(seq 50); do nsx ping -c 1 -W 1 $ip > /dev/null 2>&1 && break; done
	nsx ping -c 1 -W 1 $ip > /dev/null 2>&1 || die "$ip does not answer pings"
done
sleep 0.5
nsx "$CLIENT" http $G_HTTP 80 1 > /dev/null || die "the guest httpd does not answer"
nsx "$CLIENT" http $LX 8080 1 > /dev/null || die "the Linux httpd does not answer"

num() { [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "no figure for $1 (got '$2')"; printf '%s\n' "$2"; }
ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }
	else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.3f", v }'; }
wrk_run() { # NSFUNC URL -> "req/s p50 p99 socket-errors"
	local o
	o=$("$1" wrk -t2 -c32 -d${SECS}s --latency "$2")
	printf '%s %s %s %s\n' "$(awk '/Requests\/sec/ { printf "%.0f", $2 }' <<< "$o")" \
		"$(awk '$1 == "50%" { print $2 }' <<< "$o" | ms)" "$(awk '$1 == "99%" { print $2 }' <<< "$o" | ms)" \
		"$(awk '/Socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10; f = 1 } END { if (!f) print 0 }' <<< "$o")"
}
udp() { "$1" "$CLIENT" udprate "$2" "$3" "$SECS" "$4" | awk '{ print $2 }'; }
bulk() { "$1" "$CLIENT" bulk "$2" "$3" "$4" "$SECS" | awk '{ print $(NF - 1) }'; }
rtt() { # NSFUNC IP -> median RTT of 200 pings, ms
	"$1" ping -q -c 200 -i 0.005 "$2" > /dev/null # warm: ARP, caches
	"$1" ping -c 200 -i 0.005 "$2" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n |
		awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'
}

# Each rounds file has one line per round: "ratio guest linux-veth linux-loopback [extra...]".
for f in http udp udp1 ceiling tcprx tcptx ping; do : > "$DIR/$f"; done
for r in $(seq 1 "$ROUNDS"); do
	read -r g_rps g_p50 g_p99 g_err < <(wrk_run nsx http://$G_HTTP/hello.txt)
	read -r v_rps v_p50 v_p99 _ < <(wrk_run nsx http://$LX:8080/hello.txt)
	read -r l_rps _ _ _ < <(wrk_run nsl http://127.0.0.1:8080/hello.txt)
	for v in "$g_rps" "$v_rps" "$l_rps" "$g_p50" "$g_p99" "$v_p50" "$v_p99"; do num "HTTP (round $r)" "$v" > /dev/null; done
	echo "$(awk -v a="$g_rps" -v b="$v_rps" 'BEGIN { printf "%.3f", a / b }') $g_rps $v_rps $l_rps $g_p50 $g_p99 $v_p50 $v_p99 $g_err" >> "$DIR/http"

	g=$(num "UDP echo guest" "$(udp nsx $G_UDP 7 64)")
	us=$("$EXITCOST" 5000 mmio | awk '$1 == "mmio-exit" { print $5 }')
	us=$(num "the MMIO exit cost" "$us")
	v=$(num "UDP echo Linux (veth)" "$(udp nsx $LX 7070 64)")
	l=$(num "UDP echo Linux (loopback)" "$(udp nsl 127.0.0.1 7070 64)")
	echo "$(awk -v a="$g" -v b="$v" 'BEGIN { printf "%.3f", a / b }') $g $v $l" >> "$DIR/udp"
	awk -v g="$g" -v u="$us" 'BEGIN { c = 1e6 / u; printf "%.3f %.0f %.0f %s\n", g / c, g, c, u }' >> "$DIR/ceiling"
	g=$(num "UDP echo guest, 1 in flight" "$(udp nsx $G_UDP 7 1)")
	v=$(num "UDP echo Linux, 1 in flight" "$(udp nsx $LX 7070 1)")
	l=$(num "UDP echo Linux loopback, 1 in flight" "$(udp nsl 127.0.0.1 7070 1)")
	echo "$(awk -v a="$g" -v b="$v" 'BEGIN { printf "%.3f", a / b }') $g $v $l" >> "$DIR/udp1"

	# tcprx: the server receives (netclient sends); tcptx: the server sends.
	for d in send:tcprx recv:tcptx; do
		g=$(num "TCP bulk guest ${d#*:}" "$(bulk nsx $G_TCP 5001 "${d%%:*}")")
		v=$(num "TCP bulk Linux ${d#*:}" "$(bulk nsx $LX 5001 "${d%%:*}")")
		l=$(num "TCP bulk Linux loopback ${d#*:}" "$(bulk nsl 127.0.0.1 5001 "${d%%:*}")")
		echo "$(awk -v a="$g" -v b="$v" 'BEGIN { printf "%.3f", a / b }') $g $v $l" >> "$DIR/${d#*:}"
	done

	g=$(num "ping RTT guest" "$(rtt nsx $G_HTTP)")
	v=$(num "ping RTT Linux (veth)" "$(rtt nsx $LX)")
	echo "$(awk -v a="$g" -v b="$v" 'BEGIN { printf "%.3f", a / b }') $g $v" >> "$DIR/ping"
done
for p in "${pids[@]}"; do kill -0 "$p" 2> /dev/null || die "a server ended during the bench (logs in $DIR)"; done

# The round with the median ratio, and the range of the ratio.
pick() { sort -g "$DIR/$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
range() { sort -g "$DIR/$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }
rr() { printf '%.2f x (range %s over %s rounds)' "$1" "$(range "$2")" "$ROUNDS"; }
mbit() { awk -v m="$1" 'BEGIN { if (m >= 1000) printf "%.2f Gbit/s", m / 1000; else printf "%.0f Mbit/s", m }'; }
errs=$(awk '{ s += $9 } END { print s + 0 }' "$DIR/http")
{
	read -r ratio g v l gp50 gp99 vp50 vp99 _ < <(pick http)
	echo "| HTTP keep-alive req/s (wrk, 32 connections, $SECS s, hello.txt): guest behind a tap vs Linux httpd behind a veth | $g vs $v = $(rr "$ratio" http); Linux over loopback $l; guest socket errors in all rounds: $errs | >= 1 x |"
	echo "| HTTP latency p50 / p99 (same round) | guest $gp50 / $gp99 ms, Linux (veth) $vp50 / $vp99 ms | |"
	read -r ratio g v l < <(pick udp)
	echo "| UDP echo, 64 in flight, echoes/s: guest vs Linux udpecho behind a veth | $g vs $v = $(rr "$ratio" udp); Linux over loopback $l | >= 1 x |"
	read -r ratio g c us < <(pick ceiling)
	echo "| UDP echo, 64 in flight, against the one-exit-per-frame ceiling (tests/bench/probes/exit-cost.c, measured in the same rounds) | $g/s vs $c frames/s ($us us per exit) = $(rr "$ratio" ceiling) | >= 3 x |"
	read -r ratio g v l < <(pick udp1)
	echo "| UDP echo, 1 in flight, round trips/s: guest vs Linux (veth) | $g vs $v = $(rr "$ratio" udp1); Linux over loopback $l | |"
	read -r ratio g v l < <(pick tcprx)
	echo "| TCP bulk, guest receiving (tests/bench/tcpbulk.c, $SECS s): guest vs Linux behind a veth | $(mbit "$g") vs $(mbit "$v") = $(rr "$ratio" tcprx); Linux over loopback $(mbit "$l") | >= 0.5 x |"
	read -r ratio g v l < <(pick tcptx)
	echo "| TCP bulk, guest sending: guest vs Linux behind a veth | $(mbit "$g") vs $(mbit "$v") = $(rr "$ratio" tcptx); Linux over loopback $(mbit "$l") | >= 0.5 x |"
	read -r ratio g v < <(pick ping)
	echo "| ping RTT, median of 200 (the round with the median ratio): guest through a tap vs Linux behind a veth | $g ms vs $v ms = $(rr "$ratio" ping) | <= 0.2 ms |"
} | tee -a "$OUT"
