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

# One line each: cat BYTES SECONDS, rand COUNT SECONDS (medians of 5 passes).
host=$("$B/host/fsread" "$DIR/tree/data" 5 2>/dev/null)
guest=$("$B/bin/tincan-run" --mem=$((MIB + 32))M "$DIR/fsread.tc" /data 5 2>/dev/null)
# The same file through a host directory (--dir): one exit per read.
dirg=$("$B/bin/tincan-run" --mem=32M --dir="$DIR/tree:/host" "$B/tests/fsread.tc" /host/data 5 2>/dev/null)
field() { printf '%s\n' "$1" | awk -v k="$2" '$1 == k { print $2, $3 }'; }
read -r bytes hcat < <(field "$host" cat)
read -r _ gcat < <(field "$guest" cat)
read -r count hrand < <(field "$host" rand)
read -r _ grand < <(field "$guest" rand)
read -r _ dcat < <(field "$dirg" cat)
read -r _ drand < <(field "$dirg" rand)
rate() { awk -v n="$1" -v s="$2" -v d="$3" 'BEGIN { printf "%.0f", n / s / d }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
	echo "| read() a $MIB MiB file in 64 KiB pieces, from the embedded tree | $(rate "$bytes" "$gcat" 1048576) MiB/s = $(ratio "$hcat" "$gcat") x a Linux process on the host file ($(rate "$bytes" "$hcat" 1048576) MiB/s, page cache) | |"
	echo "| pread() 4 KiB at random offsets of it | $(rate "$count" "$grand" 1000) k/s = $(ratio "$hrand" "$grand") x Linux ($(rate "$count" "$hrand" 1000) k/s) | |"
	echo "| read() the same file in 64 KiB pieces through --dir | $(rate "$bytes" "$dcat" 1048576) MiB/s = $(ratio "$hcat" "$dcat") x Linux | >= 0.5 x |"
	echo "| pread() 4 KiB at random offsets through --dir | $(rate "$count" "$drand" 1000) k/s = $(ratio "$hrand" "$drand") x Linux | |"
} | tee -a "$OUT"
