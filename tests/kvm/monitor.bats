# tincan-run with hand-written guests (tests/guests/tiny.c): boot, ABI, faults.
load ../helpers

setup() { need_kvm; }

@test "a tiny guest boots, prints and exits 0" {
	boot "$TINY" hello
	[ "$status" -eq 0 ]
	[ "$output" = "hello from a tiny guest" ]
}

@test "the guest's exit status is tincan-run's" {
	boot "$TINY" exit 42
	[ "$status" -eq 42 ]
	boot "$TINY" exit 255
	[ "$status" -eq 255 ]
	boot "$TINY" exit 256
	[ "$status" -eq 0 ]
}

@test "arguments and --env reach the guest" {
	boot --env=A=1 --env B=two=2 "$TINY" -- args "x y" ""
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\nargs\nx y\n\nA=1\nB=two=2' "$TINY")" ]
}

@test "stdin and stdout work in a pipeline" {
	run sh -c "seq 1 20000 | timeout 20 '$RUN' '$TINY' cat | sha256sum"
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 20000 | sha256sum)" ]
}

@test "stderr is the guest's fd 2; a bad fd is EINVAL, not fatal" {
	run sh -c "timeout 20 '$RUN' '$TINY' stderr 2>&1 >/dev/null"
	[ "$status" -eq 0 ]
	[ "$output" = "to stderr" ]
}

@test "a closed stdout is EPIPE for the guest, not a signal for the monitor" {
	run bash -c "timeout 20 '$RUN' '$TINY' cat < /dev/zero | head -c 10 > /dev/null; exit \${PIPESTATUS[0]}"
	# The guest saw its write fail and exited 1 by itself.
	[ "$status" -eq 1 ]
}

@test "the wait hypercall sleeps until its deadline" {
	boot "$TINY" sleep 50
	[ "$status" -eq 0 ]
	[ "$output" -ge 50 ]
	[ "$output" -lt 1000 ]
}

@test "guest clocks are the host's without an exit" {
	boot "$TINY" clock
	[ "$status" -eq 0 ]
	now=$(date +%s)
	real=${lines[1]}
	[ $((real - now)) -le 2 ] && [ $((now - real)) -le 2 ]
}

@test "SSE and rdrand work in the guest" {
	boot "$TINY" sse
	[ "$status" -eq 0 ]
	[ "$output" = "sse ok" ]
}

@test "--mem sets guest memory and the heap is all writable" {
	boot --mem=1M --mem-max=0 "$TINY" layout
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1048576 ]
	boot --mem=3M "$TINY" write-heap
	[ "$status" -eq 0 ]
	[ "$output" = "heap ok" ]
}

# ---- a guest that lies in a hypercall: status 102, one line saying what ----
@test "console_write with a wild pointer" {
	boot "$TINY" write-bad-ptr
	[ "$status" -eq 102 ]
	first_line_has "bad buffer to hypercall console_write: 0x7fff0000000 + 10 bytes"
}
@test "console_write with a wild length" {
	boot "$TINY" write-bad-len
	[ "$status" -eq 102 ]
	first_line_has "bad buffer to hypercall console_write"
}
@test "console_write with a length that wraps around" {
	boot "$TINY" write-wrap
	[ "$status" -eq 102 ]
	first_line_has "bad buffer to hypercall console_write"
}
@test "console_write from the monitor's page tables" {
	boot "$TINY" write-from-pagetables
	[ "$status" -eq 102 ]
	first_line_has "0x2000 + 16 bytes is not readable"
}
@test "console_read into the guest's own text (no W^X bypass through the monitor)" {
	boot "$TINY" read-into-text
	[ "$status" -eq 102 ]
	first_line_has "is not writable guest memory"
}
@test "console_read with a wild length" {
	boot "$TINY" read-bad-len
	[ "$status" -eq 102 ]
	first_line_has "bad buffer to hypercall console_read"
}
@test "hypercall argument struct at a wild address" {
	boot "$TINY" bad-arg-ptr
	[ "$status" -eq 102 ]
	first_line_has "bad argument address 0x123456789 to hypercall console_write"
}
@test "hypercall argument struct in read-only memory" {
	boot "$TINY" arg-in-rodata
	[ "$status" -eq 102 ]
	first_line_has "bad argument address"
}
@test "misaligned hypercall argument struct" {
	boot "$TINY" misaligned-arg
	[ "$status" -eq 102 ]
	first_line_has "bad argument address"
}
@test "exit with a wild pointer" {
	boot "$TINY" exit-bad-ptr
	[ "$status" -eq 102 ]
	first_line_has "to hypercall exit"
}
@test "wait with a pointer past the end of memory" {
	boot "$TINY" wait-bad-ptr
	[ "$status" -eq 102 ]
	first_line_has "to hypercall wait"
}
@test "wait for events that do not exist" {
	boot "$TINY" wait-bad-events
	[ "$status" -eq 102 ]
	first_line_has "unknown events"
}
@test "panic with a wild message pointer" {
	boot "$TINY" panic-bad-ptr
	[ "$status" -eq 102 ]
	first_line_has "bad buffer to hypercall panic"
}
@test "an unknown hypercall" {
	boot "$TINY" unknown-hypercall
	[ "$status" -eq 102 ]
	first_line_has "unknown hypercall 77"
}
@test "reading a doorbell" {
	boot "$TINY" doorbell-read
	[ "$status" -eq 102 ]
	first_line_has "read from the hypercall doorbells"
}
@test "a short doorbell write" {
	boot "$TINY" doorbell-short
	[ "$status" -eq 102 ]
	first_line_has "1-byte doorbell write"
}

