#!/bin/bash
# Allocator patterns (tests/bench/alloc.c) in a guest (newlib's malloc over
# libos's sbrk) and as a Linux process (glibc), ROUNDS times each,
# alternating; prints the median ms of each pattern and the ratio.
#   tests/bench/alloc.sh BUILD_DIR [ROUNDS]
set -euo pipefail
B=$1 ROUNDS=${2:-5}
SRC=$(dirname "$0")/alloc.c
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$B/bin/tincan-cc" -O2 -o "$TMP/alloc.tc" "$SRC"
cc -O2 -o "$TMP/alloc" "$SRC"
for r in $(seq "$ROUNDS"); do
	"$B/bin/tincan-run" --mem=256M "$TMP/alloc.tc" | sed 's/^/guest /'
	"$TMP/alloc" | sed 's/^/linux /'
done > "$TMP/out"
printf '%-8s %10s %10s %7s\n' pattern guest_ms linux_ms ratio
for p in $(awk '{ print $2 }' "$TMP/out" | awk '!seen[$0]++'); do
	g=$(awk -v p="$p" '$1 == "guest" && $2 == p { print $3 }' "$TMP/out" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	l=$(awk -v p="$p" '$1 == "linux" && $2 == p { print $3 }' "$TMP/out" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	printf '%-8s %10s %10s %7s\n' "$p" "$g" "$l" "$(awk -v a="$g" -v b="$l" 'BEGIN { printf "%.2f", a / b }')"
done
