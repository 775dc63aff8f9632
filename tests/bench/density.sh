#!/bin/bash
# make bench-density (root only): what an idle instance costs the host, at
# N = 100, 1,000, 5,000 and 10,000 (BENCH_DENSITY_N: a list), in three
# phases run one after another, never together (each KVM VM takes two tasks
# of pid_max's 32,768):
#   bare     N bare idle KVM VMs of the guests' size (tests/bench/probes/
#            kvm-floor.c given a size; prints a line once its vCPU ran): the floor
#   paged    the same VMs with their vCPU in 64-bit mode at CPL3, paging on
#            (kvm-floor.c SIZE paged), as every tincan guest runs: under this
#            host's shadow paging KVM gives such a vCPU a second cache of 40
#            free pages (docs/density.md); the floor of any 64-bit guest here
#   udpecho  N udpecho guests at --mem=MEM, each on its own tap; at most
#            PORTS taps to a bridge (Linux allows 1,023), each bridge its own
#            /22 in a namespace of our own with IPv6 off; every port isolated
#            with flooding and learning off, a static fdb entry and a static
#            neighbour for every guest (MACs from the index): the host never
#            ARPs, no guest sees another's broadcasts
#            Started by tincan-fleet (the monitors make their taps on the
#            bridges), or with BENCH_DENSITY_STARTER=own by this script's
#            keeper on taps made beforehand in one ip -batch, flooding off
#            and a static fdb entry per port too
#   restored the udpecho guests again, each restored by tincan-fleet
#            (restore=) from one snapshot of udpecho at --mem=MEM taken once
#            for the run (tincan-run --snapshot, on a tap in a namespace of
#            its own): the memory no restore writes is shared through the
#            page cache (the file's pages are charged to the cgroup that
#            wrote them, not the phase's: its size is in the note).  Up =
#            ready by the fleet's count (--ready-fd: a restored guest prints
#            nothing).  Needs the fleet starter
#   linux    N Linux processes of the same udpecho (make host-apps), each bound
#            to its own address of a bridge without ports (this kernel has no
#            dummy driver) in a namespace of our own
# Each phase: MemAvailable (and a breakdown from /proc/meminfo) once stable;
# the network made (timed apart); every instance started by one function
# (start_instances) from a keeper process that records each pid, in waves,
# stopping when free tasks run low; up = the instance printed its line
# (udpecho's "listening", the probe's "idle"); SETTLE s later MemAvailable
# again, then the PSS of 20 sampled instances; host CPU over 10 s (/proc/stat)
# and the instances' own; the fraction answering one UDP datagram within 1 s
# (tests/tools/netclient.c sweep); the time to stop all; back to baseline.
# Before each N: skipped with the reason if the tasks or memory it needs are
# not free.  Every process started is recorded and reaped; the trap kills
# recorded pids only (starttime checked), never by name, and deletes our
# namespaces.  Writes OUT (markdown) and OUT's .dat beside it; plots with
# tests/bench/density.gp if gnuplot is there.
#   tests/bench/density.sh BUILD_DIR OUT.md
# BENCH_DENSITY_N ("100 1000 5000 10000"), BENCH_DENSITY_MEM (4M),
# BENCH_DENSITY_SETTLE (10 s), BENCH_DENSITY_PHASES ("bare paged udpecho
# restored linux"),
# BENCH_DENSITY_RESERVE (6000 tasks left free), BENCH_DENSITY_PORTS (1000),
# BENCH_DENSITY_ROUNDS (1: each N's phases that many times, back to back;
# with more, a table of medians and ranges too), BENCH_DENSITY_STARTER.
set -euo pipefail

