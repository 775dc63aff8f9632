# tincan-run --gdb (platforms/kvm/monitor/debug/gdb.c): Debian's gdb in
# batch mode against tests/guests/gdbapp.c (built -O0 -g, frame pointers).
# The monitor listens on a port the kernel picks (--gdb=0) and says which;
# it and gdb run in the background under watchdogs (a timeout(1) between
# would take the signals the tests send).
load ../helpers

APP=$B/tests/gdbapp.tc

setup() {
	need_kvm
	command -v gdb > /dev/null || skip "gdb is not installed (apt-get install gdb)"
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2> /dev/null || true
		wait "$p" 2> /dev/null || true
	done
}

# watchdog PID SECS: SIGKILL to PID after SECS (teardown ends the watchdog).
watchdog() {
	(
		sleep "$2"
		kill -KILL "$1"
	) 2> /dev/null &
	PIDS+=("$!")
}

# start_stub [--gdb=ADDR] [--restore=FILE] MODE [ARGS]: the monitor in the
# background, waiting for gdb (with --restore, the snapshot's guest instead
# of the image).  Sets MON (its pid), PORT (with --gdb=0), ERR, OUT.
start_stub() {
	local addr=--gdb=0 i img=$APP
	if [[ $1 == --gdb=* ]]; then
		addr=$1
		shift
	fi
	if [[ $1 == --restore=* ]]; then
		img=$1
		shift
	fi
	ERR=$BATS_TEST_TMPDIR/mon.err OUT=$BATS_TEST_TMPDIR/mon.out
	: > "$ERR" # now, not in the child: no line of an earlier run is read below
	: > "$OUT"
	# shellcheck disable=SC2086 # (STUB_OPTS: more monitor options, split)
	"$RUN" "$addr" ${STUB_OPTS:-} "$img" "$@" > "$OUT" 2> "$ERR" &
	MON=$!
	PIDS+=("$MON")
	watchdog "$MON" 60
	for i in $(seq 100); do
		grep -q "waiting for gdb on" "$ERR" && break
		sleep 0.1
	done
	PORT=$(sed -n 's/^tincan-run: waiting for gdb on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$ERR")
	grep -q "waiting for gdb on" "$ERR" || {
		cat "$ERR"
		return 1
	}
}

# The monitor's exit status into MST.
mon_wait() {
	MST=0
	wait "$MON" || MST=$?
}

# gdb_batch [TARGET] -ex CMD...: gdb in batch mode connected to the stub.
gdb_batch() {
	local target=:$PORT
	[[ $1 == -ex ]] || {
		target=$1
		shift
	}
	run timeout 60 gdb -nx -batch -ex "target remote $target" "$@" "$APP"
}

# gdb_bg -ex CMD...: gdb in the background (GDB: its pid, its output in
# GOUT), SIGINT sent to gdb itself (a timeout(1) between would pass on a
# second one); a watchdog ends it after 30 s.
gdb_bg() {
	GOUT=$BATS_TEST_TMPDIR/gdb.out
	gdb -nx -batch -ex "target remote :$PORT" "$@" "$APP" > "$GOUT" 2>&1 &
	GDB=$!
	PIDS+=("$GDB")
	watchdog "$GDB" 30
}

# Wait for the guest to print $1 on the console.
wait_out() {
	local i
	for i in $(seq 100); do
		grep -q "$1" "$OUT" && return 0
		sleep 0.1
	done
	echo "the guest never printed $1"
	return 1
}

@test "gdb: break on a function, continue, bt with arguments, print a global, stepi, kill" {
	start_stub add
	gdb_batch -ex 'print $pc' -ex 'break add' -ex continue -ex bt -ex 'print counter' -ex 'print/x $pc' -ex stepi \
		-ex 'print/x $pc' -ex 'x/4x 0' -ex kill
	echo "$output"
	[[ $output == *"Breakpoint 1, add (a=20, b=21) at tests/guests/gdbapp.c:"* ]]
	[[ $output == *"#1  0x"*" in twice (x=20) at tests/guests/gdbapp.c:"* ]]
	[[ $output == *"#2  0x"*" in main (argc=2, argv=0x"* ]]
	# The first stop is the image's entry, before its first instruction.
	[[ $output == *'$1 = (void (*)()) 0x10000 <_start>'* ]]
	[[ $output == *'$2 = 42'* ]]
	# stepi moved the pc off the breakpoint (rip is reported in $pc).
	local before after
	before=$(sed -n 's/^\$3 = //p' <<< "$output")
	after=$(sed -n 's/^\$4 = //p' <<< "$output")
	[ -n "$before" ] && [ -n "$after" ] && [ "$before" != "$after" ]
	# Page 0 is not guest memory: an error, not the monitor's bytes.
	[[ $output == *"Cannot access memory at address 0x0"* ]]
	[[ $output == *"[Inferior 1 (Remote target) killed]"* ]]
	mon_wait
	[ "$MST" -eq 137 ]
	grep -q "^tincan-run: gdb killed the guest$" "$ERR"
	! grep -q "result" "$OUT"
}

@test "gdb: continue to the guest's exit: gdb sees its status, the monitor exits with it" {
	# IPV4:PORT: the address as given (127.0.0.1, not its bytes swapped).
	start_stub --gdb=127.0.0.1:0 exit 7
	[ -n "$PORT" ]
	gdb_batch -ex continue
	echo "$output"
	[[ $output == *"[Inferior 1 (Remote target) exited with code 07]"* ]]
	mon_wait
	[ "$MST" -eq 7 ]
}

@test "gdb: SIGTERM ends the monitor while it waits for gdb, and while gdb holds the guest stopped" {
	# Through the monitor's own end: --core's temporary file goes too.
	local c=$BATS_TEST_TMPDIR/cores
	mkdir -p "$c"
	[ "$(id -u)" -ne 0 ] || { chmod 755 "$BATS_TEST_TMPDIR" && chown 65534 "$c"; }
	STUB_OPTS=--core=$c/ start_stub add
	kill -TERM "$MON"
	mon_wait
	[ "$MST" -eq 143 ]
	grep -q "^tincan-run: ended by the host's SIGTERM while gdb held the guest$" "$ERR"
	[ -z "$(ls -A "$c")" ]
	start_stub add
	gdb_bg -ex 'shell echo connected' -ex 'shell sleep 3'
	wait_for_line "$GOUT" '^connected$' 20 "$GDB"
	kill -TERM "$MON"
	mon_wait
	[ "$MST" -eq 143 ]
	wait "$GDB" || true
	cat "$GOUT"
	grep -q "Remote connection closed" "$GOUT"
}

@test "gdb: hbreak (emulated by int3), next, finish, a breakpoint hit 5 times, the run goes on" {
	start_stub loop 5
	gdb_batch -ex 'hbreak twice' -ex 'break add' -ex continue -ex 'info breakpoints' -ex 'continue 4' \
		-ex 'print a' -ex 'delete' -ex continue
	echo "$output"
	[[ $output == *"Breakpoint 2, add (a=5, b=1)"* ]]
	[[ $output == *"breakpoint already hit 1 time"* ]]
	[[ $output == *"Breakpoint 2, add (a=1, b=1)"* ]]
	[[ $output == *'$1 = 1'* ]]
	[[ $output == *"exited normally"* ]]
	mon_wait
	[ "$MST" -eq 0 ]
	grep -q looped "$OUT"
	start_stub add
	gdb_batch -ex 'hbreak twice' -ex continue -ex next -ex finish -ex continue
	echo "$output"
	[[ $output == *"Breakpoint 1, twice (x=20)"* ]]
	[[ $output == *"Value returned is \$1 = 41"* ]]
	mon_wait
	[ "$MST" -eq 0 ]
	grep -q "result 41 counter 62" "$OUT"
}

@test "gdb: write watchpoints (a read-only page): a global's old and new values, a local; code refused" {
	start_stub loop 3
	gdb_batch -ex 'watch counter' -ex continue -ex bt -ex continue -ex delete -ex 'break add' -ex continue \
		-ex 'watch a' -ex 'watch *(int *)0x10000' -ex continue -ex 'delete 4' -ex continue -ex delete -ex continue
	echo "$output"
	[[ $output == *"Hardware watchpoint 1: counter"*"Old value = 42"*"New value = 45"*"add (a=3, b=1)"* ]]
	[[ $output == *"#1  0x"*" in main (argc=3, "* ]]
	[[ $output == *"Old value = 45"*"New value = 47"* ]]
	# Code is not writable: the stub refuses, gdb says so.
	[[ $output == *"Could not insert hardware watchpoint 4."* ]]
	# The local's watchpoint goes when its frame does.
	[[ $output == *"Watchpoint 3 deleted because the program has left the block"* ]]
	[[ $output == *"exited normally"* ]]
	mon_wait
	[ "$MST" -eq 0 ]
	grep -q looped "$OUT"
}

@test "gdb: Ctrl-C (SIGINT to gdb) stops a spinning guest; it runs on after" {
	start_stub spin
	gdb_bg -ex continue -ex bt -ex 'set var spinning = 0' -ex continue
	wait_out spinning
	sleep 0.5
	kill -INT "$GDB"
	local st=0
	wait "$GDB" || st=$?
	cat "$GOUT"
	[ "$st" -eq 0 ]
	grep -q "Program received signal SIGINT, Interrupt." "$GOUT"
	grep -q "spin () at tests/guests/gdbapp.c" "$GOUT"
	grep -q "exited normally" "$GOUT"
	mon_wait
	[ "$MST" -eq 0 ]
	grep -q spun "$OUT"
}

@test "gdb: Ctrl-C while the guest sleeps in a hypercall, stepi there, detach: it runs on" {
	start_stub sleep 2
	gdb_bg -ex continue -ex 'print/x $pc' -ex stepi -ex 'print/x $pc' -ex detach
	wait_out sleeping
	sleep 0.3
	kill -INT "$GDB"
	local st=0
	wait "$GDB" || st=$?
	cat "$GOUT"
	[ "$st" -eq 0 ]
	grep -q "Program received signal SIGINT" "$GOUT"
	[ "$(sed -n 's/^\$1 = //p' "$GOUT")" != "$(sed -n 's/^\$2 = //p' "$GOUT")" ]
	grep -q "Remote target) detached" "$GOUT"
	mon_wait
	cat "$ERR"
	[ "$MST" -eq 0 ]
	grep -q slept "$OUT"
	grep -q "^tincan-run: gdb detached: the guest runs on$" "$ERR"
}

@test "gdb: a gdb that dies leaves the guest running without its breakpoints" {
	start_stub sleep 1
	gdb_bg -ex 'break add' -ex continue
	wait_out sleeping
	kill -KILL "$GDB"
	mon_wait
	cat "$ERR" "$OUT"
	[ "$MST" -eq 0 ]
	grep -q "^slept, 3$" "$OUT"
	grep -q "^tincan-run: gdb closed the connection: the guest runs on without breakpoints$" "$ERR"
}

@test "gdb: a restored guest (--restore): the first stop is in the snapshot's wait; break, bt, continue; the file is unchanged" {
	local snap=$BATS_TEST_TMPDIR/sleep.snap sum
	run "$RUN" --snapshot="$snap" "$APP" sleep 1
	echo "$output"
	[ "$status" -eq 0 ] && [ -f "$snap" ]
	sum=$(sha256sum < "$snap")
	start_stub --restore="$snap"
	gdb_batch -ex bt -ex 'break add' -ex continue -ex bt -ex 'print counter' -ex continue
	echo "$output"
	# Stopped where the snapshot was taken: in main's sleep, not at _start.
	[[ $output == *" in main (argc=3, argv=0x"*") at tests/guests/gdbapp.c:"* ]]
	[[ $output != *"<_start>"* ]]
	[[ $output == *"Breakpoint 1, add (a=1, b=2) at tests/guests/gdbapp.c:"* ]]
	[[ $output == *"#1  0x"*" in twice (x=1) at tests/guests/gdbapp.c:"* ]]
	[[ $output == *'$1 = 42'* ]]
	[[ $output == *"[Inferior 1 (Remote target) exited normally]"* ]]
	mon_wait
	[ "$MST" -eq 0 ]
	grep -q "^slept, 3$" "$OUT"
	# The int3s went into the restore's private copy, never into the file:
	# it is byte for byte the same, and a plain restore runs it again.
	[ "$(sha256sum < "$snap")" = "$sum" ]
	run "$RUN" --restore="$snap"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"slept, 3"* ]]
}

