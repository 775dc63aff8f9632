# Snapshot and restore as the guest sees it (libos, platforms/kvm/guest):
# tincan_ready() and the automatic ready point, and what a restored guest
# takes from its new host (clock, random numbers, TCP ISNs, ports, MAC,
# addresses, DHCP, environment).  The guest is tests/guests/snap.c, and
# apps/httpd.  Networking in a namespace of our own, on 10.93.0.0/24.
load ../helpers

SNAP=$BATS_FILE_TMPDIR/snap.tc

setup_file() {
	export NS=tincan-sg$$
	cp "$B/tests/snap.tc" "$SNAP"
	"$B/bin/tincan-mkimage" --net=net0 "$SNAP" >/dev/null
	[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] && command -v ip >/dev/null || return 0
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" tuntap add sgtap0 mode tap
	ip -n "$NS" link set sgtap0 up
	ip -n "$NS" addr add 10.93.0.1/24 dev sgtap0
}

teardown_file() {
	ip netns del "$NS" 2>/dev/null || true
}

setup() {
	need_kvm
	cd "$BATS_TEST_TMPDIR"
	netns_fresh "$NS"
}

teardown() {
	for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done
	for p in ${PIDS:-}; do wait "$p" 2>/dev/null || true; done
}

need_net() {
	[ "$(id -u)" = 0 ] || skip "network tests need root (network namespaces)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
	ip netns list | grep -q "^$NS" || skip "could not create a network namespace"
}

nsrun() { run timeout 20 ip netns exec "$NS" "$@"; }

# line NAME: the value of the report's line "NAME VALUE" in $output.
line() { printf '%s\n' "$output" | sed -n "s/^$1 //p"; }

@test "tincan_ready() without --snapshot does nothing and returns 0" {
	run timeout 20 "$RUN" "$B/tests/snap.tc" ready
	[ "$status" -eq 0 ]
	[ "$(line ready)" = 0 ]
	[ "$(line env)" = - ]
}

@test "tincan_ready(): a restore goes on from it with 1, the restore's --env over the snapshot's, the host's clock" {
	run timeout 20 "$RUN" --snapshot=s --env=SNAP_ENV=old "$B/tests/snap.tc" ready
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = booted ]
	sleep 3 # the snapshot's clock would be 3 s behind
	t0=$(date +%s)
	run timeout 20 "$RUN" --restore=s --env=SNAP_ENV=one --env=HOME=/restored
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(line ready)" = 1 ]
	[ "$(line env)" = one ]
	[ "$(line setenv)" = z ]
	now=$(date +%s)
	t=$(line realtime)
	echo "guest $t host $t0..$now"
	[ "$t" -ge "$t0" ]
	[ "$t" -le "$now" ]
	# Twice from one snapshot: never the same random numbers.
	first=$(line random) arc4=$(line arc4random)
	run timeout 20 "$RUN" --restore=s
	[ "$status" -eq 0 ]
	[ "$(line env)" = old ] # the snapshot's environment, without --env
	echo "random $first then $(line random); arc4random $arc4 then $(line arc4random)"
	[ -n "$first" ]
	[ "$(line random)" != "$first" ]
	[ -n "$arc4" ]
	[ "$(line arc4random)" != "$arc4" ]
}

@test "a restore's --host-entry and --dns replace the snapshot's in the resolver" {
	run timeout 20 "$RUN" --snapshot=s --env=SNAP_NAME=snap.test --host-entry=snap.test:10.1.1.1 --dns=10.9.9.9 \
		"$B/tests/snap.tc" ready
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(line name-before)" = 10.1.1.1 ]
	run timeout 20 "$RUN" --restore=s --host-entry=snap.test:10.2.2.2
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(line name)" = 10.2.2.2 ]
	# without one, the snapshot's environment (and so its entry) stays
	run timeout 20 "$RUN" --restore=s
	echo "$output"
	[ "$(line name)" = 10.1.1.1 ]
}

@test "the automatic ready point: the first idle wait after main() (a sleep), restored with its --env" {
	run timeout 20 "$RUN" --snapshot=s "$B/tests/snap.tc" auto
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = booted ]
	run timeout 20 "$RUN" --restore=s --env=SNAP_ENV=auto
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(line ready)" = - ]
	[ "$(line env)" = auto ]
}

@test "a host-directory file opened before the snapshot is EBADF in a restore, never another file" {
	mkdir d
	head -c 16384 /dev/zero | tr '\0' a > d/a
	head -c 16384 /dev/zero | tr '\0' b > d/b
	run timeout 20 "$RUN" --snapshot=s --dir="$PWD/d:/d" "$B/tests/snap.tc" file /d/a /d/b
	[ "$status" -eq 0 ]
	run timeout 20 "$RUN" --restore=s --dir="$PWD/d:/d"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(line ready)" = 1 ]
	[ "$(line other)" = b ]
	[ "$(line stale)" = EBADF ]
	[ "$(line close)" = 0 ]
}

