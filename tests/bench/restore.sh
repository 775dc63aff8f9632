#!/bin/bash
# make bench, snapshot/restore part (issue 14's budgets):
#   1. restore to exit: tests/guests/snaphello.c snapshotted once at its
#      tincan_ready(), then `tincan-run --restore=FILE` (prints hello, exits)
#      against kvm-floor-static and a cold `tincan-run hello.tc`, the three
#      back to back in each of ROUNDS rounds (hyperfine -N, RUNS runs each);
#      budget <= 1.2 x kvm-floor-static;
#   2. restore to the first HTTP response (root only; BENCH_NET=0 skips it):
#      httpd snapshotted once it listens, then from the spawn of `tincan-run
#      --restore=FILE --net=TAP --ip=...` to the last byte of the first full
#      response to GET /hello.txt (tests/bench/firstresp.c), against a cold
#      boot of httpd to its first response and the floor's spawn to exit,
#      run by run in turn, HTTP_RUNS of each in each of ROUNDS rounds;
#      budget <= 1.5 x the floor.
# Each figure is the round with the median ratio to the floor, with the
# range of that ratio over the rounds.  Appends rows to OUT_FILE; a figure
# that cannot be measured is an error.
# BENCH_RESTORE_ROUNDS (default BENCH_ROUNDS, else 11), BENCH_RUNS (50),
# BENCH_RESTORE_HTTP_RUNS (20).
#   tests/bench/restore.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
RUN=$B/bin/tincan-run FLOOR=$B/bench/kvm-floor-static TIMER=$B/bench/firstresp
HELLO=$B/apps/hello.tc SNAPHELLO=$B/tests/snaphello.tc HTTPD=$B/apps/httpd.tc
ROUNDS=${BENCH_RESTORE_ROUNDS:-${BENCH_ROUNDS:-11}}
RUNS=${BENCH_RUNS:-50} HTTP_RUNS=${BENCH_RESTORE_HTTP_RUNS:-20}
DIR=$B/bench/restore
NS=tincan-rb$$ G=10.93.0.2 MAC=02:93:00:00:00:02
die() {
	echo "restore bench: $*" >&2
	exit 1
}
for f in "$RUN" "$FLOOR" "$TIMER" "$HELLO" "$SNAPHELLO" "$HTTPD"; do
	[ -e "$f" ] || die "$f is missing (make bench builds it)"
