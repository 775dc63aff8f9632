#!/bin/bash
# What the sampling profiler costs a CPU-bound guest (tincan-run --profile,
# debug/profile.c): tests/guests/profile.c "burn" (a fixed number of loop
# turns in one function) timed by the guest itself, run by tincan-run
# alone, by tincan-run-debug without options, and with --profile at 99 Hz
# and at 999 Hz, back to back in each round (the order rotated from round
# to round).  Printed: each variant's median burn time over the rounds, and
# the median and range over the rounds of its overhead against tincan-run
# in the same round; also the whole run's wall time (boot, samples, the
# symbols and the file at the end).
# With OUT_FILE (make bench's results.md), its rows are appended there too.
#   tests/bench/profile.sh [BUILD_DIR [OUT_FILE]]
# BENCH_ROUNDS (default 15, at least 7) rounds; BENCH_PROFILE_MTURNS (1000)
# million turns a run (~0.3 s here).
set -euo pipefail
B=${1:-build} OUT=${2:-}
ROUNDS=${BENCH_ROUNDS:-15}
M=${BENCH_PROFILE_MTURNS:-1000}
RUN=$B/bin/tincan-run
IMG=$B/tests/profile.tc
die() {
	echo "bench: $*" >&2
	exit 1
}
[ "$ROUNDS" -ge 7 ] || die "BENCH_ROUNDS=$ROUNDS: at least 7"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || die "/dev/kvm is not usable here"
for f in "$RUN" "$RUN-debug" "$IMG"; do
	[ -x "$f" ] || [ -f "$f" ] || die "$f is missing: run make all $IMG"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

names=(tincan-run tincan-run-debug "--profile 99 Hz" "--profile 999 Hz")
run_one() { # variant -> "burn_ms wall_us"
	local cmd out t0 t1
	case $1 in
	0) cmd=("$RUN") ;;
	1) cmd=("$RUN-debug") ;;
	2) cmd=("$RUN" --profile="$tmp/p.folded:99") ;;
	3) cmd=("$RUN" --profile="$tmp/p.folded:999") ;;
	esac
	t0=$(date +%s%N)
	out=$("${cmd[@]}" "$IMG" burn "$M" 2> "$tmp/err") || die "${cmd[*]} failed: $(cat "$tmp/err")"
	t1=$(date +%s%N)
	[[ $out =~ ^burn\ ([0-9.]+)\ ms$ ]] || die "unexpected output: $out"
	echo "${BASH_REMATCH[1]} $(((t1 - t0) / 1000))"
}

echo "profile bench: $ROUNDS rounds, $M million turns a run, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for ((r = 0; r < ROUNDS; r++)); do
	for ((k = 0; k < 4; k++)); do
		v=$(((k + r) % 4))
		echo "$r $v $(run_one $v)" >> "$tmp/runs"
	done
done

# Per variant: the median burn and wall time; the median and range of the
# round's overhead against variant 0, in burn and in wall time.  (Not CPU
# time: on the nested host the guest's time is not the monitor's.)
awk -v n="${#names[@]}" -v out="$OUT" -v m="$M" -v names="$(printf '%s\n' "${names[@]}")" '
function median(a, k,   i, j, t) {
	for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
function over(x, k,   r, lo, hi, o) { # the median and range of x[r, v] / x[r, 0] - 1 over the rounds, in %
	lo = 1e9; hi = -1e9
	for (r = 0; r < rounds; r++) {
		o[r + 1] = (x[r, k] / x[r, 0] - 1) * 100
		if (o[r + 1] < lo) lo = o[r + 1]
		if (o[r + 1] > hi) hi = o[r + 1]
	}
	return sprintf("%+.2f%% (%+.2f..%+.2f)", median(o, rounds), lo, hi)
}
{ burn[$1, $2] = $3; wall[$1, $2] = $4 / 1000; if ($1 + 1 > rounds) rounds = $1 + 1 }
END {
	split(names, nm, "\n")
	printf "%-17s %9s %9s  %-28s %s\n", "variant", "burn ms", "wall ms", "burn overhead (range)", "wall overhead (range)"
	for (v = 0; v < n; v++) {
		delete b; delete w
		for (r = 0; r < rounds; r++) { b[r + 1] = burn[r, v]; w[r + 1] = wall[r, v] }
		printf "%-17s %9.1f %9.1f  %-28s %s\n", nm[v + 1], median(b, rounds), median(w, rounds), over(burn, v),
			over(wall, v)
		if (out != "" && v >= 2) {
			row = sprintf("| tincan-run %s: a CPU-bound guest'"'"'s time (%d M loop turns), median round vs tincan-run | %s over %d rounds | %s |",
				nm[v + 1], m, over(burn, v), rounds, v == 2 ? "< 2 %" : "")
			rows = rows row "\n"
		}
	}
	if (out != "") {
		printf "%s", rows
		printf "%s", rows >> out
	}
}' "$tmp/runs"
