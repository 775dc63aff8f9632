# --stats and --metrics (tincan-run-debug, platforms/kvm/monitor/debug/stats.c,
# metrics.c, sample.c): the numbers match the work the guest did, the
# metrics file is Prometheus text (Debian's python3-prometheus-client
# parses it), it is replaced whole while the guest runs, and bad values
# are one-line errors.
load ../helpers

BLK=$B/tests/blk.tc

setup_file() {
	export NS=tincan-m$$
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip > /dev/null || return 0
	ip netns add "$NS" 2> /dev/null || return 0
	ip -n "$NS" tuntap add tap0 mode tap
	ip -n "$NS" link set tap0 up
}

teardown_file() {
	ip netns del "$NS" 2> /dev/null || true
}

setup() {
	need_kvm
	# Started as root, the monitor goes on as nobody (the jail), who must
	# be able to write the metrics files' directory.
	D=$BATS_TEST_TMPDIR/m
	mkdir -p "$D"
	chmod 777 "$D"
	PY=
	# Debian's python3 (a pyenv one first in PATH may not have the module).
	for p in /usr/bin/python3 python3; do
		if "$p" -c 'import prometheus_client.parser' 2> /dev/null; then
			PY=$p
			break
		fi
	done
	netns_fresh "$NS"
}

need_parser() {
	[ -n "$PY" ] || skip "python3-prometheus-client is not installed (toolchain/deps.sh test)"
}

# prom FILE: every sample of FILE, parsed, one a line: name{k=v,...} value,
# labels sorted, values as integers when whole.  Fails on text that does
# not parse, a family without HELP or TYPE, a counter not named *_total,
# or a sample without the image and pid labels.
prom() {
	"$PY" - "$1" << 'EOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
assert text.endswith("\n"), "no newline at the end"
for f in text_string_to_metric_families(text):
    assert f.type in ("counter", "gauge"), (f.name, f.type)
    assert f.documentation, f.name
    for s in f.samples:
        assert f.type != "counter" or s.name.endswith("_total"), s.name
        assert "image" in s.labels and s.labels["pid"].isdigit(), s
        v = int(s.value) if s.value == int(s.value) else s.value
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()) if kv[0] not in ("image", "pid"))
        print("%s{%s} %s" % (s.name, labels, v))
EOF
}

# The sample lines of FILE's metric NAME{LABELS}, e.g. val F 'tincan_up{}'.
val() {
	prom "$1" | awk -v k="$2" 'index($0, k " ") == 1 { print substr($0, length(k) + 2) }'
}

@test "--stats: the summary line as before, then exits, hypercalls and console bytes that match the work" {
	run bash -c "timeout 20 '$RUN' --stats '$TINY' flood 100000 2>&1 > /dev/null"
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}"
	# Two console writes (64 KiB a call) and the exit: three doorbells.
	[ "${lines[0]}" = "tincan-run: stats: 3 KVM exits, 8192 KiB guest memory, 0 forged and 0 over-rate frames dropped" ]
	[ "${lines[1]}" = "tincan-run: stats: exits: mmio 3; KVM_RUN interrupted 0 times by host signals" ]
	[ "${lines[2]}" = "tincan-run: stats: hypercalls: console_write 2, exit 1" ]
	[ "${lines[3]}" = "tincan-run: stats: console: 100000 bytes written, 0 bytes read" ]
	[[ ${lines[4]} =~ ^"tincan-run: stats: memory: 8192 KiB backed, "([0-9]+)" KiB resident; the monitor's peak RSS "[0-9]+" KiB"$ ]]
	res=${BASH_REMATCH[1]}
	[ "$res" -gt 0 ] && [ "$res" -le 8192 ]
	[[ ${lines[5]} =~ ^"tincan-run: stats: time: "[0-9]+\.[0-9]{3}" s wall, "[0-9]+\.[0-9]{3}" s CPU ("[0-9]+\.[0-9]{3}" user, "[0-9]+\.[0-9]{3}" system)"$ ]]
	[ "${#lines[@]}" -eq 6 ]
	# What the guest reads counts too.
	head -c 1234 /dev/zero > "$D/in"
	run bash -c "timeout 20 '$RUN' --stats '$TINY' cat < '$D/in' 2>&1 > /dev/null"
	[ "$status" -eq 0 ]
	[ "${lines[3]}" = "tincan-run: stats: console: 1234 bytes written, 1234 bytes read" ]
}

