#!/bin/bash
# make bench, CPU part: Debian's Lua (tests/yard/build.sh lua) built for
# tincan and as a Linux process from the same source, running our own
# scripts (tests/bench/lua/*.lua: calls, tables, strings, growth).  Each
# round runs every script in the guest and as a Linux process back to
# back; a run's figure is its CPU time (user + system, /usr/bin/time: the
# guest's time is tincan-run's, boot and monitor included), since on a
# shared machine the wall time also counts waiting for a core; the wall
# ratio is given beside it.  The round with the median ratio is reported
# with the range over the rounds, then the geometric mean of the scripts'
# median ratios against the budget.  The outputs must match.  Then SQLite's
# speedtest1 --memdb (as in yard.sh, whose row gives its wall time) in CPU
# time the same way.  Appends rows to OUT_FILE.
#   tests/bench/cpu.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
ROUNDS=${BENCH_CPU_ROUNDS:-7}
here=$(cd "$(dirname "$0")" && pwd)
die() {
	echo "bench: $*" >&2
	exit 1
}
for p in lua sqlite; do
	"$here/../yard/build.sh" $p tincan "$B"
	"$here/../yard/build.sh" $p linux "$B"
done
G=$B/yard/tincan/lua L=$B/yard/linux/lua
DIR=$B/bench/cpu
rm -rf "$DIR"
mkdir -p "$DIR"
scripts=(fib table string grow)

# run NAME CMD... -> "cpu wall" seconds; the output goes to DIR/NAME.out
run() {
	local name=$1
	shift
	/usr/bin/time -f '%U %S %e' -o "$DIR/time" "$@" > "$DIR/$name.out" 2> "$DIR/$name.err" ||
		die "$name failed: $(tail -n 3 "$DIR/$name.err")"
	awk '{ printf "%.2f %.2f\n", $1 + $2, $3 }' "$DIR/time"
}
for _ in $(seq 1 "$ROUNDS"); do
	for s in "${scripts[@]}"; do
		read -r lc lw < <(run linux "$L" "$here/lua/$s.lua")
		read -r gc gw < <(run guest "$B/bin/tincan-run" --dir="$here/lua:/lua" "$G" "/lua/$s.lua")
		cmp -s "$DIR/linux.out" "$DIR/guest.out" || die "$s.lua: the guest printed '$(head -c 80 "$DIR/guest.out")', Linux '$(head -c 80 "$DIR/linux.out")'"
		awk -v g="$gc" -v l="$lc" -v a="$gw" -v b="$lw" \
			'BEGIN { if (l < 0.01) l = 0.01; printf "%.3f %s %s %.3f\n", g / l, g, l, a / b }' >> "$DIR/$s"
	done
done
pick() { sort -g "$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
range() { sort -g "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }
wall() { awk '{ print $4 }' "$1" | sort -g | sed -n "$(((ROUNDS + 1) / 2))p"; }
what() {
	case $1 in
	fib) echo "recursive calls (fib 35)" ;;
	table) echo "table inserts and lookups: integer, string and float keys" ;;
	string) echo "string building, format, gsub, gmatch, find" ;;
	grow) echo "tables and strings grown an element at a time (realloc)" ;;
	esac
}
for s in "${scripts[@]}"; do
	read -r ratio gc lc _ < <(pick "$DIR/$s")
	echo "| Lua 5.4 (Debian's source), $s.lua: $(what "$s"); CPU time, guest vs Linux process | $gc s vs $lc s = $ratio x (range $(range "$DIR/$s") over $ROUNDS rounds; wall time $(wall "$DIR/$s") x) | <= 1.1 x |"
done | tee -a "$OUT"
geo=$(for s in "${scripts[@]}"; do pick "$DIR/$s" | awk '{ print $1 }'; done |
	awk '{ l += log($1) } END { printf "%.2f", exp(l / NR) }')
echo "| Lua benchmark: geometric mean of the scripts' median ratios above | $geo x | <= 1.1 x |" | tee -a "$OUT"

# speedtest1 --memdb: the CPU side of SQLite alone.
SIZE=${BENCH_SPEEDTEST_SIZE:-25}
for _ in $(seq 1 "$ROUNDS"); do
	read -r lc lw < <(run linux "$B/yard/linux/speedtest1" --size "$SIZE" --memdb)
	read -r gc gw < <(run guest "$B/bin/tincan-run" "$B/yard/tincan/speedtest1" --size "$SIZE" --memdb)
	grep -q TOTAL "$DIR/guest.out" || die "speedtest1 in the guest printed no TOTAL"
	awk -v g="$gc" -v l="$lc" -v a="$gw" -v b="$lw" \
		'BEGIN { if (l < 0.01) l = 0.01; printf "%.3f %s %s %.3f\n", g / l, g, l, a / b }' >> "$DIR/speedtest1"
done
read -r ratio gc lc _ < <(pick "$DIR/speedtest1")
echo "| speedtest1 --size $SIZE --memdb, CPU time, guest vs Linux process | $gc s vs $lc s = $ratio x (range $(range "$DIR/speedtest1") over $ROUNDS rounds; wall time $(wall "$DIR/speedtest1") x) | <= 1.1 x |" | tee -a "$OUT"
