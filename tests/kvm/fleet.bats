# tincan-fleet (platforms/kvm/fleet, docs/fleet.md): 100 udpecho guests on
# two bridges (50 each, a /24 each), each on its own tap and address,
# answer a UDP echo; a guest
# killed with SIGKILL is listed dead; stop --all leaves nothing behind; a bad
# spec is one line and exit 2; 20 guests restored from one snapshot answer;
# the systemd units verify.  Everything runs in
# a network namespace of our own (IPv6 off) with a bridge of our own, and
# teardown kills every recorded pid (start time checked), never by name.
load ../helpers

FLEET=$B/bin/tincan-fleet
N=100

setup_file() {
	export NS=tcft-$$ BR=tcftbr FNAME=f$$ FDIR=$BATS_FILE_TMPDIR/state LOGS=$BATS_FILE_TMPDIR/logs
	export TINCAN_FLEET_DIR=$FDIR SPEC=$BATS_FILE_TMPDIR/fleet.spec CG=tcft-$$
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && [ -e /dev/kvm ] && command -v ip > /dev/null || return 0
	# Room for 100 guests and the rest of the host (other tests run VMs too).
	local threads
	read -r _ _ _ threads _ < /proc/loadavg
	[ $(($(cat /proc/sys/kernel/pid_max) - ${threads#*/})) -ge $((2 * N + 2048)) ] || return 0
	ip netns add "$NS" || return 0
	ip netns exec "$NS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 &&
		echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
	ip -n "$NS" link set lo up
	local k
	for k in 0 1; do
		ip -n "$NS" link add "$BR$k" type bridge mcast_snooping 0
		ip -n "$NS" addr add "10.91.$k.1/24" dev "$BR$k"
		ip -n "$NS" link set "$BR$k" up
	done
	cat > "$SPEC" <<-EOF
		# $N udpecho guests on ${BR}0 and ${BR}1
		name=$FNAME
		count=$N
		image=$B/apps/udpecho.tc
		bridge=$BR%d
		per_bridge=50
		net=10.91.0.0/24
		first=10
		gateway=1
		mem=4M
		args=-p 7
		grace=0
		isolated=yes
		wave=32
		netns=$NS
		logdir=$LOGS
	EOF
	# MemAvailable before: two reads 1 s apart within 2 MiB (5 tries).
	local a b t
	for t in 1 2 3 4 5; do
		a=$(avail)
		sleep 1
		b=$(avail)
		[ $((a - b)) -lt 2048 ] && [ $((b - a)) -lt 2048 ] && break
	done
	echo "$b" > "$BATS_FILE_TMPDIR/mem0"
	read -r _ _ _ threads _ < /proc/loadavg
	echo "${threads#*/}" > "$BATS_FILE_TMPDIR/threads0"
	# The fleet in memory and pids cgroups of its own (v1, where there):
	# what it holds is measured apart from the rest of the host, and a
	# runaway cannot reach pid_max.
	local c
	for c in memory pids; do mkdir "/sys/fs/cgroup/$c/$CG" 2> /dev/null; done
	[ -d "/sys/fs/cgroup/pids/$CG" ] && echo $((2 * N + 32)) > "/sys/fs/cgroup/pids/$CG/pids.max"
	# The keeper in the foreground, a child of this shell, which reaps it in
	# teardown_file (PID 1 here may not reap an orphan).
	date +%s%N > "$BATS_FILE_TMPDIR/t0"
	(
		for c in memory pids; do
			[ -d "/sys/fs/cgroup/$c/$CG" ] && echo "$BASHPID" > "/sys/fs/cgroup/$c/$CG/cgroup.procs"
		done
		exec "$FLEET" start --foreground "$SPEC"
	) > "$BATS_FILE_TMPDIR/start.out" 2>&1 3>&- &
	echo $! > "$BATS_FILE_TMPDIR/keeper"
}

# MemAvailable + AnonPages, KiB: the fleet's kernel memory (KVM, taps,
# page tables, stacks) and its processes' pages are in MemAvailable, and the
# other processes' own (others run builds and VMs here) do not move the sum.
avail() { awk '/^(MemAvailable|AnonPages):/ { s += $2 } END { print s }' /proc/meminfo; }

# kill -KILL PID if it is still the process started at START.
kill_same() {
	local l
	{ read -r l < "/proc/$1/stat"; } 2> /dev/null || return 0
	set -- "$1" "$2" ${l##*) }
	[ "${22}" = "$2" ] && kill -KILL "$1" 2> /dev/null
	return 0
}

teardown_file() {
	local f idx name pid start rest
	for f in "$FDIR"/*/state "$BATS_FILE_TMPDIR/state.copy"; do
		[ -f "$f" ] || continue
		while IFS=$'\t' read -r idx name pid start rest; do kill_same "$pid" "$start"; done < "$f"
	done
	for f in "$FDIR"/*/keeper.pid; do
		read -r pid start < "$f" && kill_same "$pid" "$start"
	done
	[ -f "$BATS_FILE_TMPDIR/keeper" ] && { wait "$(cat "$BATS_FILE_TMPDIR/keeper")" 2> /dev/null || true; }
	ip netns del "$NS" 2> /dev/null || true
	local c t
	for c in memory pids; do
		for t in 1 2 3 4 5; do
			[ -d "/sys/fs/cgroup/$c/$CG" ] && ! rmdir "/sys/fs/cgroup/$c/$CG" 2> /dev/null && sleep 0.2
		done
	done
	return 0
}

setup() {
	need_kvm
	[ "$(id -u)" = 0 ] || skip "fleets need root (taps, network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "no network namespace (or fewer than $((2 * N + 2048)) free tasks)"
}

# No process of the state file's copy is left (pid and start time).
none_left() {
	local idx name pid start rest l
	while IFS=$'\t' read -r idx name pid start rest; do
		if { read -r l < "/proc/$pid/stat"; } 2> /dev/null; then
			set -- ${l##*) }
			[ "${20}" != "$start" ] || { echo "guest $idx (pid $pid) is left"; return 1; }
		fi
	done < "$BATS_FILE_TMPDIR/state.copy"
}

# The guests' addresses, from the state file.
addrs() { cut -f5 "$FDIR/$FNAME/state"; }
sweep() { ip netns exec "$NS" "$B/tests/netclient" sweep 7 1000 < "$BATS_FILE_TMPDIR/addrs"; }

@test "100 guests start, each answers UDP echo on its own address" {
	local t
	for t in $(seq 600); do
		grep -q 'keeper' "$BATS_FILE_TMPDIR/start.out" && break
		kill -0 "$(cat "$BATS_FILE_TMPDIR/keeper")" 2> /dev/null || break
		sleep 0.1
	done
	cat "$BATS_FILE_TMPDIR/start.out"
	# Started, and each guest said it was ready (--ready-fd: its first wait).
	grep -q "started $N guests in [0-9.]* s, all ready in [0-9.]* s" "$BATS_FILE_TMPDIR/start.out"
	[ "$(wc -l < "$FDIR/$FNAME/state")" -eq "$N" ]
	addrs > "$BATS_FILE_TMPDIR/addrs"
	[ "$(sort -u "$BATS_FILE_TMPDIR/addrs" | wc -l)" -eq "$N" ]
	[ "$(cut -f6 "$FDIR/$FNAME/state" | sort -u | wc -l)" -eq "$N" ]
	# Each its own tap on the bridge.
	[ "$(ip -n "$NS" -o link show master "${BR}0" | grep -c " $FNAME-[0-9]*:")" -eq 50 ]
	[ "$(ip -n "$NS" -o link show master "${BR}1" | grep -c " $FNAME-[0-9]*:")" -eq 50 ]
	# Guest 50 is the first on the second bridge, in its subnet, with its gateway.
	[ "$(awk -F'\t' '$1 == 50 { print $3, $4, $6, $7 }' "$FDIR/$FNAME/plan")" = "10.91.1.10/24 02:7c:0a:5b:01:0a ${BR}1 10.91.1.1" ]
	# All answer (a guest still booting is asked again, for 60 s at most).
	for t in $(seq 60); do
		run sweep
		[ "$status" -eq 0 ] && break
	done
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sweep: $N of $N answered" ]
	local t0
	t0=$(cat "$BATS_FILE_TMPDIR/t0")
	awk -v n="$N" -v ns=$(($(date +%s%N) - t0)) \
		'BEGIN { printf "# %d guests answering %.2f s after start: %.0f/s\n", n, ns / 1e9, n / (ns / 1e9) }' >&3
	# The host never ARPs for them: a static neighbour each.
	[ "$(ip -n "$NS" -4 neigh show dev "${BR}0" nud permanent | grep -c '02:7c:0a:5b:00:')" -eq 50 ]
	[ "$(ip -n "$NS" -4 neigh show dev "${BR}1" nud permanent | grep -c '02:7c:0a:5b:01:')" -eq 50 ]
	run "$FLEET" list "$FNAME"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "$FNAME: $N alive, 0 dead; keeper $(cat "$BATS_FILE_TMPDIR/keeper") running" ]
	run "$FLEET" list
	[[ ${lines[1]} =~ ^$FNAME\ +$N\ +$N\  ]]
}

@test "each port: no learning, no flooding, the guest's MAC static; a frame for an unknown MAC reaches no guest" {
	local k n t0 t1 b0 b1
	for k in 0 1; do
		n=$(ip -n "$NS" -d -o link show master "$BR$k" | grep " $FNAME-[0-9]*:" |
			grep -c ' learning off flood off .* mcast_flood off ')
		[ "$n" -eq 50 ]
	done
	# A static fdb entry each, on its own port, for the MAC in the plan.
	n=$(awk -F'\t' '{ print $4, $5 }' "$FDIR/$FNAME/plan" | sort > "$BATS_TEST_TMPDIR/want" &&
		{ bridge -n "$NS" fdb show br "${BR}0"; bridge -n "$NS" fdb show br "${BR}1"; } |
		awk '$2 == "dev" && $4 == "master" && / static/ { print $1, $3 }' | sort | comm -12 - "$BATS_TEST_TMPDIR/want" | wc -l)
	[ "$n" -eq "$N" ]
	# Unknown unicast: what the host sends to a MAC the bridge does not
	# know reaches no guest (flooded, it would reach all 50 on the bridge).
	frames() { ip netns exec "$NS" sh -c "cat /sys/class/net/$1/statistics/tx_packets" | awk '{ s += $1 } END { print s }'; }
	ip -n "$NS" neigh replace 10.91.0.250 lladdr 02:00:00:00:00:fe dev "${BR}0" nud permanent
	t0=$(frames "$FNAME-*") b0=$(frames "${BR}0")
	ip netns exec "$NS" bash -c 'for i in 1 2 3 4 5; do echo x > /dev/udp/10.91.0.250/9; done'
	sleep 1
	t1=$(frames "$FNAME-*") b1=$(frames "${BR}0")
	ip -n "$NS" neigh del 10.91.0.250 dev "${BR}0"
	echo "bridge sent $((b1 - b0)), guests got $((t1 - t0))"
	[ $((b1 - b0)) -ge 5 ]
	[ "$t1" -eq "$t0" ]
}

@test "a running fleet's name is refused: one line, exit 2" {
	[ -f "$FDIR/$FNAME/started" ] || skip "the fleet did not start"
	run "$FLEET" start "$SPEC"
	[ "$status" -eq 2 ]
	[ "$output" = "tincan-fleet: fleet '$FNAME' is already running (keeper $(cat "$BATS_FILE_TMPDIR/keeper")): tincan-fleet stop $FNAME first" ]
}

@test "a guest killed with SIGKILL is listed dead, the rest alive" {
	[ -f "$FDIR/$FNAME/started" ] || skip "the fleet did not start"
	local pid t
	pid=$(awk -F'\t' '$1 == 42 { print $3 }' "$FDIR/$FNAME/state")
	kill -KILL "$pid"
	for t in $(seq 50); do
		run "$FLEET" list "$FNAME"
		[[ ${lines[-1]} == *"$((N - 1)) alive, 1 dead"* && $output == *"status 137"* ]] && break
		sleep 0.1
	done
	echo "$output"
	[[ ${lines[-1]} == "$FNAME: $((N - 1)) alive, 1 dead; keeper "*" running" ]]
	local dead
	dead=$(grep ' dead ' <<< "$output")
	echo "dead: $dead"
	[[ $dead == "42 "*" $pid "*"10.91.0.52 "*"02:7c:0a:5b:00:34 $FNAME-42 "*"status 137 (SIGKILL, or exit 137); log: udpecho: listening on UDP port 7" ]]
	# The keeper reaped it and recorded how it ended; its tap went with it.
	grep -qx "$pid 137" "$FDIR/$FNAME/exits"
	! ip -n "$NS" -o link show "$FNAME-42" 2> /dev/null
	[ "$(ps -o stat= -p "$pid")" = "" ]
}

@test "stop NAME INDEX stops that instance alone; its neighbour entry goes" {
	[ -f "$FDIR/$FNAME/started" ] || skip "the fleet did not start"
	run "$FLEET" stop "$FNAME" 7
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == "tincan-fleet: $FNAME: stopped 1 guests in "*" (1 sent SIGTERM, 0 needed SIGKILL); no process, tap, neighbour left" ]]
	run "$FLEET" list "$FNAME"
	[[ ${lines[-1]} == "$FNAME: $((N - 2)) alive, 2 dead; keeper "*" running" ]]
	[[ $(grep '^7 ' <<< "$output") == *" dead "*"status 143 (SIGTERM, or exit 143)"* ]]
	! ip -n "$NS" -4 neigh show 10.91.0.17 dev "${BR}0" | grep -q PERMANENT
	[ "$(ip -n "$NS" -4 neigh show nud permanent | grep -c '02:7c:0a:5b:0[01]:')" -eq $((N - 1)) ]
}

@test "stop --all leaves nothing: processes, taps, tun fds, neighbours, keeper, state, memory" {
	[ -f "$FDIR/$FNAME/started" ] || skip "the fleet did not start"
	cp "$FDIR/$FNAME/state" "$BATS_FILE_TMPDIR/state.copy"
	local t0 t1
	t0=$(date +%s%N)
	run "$FLEET" stop --all
	t1=$(date +%s%N)
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == "tincan-fleet: $FNAME: stopped $N guests in "*"; no process, tap, neighbour, keeper or state left" ]]
	awk -v n="$N" -v ns=$((t1 - t0)) 'BEGIN { printf "# stop --all of %d guests: %.2f s\n", n, ns / 1e9 }' >&3
	# Checked again here, not only by the tool: no tap in the namespace...
	[ "$(ip -n "$NS" -o link show | grep -c " $FNAME-")" -eq 0 ]
	# ...no recorded pid alive (start time checked)...
	none_left
	# ...no open /dev/net/tun attached to one of its taps...
	local f
	for f in $(find /proc/[0-9]*/fd -lname /dev/net/tun 2> /dev/null); do
		! grep -qs "^iff:[[:space:]]*$FNAME-" "${f/\/fd\//\/fdinfo\/}" || { echo "$f is one of ours"; false; }
	done
	# ...no static neighbour, no state; the keeper has exited.
	[ "$(ip -n "$NS" -4 neigh show nud permanent | grep -c '02:7c:0a:5b:0[01]:')" -eq 0 ]
	[ ! -e "$FDIR/$FNAME" ]
	[[ $(ps -o stat= -p "$(cat "$BATS_FILE_TMPDIR/keeper")") == "" || $(ps -o stat= -p "$(cat "$BATS_FILE_TMPDIR/keeper")") == Z* ]]
	# The fleet's memory cgroup holds no more than its log files' pages.
	local mc=/sys/fs/cgroup/memory/$CG u peak
	if [ -f "$mc/memory.usage_in_bytes" ]; then
		for t in $(seq 20); do
			u=$(cat "$mc/memory.usage_in_bytes")
			[ "$u" -le $((2 << 20)) ] && break
			sleep 0.5
		done
		peak=$(cat "$mc/memory.max_usage_in_bytes")
		echo "fleet cgroup: $u bytes after stop, peak $peak"
		awk -v p="$peak" -v n="$N" 'BEGIN { printf "# fleet cgroup peak: %.0f KiB per guest\n", p / n / 1024 }' >&3
		[ "$u" -le $((2 << 20)) ]
	fi
}

@test "after stop --all, MemAvailable (+ AnonPages) is back within 24 MiB of before (the 100 guests held ~86)" {
	[ -f "$BATS_FILE_TMPDIR/state.copy" ] || skip "the fleet did not start"
	none_left
	local m0 m t threads
	m0=$(cat "$BATS_FILE_TMPDIR/mem0")
	# 24 MiB: under a third of what the 100 guests held, so a leak of a
	# third of each guest fails; host-wide noise (per-CPU lists, other tests'
	# files in a tmpfs) has reached ~30 MiB beside other work and passed 8 MiB without it.
	for t in $(seq 40); do
		m=$(avail)
		[ $((m0 - m)) -le 24576 ] && break
		sleep 0.5
	done
	echo "MemAvailable + AnonPages: $m0 KiB before, $m KiB after"
	# Other work on the host moves MemAvailable too (the fleet's own cgroup
	# was checked above): when the host's task count moved meanwhile, or
	# other KVM guests are running (ours are gone: each has a recovery
	# thread), the figures are not comparable.
	read -r _ _ _ threads _ < /proc/loadavg
	threads=$((${threads#*/} - $(cat "$BATS_FILE_TMPDIR/threads0")))
	local vms
	vms=$(ps -eLo comm= | grep -c '^kvm-nx-lpage' || true)
	if [ $((m0 - m)) -gt 24576 ] && { [ "${threads#-}" -gt 16 ] || [ "$vms" -gt 0 ]; }; then
		skip "other work on the host ($vms KVM guests, task count moved by $threads): MemAvailable moved by $(((m0 - m) >> 10)) MiB"
	fi
	[ $((m0 - m)) -le 24576 ]
}

@test "SIGTERM to the keeper stops every guest; their exits are recorded" {
	local spec=$BATS_TEST_TMPDIR/term.spec t kp
	sed -e "s/^name=.*/name=term/" -e "s/^count=.*/count=5/" -e "s/^first=.*/first=200/" "$SPEC" > "$spec"
	"$FLEET" start --foreground "$spec" > "$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	kp=$!
	for t in $(seq 100); do
		grep -q 'keeper' "$BATS_TEST_TMPDIR/out" && break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/out"
	grep -q "started 5 guests in [0-9.]* s, all ready in" "$BATS_TEST_TMPDIR/out"
	cp "$FDIR/term/state" "$BATS_TEST_TMPDIR/term.state"
	kill -TERM "$kp"
	wait "$kp" || true
	run "$FLEET" list term
	echo "$output"
	[ "${lines[-1]}" = "term: 0 alive, 5 dead; keeper not running" ]
	[ "$(grep -c 'status 143 (SIGTERM, or exit 143); log: tincan-run: guest ended by the host.s SIGTERM' <<< "$output")" -eq 5 ]
	run "$FLEET" stop term
	[ "$status" -eq 0 ]
	[ ! -e "$FDIR/term" ]
}

@test "guests that exit before they are ready: start exits 1, list says how each ended" {
	local spec=$BATS_TEST_TMPDIR/fail.spec
	sed -e "s/^name=.*/name=fail/" -e "s/^count=.*/count=3/" -e "s/^first=.*/first=220/" -e "s/^args=.*/args=-p 0/" \
		-e "/^wave=/d" "$SPEC" > "$spec"
	run "$FLEET" start "$spec"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == "tincan-fleet: fail: started 3 guests in "*" s, 0 ready after "*" s; keeper "* ]]
	run "$FLEET" list fail
	echo "$output"
	[ "$(grep -c ' dead .*exit 2; log: usage: udpecho \[-a ADDR\] \[-p PORT\]$' <<< "$output")" -eq 3 ]
	run "$FLEET" stop fail
	[ "$status" -eq 0 ]
	[ ! -e "$FDIR/fail" ]
}

@test "stop while start is still starting guests (waves of 2) stops every one; nothing is left" {
	local spec=$BATS_TEST_TMPDIR/mid.spec sp t
	sed -e "s/^name=.*/name=mid/" -e "s/^count=.*/count=40/" -e "s/^wave=.*/wave=2/" -e "s/^first=.*/first=100/" \
		-e "s|^logdir=.*|logdir=$BATS_TEST_TMPDIR/logs|" "$SPEC" > "$spec"
	"$FLEET" start "$spec" > "$BATS_TEST_TMPDIR/mid.out" 2>&1 &
	sp=$!
	for ((t = 0; t < 500; t++)); do [ -s "$FDIR/mid/state" ] && break; sleep 0.01; done
	cp "$FDIR/mid/state" "$BATS_TEST_TMPDIR/mid.state0"
	run "$FLEET" stop mid
	echo "$output"
	wait "$sp" || true
	cat "$BATS_TEST_TMPDIR/mid.out"
	[ "$status" -eq 0 ]
	[ ! -e "$FDIR/mid" ]
	! ip -n "$NS" -o link show | grep -q ' mid-'
	! ip -n "$NS" neigh show nud permanent | grep -q '^10\.91\.0\.1[0-3][0-9] '
	# and it stopped the start: not all 40 were started
	grep -q 'started [0-9]* of 40 guests (stopped by SIGTERM)' "$BATS_TEST_TMPDIR/mid.out"
}

# bad_spec MESSAGE KEY=VALUE...: a spec for fleet "bad" with these lines
# moved to its end (KEY=: removed) must fail with exactly MESSAGE (SPEC: the spec's path,
# LINE: its last line), exit 2, and start nothing.
# The links in $NS, one a line: a dump the kernel marks interrupted (a link
# changed meanwhile, e.g. the new bridge's carrier) is taken again.
ns_links() {
	local out i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		out=$(ip -n "$NS" -o link show 2>&1) && [[ $out != *"Dump was interrupted"* ]] && break
		sleep 0.1
	done
	printf '%s\n' "$out"
}

bad_spec() {
	local want=$1 spec=$BATS_TEST_TMPDIR/bad.spec kv
	shift
	sed -e "s/^name=.*/name=bad/" -e "/^logdir=/d" "$SPEC" > "$spec"
	echo "logdir=$BATS_TEST_TMPDIR/logs" >> "$spec"
	for kv in "$@"; do
		grep -q "^${kv%%=*}=" "$spec" && sed -i "/^${kv%%=*}=/d" "$spec"
		[ "${kv%=}" != "$kv" ] || echo "$kv" >> "$spec" # KEY=: only removed
	done
	local links
	links=$(ns_links | wc -l)
	run "$FLEET" start "$spec"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	want=${want//SPEC/$spec}
	[ "$output" = "tincan-fleet: ${want//LINE/$(wc -l < "$spec")}" ]
	[ ! -e "$FDIR/bad" ]
	[ "$(ns_links | wc -l)" -eq "$links" ]
	! ns_links | grep -q ' bad-'
}

@test "bad specs: one clear line each, exit 2, nothing started" {
	bad_spec "net=10.91.0.0/24 holds 245 guests per bridge from host .10 on, but 300 are needed there" count=300 per_bridge=300
	bad_spec "bridge 'nosuchbr' does not exist in netns $NS (ip link add nosuchbr type bridge)" bridge=nosuchbr per_bridge=
	bad_spec "image $B/apps/hello.tc declares no net device (tincan-mkimage --print shows its manifest; tincan-mkimage --net=net0 IMAGE adds one)" \
		image="$B/apps/hello.tc"
	bad_spec "image /nonexistent.tc: no such file" image=/nonexistent.tc
	bad_spec "SPEC:LINE: expected key=value, got 'count 5'" "count 5"
	bad_spec "SPEC:LINE: unknown key 'colour' (keys: name instance count image restore bridge per_bridge net first gateway mem args options logdir netns grace isolated wave ready metrics)" colour=blue
	bad_spec "SPEC:LINE: count=ten: expected 1 to 65536" count=ten
	bad_spec "SPEC:LINE: net=10.91.0.7/24: host bits are set (the subnet is 10.91.0.0/24)" net=10.91.0.7/24
	bad_spec "SPEC:LINE: options: --ip is set by the fleet (see the spec's keys)" "options=--stats --ip=1.2.3.4/8"
	bad_spec "SPEC:LINE: name=Bad_1: expected 1-9 lowercase letters or digits (taps are NAME-INDEX)" name=Bad_1
	bad_spec "count=2000 guests on one bridge: a Linux bridge holds 1,023 ports (use bridge=NAME%d and per_bridge=)" count=2000 net=10.91.0.0/16 bridge=${BR}0 per_bridge=
	bad_spec "gateway=12 is among the guests' addresses (host .10 to .59)" gateway=12
	bad_spec "netns 'nosuchns$$' does not exist (ip netns add nosuchns$$)" netns=nosuchns$$
	# Another fleet's addresses: in its plan, or a permanent neighbour entry.
	mkdir "$FDIR/other"
	printf '0\tx\t10.91.0.201/24\t02:7c:0a:5b:00:c9\tother-0\t%s\t-\t/dev/null\n' "${BR}0" > "$FDIR/other/plan"
	echo "$NS" > "$FDIR/other/netns"
	bad_spec "10.91.0.201 on bridge ${BR}0 is in fleet 'other' already: net=10.91.0.0/24 overlaps it" first=200 count=2
	rm -r "$FDIR/other"
	ip -n "$NS" neigh add 10.91.0.201 lladdr 02:7c:0a:5b:00:c9 dev "${BR}0" nud permanent
	bad_spec "10.91.0.201 on bridge ${BR}0 has a permanent neighbour entry already (another fleet's?): net=10.91.0.0/24 overlaps it" \
		first=200 count=2
	ip -n "$NS" neigh del 10.91.0.201 dev "${BR}0"
	# A logdir others can write (the logs are written as root): refused.
	mkdir -m 1777 "$BATS_TEST_TMPDIR/open"
	bad_spec "logdir $BATS_TEST_TMPDIR/open: $BATS_TEST_TMPDIR/open is not root's, or others can write it (the logs are written as root)" \
		logdir="$BATS_TEST_TMPDIR/open"
	# Leading zeros (octal, or an error, in bash arithmetic) are refused.
	bad_spec "SPEC:LINE: net=010.91.0.0/24: expected a subnet like 10.80.0.0/22" net=010.91.0.0/24
	bad_spec "SPEC:LINE: net=10.91.0.080/24: expected a subnet like 10.80.0.0/22" net=10.91.0.080/24
	bad_spec "SPEC:LINE: net=10.91.0.0/08: expected a subnet like 10.80.0.0/22" net=10.91.0.0/08
	bad_spec "SPEC:LINE: ready=08s: expected a duration like 60s (0: do not wait)" ready=08s
	bad_spec "SPEC:LINE: grace=08s: expected a duration like 500ms or 5s" grace=08s
	# Options: never globbed; a value only as --opt=VALUE; the fleet's own refused.
	bad_spec "SPEC:LINE: options: '*' is not a --option" "options=--stats *"
	bad_spec "SPEC:LINE: options: --jail: expected --stats or --option=VALUE" "options=--jail"
	bad_spec "SPEC:LINE: options: --ready-fd is set by the fleet (see the spec's keys)" "options=--ready-fd=5"
	# A bridge name is matched whole, not as a pattern.
	bad_spec "bridge '$BR.' does not exist in netns $NS (ip link add $BR. type bridge)" "bridge=$BR." per_bridge=
	# Headroom: 20,000 guests are 40,000 tasks, over pid_max (32,768 here;
	# the line names what is in use), and memory when each counts 1 TiB.
	run "$FLEET" start <(sed -e "s/^name=.*/name=bad/" -e "s/^count=.*/count=20000/" "$SPEC")
	[ "$status" -eq 2 ]
	[[ $output == "tincan-fleet: not enough free tasks: 20000 guests need 40000 + 1024 kept free, but "*" of "*" are in use" ]]
	TINCAN_FLEET_GUEST_KIB=$((1 << 30)) run "$FLEET" start <(sed -e "s/^name=.*/name=bad/" "$SPEC")
	[ "$status" -eq 2 ]
	[[ $output == "tincan-fleet: not enough memory: $N guests need ~$((N << 20)) MiB + 256 MiB kept free, MemAvailable is "*" MiB" ]]
	[ ! -e "$FDIR/bad" ]
}

@test "restore= specs: one clear line each, exit 2, nothing started" {
	local snap=$BATS_TEST_TMPDIR/tiny.snap
	"$B/bin/tincan-run" --snapshot="$snap" "$B/tests/tiny.tc" snap now
	bad_spec "SPEC:LINE: image= with restore=: give one of them" restore="$snap" image="$B/apps/udpecho.tc"
	bad_spec "SPEC:LINE: args= with restore=: a restored guest keeps the snapshot's arguments" image= restore="$snap" "args=-p 7"
	bad_spec "SPEC:LINE: mem= with restore=: a restored guest's memory is the snapshot's" image= args= restore="$snap" mem=4M
	bad_spec "SPEC:LINE: options: --mem-max with restore=: memory is the snapshot's" image= args= mem= restore="$snap" \
		"options=--stats --mem-max=8M"
	bad_spec "SPEC:LINE: options: --restore is set by the fleet (see the spec's keys)" "options=--restore=$snap"
	bad_spec "SPEC: missing key 'image' (or 'restore')" image=
	bad_spec "restore /nonexistent.snap: no such file, or not readable" image= args= mem= restore=/nonexistent.snap
	bad_spec "restore $B/apps/udpecho.tc: not a snapshot (tincan-run --snapshot=FILE IMAGE takes one)" image= args= mem= \
		restore="$B/apps/udpecho.tc"
	head -c 4096 "$snap" > "$BATS_TEST_TMPDIR/cut.snap"
	bad_spec "restore $BATS_TEST_TMPDIR/cut.snap: truncated or damaged (take it again)" image= args= mem= \
		restore="$BATS_TEST_TMPDIR/cut.snap"
	bad_spec "restore $snap: its image declares no net device (a fleet's guests each get a tap: snapshot an image with one)" \
		image= args= mem= restore="$snap"
}

@test "20 guests restored from one udpecho snapshot answer UDP echo on their own addresses; stop leaves nothing" {
	local snap=$BATS_TEST_TMPDIR/udpecho.snap spec=$BATS_TEST_TMPDIR/rest.spec
	# Taken on a tap of its own at an address no guest gets; each restore
	# takes its own tap, MAC and address.
	ip netns exec "$NS" timeout 30 "$B/bin/tincan-run" --snapshot="$snap" --mem=4M --net="bridge:${BR}1,tap=tcsn$$" \
		--ip=10.91.1.250/24 "$B/apps/udpecho.tc" -p 7
	sed -e "s/^name=.*/name=rest/" -e "s/^count=.*/count=20/" -e "s/^first=.*/first=230/" -e "/^image=/d" -e "/^args=/d" \
		-e "/^mem=/d" -e "s|^logdir=.*|logdir=$BATS_TEST_TMPDIR/logs|" "$SPEC" > "$spec"
	echo "restore=$snap" >> "$spec"
	run "$FLEET" start "$spec"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == "tincan-fleet: rest: started 20 guests in "*" s, all ready in "* ]]
	cp "$FDIR/rest/state" "$BATS_TEST_TMPDIR/rest.state"
	# Restores, not cold boots: udpecho says "listening" once it has bound
	# its port, before the snapshot; no restored guest says it again.
	[ "$(ls "$BATS_TEST_TMPDIR"/logs/rest-*.log | wc -l)" -eq 20 ]
	! grep -l listening "$BATS_TEST_TMPDIR"/logs/rest-*.log
	cut -f5 "$FDIR/rest/state" > "$BATS_TEST_TMPDIR/rest.addrs"
	run ip netns exec "$NS" "$B/tests/netclient" sweep 7 1000 < "$BATS_TEST_TMPDIR/rest.addrs"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "sweep: 20 of 20 answered" ]
	run "$FLEET" stop rest
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"no process, tap, neighbour, keeper or state left" ]]
	[ ! -e "$FDIR/rest" ]
	! ip -n "$NS" -o link show | grep -q ' rest-'
}