# ---- keeper: density.sh keep DIR -------------------------------------------
# Starts one instance per line of DIR/cmds (stdout and stderr appended to
# DIR/log), records "pid starttime" in DIR/pids, writes DIR/spawned when done
# (DIR/stopped first if free tasks ran low), reaps them all; on TERM, TERMs
# them and waits.
if [ "${1-}" = keep ]; then
	D=$2 RESERVE=$3 WAVE=256
	pid_max=$(cat /proc/sys/kernel/pid_max)
	kids=()
	finish() {
		trap - TERM INT
		[ ${#kids[@]} -eq 0 ] || kill -TERM "${kids[@]}" 2> /dev/null || true
		wait
		exit 0
	}
	trap finish TERM INT
	exec 3>> "$D/pids" >> "$D/log" 2>&1
	i=0
	while read -ra cmd; do
		if [ $((i % WAVE)) -eq 0 ] && [ "$i" -gt 0 ]; then
			read -r _ _ _ rt _ < /proc/loadavg
			free=$((pid_max - ${rt#*/}))
			if [ $((free - 2 * WAVE)) -lt "$RESERVE" ]; then
				echo "stopped at $i: $free tasks free, $RESERVE kept" > "$D/stopped"
				break
			fi
		fi
		"${cmd[@]}" < /dev/null 3>&- &
		kids+=($!)
		st=()
		read -ra st 2> /dev/null < /proc/$!/stat || true
		echo "$! ${st[21]:-0}" >&3
		i=$((i + 1))
	done < "$D/cmds"
	echo "$i" > "$D/spawned"
	while :; do
		wait && break
	done
	exit 0
fi

B=$1 OUT=$2
DAT=${OUT%.md}.dat
RUN=$B/bin/tincan-run IDLE=$B/bench/kvm-floor-static APP=$B/apps/udpecho.tc
HOSTAPP=$B/host/udpecho CLIENT=$B/tests/netclient
NS_LIST=${BENCH_DENSITY_N:-100 1000 5000 10000}
MEM=${BENCH_DENSITY_MEM:-4M} SETTLE=${BENCH_DENSITY_SETTLE:-10}
PHASES=${BENCH_DENSITY_PHASES:-bare paged udpecho restored linux}
RESERVE=${BENCH_DENSITY_RESERVE:-6000} PORTS=${BENCH_DENSITY_PORTS:-1000}
ROUNDS=${BENCH_DENSITY_ROUNDS:-1}
FLEET=$B/bin/tincan-fleet
STARTER=${BENCH_DENSITY_STARTER:-$([ -x "$FLEET" ] && echo fleet || echo own)}
SELF=$(readlink -f "$0")
die() {
	echo "density bench: $*" >&2
	exit 1
}
for f in "$RUN" "$IDLE" "$APP" "$HOSTAPP" "$CLIENT"; do
	[ -e "$f" ] || die "$f is missing (make bench-density builds it)"
done
[ "$(id -u)" = 0 ] || die "needs root (taps, network namespaces)"
case $MEM in
[1-9]*[Mm]) bytes=$((${MEM%?} << 20)) ;;
*) die "BENCH_DENSITY_MEM must be megabytes (like 4M), not $MEM" ;;
esac
NS_LIST=${NS_LIST//,/ }
for n in $NS_LIST; do
	[[ $n =~ ^[1-9][0-9]*$ ]] && [ "$n" -le 60000 ] || die "BENCH_DENSITY_N: $n is not a count from 1 to 60,000"
done
for p in $PHASES; do
	case $p in bare | paged | udpecho | restored | linux) ;; *) die "BENCH_DENSITY_PHASES: unknown phase $p (bare, paged, udpecho, restored, linux)" ;; esac
done
[[ $PORTS =~ ^[1-9][0-9]*$ ]] && [ "$PORTS" -le 1000 ] || die "BENCH_DENSITY_PORTS must be 1 to 1000"
[[ $ROUNDS =~ ^[1-9]$ ]] || die "BENCH_DENSITY_ROUNDS must be 1 to 9"
case $STARTER in
own) ;;
fleet) [ -x "$FLEET" ] || die "BENCH_DENSITY_STARTER=fleet: $FLEET is missing" ;;
*) die "BENCH_DENSITY_STARTER must be fleet or own, not $STARTER" ;;
esac
[[ " $PHASES " != *" restored "* ]] || [ "$STARTER" = fleet ] ||
	die "the restored phase needs BENCH_DENSITY_STARTER=fleet (tincan-fleet restore=; drop it from BENCH_DENSITY_PHASES)"