@test "a 16-byte SSE store to a doorbell is refused before either half rings" {
	# Its first half alone would be exit(7).
	boot "$TINY" doorbell-sse
	[ "$status" -eq 102 ]
	first_line_has "rang doorbell 0xc0000018 by other than one 8-byte mov"
	[[ ${lines[1]} == "  rip 0x"* ]]
}
@test "a doorbell rung by a mov of an immediate is refused; many register movs are hypercalls" {
	boot "$TINY" doorbell-imm
	[ "$status" -eq 102 ]
	first_line_has "by other than one 8-byte mov"
	boot "$TINY" calls 1000
	[ "$status" -eq 0 ]
}

# ---- faults: status 101, reason, address, symbolized backtrace ----
@test "a panic reports the message and a backtrace, status 100" {
	boot "$TINY" panic
	[ "$status" -eq 100 ]
	first_line_has "guest panic: tiny guest gives up"
	[[ $output == *"#0 0x"*"tiny_main+0x"* ]]
	[[ $output == *"_start+0x"* ]]
}
@test "a triple fault (ud2)" {
	boot "$TINY" ud2
	[ "$status" -eq 101 ]
	first_line_has "guest fault: invalid opcode (ud2) at rip 0x"
	[[ ${lines[0]} == *"in tiny_main+0x"* ]]
}
@test "a privileged instruction at CPL3" {
	boot "$TINY" hlt
	[ "$status" -eq 101 ]
	first_line_has "privileged instruction (hlt)"
	boot "$TINY" cli
	[ "$status" -eq 101 ]
	first_line_has "guest fault: CPU exception"
}
@test "W^X is real: writing its own text faults" {
	boot "$TINY" write-text
	[ "$status" -eq 101 ]
	first_line_has "write to its own code (W^X) at 0x"
}
@test "rodata and boot info are read-only" {
	boot "$TINY" write-rodata
	[ "$status" -eq 101 ]
	first_line_has "write to read-only memory"
	boot "$TINY" write-bootinfo
	[ "$status" -eq 101 ]
	first_line_has "write to read-only memory"
}
@test "data is not executable (NX)" {
	boot "$TINY" exec-data
	[ "$status" -eq 101 ]
	first_line_has "jump to non-executable memory"
}
@test "a stack overflow hits the guard page" {
	boot "$TINY" stack-overflow
	[ "$status" -eq 101 ]
	first_line_has "stack overflow: hit the guard page"
	[[ $output == *"recurse+0x"* ]]
}
@test "null pointer, beyond memory, monitor-owned memory" {
	boot "$TINY" null
	[ "$status" -eq 101 ]
	first_line_has "null pointer dereference at 0x8"
	boot "$TINY" beyond-mem
	[ "$status" -eq 101 ]
	first_line_has "access beyond guest memory"
	boot "$TINY" pagetables
	[ "$status" -eq 101 ]
	first_line_has "monitor-owned memory"
	boot "$TINY" gdt
	[ "$status" -eq 101 ]
	first_line_has "monitor-owned memory"
}

@test "the monitor runs guest code inside its seccomp sandbox" {
	# The guest ends by itself after 3 s, so no timeout wrapper is needed.
	"$RUN" "$TINY" sleep 3000 > /dev/null &
	pid=$!
	# Wait (bounded) for the guest to be asleep in its wait hypercall.
	for i in $(seq 1 400); do
		grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status 2>/dev/null && break
		sleep 0.02
	done
	status_file=$(cat /proc/$pid/status)
	kill $pid
	wait $pid || true
	echo "$status_file" | grep -q '^NoNewPrivs:[[:space:]]*1'
	echo "$status_file" | grep -q '^Seccomp:[[:space:]]*2'
}