@test "gdb: a NULL dereference stops as SIGSEGV in the faulting frame; the run ends with 101" {
	start_stub null
	gdb_batch -ex continue -ex bt -ex 'print p' -ex continue
	echo "$output"
	[[ $output == *"Program received signal SIGSEGV, Segmentation fault."* ]]
	[[ $output == *"#0  0x"*" in poke (p=0x0, v=7) at tests/guests/gdbapp.c:"* ]]
	[[ $output == *"#1  0x"*" in main (argc=2, "* ]]
	[[ $output == *'$1 = (int *) 0x0'* ]]
	[[ $output == *"Program terminated with signal SIGSEGV"* ]]
	mon_wait
	[ "$MST" -eq 101 ]
	grep -q "guest fault: null pointer dereference" "$ERR"
}

@test "gdb: --gdb=unix:PATH; a stale socket file is taken over" {
	local sock=$BATS_TEST_TMPDIR/gdb.sock
	start_stub --gdb=unix:"$sock" add
	grep -q "^tincan-run: waiting for gdb on unix:$sock$" "$ERR"
	gdb_batch "$sock" -ex 'break add' -ex continue -ex continue
	echo "$output"
	[[ $output == *"Breakpoint 1, add (a=20, b=21)"* ]]
	[[ $output == *"exited normally"* ]]
	mon_wait
	[ "$MST" -eq 0 ]
	# Root's run ends as nobody (the jail), which cannot remove the file:
	# the next run on the path takes it over.
	start_stub --gdb=unix:"$sock" exit 3
	gdb_batch "$sock" -ex continue
	[[ $output == *"exited with code 03"* ]]
	mon_wait
	[ "$MST" -eq 3 ]
}

