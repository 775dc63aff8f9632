# redis-server from Debian's redis source, built with exactly
#   make CC=tincan-cc MALLOC=libc USE_SYSTEMD=no BUILD_TLS=no
# (tests/yard/build.sh; no edits), run as a guest with no tincan options but
# the network (and a host directory or disk where it keeps its data), and
# driven by Debian's redis-cli and redis-benchmark from a network namespace.
load ../helpers

REDIS=$B/yard/tincan/redis-server

setup_file() {
	export NS=tincan-r$$
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip > /dev/null || return 0
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
	ip -n "$NS" addr add 10.78.0.1/24 dev tap0
}

teardown_file() {
	ip netns del "$NS" 2> /dev/null || true
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
	command -v redis-cli > /dev/null || skip "redis-cli is missing (apt-get install redis-tools)"
	[ -x "$REDIS" ] || { echo "$REDIS was not built (make test builds it)"; return 1; }
	D=$BATS_TEST_TMPDIR
	netns_fresh "$NS"
}

teardown() {
	[ -z "${PID:-}" ] || { kill -9 "$PID" 2> /dev/null || true; wait "$PID" 2> /dev/null || true; }
}

cli() { timeout 20 ip netns exec "$NS" redis-cli -h 10.78.0.2 "$@"; }

# Start redis in the background with tincan-run OPTIONS... -- REDIS ARGS...;
# wait (bounded) until it answers PING.
start() {
	local opts=() args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	ip netns exec "$NS" "$RUN" --net=tap0 --ip=10.78.0.2/24 "${opts[@]}" "$REDIS" \
		--protected-mode no "${args[@]}" > "$D/redis.log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do
		[ "$(cli ping 2> /dev/null)" = PONG ] && return 0
		kill -0 "$PID" 2> /dev/null || break
		sleep 0.1
	done
	cat "$D/redis.log"
	return 1
}

stop() {
	cli shutdown nosave > /dev/null 2>&1 || true
	wait "$PID"
	local st=$?
	PID=
	return $st
}

@test "redis-server boots with only the network and answers redis-cli" {
	mkdir "$D/data"
	start --dir="$D/data:/data" --cwd=/data
	[ "$(cli set greeting hello)" = OK ]
	[ "$(cli get greeting)" = hello ]
	[ "$(cli incrby n 41)" = 41 ]
	[ "$(cli incr n)" = 42 ]
	[ "$(cli rpush l a b c)" = 3 ]
	[ "$(cli lrange l 0 -1 | tr '\n' ' ')" = "a b c " ]
	run cli info server
	[[ $output == *"os:tincan"* ]]
	[[ $output == *"redis_version:7.0.15"* ]]
	grep -q "Ready to accept connections" "$D/redis.log"
	# SHUTDOWN: redis exits 0, and the guest's connections close as it goes
	# (redis-cli sees the end at once instead of waiting).
	SECONDS=0
	stop
	[ "$SECONDS" -lt 5 ]
}

@test "redis-benchmark -t set,get,incr,lpush,lrange -c 50: every request answered, no errors" {
	start
	run timeout 120 ip netns exec "$NS" redis-benchmark -h 10.78.0.2 -q --csv -t set,get,incr,lpush,lrange -c 50 -n 5000
	echo "$output"
	[ "$status" -eq 0 ]
	! [[ $output == *rror* ]]
	for t in SET GET INCR LPUSH LRANGE_100 LRANGE_600; do
		[[ $output == *"\"$t"* ]] || { echo "no $t line"; return 1; }
	done
	[ "$(cli dbsize)" -ge 3 ]
}

@test "1,000 concurrent clients are served" {
	start
	run timeout 120 ip netns exec "$NS" redis-benchmark -h 10.78.0.2 -q --csv -t set,get -c 1000 -n 20000
	echo "$output"
	[ "$status" -eq 0 ]
	! [[ $output == *rror* ]]
	[[ $output == *'"SET"'* ]] && [[ $output == *'"GET"'* ]]
	run cli info stats
	n=$(echo "$output" | sed -n 's/^total_connections_received:\([0-9]*\).*/\1/p')
	echo "connections: $n"
	[ "$n" -ge 2000 ]
}

@test "SAVE writes dump.rdb to a host directory; a new guest loads it" {
	mkdir "$D/data"
	start --dir="$D/data:/data" --cwd=/data
	for i in $(seq 1 200); do echo "SET key:$i value-$i"; done | cli > /dev/null
	[ "$(cli save)" = OK ]
	[ -s "$D/data/dump.rdb" ]
	stop
	start --dir="$D/data:/data" --cwd=/data
	[ "$(cli dbsize)" = 200 ]
	[ "$(cli get key:137)" = value-137 ]
}

@test "appendonly with appendfsync always on a block device: the monitor killed mid-stream loses no acknowledged write" {
	cp "$REDIS" "$D/redis.tc"
	"$B/bin/tincan-mkimage" --block=disk:/data "$D/redis.tc" > /dev/null
	REDIS=$D/redis.tc
	"$B/bin/tincan-mkfs" "$D/disk.img" 64M
	start --block=disk:"$D/disk.img" --cwd=/data -- --appendonly yes --appendfsync always
	# INCRs one after another; each reply is printed once the write is fsync'ed.
	timeout 60 ip netns exec "$NS" redis-cli -h 10.78.0.2 -r 100000 incr counter > "$D/acks" 2> /dev/null &
	writer=$!
	sleep 1.5
	kill -9 "$PID"
	wait "$PID" || true
	PID=
	sleep 0.5 # the last reply, if one was on its way
	kill "$writer" 2> /dev/null || true
	wait "$writer" || true
	acked=$(grep -E '^[0-9]+$' "$D/acks" | tail -n 1)
	echo "acknowledged: $acked"
	[ "$acked" -gt 10 ]
	start --block=disk:"$D/disk.img" --cwd=/data -- --appendonly yes --appendfsync always
	got=$(cli get counter)
	echo "after restart: $got"
	# Every acknowledged INCR is there; the one in flight may be too.
	[ "$got" -ge "$acked" ] && [ "$got" -le $((acked + 1)) ]
	grep -q "DB loaded from append only file" "$D/redis.log"
	stop
	run "$B/bin/tincan-mkfs" --check "$D/disk.img"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "BGSAVE needs fork: it fails, redis says why, and (as on Linux after a failed BGSAVE) refuses writes until a SAVE works" {
	mkdir "$D/data"
	start --dir="$D/data:/data" --cwd=/data
	[ "$(cli set k v)" = OK ]
	run cli bgsave
	echo "$output"
	[[ $output == *"ERR"* ]]
	grep -q "Can't save in background: fork: Function not implemented" "$D/redis.log"
	[ "$(cli get k)" = v ]
	[[ "$(cli set k w)" == MISCONF* ]]
	[ "$(cli save)" = OK ]
	[ "$(cli set k w)" = OK ]
}

@test "with --save '' (no background snapshots), thousands of writes never trigger a fork" {
	start -- --save ''
	run timeout 60 ip netns exec "$NS" redis-benchmark -h 10.78.0.2 -q --csv -t set -c 20 -n 20000
	[ "$status" -eq 0 ]
	[ "$(cli set k v)" = OK ]
	! grep -q fork "$D/redis.log"
}