@test "a guest that spins forever can be stopped from outside" {
	run timeout -s TERM 1 "$RUN" "$TINY" spin
	[ "$status" -eq 124 ]
}

@test "closed stdin/stdout: the monitor's own files never become the guest's console" {
	run sh -c "timeout 20 '$RUN' '$TINY' cat <&-"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run sh -c "timeout 20 '$RUN' '$TINY' hello >&- 2>&-"
	[ "$status" -eq 0 ]
}

# A copy of tiny at t.tc that faults MS (default 500) ms after it starts,
# in the background ($pid, output in out); returns once the monitor has
# read the image and the guest waits (--ready-fd).
late_fault_copy() {
	cp "$TINY" "$BATS_TEST_TMPDIR/t.tc"
	ready_fd
	"$RUN" --ready-fd="$READY" "$BATS_TEST_TMPDIR/t.tc" late-fault "${1:-500}" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	ready_wait
}

# A fault report reads the image's symbols only when it is made (an idle
# monitor keeps no copy of them), from the file the monitor opened.
@test "an image file changed or truncated while its guest runs cannot crash the fault report" {
	late_fault_copy
	: > "$BATS_TEST_TMPDIR/t.tc"
	st=0
	wait $pid || st=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq 101 ]
	grep -q "invalid opcode (ud2) at rip 0x[0-9a-f]* in ? " "$BATS_TEST_TMPDIR/out"
	grep -q "^  (no symbols: $BATS_TEST_TMPDIR/t.tc changed since it was read)$" "$BATS_TEST_TMPDIR/out"
}

# The check of the file compares its ctime too: putting the mtime back
# after a rewrite of the same size does not pass for the file read.
@test "an image rewritten in place with its mtime put back gets no symbols in a fault report" {
	command -v python3 > /dev/null || skip "python3 is not installed"
	late_fault_copy 1000
	python3 - "$BATS_TEST_TMPDIR/t.tc" <<'PY'
import os, sys
st = os.stat(sys.argv[1]); d = open(sys.argv[1], 'rb').read()
open(sys.argv[1], 'r+b').write(d.replace(b'tiny_main', b'other_fun'))
os.utime(sys.argv[1], ns=(st.st_atime_ns, st.st_mtime_ns))
PY
	st=0
	wait $pid || st=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq 101 ]
	grep -q "invalid opcode (ud2) at rip 0x[0-9a-f]* in ? " "$BATS_TEST_TMPDIR/out"
	grep -q "^  (no symbols: $BATS_TEST_TMPDIR/t.tc changed since it was read)$" "$BATS_TEST_TMPDIR/out"
}