@test "--stats: block requests and bytes" {
	G=$D/blk.tc
	cp "$BLK" "$G"
	"$B/bin/tincan-mkimage" --block=disk:/data "$G" > /dev/null
	truncate -s 64K "$D/disk.img"
	run bash -c "timeout 20 '$RUN' --stats --block='$D/disk.img' '$G' write 5 7 2>&1 > /dev/null"
	[ "$status" -eq 0 ]
	grep -qx "tincan-run: stats: block: 0 reads 0 bytes, 1 writes 3584 bytes, 1 flushes" <<< "$output"
	run bash -c "timeout 20 '$RUN' --stats --block='$D/disk.img' '$G' batch 63 2>&1 > /dev/null"
	[ "$status" -eq 0 ]
	grep -qx "tincan-run: stats: block: 63 reads 32256 bytes, 63 writes 32256 bytes, 1 flushes" <<< "$output"
	# A run with no block device prints no block line.
	run bash -c "timeout 20 '$RUN' --stats '$TINY' exit 0 2>&1"
	! grep -q "stats: block" <<< "$output"
}

@test "--stats on SIGUSR1 while the guest runs, and again at the end" {
	# Not under timeout, which would take the signal itself.
	"$RUN" --stats "$TINY" sleep 1500 > /dev/null 2> "$D/err" &
	pid=$!
	sleep 0.7
	kill -USR1 "$pid"
	wait "$pid"
	cat "$D/err"
	[ "$(grep -c '^tincan-run: stats: [0-9]* KVM exits' "$D/err")" -eq 2 ]
	[ "$(grep -c '^tincan-run: stats: time: ' "$D/err")" -eq 2 ]
}

@test "--metrics: Prometheus text whose counters match the work; the final sample stays, the temporary goes" {
	need_parser
	# A temporary left by a run that was killed is made anew.
	echo junk > "$D/.m.prom.tmp"
	run timeout 20 "$RUN" --metrics="$D/m.prom" "$TINY" flood 100000
	[ "$status" -eq 0 ]
	prom "$D/m.prom"
	[ "$(val "$D/m.prom" 'tincan_up{}')" = 0 ]
	[ "$(val "$D/m.prom" 'tincan_exit_status{}')" = 0 ]
	[ "$(val "$D/m.prom" 'tincan_console_out_bytes_total{}')" = 100000 ]
	[ "$(val "$D/m.prom" 'tincan_hypercalls_total{call=console_write}')" = 2 ]
	[ "$(val "$D/m.prom" 'tincan_hypercalls_total{call=exit}')" = 1 ]
	[ "$(val "$D/m.prom" 'tincan_kvm_exits_total{reason=mmio}')" = 3 ]
	[ "$(val "$D/m.prom" 'tincan_guest_memory_backed_bytes{}')" = 8388608 ]
	[ "$(prom "$D/m.prom" | grep -c '^tincan_cpu_seconds_total{mode=\(user\|system\)} ')" -eq 2 ]
	[ "$(prom "$D/m.prom" | sed -n 's/^tincan_wall_seconds_total{} //p')" != 0 ]
	[ "$(ls -A "$D" | grep -c tmp)" -eq 0 ]
	# An exit status other than 0, and block bytes.
	G=$D/blk.tc
	cp "$BLK" "$G"
	"$B/bin/tincan-mkimage" --block=disk:/data "$G" > /dev/null
	truncate -s 64K "$D/disk.img"
	run timeout 20 "$RUN" --metrics="$D/b.prom:7" --block="$D/disk.img" "$G" write 5 7
	[ "$status" -eq 0 ]
	[ "$(val "$D/b.prom" 'tincan_block_bytes_total{op=write}')" = 3584 ]
	[ "$(val "$D/b.prom" 'tincan_block_requests_total{op=flush}')" = 1 ]
	[ "$(val "$D/b.prom" 'tincan_block_requests_total{op=read}')" = 0 ]
	run timeout 20 "$RUN" --metrics="$D/m.prom" "$TINY" exit 42
	[ "$status" -eq 42 ]
	[ "$(val "$D/m.prom" 'tincan_exit_status{}')" = 42 ]
	[ "$(ls -A "$D" | grep -c tmp)" -eq 0 ]
}