NS_VM=tincan-densbench-v$$ NS_LX=tincan-densbench-l$$ NS_SN=tincan-densbench-s$$ FLEET_NAME=db$$
export TINCAN_FLEET_DIR # tincan-fleet's state: ours, not /run/tincan/fleet
# A memory cgroup (v1) per phase, when there is one: the network set-up and
# the instances run in it, so its charge (user and kernel memory that the
# kernel accounts) is ours alone, unlike MemAvailable, which other work moves.
CGROOT=/sys/fs/cgroup/memory CG=
CGHOME=$CGROOT$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
[ -w "$CGROOT/cgroup.procs" ] && [ -d "$CGHOME" ] || CGROOT=
cg_enter() {
	[ -n "$CGROOT" ] || return 0
	CG=$CGROOT/tincan-densbench-$$-$1
	mkdir "$CG" && echo "$BASHPID" > "$CG/cgroup.procs" || { echo "density bench: no memory cgroup $CG" >&2; CG=; }
}
cg_leave() { [ -z "$CG" ] || echo "$BASHPID" > "$CGHOME/cgroup.procs" 2> /dev/null || true; }
cg_read() { # usage and kmem usage, KiB
	if [ -n "$CG" ]; then
		echo "$(($(cat "$CG/memory.usage_in_bytes") / 1024)) $(($(cat "$CG/memory.kmem.usage_in_bytes") / 1024))"
	else
		echo "0 0"
	fi
}
WORK=$(mktemp -d /tmp/densbench.XXXXXX)
TINCAN_FLEET_DIR=$WORK/fleet
# Kill what a run directory recorded: the keeper first (it TERMs and reaps
# its instances), then, by pid and starttime, anything it left.
kill_recorded() {
	local d=$1 k pid st f
	[ -f "$d/keeper" ] || return 0
	read -r k < "$d/keeper"
	if [ -e "/proc/$k" ]; then
		kill -TERM "$k" 2> /dev/null || true
		for _ in $(seq 150); do
			[ -e "/proc/$k" ] || break
			sleep 0.1
		done
		kill -KILL "$k" 2> /dev/null || true
	fi
	wait "$k" 2> /dev/null || true
	[ -f "$d/pids" ] || return 0
	while read -r pid st; do
		[ -e "/proc/$pid" ] || continue
		f=()
		read -ra f 2> /dev/null < "/proc/$pid/stat" || continue
		[ "${f[21]}" = "$st" ] && kill -KILL "$pid" 2> /dev/null || true
	done < "$d/pids"
}
cleanup() {
	local d
	[ -z "$NAP" ] || { kill "$NAP" 2> /dev/null; wait "$NAP" 2> /dev/null; } || true
	cg_leave
	[ ! -d "$TINCAN_FLEET_DIR/$FLEET_NAME" ] || "$FLEET" stop "$FLEET_NAME" > /dev/null 2>&1 || true
	for d in "$WORK"/run*; do
		[ -d "$d" ] && kill_recorded "$d"
	done
	[ -z "$CG" ] || rmdir "$CG" 2> /dev/null || true
	ip netns del "$NS_VM" 2> /dev/null || true
	ip netns del "$NS_LX" 2> /dev/null || true
	ip netns del "$NS_SN" 2> /dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { echo "${EPOCHREALTIME/./}"; } # microseconds
# sleep, interruptible: a signal runs the trap at once, not after the sleep
NAP=
nap() {
	sleep "$1" &
	NAP=$!
	wait "$NAP"
	NAP=
}
avail() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }
# MemAvailable once two reads 2 s apart differ by under 2 MiB (at most 12 s).
stable_avail() {
	local a b
	a=$(avail)
	for _ in $(seq 6); do
		nap 2
		b=$(avail)
		[ $((a - b)) -lt 2048 ] && [ $((b - a)) -lt 2048 ] && break
		a=$b
	done
	echo "$b"
}
BREAKDOWN="Slab SUnreclaim KernelStack PageTables SecPageTables Percpu VmallocUsed Shmem AnonPages"
meminfo() {
	awk -v want="$BREAKDOWN" 'BEGIN { n = split(want, w, " ") }
		{ sub(":", "", $1); v[$1] = $2 }
		END { for (i = 1; i <= n; i++) printf "%s%s", (i > 1 ? " " : ""), (w[i] in v ? v[w[i]] : 0); print "" }' /proc/meminfo
}
tasks_now() {
	local rt
	read -r _ _ _ rt _ < /proc/loadavg
	echo "${rt#*/}"
}
cpu_stat() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9; exit }' /proc/stat; }
# utime + stime (ticks) of the recorded instances still alive
inst_ticks() {
	awk '{ print "/proc/" $1 "/stat" }' "$1/pids" | xargs cat 2> /dev/null | awk '{ s += $14 + $15 } END { print s + 0 }' || true
}