# --stats and metrics= make each monitor tincan-run-debug (tincan-run execs
# it): the fleet still knows its guests are alive, and stops them; `metrics`
# sums the guests' --metrics files.
@test "a fleet with options=--stats and metrics=: guests alive, their metrics summed, stats in each log" {
	local spec=$BATS_TEST_TMPDIR/dbg.spec mdir=$BATS_TEST_TMPDIR/metrics
	sed -e "s/^name=.*/name=dbg/" -e "s/^count=.*/count=3/" -e "s/^first=.*/first=200/" \
		-e "s|^logdir=.*|logdir=$BATS_TEST_TMPDIR/logs|" "$SPEC" > "$spec"
	printf '%s\n' "options=--stats" "metrics=$mdir:1" >> "$spec"
	run "$FLEET" start "$spec"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$FLEET" list dbg
	echo "$output"
	[[ ${lines[-1]} == "dbg: 3 alive, 0 dead; keeper "*" running" ]]
	# Made by the fleet, nobody's: the monitors run as its owner.
	[ "$(stat -c %U "$mdir")" = nobody ]
	[ "$(ls "$mdir" | sort | tr '\n' ' ')" = "dbg-0.prom dbg-1.prom dbg-2.prom " ]
	# Three udpecho guests answer one datagram each: the sum counts 3 frames in.
	ip netns exec "$NS" "$B/tests/netclient" sweep 7 1000 <<< $'10.91.0.200\n10.91.0.201\n10.91.0.202'
	# (The files are rewritten every second.)
	rx3() { [ "$("$FLEET" metrics dbg | awk '/^tincan_net_rx_frames_total/ { print $2 }')" -ge 3 ]; }
	wait_until 10 rx3
	run "$FLEET" metrics dbg
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "# tincan-fleet dbg: 3 metrics files of 3 guests" ]
	grep -qx 'tincan_fleet_guests{fleet="dbg"} 3' <<< "$output"
	grep -qx 'tincan_up{fleet="dbg"} 3' <<< "$output"
	grep -qx 'tincan_guest_memory_backed_bytes{fleet="dbg"} 12582912' <<< "$output"
	[ "$(grep -c '^tincan_kvm_exits_total{fleet="dbg",reason="mmio"} [1-9]' <<< "$output")" = 1 ]
	rx=$(awk '/^tincan_net_rx_frames_total/ { print $2 }' <<< "$output")
	[ "$rx" -ge 3 ]
	! grep -q 'pid=\|image=\|tincan_start_time_seconds' <<< "$output"
	/usr/bin/python3 -c 'import sys; from prometheus_client.parser import text_string_to_metric_families as f; n = sum(len(m.samples) for m in f(sys.stdin.read())); assert n > 20, n' <<< "$output"
	run "$FLEET" stop dbg
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"no process, tap, neighbour, keeper or state left" ]]
	[ "$(grep -l '^tincan-run: stats: ' "$BATS_TEST_TMPDIR"/logs/dbg-*.log | wc -l)" -eq 3 ]
	# What stays: each guest's last sample, saying it is down.
	grep -qx 'tincan_up{image="udpecho.tc",pid="[0-9]*"} 0' "$mdir/dbg-0.prom"
	run "$FLEET" metrics dbg
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-fleet: no fleet 'dbg' (in $FDIR)" ]
}