@test "--metrics: rewritten every tick while the guest runs, never partial or missing; an idle guest is not woken" {
	need_parser
	F=$D/live.prom
	timeout 20 "$RUN" --stats --metrics="$F:1" "$TINY" sleep 6000 > "$D/out" 2> "$D/err" &
	pid=$!
	for _ in $(seq 400); do
		[ -e "$F" ] && break
		sleep 0.05
	done
	mon=$(tr -d ' ' < "/proc/$pid/task/$pid/children") # the monitor, timeout's child
	# Read it as fast as we can for 2.5 s: every read a whole sample of a
	# running guest, and the samples change (a tick is 1 s).
	"$PY" - "$F" "$mon" << 'EOF'
import sys, time
from prometheus_client.parser import text_string_to_metric_families
path, pid = sys.argv[1], sys.argv[2]
end, reads, walls = time.monotonic() + 2.5, 0, set()
while time.monotonic() < end:
    text = open(path, encoding="utf-8").read()  # FileNotFoundError: a missing file
    reads += 1
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    assert text.endswith("\n") and last.startswith('tincan_block_bytes_total{') and 'op="write"}' in last, text
    s = {x.name: x for f in text_string_to_metric_families(text) for x in f.samples}
    assert s["tincan_up"].value == 1 and s["tincan_up"].labels["pid"] == pid, s["tincan_up"]
    walls.add(s["tincan_wall_seconds_total"].value)
print(reads, "reads,", len(walls), "samples")
assert reads > 50 and len(walls) >= 2
EOF
	wait "$pid"
	cat "$D/err"
	[ "$(val "$F" 'tincan_up{}')" = 0 ]
	[ "$(val "$F" 'tincan_console_out_bytes_total{}')" = "$(wc -c < "$D/out")" ]
	[ ! -e "$D/.live.prom.tmp" ]
	# The ticks did not enter the guest: a console write, a wait and the exit.
	grep -qx "tincan-run: stats: exits: mmio 3; KVM_RUN interrupted 0 times by host signals" "$D/err"
	[ "$(val "$F" 'tincan_kvm_exits_total{reason=mmio}')" = 3 ]
}

