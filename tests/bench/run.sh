#!/bin/bash
# make bench: boot latency, exits, sizes and memory of hello, printed as a
# table, then file reads from an embedded tree and a host directory
# (fs.sh), fsync'ed appends on a block device (blk.sh), redis and SQLite
# (yard.sh), the pc platform's boot under QEMU (pc.sh) and the network (net.sh).  Timing is noisy on shared machines, so every time is a median
# from one hyperfine run that also times the baselines, and is given as a ratio.
#   tests/bench/run.sh BUILD_DIR
set -euo pipefail
B=${1:-build}
RUN=$B/bin/tincan-run
HELLO=$B/apps/hello.tc
OUT=$B/bench
RUNS=${BENCH_RUNS:-50}
mkdir -p "$OUT"

[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "bench: /dev/kvm is not usable here" >&2; exit 1; }

# The boot floor: a bare KVM create-run-halt, static musl like tincan-run,
# from the shared probes when they are beside this checkout.
PROBES=$(cd "$(dirname "$0")/../.." && pwd)/../shared/probes
FLOOR=
if [ -f "$PROBES/kvm-floor.c" ]; then
	musl-gcc -static -O2 -isystem "$B/kinc" -o "$OUT/kvm-floor-static" "$PROBES/kvm-floor.c"
	FLOOR=$OUT/kvm-floor-static
fi

median() { # JSON FILE, command index -> median in ms
	jq -r ".results[$2].median * 1000" "$1"
}

cmds=("$RUN $HELLO" "/bin/true")
[ -n "$FLOOR" ] && cmds=("$FLOOR" "${cmds[@]}")
# This machine's speed drifts within seconds, and hyperfine runs one
# command's runs back to back: so take ROUNDS short runs and report the
# round with the median hello/floor ratio.
ROUNDS=${BENCH_ROUNDS:-5}
for r in $(seq 1 "$ROUNDS"); do
	hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$OUT/boot$r.json" "${cmds[@]}" > "$OUT/hyperfine.txt" 2>&1 ||
		{ cat "$OUT/hyperfine.txt"; exit 1; }
	if [ -n "$FLOOR" ]; then
		echo "$(median "$OUT/boot$r.json" 1) $(median "$OUT/boot$r.json" 0) $(median "$OUT/boot$r.json" 2)"
	else
		echo "$(median "$OUT/boot$r.json" 0) 0 $(median "$OUT/boot$r.json" 1)"
	fi
done | awk '{ printf "%s %s %s %s\n", ($2 > 0 ? $1 / $2 : $1), $1, $2, $3 }' | sort -n > "$OUT/rounds.txt"
read -r _ hello floor true_ < <(sed -n "$(((ROUNDS + 1) / 2))p" "$OUT/rounds.txt")
[ -n "$FLOOR" ] || floor=

exits=$("$RUN" --stats "$HELLO" 2>&1 >/dev/null | sed -n 's/.*stats: \([0-9]*\) KVM exits.*/\1/p')
b2m=$(for i in $(seq 1 21); do "$RUN" "$HELLO" | sed -n 's/boot to main: \(.*\) ms/\1/p'; done | sort -n | sed -n 11p)

file=$(stat -c %s "$HELLO")
loaded=0
for m in $(readelf -lW "$HELLO" | awk '$1 == "LOAD" { print $6 }'); do loaded=$((loaded + m)); done
strip -o "$OUT/hello.stripped" "$HELLO"
stripped=$(stat -c %s "$OUT/hello.stripped")
mon=$(stat -c %s "$RUN")
static=$(readelf -d "$RUN" 2>&1 | grep -q 'no dynamic section' && echo static || echo dynamic)

rss() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
rss_hello=$(for i in 1 2 3 4 5; do rss "$RUN" "$HELLO"; done | sort -n | sed -n 3p)
rss_floor=
[ -n "$FLOOR" ] && rss_floor=$(for i in 1 2 3 4 5; do rss "$FLOOR"; done | sort -n | sed -n 3p)

# The smallest --mem hello runs in, to 4 KiB.
lo=64 hi=1024
"$RUN" --mem=${hi}K "$HELLO" >/dev/null 2>&1 || hi=
if [ -n "$hi" ]; then
	while [ $((hi - lo)) -gt 4 ]; do
		mid=$(((lo + hi) / 2 / 4 * 4))
		if "$RUN" --mem=${mid}K "$HELLO" >/dev/null 2>&1; then hi=$mid; else lo=$mid; fi
	done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
	echo "tincan bench ($(date -u +%Y-%m-%d), $(nproc) cores; boot: median of $RUNS runs each, the middle of $ROUNDS rounds)"
	echo
	echo "| what | figure | budget |"
	echo "|---|---|---|"
	if [ -n "$FLOOR" ]; then
		echo "| hello exec -> exit | $(printf %.2f "$hello") ms = $(ratio "$hello" "$floor") x kvm-floor-static ($(printf %.2f "$floor") ms), $(ratio "$hello" "$true_") x /bin/true ($(printf %.2f "$true_") ms) | <= 1.3 x kvm-floor-static |"
	else
		echo "| hello exec -> exit | $(printf %.2f "$hello") ms = $(ratio "$hello" "$true_") x /bin/true (kvm-floor-static not found) | <= 1.3 x kvm-floor-static |"
	fi
	echo "| hello boot to main (in-guest, from tincan-run's start) | $b2m ms | |"
	echo "| KVM exits in a hello run | $exits | |"
	echo "| hello loaded segments | $loaded B ($((loaded / 1024)) KiB) | <= 64 KiB |"
	echo "| hello image file, symbols included | $file B ($((file / 1024)) KiB); stripped $stripped B | <= 128 KiB |"
	echo "| tincan-run, stripped | $mon B ($((mon / 1024)) KiB), $static | <= 64 KiB, static |"
	echo "| peak RSS of tincan-run hello | ${rss_hello} KiB$([ -n "$rss_floor" ] && echo " (kvm-floor-static: ${rss_floor} KiB)") | |"
	echo "| smallest --mem hello runs in | ${hi:-?}K | 1M |"
} | tee "$OUT/results.md"

"$(dirname "$0")/fs.sh" "$B" "$OUT/results.md"
"$(dirname "$0")/blk.sh" "$B" "$OUT/results.md"
"$(dirname "$0")/yard.sh" "$B" "$OUT/results.md"
"$(dirname "$0")/pc.sh" "$B" "$OUT/results.md"

if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ]; then
	"$(dirname "$0")/net.sh" "$B" "$OUT/results.md"
else
	echo "(network figures need root for a network namespace: skipped)"
fi
