#!/bin/bash
# make bench, observability part: what --stats and --metrics cost a guest
# that does little but exit.  tests/guests/tiny.c's "calls N" makes N wait
# hypercalls as fast as it can (N + 1 KVM exits); it runs on plain
# tincan-run, with --stats (tincan-run execs tincan-run-debug: its counters
# and the lines at the end), and with --metrics=FILE:1 (a sample every
# second: getrusage, mincore over guest memory, the text, a write and a
# rename, each a KVM_RUN cut short by SIGVTALRM).  The three alternate
# within each of ROUNDS rounds (the order rotating); a run's figures are
# its wall and CPU (user + system) time.  Reported: each option's median
# ratio to the plain run, with its range over the rounds.  Appends rows to
# OUT_FILE.
#   tests/bench/metrics.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
ROUNDS=${BENCH_METRICS_ROUNDS:-7} CALLS=${BENCH_METRICS_CALLS:-150000}
RUN=$B/bin/tincan-run TINY=$B/tests/tiny.tc
die() {
	echo "bench: $*" >&2
	exit 1
}
for f in "$RUN" "$RUN-debug" "$TINY" /usr/bin/time; do
	[ -e "$f" ] || die "metrics: $f is missing (make all $TINY; Debian's time)"
done
DIR=$B/bench/metrics
rm -rf "$DIR"
mkdir -p "$DIR"
# Started as root, the monitor writes the file as nobody (the jail).
chmod 777 "$DIR"
trap 'rm -rf "$DIR"' EXIT

variants=(plain stats metrics)
opts() {
	case $1 in
	plain) ;;
	stats) echo --stats ;;
	metrics) echo "--metrics=$DIR/m.prom:1" ;;
	esac
}
# one VARIANT -> "wall cpu" seconds
one() {
	# shellcheck disable=SC2046 # opts gives zero or one word
	/usr/bin/time -f '%e %U %S' -o "$DIR/time" "$RUN" $(opts "$1") "$TINY" calls "$CALLS" > /dev/null 2> "$DIR/err" ||
		die "metrics: $1 run failed: $(tail -n 3 "$DIR/err")"
	awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$DIR/time"
}

for r in $(seq 1 "$ROUNDS"); do
	declare -A wall=() cpu=()
	for k in 0 1 2; do
		v=${variants[$(((r + k) % 3))]}
		read -r wall[$v] cpu[$v] < <(one "$v")
	done
	echo "$r ${wall[plain]} ${cpu[plain]} ${wall[stats]} ${cpu[stats]} ${wall[metrics]} ${cpu[metrics]}"
done > "$DIR/rounds"
cat "$DIR/rounds" >&2

# med COLUMN: "median (lo-hi)" of that column over the rounds, 3 decimals;
# ratio A B: the same of column A / column B.
med() { awk -v c="$1" '{ print $c }' "$DIR/rounds" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f (%.3f-%.3f)", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
ratio() { awk -v a="$1" -v b="$2" '{ print $a / $b }' "$DIR/rounds" | sort -g | awk '{ a[NR] = $1 } END { printf "%.3f x (range %.3f-%.3f)", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
ticks=$(awk '{ print int($6) }' "$DIR/rounds" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')

# What one sample costs: an idle guest (tiny "sleep", one wait) for IDLE ms
# with --metrics at 1 s and at 3600 s (no tick: the first and the final
# sample only), alternating; the monitor's CPU time from the final
# sample (getrusage, us), the difference over the ticks of the 1 s run.
IDLE=${BENCH_METRICS_IDLE:-6000}
cpu_of() { awk '/^tincan_cpu_seconds_total/ { s += $2 } END { printf "%.6f", s }' "$1"; }
for r in $(seq 1 "$ROUNDS"); do
	for p in 1 3600; do
		"$RUN" --metrics="$DIR/i$p.prom:$p" "$TINY" sleep "$IDLE" > /dev/null 2> "$DIR/err" ||
			die "metrics: idle run failed: $(tail -n 3 "$DIR/err")"
	done
	n=$(awk '/^tincan_wall_seconds_total/ { print int($2) }' "$DIR/i1.prom")
	awk -v a="$(cpu_of "$DIR/i1.prom")" -v b="$(cpu_of "$DIR/i3600.prom")" -v n="$n" 'BEGIN { printf "%.1f\n", (a - b) / n * 1e6 }'
done | sort -g > "$DIR/idle"
cat "$DIR/idle" >&2
per=$(awk '{ a[NR] = $1 } END { printf "%s us (range %s-%s)", a[int((NR + 1) / 2)], a[1], a[NR] }' "$DIR/idle")
{
	echo "| --stats on a guest making $CALLS hypercalls (tiny calls; $ROUNDS rounds, alternating) | wall $(ratio 4 2) plain tincan-run; CPU $(ratio 5 3); plain: wall $(med 2) s, CPU $(med 3) s | |"
	echo "| --metrics=FILE:1 on the same guest (~$ticks ticks a run) | wall $(ratio 6 2) plain tincan-run; CPU $(ratio 7 3) | |"
	echo "| one --metrics sample (host CPU, an idle guest of 8 MiB: $IDLE ms at 1 s against 3600 s; $ROUNDS rounds) | $per | |"
} | tee -a "$OUT"