done
command -v hyperfine > /dev/null || die "hyperfine is missing (toolchain/deps.sh bench installs it)"
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || die "BENCH_RESTORE_ROUNDS must be 1 to 99"
[[ $HTTP_RUNS =~ ^[1-9][0-9]{0,3}$ ]] || die "BENCH_RESTORE_HTTP_RUNS must be 1 to 9999"
rm -rf "$DIR"
mkdir -p "$DIR"
cleanup() { ip netns del "$NS" 2> /dev/null || true; }
trap cleanup EXIT
num() { [[ $2 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "no figure for $1 (got '$2')"; }
pick() { sort -g "$DIR/$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
range() { sort -g "$DIR/$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }

# 1. Restore to exit.
timeout 30 "$RUN" --snapshot="$DIR/hello.snap" "$SNAPHELLO" > "$DIR/snapshot.log" 2>&1 ||
	die "tincan-run --snapshot of $SNAPHELLO failed: $(tail -n 1 "$DIR/snapshot.log")"
out=$(timeout 30 "$RUN" --restore="$DIR/hello.snap" 2>&1) || die "the restore of $SNAPHELLO failed: $out"
[ "$out" = hello ] || die "the restore of $SNAPHELLO printed '$out', not hello"
snap_kib=$(du -k "$DIR/hello.snap" | cut -f1)
cmds=("$FLOOR" "$RUN --restore=$DIR/hello.snap" "$RUN $HELLO")
for r in $(seq 1 "$ROUNDS"); do
	hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$DIR/exit$r.json" "${cmds[@]}" > "$DIR/hyperfine.txt" 2>&1 ||
		{
			cat "$DIR/hyperfine.txt" >&2
			die "hyperfine failed"
		}
	jq -r '[.results[].median * 1000] | "\(.[1] / .[0]) \(.[1]) \(.[0]) \(.[2]) \(.[2] / .[0])"' "$DIR/exit$r.json"
done > "$DIR/exit"
read -r ratio rest floor cold cratio < <(pick exit)
for v in "$ratio" "$rest" "$floor" "$cold" "$cratio"; do num "restore to exit" "$v"; done
printf '| snaphello restored -> exit (tests/guests/snaphello.c: snapshot at tincan_ready(), %s KiB on disk; hyperfine -N, %s runs a round) | %.2f ms = %.2f x kvm-floor-static (%.2f ms; range %s over %s rounds); cold hello.tc %.2f ms = %.2f x | <= 1.2 x kvm-floor-static |\n' \
	"$snap_kib" "$RUNS" "$rest" "$ratio" "$floor" "$(range exit)" "$ROUNDS" "$cold" "$cratio" | tee -a "$OUT"

# 2. Restore to the first HTTP response.
if [ "${BENCH_NET:-1}" = 0 ]; then
	echo "| httpd restored -> first HTTP response | skipped (BENCH_NET=0) | |" | tee -a "$OUT"
	exit 0
fi
[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] || die "the HTTP figure needs root and /dev/net/tun (BENCH_NET=0 skips it)"
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add tap0 mode tap
ip -n "$NS" link set tap0 up
ip -n "$NS" addr add 10.93.0.1/24 dev tap0
# A permanent neighbour: no ARP (whose first request a tap without a
# reader drops, and which the kernel retries only after 1 s) in the time.
ip -n "$NS" neigh add $G lladdr $MAC dev tap0 nud permanent
nsx() { ip netns exec "$NS" "$@"; }
NET=(--net=tap0 "--ip=$G/24" "--net-mac=$MAC")
nsx timeout 30 "$RUN" --snapshot="$DIR/httpd.snap" "${NET[@]}" "$HTTPD" > "$DIR/httpd-snapshot.log" 2>&1 ||
	die "tincan-run --snapshot of httpd failed: $(tail -n 1 "$DIR/httpd-snapshot.log")"
hsnap_kib=$(du -k "$DIR/httpd.snap" | cut -f1)
# Each run: "floor restore cold" in microseconds (a failed run is an error).
once() { # WHAT CMD...
	local t
	t=$(nsx "$TIMER" "$@" 2> "$DIR/timer.err") || die "$1: $(tail -n 1 "$DIR/timer.err")"
	echo "$t"
}
for r in $(seq 1 "$ROUNDS"); do
	for _ in $(seq 1 "$HTTP_RUNS"); do
		echo "$(once exit -- "$FLOOR") $(once http $G 80 /hello.txt 5000 -- "$RUN" --restore="$DIR/httpd.snap" "${NET[@]}") $(once http $G 80 /hello.txt 5000 -- "$RUN" "${NET[@]}" "$HTTPD")"
	done > "$DIR/http-runs$r"
	# (medians of each column, in ms)
	for c in 1 2 3; do
		awk -v c=$c '{ print $c / 1000 }' "$DIR/http-runs$r" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
	done | paste -sd' ' | awk '{ print $2 / $1, $2, $1, $3, $3 / $1 }'
done > "$DIR/http"
read -r ratio rest floor cold cratio < <(pick http)
for v in "$ratio" "$rest" "$floor" "$cold" "$cratio"; do num "restore to first HTTP response" "$v"; done
printf '| httpd restored -> first HTTP response (spawn of tincan-run --restore on a tap to the last byte of GET /hello.txt, tests/bench/firstresp.c; snapshot once listening, %s KiB on disk; median of %s runs a round) | %.2f ms = %.2f x kvm-floor-static spawn to exit (%.2f ms; range %s over %s rounds); cold httpd to first response %.2f ms = %.2f x | <= 1.5 x kvm-floor-static |\n' \
	"$hsnap_kib" "$HTTP_RUNS" "$rest" "$ratio" "$floor" "$(range http)" "$ROUNDS" "$cold" "$cratio" | tee -a "$OUT"