# Symbols are read with pread, not from the mapping: a file unlinked
# (then only size and mtime are compared) and truncated and restored, mtime
# too, by a writer that kept it open, gives short reads, never SIGBUS (103),
# and the guest's fault is still reported (101).
@test "an unlinked image truncated and restored while the fault report reads it still gives the report" {
	command -v python3 > /dev/null || skip "python3 is not installed"
	run timeout 120 python3 - "$RUN" "$TINY" "$BATS_TEST_TMPDIR" <<'PY'
import os, shutil, subprocess, sys, time
run, tiny, tmp = sys.argv[1:4]
d = open(tiny, 'rb').read(); bad = 0
for i in range(30):
    t = '%s/t%d.tc' % (tmp, i)
    shutil.copy(tiny, t); st = os.stat(t)
    p = subprocess.Popen([run, t, 'late-fault', '100'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.05)
    fd = os.open(t, os.O_WRONLY); os.unlink(t)
    while p.poll() is None:
        os.ftruncate(fd, 0); os.pwrite(fd, d, 0)
        os.utime(fd, ns=(st.st_atime_ns, st.st_mtime_ns))
    err = p.stderr.read().decode(errors='replace'); os.close(fd)
    if p.returncode != 101 or 'invalid opcode (ud2)' not in err:
        print('run %d: status %d: %s' % (i, p.returncode, err.splitlines()[:1])); bad += 1
print('bad', bad)
sys.exit(bad != 0)
PY
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "an image replaced by a new file while its guest runs (a rebuild) still names functions in a fault report" {
	late_fault_copy
	head -c 4096 /dev/urandom > "$BATS_TEST_TMPDIR/new.tc"
	mv "$BATS_TEST_TMPDIR/new.tc" "$BATS_TEST_TMPDIR/t.tc"
	st=0
	wait $pid || st=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq 101 ]
	grep -q "invalid opcode (ud2) at rip 0x[0-9a-f]* in tiny_main+0x" "$BATS_TEST_TMPDIR/out"
	! grep -q "no symbols" "$BATS_TEST_TMPDIR/out"
}

@test "a file-size limit on stdout is an error for the guest, not SIGXFSZ for the monitor" {
	run bash -c "ulimit -f 8; timeout 20 '$RUN' '$TINY' big > '$BATS_TEST_TMPDIR/big'"
	[ "$status" -eq 1 ]
}

@test "an empty panic message is still a panic" {
	boot "$TINY" panic-empty
	[ "$status" -eq 100 ]
	first_line_has "guest panic: "
}

@test "a guest-made endless frame chain does not keep the fault report walking" {
	boot --mem=256M "$TINY" frame-chain
	[ "$status" -eq 101 ]
	first_line_has "invalid opcode (ud2)"
	[[ $output == *"more times"* ]]
}

# tincan-run's --help is tincan-run-debug's (the text lives there only).
@test "--help lists every option, the device modules' and the debug ones in their place" {
	boot --help
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat <<'EOF'
usage: tincan-run [OPTIONS] IMAGE [--] [ARGS...]
       tincan-run [OPTIONS] --restore=FILE
Boot IMAGE (a program linked by tincan-cc) as a KVM guest; ARGS become its argv[1..].

  --mem=SIZE   guest memory, e.g. 1M, 512K, 1G (default 8M, or what the image asks for)
  --mem-max=SIZE  let guest memory grow on demand up to SIZE (0: fixed; default 1G,
               but 0 when --mem is given: --mem alone is a limit)
  --env=K=V    set an environment variable in the guest (repeatable)
  --timeout=DURATION  end the guest after DURATION (e.g. 500ms, 10s, 2m, 1h) with 106
  --grace=DURATION  after the host's SIGTERM/SIGINT, the time the guest has to exit
               before it is ended with 128+signal (default 5s; 0: at once)
  --console-rate=N  at most N bytes of console output a second (the guest waits)
  --net-rate=N  at most N frames sent a second per net device (more are dropped)
  --user=UID[:GID]  as root, run as UID (default 65534; with --dir, its owner)
  --jail=ns|off  ns: new namespaces and an empty root too; off: no jail, only seccomp
  --snapshot=FILE  run until the guest is ready (idle, or tincan_ready()), write FILE, exit
  --restore=FILE  resume a snapshot instead of booting an image (no IMAGE, no ARGS);
               devices, --env and the other options are the restore's
  --net=[NAME:]TAP      attach an existing tap device to the image's net device NAME
                        (NAME may be left out when the image declares one)
  --net=[NAME:]bridge:BR[,tap=TAP][,isolated]  make a tap (TAP, or tc0, tc1 ...) on bridge
                        BR for NAME, gone when the run ends; isolated: a port that
                        exchanges no frames with the bridge's other isolated ports
  --net-mac=[NAME:]MAC  the guest's MAC (default: random, locally administered)
  --net-allow-spoof=NAME  send the guest's frames on NAME whatever their source MAC
                        (a bridge's; default: others are dropped; repeatable)
  --ip=[NAME:]ADDR/PREFIX  an IPv4 or IPv6 address of net device NAME (default: the
                        first); repeatable; a device with no IPv4 address uses DHCP
                        (NAME: only if the rest is an address; not /0, not an IPv4
                        subnet's network or broadcast address)
  --gw=[NAME:]ADDR      a default gateway, through NAME (default: the first device)
  --route=DEST/PREFIX[:via=GW][:dev=NAME]  a route (repeatable; via, dev or both)
  --dns=ADDR            a DNS server for the guest, IPv4 or IPv6 (up to 3; default: from
                        DHCP or an IPv6 router advertisement)
  --host-entry=NAME:ADDR  answer NAME with ADDR before DNS, as /etc/hosts (repeatable)
  --block=[NAME:]FILE   attach a disk file (its size a multiple of 512) to the image's block
                        device NAME (NAME may be left out when the image declares one);
                        a read-only file makes a read-only device
  --dir=HOST[:GUEST][:ro]
                        share the host directory HOST at GUEST (default: its own path),
                        read-only with :ro; nothing outside it is reachable (repeatable)
  --cwd=PATH            the guest's working directory (default /)
  --ready-fd=N          write one byte to fd N when the guest first waits (set up, idle)
  --stats      print what the run did when the guest exits, and on SIGUSR1: KVM exits by
               reason, hypercalls, console, net and block I/O, guest memory, CPU and wall time
  --metrics=PATH[:SECONDS]  the run's metrics in Prometheus's text format, rewritten in PATH
               every SECONDS (default 5, 1 to 3600) and at the end (node_exporter's textfile
               collector: PATH is replaced whole; its directory must be the monitor's to write)
  --core=FILE|DIR/      on a guest fault, panic or ABI breach write an ELF core there (gdb IMAGE FILE);
                        in a directory: core.IMAGE.PID; a file that exists is refused
  --core-max=SIZE       the core's size at most (default 256M): zero pages are never written, and
                        over the cap the memory furthest from the stack is left out
  --profile=FILE[:HZ]  sample the guest's stack HZ times a second (default 99, at most
               10000) and write folded stacks (flame graph input) to FILE at its end
  --gdb=PORT   wait for gdb (target remote :PORT) before the guest's first instruction;
               also IPV4:PORT (default 127.0.0.1; PORT 0: any free one) or unix:PATH
  --help       show this help
  --version    show the version

Exit status: the guest's own exit status, or
  100 guest panic or abort()     101 guest CPU fault (page fault, #GP, #UD...)
  102 guest broke the ABI        103 bad image, or it does not fit in --mem
  104 bad command line           105 host error (/dev/kvm, memory, I/O)
  106 --timeout ran out
EOF
	)" ]
}

# The debug options live in tincan-run-debug, which tincan-run execs for
# any option it does not know (platforms/kvm/monitor/debug.h).
@test "tincan-run hands --stats to tincan-run-debug beside it, and without one it is an unknown option" {
	d=$BATS_TEST_TMPDIR/bin
	mkdir -p "$d"
	cp "$RUN" "$d/tincan-run"
	run timeout 20 "$d/tincan-run" --stats "$TINY" exit 0
	[ "$status" -eq 104 ]
	[ "$output" = "tincan-run: unknown option '--stats' (try tincan-run --help)" ]
	cp "$B/bin/tincan-run-debug" "$d/"
	run timeout 20 "$d/tincan-run" --stats "$TINY" exit 0
	[ "$status" -eq 0 ]
	[[ $output == *"tincan-run: stats: "*" KVM exits, "* ]]
	# An option neither knows: the same line, from tincan-run-debug.
	run timeout 20 "$d/tincan-run" --statz "$TINY"
	[ "$status" -eq 104 ]
	[ "$output" = "tincan-run: unknown option '--statz' (try tincan-run --help)" ]
}

@test "tincan-run --help is tincan-run-debug's; without it, two lines say where the list is" {
	d=$BATS_TEST_TMPDIR/bin
	mkdir -p "$d"
	cp "$RUN" "$d/tincan-run"
	run timeout 20 "$d/tincan-run" --help
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "usage: tincan-run [OPTIONS] IMAGE [--] [ARGS...]" ]
	[[ ${lines[1]} == *"tincan-run-debug --help"*"not installed"* ]]
	cp "$B/bin/tincan-run-debug" "$d/"
	run timeout 20 "$d/tincan-run" -h
	[ "$status" -eq 0 ]
	[[ $output == *"  --gdb=PORT"* && $output == *"  --net=[NAME:]TAP"* && $output == *"106 --timeout ran out"* ]]
}

@test "an image runs when Linux executes it: it re-executes under tincan-run" {
	run timeout 20 "$B/apps/hello.tc" x
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Hello from tincan!" ]
	[ "${lines[2]}" = 'argv[1] = "x"' ]
}

@test "SIGTERM ends a monitor whose stdout pipe nobody reads" {
	mkfifo "$BATS_TEST_TMPDIR/ff"
	sleep 30 <> "$BATS_TEST_TMPDIR/ff" &
	holder=$!
	yes | "$RUN" "$TINY" cat > "$BATS_TEST_TMPDIR/ff" &
	pid=$!
	sleep 1
	kill -0 "$pid" # blocked writing, not ended
	SECONDS=0
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	kill "$holder"
	echo "status $st after $SECONDS s"
	[ "$st" -eq 143 ]
	[ "$SECONDS" -le 2 ]
}

# Issue 11 item 1: the string table's final NUL is checked in the file
# mapping, which shows writes to the file; the copy kept for fault reports
# must be checked again.  tiny_main's name is pointed at the table's last
# character, and a writer flips the final NUL while guests start and fault.
@test "an image rewritten while the monitor starts never makes a fault report print past the string table" {
	command -v python3 > /dev/null || skip "python3 is not installed"
	t=$BATS_TEST_TMPDIR/t.tc
	cp "$TINY" "$t"
	read -r c off < <(python3 - "$t" <<'PY'
import struct, sys
f = open(sys.argv[1], 'r+b'); d = bytearray(f.read())
shoff, = struct.unpack_from('<Q', d, 0x28); shnum, = struct.unpack_from('<H', d, 0x3c)
sh = [struct.unpack_from('<IIQQQQIIQQ', d, shoff + 64 * i) for i in range(shnum)]
sym = next(s for s in sh if s[1] == 2); st = sh[sym[6]]
for i in range(sym[5] // 24):
    o = sym[4] + 24 * i
    name, = struct.unpack_from('<I', d, o)
    if d[st[4] + name:].split(b'\0')[0] == b'tiny_main':
        struct.pack_into('<I', d, o, st[5] - 2)
f.seek(0); f.write(d)
print(chr(d[st[4] + st[5] - 2]), st[4] + st[5] - 1)
PY
)
	# The report's check of the file (fault.c) mostly sees the writer's
	# change; when it does not, the names are read within the table.
	python3 - "$t" "$off" <<'PY' &
import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY); off = int(sys.argv[2]); end = time.time() + 60
while time.time() < end:
    os.pwrite(fd, b'Z', off); os.pwrite(fd, b'\0', off)
PY
	writer=$!
	bad=0
	for i in $(seq 1 100); do
		st=0
		out=$(timeout 20 "$RUN" "$t" ud2 2>&1) || st=$?
		# The name is read with the table's bound: its last byte (Z or
		# NUL as the writer left it) at most, never what follows.
		# Or no name at all, when the report saw the file changed.
		if [ "$st" -eq 101 ] && [[ ${out%%$'\n'*} != *" in $c+0x"* && ${out%%$'\n'*} != *" in ${c}Z+0x"* &&
			${out%%$'\n'*} != *" in ? "* ]]; then
			echo "run $i: ${out%%$'\n'*}"
			bad=$((bad + 1))
		fi
		[ "$st" -eq 101 ] || [ "$st" -eq 103 ] || { echo "run $i: status $st: $out"; bad=$((bad + 1)); }
	done
	kill "$writer"
	wait "$writer" || true
	[ "$bad" -eq 0 ]
}

# Issue 11 item 4: SIGTERM/SIGINT inherited as ignored (trap '' in a shell,
# an sh's background jobs) still reach the monitor, sent at start-up or
# while the guest runs, and the monitor says why it ended the guest.
# $1: image, $2: signal, $3: what the guest does, OPTS: tincan-run's options;
# ST and OUT get the result.
ignored_signal_run() {
	OUT=$BATS_TEST_TMPDIR/out
	bash -c "trap '' TERM INT; exec '$RUN' ${OPTS:-} '$1' $3" > "$OUT" 2>&1 &
	local pid=$! i exe
	exe=$(readlink -f "$RUN")
	for i in $(seq 200); do
		# --stats runs tincan-run-debug (tincan-run execs it).
		case $(readlink /proc/$pid/exe 2>/dev/null) in "$exe" | "$exe-debug") break ;; esac
		sleep 0.01
	done
	[ -n "${DELAY:-}" ] && sleep "$DELAY"
	kill -"$2" "$pid"
	for i in $(seq 80); do
		kill -0 "$pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2> /dev/null || true
	ST=0
	wait "$pid" || ST=$?
	cat "$OUT"
}

@test "an ignored SIGTERM or SIGINT inherited from the parent still ends a spinning guest, with a line" {
	for i in 1 2 3 4 5; do
		DELAY=0.0$((i * 2)) ignored_signal_run "$TINY" TERM spin
		[ "$ST" -eq 143 ]
		grep -q "^tincan-run: guest ended by the host's SIGTERM" "$OUT"
		ignored_signal_run "$TINY" INT spin
		[ "$ST" -eq 130 ]
		grep -q "^tincan-run: guest ended by the host's SIGINT" "$OUT"
	done
}

@test "an ignored SIGTERM inherited from the parent reaches a guest that asked for it: 5 s, then 143" {
	DELAY=0.5 ignored_signal_run "$B/tests/signals.tc" TERM spin
	[ "$ST" -eq 143 ]
	grep -q "did not stop within 5 s of SIGTERM (--grace)" "$OUT"
}

# Issue 11, graceful stop: --grace sets the time a guest that asked for the
# host's signals has to exit; the monitor's ends come with --stats.
@test "--grace=1500ms: a guest that ignores the notice is ended 1.5 s after SIGTERM, with --stats" {
	t0=$(date +%s%N)
	OPTS="--grace=1500ms --stats" DELAY=0.5 ignored_signal_run "$B/tests/signals.tc" TERM spin
	t1=$(date +%s%N)
	[ "$ST" -eq 143 ]
	grep -q "^tincan-run: the guest did not stop within 1500 ms of SIGTERM (--grace)$" "$OUT"
	grep -q "^tincan-run: stats: [0-9]* KVM exits" "$OUT"
	ms=$(((t1 - t0) / 1000000))
	echo "took $ms ms"
	[ "$ms" -ge 1900 ] && [ "$ms" -lt 4500 ]
}

@test "--grace=0: a guest that asked for the host's signals is ended at once" {
	t0=$(date +%s%N)
	OPTS=--grace=0 DELAY=0.5 ignored_signal_run "$B/tests/signals.tc" INT spin
	t1=$(date +%s%N)
	[ "$ST" -eq 130 ]
	grep -q "^tincan-run: guest ended by the host's SIGINT$" "$OUT"
	[ $(((t1 - t0) / 1000000)) -lt 2500 ]
}

@test "--timeout's end prints --stats too" {
	boot --stats --timeout=300ms "$TINY" spin
	[ "$status" -eq 106 ]
	[[ $output == *"tincan-run: stats: "*" KVM exits, "* ]]
}

@test "--grace: bad durations are usage errors" {
	for v in 5x ms -1s 1.5s ""; do
		boot --grace="$v" "$TINY" hello
		[ "$status" -eq 104 ]
		first_line_has "invalid --grace value '$v'"
	done
}

# Issue 11: the operator's wall-clock limit wins over the guest.
@test "--timeout ends a spinning guest and a waiting one with 106 and one line" {
	t0=$(date +%s%N)
	boot --timeout=500ms "$TINY" spin
	t1=$(date +%s%N)
	[ "$status" -eq 106 ]
	[ "$output" = "tincan-run: the guest ran past --timeout (500 ms): stopped" ]
	[ $(((t1 - t0) / 1000000)) -ge 480 ] && [ $(((t1 - t0) / 1000000)) -lt 3000 ]
	t0=$(date +%s%N)
	boot --timeout=1s "$TINY" sleep 20000
	t1=$(date +%s%N)
	[ "$status" -eq 106 ]
	[ "$output" = "tincan-run: the guest ran past --timeout (1000 ms): stopped" ]
	[ $(((t1 - t0) / 1000000)) -ge 980 ] && [ $(((t1 - t0) / 1000000)) -lt 4000 ]
	# A guest that ends in time is untouched.
	boot --timeout=2m "$TINY" sleep 100
	[ "$status" -eq 0 ]
}

@test "--timeout: bad durations are usage errors" {
	for v in 0 5x ms -1s 1.5s 9999999h ""; do
		boot --timeout="$v" "$TINY" hello
		[ "$status" -eq 104 ]
		first_line_has "invalid --timeout value '$v'"
	done
}

# Issue 11 item 3: console output is boundable (it once ran at 2.6 GB/s).
# Under --console-rate the guest waits for tokens: nothing is lost.
@test "--console-rate bounds a flood of console output without losing any" {
	run bash -c "timeout 20 '$RUN' --console-rate=1M --timeout=2s '$TINY' flood 50000000 | wc -c"
	echo "$output"
	[ "${lines[0]}" = "tincan-run: the guest ran past --timeout (2000 ms): stopped" ]
	# A second's burst (1 MiB), then 1 MiB a second.
	[ "${lines[1]}" -le $((3 << 20)) ]
	[ "${lines[1]}" -ge $((2 << 20)) ]
	start=$(date +%s%N)
	run bash -c "timeout 20 '$RUN' --console-rate=1M '$TINY' flood 1572864 | wc -c; exit \${PIPESTATUS[0]}"
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "$output in $ms ms"
	[ "$status" -eq 0 ]
	[ "$output" = 1572864 ]
	[ "$ms" -ge 450 ]
	boot --console-rate=0 "$TINY" hello
	[ "$status" -eq 104 ]
	first_line_has "invalid rate '0'"
	boot --console-rate=5X "$TINY" hello
	[ "$status" -eq 104 ]
}

# Issue 11 item 6: a guest must not pass for the monitor.  Only the monitor
# starts a line with "tincan-run:" on stderr (and on stdout when it is the
# same file); the guest's such lines get "(guest) " first, even when the
# mark comes in pieces.  The monitor's own line starts a line of its own.
@test "a guest cannot print lines that pass for the monitor's" {
	run bash -c "timeout 20 '$RUN' '$TINY' forge 2>&1"
	[ "$status" -eq 105 ]
	printf '%s\n' "${lines[@]}"
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[0]}" = "(guest) tincan-run: host error one" ]
	[ "${lines[1]}" = "(guest) tincan-run: host error two" ]
	[ "${lines[2]}" = "(guest) tincan-run: three" ]
	[ "${lines[3]}" = "(guest) tincan-run: four" ]
	[ "${lines[4]}" = "tincan is fine" ]
	[ "${lines[5]}" = "t" ]
	# stdout that is not stderr's file is the guest's, byte for byte.
	run bash -c "timeout 20 '$RUN' '$TINY' forge 2>/dev/null"
	[ "$output" = "tincan-run: four" ]
	boot "$TINY" half-line-fault
	[ "$status" -eq 101 ]
	[ "${lines[0]}" = "half a line" ]
	[[ ${lines[1]} == "tincan-run: guest fault: invalid opcode (ud2)"* ]]
	# A carriage return (or \v, \f) starts a line on a terminal: the mark
	# after it is the guest's too.
	run bash -c "timeout 20 '$RUN' '$TINY' args $'x\rtincan-run: fake' $'y\ftincan-run: fake' 2>&1"
	echo "$output" | od -c | head
	[[ $output == *$'x\r(guest) tincan-run: fake'* ]]
	[[ $output == *$'y\f(guest) tincan-run: fake'* ]]
	# Held-back bytes go out before the monitor's own line, which starts
	# a line of its own.
	run bash -c "timeout 20 '$RUN' --stats '$TINY' forge 2>&1"
	[ "$status" -eq 105 ]
	[ "${lines[5]}" = "t" ]
	[[ ${lines[6]} == "tincan-run: stats: "* ]]
}