@test "fleet metrics: bad spec values and a fleet without metrics= are one line" {
	local spec=$BATS_TEST_TMPDIR/m.spec
	for v in rel/dir /a:b:5 "/x y" /d:0 /d:3601 /d:x; do
		sed -e "s/^name=.*/name=mbad/" "$SPEC" > "$spec"
		echo "metrics=$v" >> "$spec"
		run "$FLEET" start "$spec"
		echo "$v: $output"
		[ "$status" -eq 2 ]
		[[ $output == "tincan-fleet: $spec:"*": metrics=$v: expected an absolute directory"* ]]
	done
	sed -e "s/^name=.*/name=mbad/" "$SPEC" > "$spec"
	echo "options=--metrics=/tmp/x.prom" >> "$spec"
	run "$FLEET" start "$spec"
	[ "$status" -eq 2 ]
	[[ $output == *"options: --metrics is set by the fleet (see the spec's keys)" ]]
	sed -e "s/^name=.*/name=nom/" -e "s/^count=.*/count=1/" -e "s/^first=.*/first=220/" \
		-e "s|^logdir=.*|logdir=$BATS_TEST_TMPDIR/logs|" "$SPEC" > "$spec"
	run "$FLEET" start "$spec"
	[ "$status" -eq 0 ]
	run "$FLEET" metrics nom
	"$FLEET" stop nom
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-fleet: fleet 'nom' has no metrics= in its spec" ]
	run "$FLEET" metrics 'Bad!'
	[ "$status" -eq 2 ]
}