# Addresses and MACs, from the index.  Guest i: bridge i / PORTS, a /22 each.
guest_ip() {
	local k=$(($1 / PORTS)) j=$(($1 % PORTS + 2))
	echo "10.84.$((4 * k + j / 256)).$((j % 256))"
}
guest_mac() { printf '02:d6:%02x:%02x:%02x:%02x\n' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
linux_ip() { echo "10.85.$((($1 + 2) / 256)).$((($1 + 2) % 256))"; }

# The guests' namespace, IPv6 off before any device exists.
ns_bridges() {
	ip netns add "$NS_VM"
	ip netns exec "$NS_VM" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
# ip -batch lines for NBR bridges, each its own /22, with a fixed MAC (a
# bridge that took its lowest port's would drop its neighbour entries).
bridge_lines() {
	local k
	echo "link set lo up"
	for k in $(seq 0 $(($1 - 1))); do
		echo "link add br$k address 02:d6:ff:ff:ff:$(printf %02x "$k") type bridge mcast_snooping 0"
		echo "addr add 10.84.$((4 * k)).1/22 dev br$k"
		echo "link set br$k up"
	done
}
# The network for N guests: one batch of ip, one of bridge.
net_udpecho() {
	local n=$1 i k
	local nbr=$(((n + PORTS - 1) / PORTS))
	ns_bridges
	{
		bridge_lines "$nbr"
		for i in $(seq 0 $((n - 1))); do
			k=$((i / PORTS))
			echo "tuntap add t$i mode tap"
			echo "link set t$i master br$k"
			echo "link set t$i type bridge_slave isolated on learning off flood off mcast_flood off"
			echo "link set t$i up"
			echo "neigh add $(guest_ip "$i") lladdr $(guest_mac "$i") dev br$k nud permanent"
		done
	} | ip -n "$NS_VM" -batch - || die "could not make $n taps on $nbr bridges"
	for i in $(seq 0 $((n - 1))); do
		echo "fdb add $(guest_mac "$i") dev t$i master static"
	done | bridge -n "$NS_VM" -batch - || die "could not add $n static fdb entries"
}
# The fleet's monitors make their own taps (--net=bridge:): bridges only.
net_fleet() {
	local n=$1 k
	local nbr=$(((n + PORTS - 1) / PORTS))
	ns_bridges
	bridge_lines "$nbr" | ip -n "$NS_VM" -batch - || die "could not make $nbr bridges"
}
net_linux() {
	local n=$1 i
	ip netns add "$NS_LX"
	ip netns exec "$NS_LX" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	{
		echo "link set lo up"
		echo "link add d0 type bridge"
		echo "link set d0 up"
		for i in $(seq 0 $((n - 1))); do
			echo "addr add $(linux_ip "$i")/16 dev d0"
		done
	} | ip -n "$NS_LX" -batch - || die "could not add $n addresses to a dummy device"
}

# The starter: N instances of PHASE from a keeper in DIR (its pid in
# DIR/keeper).  Returns at once; up_wait tells when they are up.
start_instances() {
	local phase=$1 n=$2 d=$3 i k
	: > "$d/pids"
	: > "$d/log"
	case $phase in
	bare) for i in $(seq 0 $((n - 1))); do echo "$IDLE $bytes"; done > "$d/cmds" ;;
	paged) for i in $(seq 0 $((n - 1))); do echo "$IDLE $bytes paged"; done > "$d/cmds" ;;
	udpecho) # (guest_ip and guest_mac in one awk pass: two subshells a guest took 10 s at 10,000)
		awk -v n="$n" -v p="$PORTS" -v pre="$RUN --mem=$MEM" -v app="$APP" 'BEGIN {
			for (i = 0; i < n; i++) {
				k = int(i / p); j = i % p + 2
				printf "%s --net=t%d --net-mac=02:d6:%02x:%02x:%02x:%02x --ip=10.84.%d.%d/22 %s\n", pre, i,
					int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256, i % 256, 4 * k + int(j / 256), j % 256, app
			}
		}' > "$d/cmds"
		;;
	linux) for i in $(seq 0 $((n - 1))); do echo "$HOSTAPP -a $(linux_ip "$i") -p 7"; done > "$d/cmds" ;;
	esac
	if { [ "$phase" = udpecho ] || [ "$phase" = restored ]; } && [ "$STARTER" = fleet ]; then
		mkdir -p "$d/logs"
		local what=("image=$(readlink -f "$APP")" "mem=$MEM")
		[ "$phase" = restored ] && what=("restore=$SNAP")
		printf '%s\n' "name=$FLEET_NAME" "count=$n" "${what[@]}" "bridge=br%d" "per_bridge=$PORTS" \
			"net=10.84.0.0/22" "first=2" "isolated=yes" "ready=$((60 + n / 20))s" "logdir=$d/logs" "netns=$NS_VM" > "$d/spec"
		"$FLEET" start "$d/spec" > "$d/fleet-start" 2>&1 || die "tincan-fleet start: $(tail -1 "$d/fleet-start")"
		# (restored guests print nothing: up is the fleet's count of ready)
		if [ "$phase" = restored ]; then
			sed -n 's/.* started \([0-9]*\) guests in .*, all ready in .*/\1/p; s/.*, \([0-9]*\) ready after .*/\1/p' "$d/fleet-start" |
				tail -n 1 > "$d/ready-count"
			[ -s "$d/ready-count" ] || echo 0 > "$d/ready-count"
		fi
		awk -F'\t' '{ print $3, $4 }' "$TINCAN_FLEET_DIR/$FLEET_NAME/state" > "$d/pids"
		read -r k _ < "$TINCAN_FLEET_DIR/$FLEET_NAME/keeper.pid"
		echo "$k" > "$d/keeper"
		wc -l < "$d/pids" > "$d/spawned"
		return 0
	fi
	case $phase in
	bare | paged) "$SELF" keep "$d" "$RESERVE" &
		;;
	udpecho) ip netns exec "$NS_VM" "$SELF" keep "$d" "$RESERVE" &
		;;
	linux) ip netns exec "$NS_LX" "$SELF" keep "$d" "$RESERVE" &
		;;
	esac
	echo $! > "$d/keeper"
}
# Wait (at most TIMEOUT s) until every spawned instance printed MARK; prints
# how many did.
up_wait() {
	local d=$1 mark=$2 timeout=$3 end up k
	end=$(($(now) + timeout * 1000000))
	read -r k < "$d/keeper"
	if [ -f "$d/ready-count" ]; then
		cat "$d/ready-count"
		return 0
	fi
	while :; do
		if [ -d "$d/logs" ]; then # the fleet's, one log each
			up=$(grep -rl "$mark" "$d/logs" | wc -l)
		else
			up=$(grep -c "$mark" "$d/log" || true)
		fi
		if [ -f "$d/spawned" ] && [ "$up" -ge "$(cat "$d/spawned")" ]; then break; fi
		[ -e "/proc/$k" ] || break
		[ "$(now)" -lt "$end" ] || break
		sleep 0.05
	done
	echo "$up"
}
stop_instances() {
	local d=$1 k
	if [ -d "$d/logs" ]; then
		"$FLEET" stop "$FLEET_NAME" > "$d/fleet-stop" 2>&1 || echo "density bench: tincan-fleet stop: $(tail -1 "$d/fleet-stop")" >&2
		return 0
	fi
	read -r k < "$d/keeper"
	kill -TERM "$k"
	wait "$k" || true
}
alive_count() {
	local pid st c=0 f
	while read -r pid st; do
		f=()
		read -ra f 2> /dev/null < "/proc/$pid/stat" || continue
		[ "${f[21]}" = "$st" ] && [ "${f[2]}" != Z ] && c=$((c + 1))
	done < "$1/pids"
	echo "$c"
}
# Average Pss and Rss (KiB) of 20 instances spread over the recorded ones.
pss_sample() {
	local d=$1 n files=()
	n=$(wc -l < "$d/pids")
	for j in $(seq 0 19); do
		files+=("/proc/$(sed -n "$((j * n / 20 + 1))p" "$d/pids" | cut -d' ' -f1)/smaps_rollup")
	done
	cat "${files[@]}" 2> /dev/null | awk '/^Pss:/ { p += $2; c++ } /^Rss:/ { r += $2 } END { if (c) printf "%d %d\n", p / c, r / c; else print "0 0" }' || true
}

