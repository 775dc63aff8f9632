#!/bin/bash
# make bench, file part: read throughput from the image's embedded tree
# (tincan-mkimage --rootfs) and from a host directory (tincan-run --dir),
# beside the same program (tests/bench/fsread.c)
# as a Linux process reading the same file on the host, page cache warm, in
# the same run.  A 64 MiB file: read() in 64 KiB pieces start to end, and
# pread() of 4 KiB at random offsets.  Appends rows to OUT_FILE.
#   tests/bench/fs.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
DIR=$B/bench/fs
MIB=${BENCH_FS_MIB:-64}
rm -rf "$DIR"
mkdir -p "$DIR/tree"
trap 'rm -rf "$DIR"' EXIT
head -c $((MIB << 20)) /dev/urandom > "$DIR/tree/data"
cp "$B/tests/fsread.tc" "$DIR/fsread.tc"
"$B/bin/tincan-mkimage" --rootfs="$DIR/tree" "$DIR/fsread.tc" >/dev/null
cat "$DIR/tree/data" > /dev/null # the host side reads from the page cache

# The machine's speed drifts: ROUNDS rounds, each running the Linux process,
# the guest on the tree and the guest on --dir back to back; each figure is
# the median round's, with the range of the ratio over all rounds.
# fsread prints "cat BYTES SECONDS" and "rand COUNT SECONDS" (medians of 3
# passes).
ROUNDS=${BENCH_ROUNDS:-5}
field() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k { print $2, $3 }'; }
for r in $(seq 1 "$ROUNDS"); do
	host=$("$B/host/fsread" "$DIR/tree/data" 3 2>/dev/null)
	tree=$("$B/bin/tincan-run" --mem=$((MIB + 32))M "$DIR/fsread.tc" /data 3 2>/dev/null)
	dir=$("$B/bin/tincan-run" --mem=32M --dir="$DIR/tree:/host" "$B/tests/fsread.tc" /host/data 3 2>/dev/null)
	read -r bytes hcat < <(field "$host" cat)
	read -r count hrand < <(field "$host" rand)
	echo "$bytes $count $hcat $hrand $(field "$tree" cat | cut -d' ' -f2) $(field "$tree" rand | cut -d' ' -f2)" \
		"$(field "$dir" cat | cut -d' ' -f2) $(field "$dir" rand | cut -d' ' -f2)"
done > "$DIR/rounds"
# Column c of the rounds (seconds) against the host's column h: "median
# ratio, guest seconds in that round, host seconds in it, min, max".
pick() {
	awk -v c="$1" -v h="$2" '{ print $h / $c, $c, $h }' "$DIR/rounds" | sort -g |
		awk '{ r[NR] = $0; v[NR] = $1 } END { m = int((NR + 1) / 2); print r[m], v[1], v[NR] }'
}
read -r bytes count _ < "$DIR/rounds"
rate() { awk -v n="$1" -v s="$2" -v d="$3" 'BEGIN { printf "%.0f", n / s / d }'; }
row() { # what, n, divisor, unit, column, host column, budget
	local ratio gs hs lo hi
	read -r ratio gs hs lo hi < <(pick "$5" "$6")
	printf '| %s | %s %s = %.2f x a Linux process (%s %s), range %.2f-%.2f over %s rounds | %s |\n' "$1" \
		"$(rate "$2" "$gs" "$3")" "$4" "$ratio" "$(rate "$2" "$hs" "$3")" "$4" "$lo" "$hi" "$ROUNDS" "$7"
}
{
	row "read() a $MIB MiB file in 64 KiB pieces from the embedded tree (Linux: the host file, page cache)" \
		"$bytes" 1048576 MiB/s 5 3 ">= 0.5 x"
	row "pread() 4 KiB at random offsets of it" "$count" 1000 k/s 6 4 ""
	row "read() the same file in 64 KiB pieces through --dir" "$bytes" 1048576 MiB/s 7 3 ">= 0.5 x"
	row "pread() 4 KiB at random offsets through --dir (page cache: an exit per miss)" "$count" 1000 k/s 8 4 ""
} | tee -a "$OUT"
