# tincan-run's jail (platforms/kvm/monitor/jail.c): the user, groups,
# privileges, limits and namespaces the monitor keeps once its host files
# are open, seen from /proc while a guest sleeps in it; --dir shares and
# disks still working after the drop; --user and --jail errors.
load ../helpers

BLK=$B/tests/blk.tc
DIRS=$B/tests/dirs.tc

setup() {
	need_kvm
	D=$BATS_TEST_TMPDIR
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (the monitor drops from root)"
}

WRAP=()

# jailed OPTIONS...: boot the tiny guest (under the command in WRAP, if any) asleep for 3 s with OPTIONS; once
# it runs sandboxed, copy the monitor's /proc status, limits, namespaces and
# root listing to $D, then stop it.
jailed() {
	# stderr a pipe, not a file: a regular file there would lift the
	# file-size limit.  A core limit of 4 MiB where we may raise it, for the
	# jail to lower.
	(
		ulimit -c 4096 2> /dev/null
		exec "${WRAP[@]}" "$RUN" "$@" "$TINY" sleep 3000
	) > /dev/null 2> >(cat > "$D/err") &
	local pid=$! i
	for i in $(seq 1 150); do
		grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status 2>/dev/null && break
		sleep 0.02
	done
	cat /proc/$pid/status > "$D/status"
	cat /proc/$pid/limits > "$D/limits"
	for ns in mnt net ipc uts; do echo "$ns $(readlink /proc/$pid/ns/$ns)"; done > "$D/ns"
	ls -A /proc/$pid/root/ > "$D/root" 2>&1 || echo "cannot list" > "$D/root"
	stat -f -c %T /proc/$pid/root/ > "$D/rootfs" 2>&1 || true
	kill $pid
	wait $pid || true
	grep -q '^Seccomp:[[:space:]]*2' "$D/status" || { echo "the guest never ran sandboxed:"; cat "$D/err"; return 1; }
}

field() { # NAME: the value of NAME: in the captured status, tabs as spaces
	awk -v n="$1:" '$1 == n { $1 = ""; sub(/^ /, ""); print }' "$D/status"
}

limit() { # the soft limit of the /proc/PID/limits line starting with $1
	grep "^$1 " "$D/limits" | awk '{ print $(NF-2) }'
}

@test "started as root, the monitor runs as nobody: no groups, no capabilities, no new privileges" {
	need_root
	command -v setpriv > /dev/null || skip "setpriv is not installed"
	# Supplementary groups to drop.
	WRAP=(setpriv --groups=4,27 --)
	jailed
	[ "$(field Uid)" = "65534 65534 65534 65534" ]
	[ "$(field Gid)" = "65534 65534 65534 65534" ]
	[ -z "$(field Groups)" ]
	[ "$(field CapEff)" = 0000000000000000 ]
	[ "$(field CapPrm)" = 0000000000000000 ]
	[ "$(field NoNewPrivs)" = 1 ]
}

@test "the jail's limits: no core dumps, no file growth without a disk, no new fds past the wait's" {
	jailed
	[ "$(limit 'Max core file size')" = 0 ]
	[ "$(limit 'Max file size')" = 0 ]
	[ "$(limit 'Max open files')" = 13 ]
}

@test "--user=UID:GID and --user=UID (GID the same)" {
	need_root
	jailed --user=1234:5678
	[ "$(field Uid)" = "1234 1234 1234 1234" ]
	[ "$(field Gid)" = "5678 5678 5678 5678" ]
	[ -z "$(field Groups)" ]
	jailed --user=42
	[ "$(field Gid)" = "42 42 42 42" ]
}

@test "--user=0 keeps uid 0 but no capability" {
	need_root
	jailed --user=0
	[ "$(field Uid)" = "0 0 0 0" ]
	[ "$(field CapEff)" = 0000000000000000 ]
	[ "$(field CapPrm)" = 0000000000000000 ]
}

@test "--jail=off keeps the invoking user and limits (seccomp still on)" {
	need_root
	jailed --jail=off
	[ "$(field Uid)" = "0 0 0 0" ]
	[ "$(field CapEff)" != 0000000000000000 ]
	[ "$(limit 'Max file size')" = unlimited ]
	[ "$(limit 'Max core file size')" = 4194304 ]
	[ "$(limit 'Max open files')" != 13 ]
	[ "$(field NoNewPrivs)" = 1 ]
}