@test "gdb: garbage, bad checksums and an overlong packet on the socket: told, refused, no crash" {
	start_stub add
	local long
	long=$(head -c 5000 /dev/zero | tr '\0' a) # 5000 * 'a' sums to 0x88
	exec 9<> "/dev/tcp/127.0.0.1/$PORT"
	printf 'junk$g#00$%s#88$qSupported#37$m0,4#fd' "$long" >&9
	local reply
	reply=$(timeout 2 cat <&9) || true
	exec 9>&-
	echo "reply: $reply"
	[[ $reply == "-+\$E22#"*"+\$PacketSize=1000;"*"+\$E14#aa" ]]
	mon_wait
	cat "$ERR"
	[ "$MST" -eq 0 ]
	grep -q "result 41" "$OUT"
	grep -q "^tincan-run: gdb: ignored 4 bytes that were not a packet$" "$ERR"
	grep -q "^tincan-run: gdb: a packet with a bad checksum: dropped, asked again$" "$ERR"
	grep -q "^tincan-run: gdb: a packet longer than 4096 bytes: refused$" "$ERR"
	grep -q "^tincan-run: gdb closed the connection: the guest runs on without breakpoints$" "$ERR"
}

@test "gdb: bad --gdb values are usage errors, a port in use a host error, each one line" {
	local v
	for v in abc 70000 -1 1.2.3:5 1.2.3.4: unix: 127.0.0.1:x ''; do
		boot --gdb="$v" "$APP"
		echo "$v: $status $output"
		[ "$status" -eq 104 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ ${lines[0]} == "tincan-run: invalid --gdb=$v: expected "*"(try tincan-run --help)" ]]
	done
	start_stub add
	boot --gdb="$PORT" "$APP"
	echo "$status $output"
	[ "$status" -eq 105 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "${lines[0]}" = "tincan-run: --gdb: cannot listen on 127.0.0.1:$PORT: Address in use" ]
	boot --gdb=unix:/nonexistent/dir/sock "$APP"
	[ "$status" -eq 105 ]
	[ "${lines[0]}" = "tincan-run: --gdb: cannot listen on unix:/nonexistent/dir/sock: No such file or directory" ]
	# A file that is not a socket is never taken over (a typo for the image).
	echo data > "$BATS_TEST_TMPDIR/notasock"
	boot --gdb=unix:"$BATS_TEST_TMPDIR/notasock" "$APP"
	[ "$status" -eq 105 ]
	[ "${lines[0]}" = "tincan-run: --gdb: cannot listen on unix:$BATS_TEST_TMPDIR/notasock: Address in use" ]
	[ "$(cat "$BATS_TEST_TMPDIR/notasock")" = data ]
	# Breakpoints live in guest memory: never saved in a snapshot.
	boot --gdb=0 --snapshot="$BATS_TEST_TMPDIR/s.snap" "$APP"
	[ "$status" -eq 104 ]
	[ "$output" = "tincan-run: --gdb cannot go with --snapshot: its breakpoints would be saved in the snapshot" ]
	[ ! -e "$BATS_TEST_TMPDIR/s.snap" ]
}