@test "stop and list of a fleet that does not exist: one line, exit 1; bad commands: exit 2" {
	run "$FLEET" stop nosuch
	[ "$status" -eq 1 ]
	[ "$output" = "tincan-fleet: no fleet 'nosuch' (in $FDIR)" ]
	run "$FLEET" list nosuch
	[ "$status" -eq 1 ]
	run "$FLEET" list ../..
	[ "$status" -eq 2 ]
	[ "$output" = "tincan-fleet: list: '../..' is not a fleet name" ]
	run "$FLEET" stop 'a;b'
	[ "$status" -eq 2 ]
	[ "$output" = "tincan-fleet: stop: 'a;b' is not a fleet name" ]
	run "$FLEET" frobnicate
	[ "$status" -eq 2 ]
	[ "$output" = "tincan-fleet: unknown command 'frobnicate' (start, list or stop; --help shows them)" ]
	run "$FLEET" start
	[ "$status" -eq 2 ]
	[ "$output" = "tincan-fleet: start: expected [--foreground] [--expect-name=NAME] SPEC" ]
	# (tincan-fleet@NAME.service: a spec for another fleet is refused)
	run "$FLEET" start --foreground --expect-name=other "$SPEC"
	[ "$status" -eq 2 ]
	[ "$output" = "tincan-fleet: $SPEC: name=$FNAME, but --expect-name=other" ]
}

