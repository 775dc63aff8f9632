#!/bin/bash
# make bench, yardstick part: redis and SQLite from Debian's sources
# (tests/yard/build.sh), each built for tincan and as a Linux process from
# the same source in the same run.
#  - redis-benchmark (SET, GET, LPUSH; then the same pipelined, -P 16) from
#    a network namespace against redis in the guest (behind a tap) and the
#    Linux redis in a second namespace behind a veth pair: both cross one
#    virtual link.  Requests per second, guest / Linux.
#  - SQLite's speedtest1: the guest (database in a --dir host directory)
#    and the Linux process (database in the same host directory); total
#    seconds, guest / Linux.
# Rounds alternate guest and Linux; the round with the median ratio is
# reported with the range.  Appends rows to OUT_FILE.
#   tests/bench/yard.sh BUILD_DIR OUT_FILE
set -euo pipefail
B=$1 OUT=$2
ROUNDS=${BENCH_YARD_ROUNDS:-5}
N=${BENCH_REDIS_REQUESTS:-50000}
SIZE=${BENCH_SPEEDTEST_SIZE:-25}
here=$(cd "$(dirname "$0")" && pwd)
DIR=$B/bench/yard
rm -rf "$DIR"
mkdir -p "$DIR/db"
for f in redis sqlite; do
	"$here/../yard/build.sh" $f tincan "$B"
	"$here/../yard/build.sh" $f linux "$B"
done
G=$B/yard/tincan L=$B/yard/linux
NS=tincan-yb$$ NSL=tincan-yl$$
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -9 "$p" 2> /dev/null || true
		wait "$p" 2> /dev/null || true
	done
	ip netns del "$NS" 2> /dev/null || true
	ip netns del "$NSL" 2> /dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

# median and range of the first column of FILE, plus the median row
pick() { sort -n "$1" | sed -n "$(((ROUNDS + 1) / 2))p"; }
range() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }

# ---- redis ------------------------------------------------------------------
if [ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v redis-benchmark > /dev/null; then
	ip netns add "$NS"
	ip netns add "$NSL"
	ip -n "$NS" link set lo up
	ip -n "$NSL" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.81.0.1/24 dev tap0
	ip -n "$NS" link add veth0 type veth peer name veth1 netns "$NSL"
	ip -n "$NS" addr add 10.82.0.1/24 dev veth0
	ip -n "$NS" link set veth0 up
	ip -n "$NSL" addr add 10.82.0.2/24 dev veth1
	ip -n "$NSL" link set veth1 up
	ip netns exec "$NS" "$B/bin/tincan-run" --net=tap0 --ip=10.81.0.2/24 "$G/redis-server" \
		--protected-mode no --save '' > "$DIR/guest.log" 2>&1 &
	pids+=($!)
	ip netns exec "$NSL" "$L/redis-server" --protected-mode no --save '' --bind 10.82.0.2 \
		> "$DIR/linux.log" 2>&1 &
	pids+=($!)
	for host in 10.81.0.2 10.82.0.2; do
		for _ in $(seq 100); do
			[ "$(ip netns exec "$NS" redis-cli -h $host ping 2> /dev/null)" = PONG ] && break
			sleep 0.1
		done
	done
	bench() { # HOST PIPELINE -> "set get lpush" requests per second
		# pipelined runs are ~15x faster: 10x the requests, so each lasts long enough to time
		ip netns exec "$NS" redis-benchmark -h "$1" -q --csv -t set,get,lpush -c 50 -n $((N * ($2 > 1 ? 10 : 1))) -P "$2" |
			awk -F'"' '{ v[$2] = $4 } END { print v["SET"], v["GET"], v["LPUSH"] }'
	}
	for p in 1 16; do
		: > "$DIR/redis$p"
		for r in $(seq 1 "$ROUNDS"); do
			read -r gs gg gl < <(bench 10.81.0.2 $p)
			read -r ls lg ll < <(bench 10.82.0.2 $p)
			# the geometric mean of the three ratios, then the figures
			awk -v a="$gs" -v b="$gg" -v c="$gl" -v d="$ls" -v e="$lg" -v f="$ll" \
				'BEGIN { printf "%.3f %.0f %.0f %.0f %.0f %.0f %.0f\n", exp((log(a/d) + log(b/e) + log(c/f)) / 3), a, b, c, d, e, f }' \
				>> "$DIR/redis$p"
		done
	done
	for p in 1 16; do
		read -r ratio gs gg gl ls lg ll < <(pick "$DIR/redis$p")
		echo "| redis-benchmark -c 50$([ $p = 16 ] && echo " -P 16") (SET/GET/LPUSH req/s): guest behind a tap vs Linux redis behind a veth | $gs/$gg/$gl vs $ls/$lg/$ll = ${ratio} x (range $(range "$DIR/redis$p") over $ROUNDS rounds) | >= 0.8 x |"
	done | tee -a "$OUT"
else
	echo "(redis figures need root, /dev/net/tun and redis-benchmark: skipped)" | tee -a "$OUT"
fi

# ---- speedtest1 ---------------------------------------------------------------
total() { sed -n 's/^ *TOTAL\.* *\([0-9.]*\)s$/\1/p'; }
cp "$G/speedtest1" "$DIR/st.tc"
"$B/bin/tincan-mkimage" --block=disk:/data "$DIR/st.tc" > /dev/null
: > "$DIR/speed-blk"
: > "$DIR/speed-dir"
: > "$DIR/speed-mem"
for r in $(seq 1 "$ROUNDS"); do
	rm -f "$DIR/db/"*
	lt=$("$L/speedtest1" --size "$SIZE" "$DIR/db/l.db" | total)
	"$B/bin/tincan-mkfs" "$DIR/disk.img" 512M
	gt=$("$B/bin/tincan-run" --block="$DIR/disk.img" "$DIR/st.tc" --size "$SIZE" /data/g.db | total)
	awk -v g="$gt" -v l="$lt" 'BEGIN { printf "%.3f %s %s\n", g / l, g, l }' >> "$DIR/speed-blk"
	rm -f "$DIR/db/"* "$DIR/disk.img"
	gt=$("$B/bin/tincan-run" --dir="$DIR/db:/db" "$G/speedtest1" --size "$SIZE" /db/g.db | total)
	awk -v g="$gt" -v l="$lt" 'BEGIN { printf "%.3f %s %s\n", g / l, g, l }' >> "$DIR/speed-dir"
	gt=$("$B/bin/tincan-run" "$G/speedtest1" --size "$SIZE" --memdb | total)
	lt=$("$L/speedtest1" --size "$SIZE" --memdb | total)
	awk -v g="$gt" -v l="$lt" 'BEGIN { printf "%.3f %s %s\n", g / l, g, l }' >> "$DIR/speed-mem"
done
for w in blk dir mem; do
	read -r ratio gt lt < <(pick "$DIR/speed-$w")
	case $w in
	blk) what="database on a block device; Linux: a file in the same directory as the disk file" ;;
	dir) what="database on --dir; Linux: a file in that directory" ;;
	mem) what="--memdb, both: the CPU side alone" ;;
	esac
	echo "| speedtest1 --size $SIZE, total time, guest vs Linux process ($what) | ${gt} s vs ${lt} s = ${ratio} x (range $(range "$DIR/speed-$w") over $ROUNDS rounds) | <= 1.15 x |"
done | tee -a "$OUT"