@test "block rings across a restore: completions not yet collected and requests queued each complete once" {
	cp "$B/tests/blk.tc" blk.tc
	"$B/bin/tincan-mkimage" --block=disk blk.tc >/dev/null
	head -c 4096 /dev/zero | tr '\0' R > disk.img
	run timeout 20 "$RUN" --snapshot=s --block=disk.img blk.tc plat-snap
	[ "$status" -eq 0 ]
	[ "$output" = "0 2 1 " ]
	run timeout 20 "$RUN" --restore=s --block=disk.img
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "1 0 2 0 3 0 " ]
	[ "$(head -c 1536 disk.img | tail -c 512 | tr -d S | wc -c)" -eq 0 ]
}

# syns FILE: "MAC IP.PORT SEQ" of each SYN tcpdump wrote in FILE.
syns() { sed -n 's/^[^ ]* \([0-9a-f:]*\) > .* \([0-9.]*\) > [0-9.]*: Flags \[S\], seq \([0-9]*\),.*/\1 \2 \3/p' "$1"; }

@test "two restores of one snapshot: their own MAC and IP, different random numbers, TCP ISNs and ports; old connections end" {
	need_net
	command -v tcpdump >/dev/null || skip "tcpdump is not installed"
	command -v python3 >/dev/null || skip "python3 is not installed"
	ip netns exec "$NS" timeout 30 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.93.0.1", 9300)); s.listen(4); s.settimeout(25)
for _ in range(3):
    c, _ = s.accept(); c.settimeout(2)
    try: c.recv(64)
    except OSError: pass
    c.close()' &
	PIDS="$!"
	ip netns exec "$NS" timeout 30 tcpdump -i sgtap0 -n -e -S -l --immediate-mode -c 3 \
		'tcp[tcpflags] == tcp-syn' > syns.txt 2> tcpdump.err &
	PIDS="$PIDS $!"
	for i in $(seq 1 200); do
		grep -q listening tcpdump.err && ip netns exec "$NS" ss -ltn | grep -q 10.93.0.1:9300 && break
		sleep 0.05
	done
	# SNAP_HOLD: a connection open at the snapshot, ended in the restores.
	nsrun "$RUN" --snapshot=s --net=sgtap0 --ip=10.93.0.2/24 --env=SNAP_HOLD=1 "$SNAP" ready 10.93.0.1 9300
	[ "$status" -eq 0 ]
	# The first on the snapshot's address: lwIP would keep its connections.
	nsrun "$RUN" --restore=s --net=sgtap0 --net-mac=02:93:00:00:00:03 --ip=10.93.0.2/24
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(line held)" != written ]
	[ -n "$(line held)" ]
	a_random=$(line random) a_addr=$(line addr) a_port=$(line port)
	nsrun "$RUN" --restore=s --net=sgtap0 --net-mac=02:93:00:00:00:04 --ip=10.93.0.4/24
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$a_addr" = 10.93.0.2 ]
	[ "$(line addr)" = 10.93.0.4 ]
	[ "$(line sent)" = 5 ]
	[ "$a_random" != "$(line random)" ]
	[ "$a_port" != "$(line port)" ]
	# The first SYN is the snapshot's (SNAP_HOLD), then one from each restore.
	for i in $(seq 1 40); do [ "$(syns syns.txt | wc -l)" -ge 3 ] && break; sleep 0.05; done
	syns syns.txt
	[ "$(syns syns.txt | sed -n 2p | cut -d' ' -f1-2)" = "02:93:00:00:00:03 10.93.0.2.$a_port" ]
	[ "$(syns syns.txt | sed -n 3p | cut -d' ' -f1-2)" = "02:93:00:00:00:04 10.93.0.4.$(line port)" ]
	[ "$(syns syns.txt | sed -n 2p | cut -d' ' -f3)" != "$(syns syns.txt | sed -n 3p | cut -d' ' -f3)" ]
}