rev=$(git -C "$(dirname "$SELF")" describe --always --dirty 2> /dev/null || echo unknown)
day=$(date -u '+%Y-%m-%d %H:%M UTC')
load0=$(cut -d' ' -f1-3 /proc/loadavg)
pid_max=$(cat /proc/sys/kernel/pid_max)
mkdir -p "$(dirname "$OUT")"
echo "# N phase up_of_N start_per_s up_s net_s mem_kib pss_kib rss_kib answered idle_host_pct inst_cpu_ms stop_s residual_kib tasks $BREAKDOWN cgroup_kib cgroup_kmem_kib round (KiB per instance)" > "$DAT"
est=1200 # KiB an instance is assumed to cost before one is measured

# The restored phase's snapshot: udpecho at --mem=MEM, taken once on a tap
# in a namespace of its own, at an address no guest gets.
SNAP=$WORK/udpecho.snap
if [[ " $PHASES " == *" restored "* ]]; then
	ip netns add "$NS_SN"
	ip -n "$NS_SN" tuntap add snap0 mode tap
	ip -n "$NS_SN" link set snap0 up
	ip netns exec "$NS_SN" timeout 30 "$RUN" --snapshot="$SNAP" --mem="$MEM" --net=snap0 --ip=10.86.0.2/24 "$APP" > "$WORK/snapshot.log" 2>&1 ||
		die "tincan-run --snapshot of $APP failed: $(tail -n 1 "$WORK/snapshot.log")"
	ip netns del "$NS_SN"