@test "the systemd units verify with systemd-analyze; broken copies do not" {
	command -v systemd-analyze > /dev/null || skip "systemd-analyze is missing (apt-get install systemd)"
	local d=$BATS_TEST_TMPDIR/units u
	mkdir -p "$d"
	for u in tincan@.service tincan-bridge@.service tincan-fleet@.service; do
		sed "s|/usr/local/bin/|$B/bin/|" "$TESTS/../platforms/kvm/fleet/$u" > "$d/$u"
	done
	SYSTEMD_UNIT_PATH=$d: run systemd-analyze verify --man=no tincan@t1.service tincan-bridge@br0.service tincan-fleet@f.service
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# A monitor that is not there fails; so does a setting systemd cannot parse.
	sed "s|$B/bin/tincan-run|$B/bin/no-tincan-run|" "$d/tincan@.service" > "$d/broken@.service"
	SYSTEMD_UNIT_PATH=$d: run systemd-analyze verify --man=no broken@t1.service
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"no-tincan-run is not executable"* ]]
	sed "s|^KillMode=mixed|KillMode=gently|" "$d/tincan@.service" > "$d/broken@.service"
	SYSTEMD_UNIT_PATH=$d: run systemd-analyze verify --man=no broken@t1.service
	echo "$output"
	[[ $output == *"Failed to parse kill mode"* ]]
}