@test "restores with one address and local port: their TCP ISNs differ by more than the clock's 4 us ticks" {
	need_net
	command -v tcpdump >/dev/null || skip "tcpdump is not installed"
	# Nobody listens: each SYN is refused, which is all the test needs.
	ip netns exec "$NS" timeout 30 tcpdump -i sgtap0 -n -tt -S -l --immediate-mode -c 3 \
		'tcp[tcpflags] == tcp-syn' > syns.txt 2> tcpdump.err &
	PIDS="$!"
	for i in $(seq 1 100); do grep -q listening tcpdump.err && break; sleep 0.05; done
	nsrun "$RUN" --snapshot=s --net=sgtap0 --ip=10.93.0.2/24 "$SNAP" ready 10.93.0.1 9302 4444
	[ "$status" -eq 0 ]
	for i in 1 2 3; do
		nsrun "$RUN" --restore=s --net=sgtap0 --net-mac=02:93:00:00:00:09 --ip=10.93.0.9/24
		[ "$(line addr)" = 10.93.0.9 ]
	done
	for i in $(seq 1 40); do [ "$(wc -l < syns.txt)" -ge 3 ] && break; sleep 0.05; done
	cat syns.txt
	# RFC 6528: ISN = 4 us ticks + a keyed hash of the addresses and ports.
	# Under one key (the snapshot's) the ISNs of one connection would step
	# with the clock alone; keys of their own put them anywhere.
	awk '{ for (i = 1; i <= NF; i++) if ($i == "seq") { s = $(i + 1); sub(",", "", s); print $1, s } }' syns.txt > isn.txt
	[ "$(wc -l < isn.txt)" -eq 3 ]
	[ "$(cut -d' ' -f2 isn.txt | sort -u | wc -l)" -eq 3 ]
	# All 3 pairs stepping with the clock (to 20 ms) would be one key.
	run awk 'NR > 1 { d = ($2 - s + 4294967296) % 4294967296; want = (($1 - t) * 250000) % 4294967296;
		off = d - want; if (off < 0) off = -off; if (off < 5000) clock++ }
		{ t = $1; s = $2 } END { print clock + 0 }' isn.txt
	echo "pairs stepping with the clock: $output"
	[ "$output" -eq 0 ]
}

@test "the automatic ready point: httpd snapshotted once listening, restored, answers curl" {
	need_net
	command -v curl >/dev/null || skip "curl is not installed"
	nsrun "$RUN" --snapshot=s --net=sgtap0 --ip=10.93.0.2/24 "$B/apps/httpd.tc"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *listening* ]]
	ip netns exec "$NS" timeout 30 "$RUN" --restore=s --net=sgtap0 --ip=10.93.0.5/24 > app.out 2>&1 &
	PIDS="$!"
	nsrun curl -sS --max-time 10 --retry 5 --retry-connrefused --retry-delay 0 -o page http://10.93.0.5/
	cat app.out
	[ "$status" -eq 0 ]
	[ -s page ]
	# The same restored from it again, on another address.
	kill $PIDS
	wait $PIDS || true
	ip netns exec "$NS" timeout 30 "$RUN" --restore=s --net=sgtap0 --ip=10.93.0.6/24 > app.out 2>&1 &
	PIDS="$!"
	nsrun curl -sS --max-time 10 --retry 5 --retry-connrefused --retry-delay 0 -o page2 http://10.93.0.6/
	[ "$status" -eq 0 ]
	cmp page page2
}

@test "a snapshot taken with a static address, restored without one, configures itself by DHCP (new xids)" {
	need_net
	command -v dnsmasq >/dev/null || skip "dnsmasq is not installed"
	command -v tcpdump >/dev/null || skip "tcpdump is not installed"
	ip netns exec "$NS" timeout 30 dnsmasq --no-daemon --port=0 --interface=sgtap0 --bind-interfaces \
		--dhcp-range=10.93.0.50,10.93.0.60,1h --dhcp-leasefile="$BATS_TEST_TMPDIR/leases" \
		--pid-file="$BATS_TEST_TMPDIR/dnsmasq.pid" >/dev/null 2>&1 &
	PIDS="$!"
	ip netns exec "$NS" timeout 30 tcpdump -i sgtap0 -n -l -vv --immediate-mode 'udp dst port 67' \
		> dhcp.txt 2> tcpdump.err &
	PIDS="$PIDS $!"
	for i in $(seq 1 100); do grep -q listening tcpdump.err && break; sleep 0.05; done
	nsrun "$RUN" --snapshot=s --net=sgtap0 --ip=10.93.0.2/24 "$SNAP" ready 10.93.0.1 9301
	[ "$status" -eq 0 ]
	for mac in 02:93:00:00:00:07 02:93:00:00:00:08; do
		# Nobody listens on 9301: the connection is refused, after DHCP.
		nsrun "$RUN" --restore=s --net=sgtap0 --net-mac=$mac
		echo "$output"
		[[ $(line addr) == 10.93.0.5? || $(line addr) == 10.93.0.60 ]]
	done
	sleep 0.3
	xids=$(sed -n 's/.*xid \(0x[0-9a-f]*\).*/\1/p' dhcp.txt | sort -u)
	echo "xids: $xids"
	[ "$(echo "$xids" | wc -l)" -ge 2 ]
	grep -q "02:93:00:00:00:07" leases
	grep -q "02:93:00:00:00:08" leases
}
