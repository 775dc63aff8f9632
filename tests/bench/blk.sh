#!/bin/bash
# make bench, block part: fsync'ed 4 KiB appends to a file on a block
# device's file system (tincan-mkfs, tincan-mkimage --block, tincan-run
# --block), beside the same program (tests/bench/append.c) as a Linux
# process appending to a file in the same host directory as the disk file,
# in the same run.  fsync speed drifts with the host's disk, so the two
# alternate for ROUNDS rounds and the round with the median ratio is
# reported.  Appends rows to OUT_FILE.
#   tests/bench/blk.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
DIR=$B/bench/blk
COUNT=${BENCH_APPENDS:-1000} PASSES=5 ROUNDS=${BENCH_BLK_ROUNDS:-3}
rm -rf "$DIR"
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
cp "$B/tests/append.tc" "$DIR/append.tc"
"$B/bin/tincan-mkimage" --block=disk:/data "$DIR/append.tc" > /dev/null

# Each round prints: ratio, guest s, host s, exits; append prints one line,
# append COUNT SECONDS (the median of PASSES passes).
for r in $(seq 1 "$ROUNDS"); do
	# A new disk: PASSES x COUNT records of 4 KiB + a header (9 sectors)
	# stay under half of it, so no compaction runs inside a timed loop.
	"$B/bin/tincan-mkfs" "$DIR/disk.img" 64M
	read -r _ _ hs < <("$B/host/append" "$DIR/log" "$COUNT" "$PASSES")
	read -r _ _ gs < <("$B/bin/tincan-run" --stats --block="$DIR/disk.img" "$DIR/append.tc" /data/log "$COUNT" \
		"$PASSES" 2> "$DIR/stats")
	"$B/bin/tincan-mkfs" --check "$DIR/disk.img" > /dev/null
	exits=$(sed -n 's/.*stats: \([0-9]*\) KVM exits.*/\1/p' "$DIR/stats")
	echo "$(awk -v a="$hs" -v b="$gs" 'BEGIN { print a / b }') $gs $hs $exits"
	rm -f "$DIR/log" "$DIR/disk.img"
done | sort -g > "$DIR/rounds"
read -r ratio gs hs exits < <(sed -n "$(((ROUNDS + 1) / 2))p" "$DIR/rounds")
lo=$(head -n 1 "$DIR/rounds" | cut -d' ' -f1) hi=$(tail -n 1 "$DIR/rounds" | cut -d' ' -f1)
fsyncs=$((COUNT * PASSES))
rate() { awk -v n="$COUNT" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }
{
	echo "| fsync'ed 4 KiB appends, block device | $(rate "$gs")/s = $(printf %.2f "$ratio") x a Linux process on the same host file system ($(rate "$hs")/s), range $(printf %.2f "$lo")-$(printf %.2f "$hi") over $ROUNDS rounds | >= 0.5 x |"
	echo "| KVM exits per fsync'ed append (a whole run: $exits exits, $fsyncs appends) | $(awk -v e="$exits" -v k="$fsyncs" 'BEGIN { printf "%.2f", e / k }') | |"
} | tee -a "$OUT"