@test "--metrics: labels escaped (an image named with quotes, a backslash, a newline)" {
	need_parser
	name=$'we"ird\\na\nme.tc'
	cp "$TINY" "$D/$name"
	run timeout 20 "$RUN" --metrics="$D/m.prom" "$D/$name" exit 0
	[ "$status" -eq 0 ]
	grep -F 'image="we\"ird\\na\nme.tc"' "$D/m.prom" | head -1
	got=$("$PY" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families as p
print(repr({s.labels["image"] for f in p(open(sys.argv[1]).read()) for s in f.samples}))' "$D/m.prom")
	[ "$got" = "{'we\"ird\\\\na\\nme.tc'}" ]
}

@test "--metrics and --stats: frames sent on a tap, per device" {
	need_parser
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
	cp "$TINY" "$D/net.tc"
	"$B/bin/tincan-mkimage" --net=net0 "$D/net.tc" > /dev/null
	run timeout 20 ip netns exec "$NS" "$RUN" --stats --metrics="$D/n.prom" --net=tap0 "$D/net.tc" net-send 300
	[ "$status" -eq 0 ]
	grep -qx "tincan-run: stats: net net0 (tap tap0): rx 0 frames 0 bytes 0 dropped, tx 300 frames 18000 bytes 0 dropped" <<< "$output"
	[ "$(val "$D/n.prom" 'tincan_net_tx_frames_total{nic=net0,tap=tap0}')" = 300 ]
	[ "$(val "$D/n.prom" 'tincan_net_tx_bytes_total{nic=net0,tap=tap0}')" = 18000 ]
	[ "$(val "$D/n.prom" 'tincan_net_tx_dropped_frames_total{nic=net0,tap=tap0}')" = 0 ]
	[ "$(val "$D/n.prom" 'tincan_hypercalls_total{call=net_io}')" = 2 ]
	# Forged frames: dropped, counted on the device and among the forged.
	run timeout 20 ip netns exec "$NS" "$RUN" --stats --metrics="$D/n.prom" --net=tap0 "$D/net.tc" net-send 250 other
	[ "$status" -eq 0 ]
	grep -qx "tincan-run: stats: net net0 (tap tap0): rx 0 frames 0 bytes 0 dropped, tx 0 frames 0 bytes 250 dropped" <<< "$output"
	[ "$(val "$D/n.prom" 'tincan_net_tx_dropped_frames_total{nic=net0,tap=tap0}')" = 250 ]
	[ "$(val "$D/n.prom" 'tincan_net_forged_frames_dropped_total{}')" = 250 ]
}

@test "--metrics errors: bad values, a missing or unwritable directory, a directory as PATH: one line each" {
	bad() { # VALUE MESSAGE
		run timeout 20 "$RUN" --metrics="$1" "$TINY" exit 0
		echo "--metrics=$1: status $status: $output"
		[ "$status" -eq 104 ]
		[ "${#lines[@]}" -eq 1 ]
		first_line_has "$2"
	}
	bad "$D/m.prom:0" "SECONDS must be a whole number from 1 to 3600"
	bad "$D/m.prom:3601" "SECONDS must be a whole number from 1 to 3600"
	bad "$D/m.prom:1.5" "SECONDS must be a whole number from 1 to 3600"
	bad "$D/m.prom:" "SECONDS must be a whole number from 1 to 3600"
	bad "$D/m.prom:99999999999" "SECONDS must be a whole number from 1 to 3600"
	bad ":5" "expected PATH[:SECONDS], PATH a file"
	bad "$D/:5" "expected PATH[:SECONDS], PATH a file"
	bad "$D/..:5" "not . or .."
	bad "$D/nosuchdir/m.prom" "directory $D/nosuchdir: No such file or directory"
	bad "$D" "is a directory"
	run timeout 20 "$RUN" --metrics="$D/a.prom" --metrics="$D/b.prom" "$TINY" exit 0
	[ "$status" -eq 104 ]
	first_line_has "--metrics given twice"
	mkdir "$D/ro"
	chmod 555 "$D/ro"
	if [ "$(id -u)" = 0 ]; then
		# Root's jail runs the guest as the directory's owner (nobody for
		# root's), who cannot write there.
		bad "$D/ro/m.prom" "uid 65534 cannot create .m.prom.tmp in $D/ro: Permission denied (started as root, the monitor runs as the directory's owner, nobody for root's, unless --user)"
	else
		bad "$D/ro/m.prom" "directory $D/ro is not writable: Permission denied"
	fi
	[ -z "$(ls -A "$D/ro")" ]
	[ ! -e "$D/m.prom" ]
}

@test "--metrics: a file removed under a running guest ends the samples with one message; the guest runs on" {
	F=$D/gone.prom
	timeout 20 "$RUN" --metrics="$F:1" "$TINY" sleep 1800 > /dev/null 2> "$D/err" &
	pid=$!
	for _ in $(seq 400); do
		[ -e "$F" ] && break
		sleep 0.05
	done
	rm "$F"
	st=0
	wait "$pid" || st=$?
	cat "$D/err"
	[ "$st" -eq 0 ]
	[ "$(wc -l < "$D/err")" -eq 1 ]
	[ ! -e "$D/.gone.prom.tmp" ]
	grep -q "^tincan-run: --metrics=$F:1: cannot update $F (rename): No such file or directory; no more samples$" "$D/err"
}

@test "--stats and --metrics at a snapshot's end too" {
	run timeout 20 "$RUN" --stats --metrics="$D/s.prom" --snapshot="$D/s.snap" "$TINY" snap
	[ "$status" -eq 0 ]
	[ -s "$D/s.snap" ]
	grep -q "^tincan-run: stats: [0-9]* KVM exits" <<< "$output"
	grep -qx 'tincan_up{image="tiny.tc",pid="[0-9]*"} 0' "$D/s.prom"
	[ ! -e "$D/.s.prom.tmp" ]
}

@test "--metrics ticks reach a guest that never exits on its own (each cuts one KVM_RUN short); --timeout's status in the final sample" {
	need_parser
	run timeout 20 "$RUN" --metrics="$D/spin.prom:1" --timeout=2500ms "$TINY" spin
	[ "$status" -eq 106 ]
	[ "$(val "$D/spin.prom" 'tincan_exit_status{}')" = 106 ]
	# Two ticks and the timeout's alarm; a tick may come in the same interruption as another.
	n=$(val "$D/spin.prom" 'tincan_kvm_run_interrupts_total{}')
	echo "interrupts: $n"
	[ "$n" -ge 2 ] && [ "$n" -le 4 ]
	[ "$(val "$D/spin.prom" 'tincan_kvm_exits_total{reason=mmio}')" = 0 ]
}