fi

run_phase() {
	local n=$1 phase=$2 round=$3 d="$WORK/run$1-$2-$3" m0 m1 i0 i1 tn ts tu t0 t1 up spawned alive note=""
	local mark=listening pss rss answered=- cpu0 cpu1 inst0 inst1 host_pct inst_ms stop_s m2 per tasks
	local net_s up_s rate c0 k0 c1 k1
	mkdir -p "$d"
	[ "$phase" = bare ] || [ "$phase" = paged ] && mark="kvm-floor: idle"
	m0=$(stable_avail)
	i0=$(meminfo)
	cg_enter "$n-$phase"
	read -r c0 k0 < <(cg_read)
	tn=$(now)
	case $phase-$STARTER in
	udpecho-own) net_udpecho "$n" ;;
	udpecho-fleet | restored-fleet) net_fleet "$n" ;;
	linux-*) net_linux "$n" ;;
	esac
	ts=$(now)
	start_instances "$phase" "$n" "$d"
	up=$(up_wait "$d" "$mark" $((60 + n / 20)))
	tu=$(now)
	spawned=$(cat "$d/spawned" 2> /dev/null || echo "?")
	[ -f "$d/stopped" ] && note="waves $(cat "$d/stopped") of $n"
	[ -f "$d/fleet-start" ] && note="${note:+$note; }$(sed 's/; keeper [0-9]*//' "$d/fleet-start" | tail -1)"
	[ "$phase" = restored ] && note="${note:+$note; }snapshot $(du -k "$SNAP" | cut -f1) KiB on disk"
	[ "$up" = "$spawned" ] || note="${note:+$note; }$up of $spawned up after $(((tu - ts) / 1000000)) s"
	net_s=$(awk -v a="$tn" -v b="$ts" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
	up_s=$(awk -v a="$ts" -v b="$tu" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
	rate=$(awk -v n="$up" -v a="$ts" -v b="$tu" 'BEGIN { printf "%.0f", n / ((b - a) / 1e6) }')
	nap "$SETTLE"
	m1=$(avail)
	i1=$(meminfo)
	read -r c1 k1 < <(cg_read)
	cg_leave
	tasks=$(tasks_now)
	alive=$(alive_count "$d")
	read -r pss rss < <(pss_sample "$d")
	cpu0=$(cpu_stat)
	inst0=$(inst_ticks "$d")
	nap 10
	cpu1=$(cpu_stat)
	inst1=$(inst_ticks "$d")
	host_pct=$(echo "$cpu0 $cpu1" | awk '{ printf "%.2f", 100 * ($3 - $1) / ($4 - $2) }')
	inst_ms=$(((inst1 - inst0) * 1000 / $(getconf CLK_TCK)))
	case $phase in
	udpecho | restored)
		for i in $(seq 0 $((spawned - 1))); do guest_ip "$i"; done > "$d/addrs"
		answered=$(ip netns exec "$NS_VM" "$CLIENT" sweep 7 1000 < "$d/addrs" 2> /dev/null | awk '{ print $2 }' || true)
		;;
	linux)
		for i in $(seq 0 $((spawned - 1))); do linux_ip "$i"; done > "$d/addrs"
		answered=$(ip netns exec "$NS_LX" "$CLIENT" sweep 7 1000 < "$d/addrs" 2> /dev/null | awk '{ print $2 }' || true)
		;;
	esac
	t0=$(now)
	stop_instances "$d"
	t1=$(now)
	stop_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e6 }')
	[ "$(alive_count "$d")" = 0 ] || note="${note:+$note; }$(alive_count "$d") still alive after stop"
	[ -f "$d/fleet-stop" ] && note="${note:+$note; }$(tail -1 "$d/fleet-stop" | sed 's/ (.*//')"
	case $phase in
	udpecho | restored) ip netns del "$NS_VM" ;;
	linux) ip netns del "$NS_LX" ;;
	esac
	m2=$(stable_avail)
	[ -z "$CG" ] || rmdir "$CG" 2> /dev/null || true
	CG=
	[ "$alive" -gt 0 ] || die "N=$n $phase: no instance stayed up ($(tail -1 "$d/log"))"
	per=$(((m0 - m1) / alive))
	# The next N's pre-flight counts on the largest cost measured so far:
	# the cgroup's when there is one (MemAvailable moves with other work).
	local cper=$(((c1 - c0) / alive))
	[ -n "$CGROOT" ] || cper=$per
	[ "$cper" -gt "$est" ] && est=$cper
	echo "$n $phase $alive $rate $up_s $net_s $per $pss $rss ${answered:--} $host_pct $inst_ms $stop_s $((m0 - m2)) $tasks $(
		echo "$i0 $i1" | awk -v a="$alive" '{ h = NF / 2; for (i = 1; i <= h; i++) printf "%s%d", (i > 1 ? " " : ""), ($(i + h) - $i) / a; print "" }'
	) $(((c1 - c0) / alive)) $(((k1 - k0) / alive)) $round${note:+ # $note}" | tee -a "$DAT"
}