@test "--jail=ns: new mount, net, IPC and UTS namespaces and an empty read-only root" {
	jailed --jail=ns
	for ns in mnt net ipc uts; do
		[ "$(grep "^$ns " "$D/ns")" != "$ns $(readlink /proc/self/ns/$ns)" ]
	done
	[ ! -s "$D/root" ]
	[ "$(cat "$D/rootfs")" = tmpfs ]
	[ "$(field NoNewPrivs)" = 1 ]
	[ "$(field CapEff)" = 0000000000000000 ]
	if [ "$(id -u)" -eq 0 ]; then [ "$(field Uid)" = "65534 65534 65534 65534" ]; fi
	# The host's mounts did not change.
	! grep -q " /dev tmpfs tincan " /proc/self/mounts
}

@test "--jail=ns: the guest still runs, prints and exits with its status" {
	boot --jail=ns "$TINY" exit 7
	[ "$status" -eq 7 ]
	boot --jail=ns "$B/apps/hello.tc"
	[ "$status" -eq 0 ]
	[[ $output == *"Hello from tincan!"* ]]
}

@test "an image only root may read still boots: it is opened before the drop" {
	need_root
	cp "$TINY" "$D/private.tc"
	chmod 600 "$D/private.tc"
	boot "$D/private.tc" exit 3
	[ "$status" -eq 3 ]
}

@test "the image is parsed only after the jail: a bad image fails after the drop" {
	need_root
	command -v strace > /dev/null || skip "strace is not installed"
	head -c 4096 /dev/urandom > "$D/bad.tc"
	run strace -f -e trace=unshare,setresuid,prctl,exit_group -o "$D/trace" "$RUN" --jail=ns "$D/bad.tc"
	[ "$status" -eq 103 ]
	# Namespaces, setresuid(65534), no-new-privs, then exit_group(103): the
	# refusal came from the jailed process.
	cat "$D/trace"
	[ "$(grep -o 'unshare(CLONE_NEWNS\|setresuid(65534, 65534, 65534)\|PR_SET_NO_NEW_PRIVS\|exit_group(103)' "$D/trace" | tr '\n' ' ')" = "unshare(CLONE_NEWNS setresuid(65534, 65534, 65534) PR_SET_NO_NEW_PRIVS exit_group(103) " ]
}

@test "a --dir share of root's works after the drop: root's files, no capabilities to others'" {
	need_root
	H=$D/host
	mkdir -p "$H"
	echo secret > "$H/mine"
	chmod 600 "$H/mine"
	echo theirs > "$H/theirs"
	chown 1234:1234 "$H/theirs"
	chmod 600 "$H/theirs"
	run timeout 20 "$RUN" --dir="$H:/data" "$DIRS" cat /data/mine
	[ "$status" -eq 0 ]
	[ "$output" = secret ]
	run timeout 20 "$RUN" --dir="$H:/data" "$DIRS" write /data/new hello
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$H/new")" = 0:0 ]
	# Root without CAP_DAC_OVERRIDE: another user's 0600 file stays closed.
	run timeout 20 "$RUN" --dir="$H:/data" "$DIRS" cat /data/theirs
	[ "$status" -ne 0 ]
	[[ $output == *"Permission denied"* ]]
}

@test "a --dir share of another user's: the monitor becomes its owner" {
	need_root
	H=$D/host
	mkdir -p "$H"
	echo hers > "$H/f"
	chmod 600 "$H/f"
	chown -R 1234:4321 "$H"
	run timeout 20 "$RUN" --dir="$H:/data" "$DIRS" cat /data/f
	[ "$status" -eq 0 ]
	[ "$output" = hers ]
	run timeout 20 "$RUN" --dir="$H:/data" "$DIRS" write /data/new hello
	[ "$status" -eq 0 ]
	[ "$(stat -c %u:%g "$H/new")" = 1234:4321 ]
	# --user wins over the owner.
	run timeout 20 "$RUN" --user=4444 --dir="$H:/data" "$DIRS" cat /data/f
	[ "$status" -ne 0 ]
}

@test "--jail=ns with a --dir share: still reads and writes, files owned as before" {
	H=$D/host
	mkdir -p "$H"
	echo there > "$H/f"
	run timeout 20 "$RUN" --jail=ns --dir="$H:/data" "$DIRS" cat /data/f
	[ "$status" -eq 0 ]
	[ "$output" = there ]
	run timeout 20 "$RUN" --jail=ns --dir="$H:/data" "$DIRS" write /data/new hello
	[ "$status" -eq 0 ]
	[ "$(stat -c %u "$H/new")" = "$(id -u)" ]
}

