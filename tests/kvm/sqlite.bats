# The sqlite3 shell and speedtest1 from Debian's sqlite3 source, built as a
# user would (CC=tincan-cc ./configure --disable-tcl && make sqlite3;
# tests/yard/build.sh; no edits), with databases on a host directory and on
# a block device.  The host's own sqlite3 (when installed) reads them back.
load ../helpers

SQLITE=$B/yard/tincan/sqlite3
SPEED=$B/yard/tincan/speedtest1

setup() {
	need_kvm
	[ -x "$SQLITE" ] && [ -x "$SPEED" ] || { echo "$SQLITE or $SPEED was not built (make test builds them)"; return 1; }
	D=$BATS_TEST_TMPDIR
	mkdir -p "$D/db"
}

# The guest shell on DB with the SQL in $SQL: sq OPTIONS... DB
sq() {
	local db=${*: -1}
	printf '%s\n' "$SQL" > "$D/in.sql"
	run timeout 60 "$RUN" "${@:1:$#-1}" "$SQLITE" -bail "$db" < "$D/in.sql"
}

fill_sql() {
	cat << 'SQL'
PRAGMA journal_mode=WAL;
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
CREATE INDEX tb ON t(b);
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000)
INSERT INTO t SELECT x, hex(randomblob(16)), x * 0.5 FROM n;
SELECT count(*), sum(a), sum(c) FROM t;
PRAGMA integrity_check;
SQL
}

@test "a WAL database on a host directory: written in the guest, right, and readable by the host's sqlite3" {
	SQL=$(fill_sql) sq --dir="$D/db:/db" /db/t.db
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = wal ]
	[ "${lines[1]}" = "20000|200010000|100005000.0" ]
	[ "${lines[2]}" = ok ]
	SQL="SELECT count(*) FROM t WHERE b IN (SELECT b FROM t WHERE a % 1000 = 0); PRAGMA journal_mode;" sq --dir="$D/db:/db" /db/t.db
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 20 ]
	[ "${lines[1]}" = wal ]
	if command -v sqlite3 > /dev/null; then
		[ "$(sqlite3 "$D/db/t.db" 'PRAGMA integrity_check; SELECT max(a) FROM t;' | tr '\n' ' ')" = "ok 20000 " ]
	fi
}

@test "a database on a block device survives reboots; the disk checks clean" {
	cp "$SQLITE" "$D/sq.tc"
	"$B/bin/tincan-mkimage" --block=disk:/data "$D/sq.tc" > /dev/null
	"$B/bin/tincan-mkfs" "$D/disk.img" 32M
	SQLITE=$D/sq.tc
	SQL=$(fill_sql) sq --block="$D/disk.img" /data/t.db
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "20000|200010000|100005000.0" ]
	SQL="DELETE FROM t WHERE a > 15000; PRAGMA wal_checkpoint(TRUNCATE); SELECT count(*) FROM t;" sq --block="$D/disk.img" /data/t.db
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = 15000 ]
	SQL="PRAGMA integrity_check; SELECT count(*) FROM t;" sq --block="$D/disk.img" /data/t.db
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" = 15000 ]
	run "$B/bin/tincan-mkfs" --check "$D/disk.img"
	echo "$output"
	[ "$status" -eq 0 ]
}

# A transaction that runs for a long time, the monitor killed in its middle
# (SIGKILL: nothing of the guest runs after it), then integrity_check and
# the rows: the transaction is all there or not at all.
kill_mid() {
	SQL=$(fill_sql) sq "$@" /$where/k.db
	[ "$status" -eq 0 ]
	{
		echo "BEGIN;"
		for i in $(seq 1 3000); do
			echo "INSERT INTO t(b, c) SELECT hex(randomblob(16)), a FROM t WHERE a <= 500;"
		done
		echo "COMMIT;"
	} > "$D/long.sql"
	"$RUN" "$@" "$SQLITE" /$where/k.db < "$D/long.sql" > /dev/null 2>&1 &
	local pid=$!
	sleep 0.5
	kill -0 "$pid" # still in the transaction
	kill -9 "$pid"
	wait "$pid" || true
	SQL="PRAGMA integrity_check; SELECT count(*) FROM t;" sq "$@" /$where/k.db
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ok ]
	[ "${lines[1]}" = 20000 ] || [ "${lines[1]}" = 1520000 ]
}

@test "killed mid-transaction on a host directory: integrity_check ok, the transaction all or nothing" {
	where=db kill_mid --dir="$D/db:/db"
}

@test "killed mid-transaction on a block device: integrity_check ok, the transaction all or nothing" {
	cp "$SQLITE" "$D/sq.tc"
	"$B/bin/tincan-mkimage" --block=disk:/data "$D/sq.tc" > /dev/null
	"$B/bin/tincan-mkfs" "$D/disk.img" 64M
	SQLITE=$D/sq.tc
	where=data kill_mid --block="$D/disk.img"
}

@test "SQLite's speedtest1 runs to the end" {
	run timeout 300 "$RUN" --dir="$D/db:/db" "$SPEED" --size 5 /db/speed.db
	echo "${output: -2000}"
	[ "$status" -eq 0 ]
	[[ $output == *"TOTAL"* ]]
}