# --ready-fd=N: one byte on fd N at the guest's first wait, for supervisors.
@test "--ready-fd: one byte when the guest first waits, while it still runs; none from a guest that never waits" {
	need_kvm
	fifo=$BATS_TEST_TMPDIR/ready
	mkfifo "$fifo"
	exec 8<> "$fifo"
	"$RUN" --ready-fd=9 "$TINY" sleep 3000 9> "$fifo" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	got=
	read -r -t 2 -N 1 got <&8 || true
	alive=0
	kill -0 "$pid" 2>/dev/null && alive=1
	kill "$pid" 2>/dev/null || true
	wait "$pid" || true
	exec 8<&-
	echo "got '$got', alive $alive"
	[ "$got" = $'\n' ]
	[ "$alive" = 1 ]
	# No wait: nothing written, the fd just closes with the run.
	run bash -c "timeout 20 '$RUN' --ready-fd=9 '$TINY' exit 3 9>&1 >/dev/null | wc -c"
	echo "$output"
	[ "$output" = 0 ]
}

@test "--ready-fd: a bad value or an fd not open for writing is a usage error (104)" {
	for v in 1 x 3x 99 ""; do
		boot --ready-fd="$v" "$TINY" exit 0
		echo "$v: $status $output"
		[ "$status" -eq 104 ]
		first_line_has "invalid --ready-fd=$v: expected an fd from 3 up open for writing"
	done
	run bash -c "timeout 20 '$RUN' --ready-fd=9 '$TINY' exit 0 9</dev/null"
	[ "$status" -eq 104 ]
}