@test "a disk works after the drop, written up to its last sector under the file-size limit" {
	G=$D/blk.tc
	cp "$BLK" "$G"
	"$B/bin/tincan-mkimage" --block=disk:/data "$G" > /dev/null
	truncate -s 64K "$D/disk.img"
	[ "$(id -u)" -ne 0 ] || chmod 600 "$D/disk.img"
	run timeout 20 "$RUN" --block="$D/disk.img" "$G" write 126 2 Q
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 1 0 2 0 " ]
	[ "$(tail -c 1024 "$D/disk.img" | tr -d Q | wc -c)" -eq 0 ]
	run timeout 20 "$RUN" --jail=ns --block="$D/disk.img" "$G" write 0 1 R
	[ "$status" -eq 0 ]
	[ "$(head -c 512 "$D/disk.img" | tr -d R | wc -c)" -eq 0 ]
}

@test "stdout to a regular file may grow under the jail" {
	run timeout 20 "$RUN" "$B/apps/hello.tc" > /dev/null
	timeout 20 "$RUN" "$B/apps/hello.tc" > "$D/out"
	grep -q "Hello from tincan!" "$D/out"
}

@test "bad --user and --jail values are usage errors (104)" {
	for u in "" x -1 1x 1: :1 1:2:3 4294967295 1:4294967295 99999999999; do
		boot --user="$u" "$TINY" exit 0
		[ "$status" -eq 104 ]
		first_line_has "invalid --user value '$u'"
	done
	boot --jail=on "$TINY" exit 0
	[ "$status" -eq 104 ]
	first_line_has "invalid --jail value 'on': expected ns or off"
	boot --jail=off --user=5 "$TINY" exit 0
	[ "$status" -eq 104 ]
	first_line_has "--user needs root, and no --jail=off"
	boot --user=4294967294:0 "$TINY" exit 0
	[ "$status" -ne 104 ]
}

@test "not root, --user other than oneself is a usage error" {
	[ "$(id -u)" -ne 0 ] || command -v setpriv > /dev/null || skip "setpriv is not installed"
	local as=()
	[ "$(id -u)" -ne 0 ] || as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	# A copy nobody can reach (the test's own directory may be root's alone).
	local t
	t=$(mktemp -d /tmp/tincan-jail.XXXXXX)
	chmod 755 "$t"
	cp "$TINY" "$t/t.tc"
	chmod 644 "$t/t.tc"
	# The monitor too: a clone in a directory of mode 700 (mktemp -d) is
	# root's alone, and nobody could not even start it there.
	cp "$RUN" "$t/tincan-run"
	chmod 755 "$t/tincan-run"
	run "${as[@]}" timeout 20 "$t/tincan-run" --jail=off "$t/t.tc" exit 0
	[[ $output != *"--user"* ]]
	run "${as[@]}" timeout 20 "$t/tincan-run" --user=1 "$t/t.tc" exit 0
	rm -rf "$t"
	[ "$status" -eq 104 ]
	[[ $output == *"--user needs root"* ]]
}

@test "--jail=ns: a tap attached before the new network namespace still carries the guest's frames" {
	need_root
	[ -c /dev/net/tun ] && command -v ip > /dev/null || skip "needs /dev/net/tun and ip"
	local ns=tincan-jail$$
	ip netns add "$ns" || skip "could not create a network namespace"
	ip -n "$ns" link set lo up
	ip -n "$ns" tuntap add tap0 mode tap
	ip -n "$ns" link set tap0 up
	ip -n "$ns" addr add 10.78.0.1/24 dev tap0
	cp "$TINY" "$D/net.tc"
	"$B/bin/tincan-mkimage" --net=net0 "$D/net.tc" > /dev/null
	ready_fd
	ip netns exec "$ns" "$RUN" --ready-fd="$READY" --jail=ns --net=tap0 --ip=10.78.0.2/24 "$D/net.tc" net-echo 3000 \
		> "$D/out" 2>&1 &
	local pid=$!
	ready_wait
	run timeout 20 ip netns exec "$ns" ping -c 3 -i 0.2 -W 2 10.78.0.2
	kill $pid 2> /dev/null || true
	wait $pid || true
	ip netns del "$ns"
	echo "$output"
	[[ $output == *" 0% packet loss"* ]]
}