for n in $NS_LIST; do
	free=$((pid_max - $(tasks_now) - RESERVE))
	need=$((2 * n + 256))
	mem=$(avail)
	if [ "$need" -gt "$free" ]; then
		echo "$n skip # N=$n skipped: needs $need tasks, $free free ($RESERVE kept for the host)" | tee -a "$DAT"
		continue
	fi
	if [ $((n * est * 5 / 4 + 1048576)) -gt "$mem" ]; then
		echo "$n skip # N=$n skipped: needs ~$((n * est * 5 / 4 / 1024)) MiB at $est KiB an instance (+25 %), $((mem / 1024 - 1024)) MiB available beyond 1 GiB" | tee -a "$DAT"
		continue
	fi
	for round in $(seq "$ROUNDS"); do
		for phase in $PHASES; do
			run_phase "$n" "$phase" "$round"
		done
	done
done

# The table, from the .dat: per instance, and the others against bare (and
# udpecho against paged too).
awk -v day="$day" -v rev="$rev" -v load="$load0" -v mem="$MEM" -v ports="$PORTS" -v settle="$SETTLE" -v starter="$STARTER" -v nrounds="$ROUNDS" '
function ratio(a, b) { return b > 0 ? sprintf("%.2f x", a / b) : "-" }
# median (range) of the values in list (space-separated), fmt for each
function med(list, fmt, v, n, i, j, t) {
	n = split(list, v, " ")
	if (n == 0) return "-"
	for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
	t = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	return n == 1 ? sprintf(fmt, t) : sprintf(fmt " (" fmt "-" fmt ")", t, v[1], v[n])
}
/^#/ { next }
$2 == "skip" { sub(/^[^#]*# /, ""); skips = skips "\n- " $0; next }
{
	note = ""
	if (index($0, "#")) { note = $0; sub(/^[^#]*# /, "", note) }
	if ($2 == "bare") { bare[$1] = $7; cbare[$1] = $25 }
	if ($2 == "paged") { paged[$1] = $7; cpaged[$1] = $25 }
	k = $1 " " $2
	if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
	m_rate[k] = m_rate[k] " " $4; m_mem[k] = m_mem[k] " " $7; m_cg[k] = m_cg[k] " " $25; m_stop[k] = m_stop[k] " " $13
	if ($2 != "bare" && bare[$1] > 0) m_r[k] = m_r[k] " " $7 / bare[$1]
	if ($2 != "bare" && cbare[$1] > 0) m_cr[k] = m_cr[k] " " $25 / cbare[$1]
	if (($2 == "udpecho" || $2 == "restored") && cpaged[$1] > 0) m_cp[k] = m_cp[k] " " $25 / cpaged[$1]
	rounds = $27 > rounds ? $27 : rounds
	r = ($2 == "bare") ? "1.00 x" : ratio($7, bare[$1])
	r = r " (cgroup " (($2 == "bare") ? "1.00 x" : ratio($25, cbare[$1])) ")"
	if (($2 == "udpecho" || $2 == "restored") && cpaged[$1] > 0) r = r "; vs paged " ratio($7, paged[$1]) " (cgroup " ratio($25, cpaged[$1]) ")"
	ans = ($10 == "-") ? "-" : sprintf("%s of %d", $10, $3)
	rows = rows sprintf("| %d%s | %s | %d | %s/s (%s s; network %s s before) | %d | %s | %d (kernel %d) | %d (RSS %d) | %d / %d / %d / %d / %d / %d / %d / %d / %d | %s | %s %% (instances %d ms) | %s s | %d | %s |\n", \
		$1, nrounds > 1 ? " (round " $27 ")" : "", $2, $3, $4, $5, $6, $7, r, $25, $26, $8, $9, $16, $17, $18, $19, $20, $21, $22, $23, $24, ans, $11, $12, $13, $14 / 1024, note)
}
END {
	printf "# make bench-density, %s, %s, load %s at start\n\n", day, rev, load
	printf "Idle instances on one host, phases one after another: `bare` = idle KVM VMs of the guests'\''\n"
	printf "size (kvm-floor-static %s), `paged` = the same in 64-bit mode at CPL3 with paging on, as\n", mem
	printf "tincan guests run (kvm-floor-static %s paged), `udpecho` = udpecho guests at --mem=%s on taps (%s to a bridge,\n", mem, mem, ports
	printf "ports isolated, static neighbours; started by %s), `restored` = the same guests restored by tincan-fleet\n", starter == "fleet" ? "tincan-fleet" : "the bench'\''s own keeper"
	printf "from one snapshot of udpecho (restore=; pages no guest writes shared), `linux` = the same udpecho as Linux\n"
	printf "processes.  Memory is\n"
	printf "the MemAvailable drop per instance %s s after all were up (other work on the host moves it);\n", settle
	printf "the charge of the phase'\''s memory cgroup (network set-up and instances; what the kernel\n"
	printf "accounts, ours alone); PSS of 20 sampled instances, read after.\n\n"
	print "| N | phase | up | start rate (time to all up) | MemAvailable KiB/instance | vs bare | memory cgroup KiB/instance | PSS KiB | kernel KiB/instance: Slab / SUnreclaim / KernelStack / PageTables / SecPageTables / Percpu / VmallocUsed / Shmem / AnonPages | answering UDP echo in 1 s | host CPU busy over 10 s idle | stop all | MiB not back after stop | note |"
	print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	printf "%s", rows
	if (skips != "") printf "\nNot run:%s\n", skips
	if (rounds > 1) {
		printf "\nMedians (ranges) over %d rounds:\n\n", rounds
		print "| N | phase | start rate /s | MemAvailable KiB/instance | vs bare | memory cgroup KiB/instance | vs bare | vs paged | stop all s |"
		print "|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= nk; i++) {
			k = keys[i]; split(k, f, " ")
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], med(m_rate[k], "%.0f"), med(m_mem[k], "%.0f"), \
				f[2] == "bare" ? "1.00 x" : med(m_r[k], "%.2f"), med(m_cg[k], "%.0f"), f[2] == "bare" ? "1.00 x" : med(m_cr[k], "%.2f"), \
				f[2] == "udpecho" || f[2] == "restored" ? med(m_cp[k], "%.2f") : "-", med(m_stop[k], "%.2f")
		}
	}
}' "$DAT" > "$OUT"
cat "$OUT"
if command -v gnuplot > /dev/null; then
	{ gnuplot -e "dat='$DAT'; dir='$(dirname "$OUT")'; day='$day'; rev='$rev'" "$(dirname "$SELF")/density.gp" 2>&1 |
		grep -v 'no valid points\|empty x range' >&2 || true; } &&
		echo "density bench: plots in $(dirname "$OUT")/density-memory.png and density-start.png"
else
	echo "density bench: gnuplot is missing: no plots"
fi