# The byte never blocks: on a full pipe it is left out, so --timeout (and
# SIGTERM, read in the same ppoll) still end the run.
@test "--ready-fd: a full pipe gets no byte and does not hold off --timeout" {
	command -v python3 > /dev/null || skip "python3 is not installed"
	run timeout 30 python3 - "$RUN" "$TINY" <<'PY'
import fcntl, os, subprocess, sys, time
r, w = os.pipe()
fl = fcntl.fcntl(w, fcntl.F_GETFL)
fcntl.fcntl(w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
n = 0
try:
    while True:
        n += os.write(w, b'x' * 4096)
except BlockingIOError:
    pass
fcntl.fcntl(w, fcntl.F_SETFL, fl)
t0 = time.time()
p = subprocess.Popen([sys.argv[1], '--ready-fd=%d' % w, '--timeout=1s', sys.argv[2], 'sleep', '20000'],
                     pass_fds=(w,), stdout=subprocess.DEVNULL)
try:
    st = p.wait(10)
except subprocess.TimeoutExpired:
    p.kill(); p.wait(); st = 'blocked'
print('status', st, 'after %.1f s; pipe held %d bytes' % (time.time() - t0, n))
sys.exit(0 if st == 106 and time.time() - t0 < 8 else 1)
PY
	echo "$output"
	[ "$status" -eq 0 ]
}
