# tincan-oci (issue 15) driven by containerd, as a node would drive it: a
# private containerd (tests/oci.bash) runs tincan images imported from OCI
# archives (tincan-mkimage --oci) with `ctr run --runc-binary=tincan-oci`:
# hello's output and arguments, a guest's exit status and environment,
# httpd on a CNI bridge answering curl from the host, paused and resumed
# (and `ctr task exec` refused), `ctr task kill`
# stopping it through the guest's SIGTERM, nothing of it left after `ctr
# task delete`, an ordinary busybox rootfs handed to runc, and a corrupt
# /tincan.tc or a memory limit the image does not fit refused at create
# with a message ctr prints.  Skips (with the
# reason) without root, /dev/kvm, containerd, runc, the CNI plugins or
# busybox-static.
load helpers
load oci

setup_file() {
	oci_start
}

teardown_file() {
	oci_stop
}

setup() {
	oci_need
	need_kvm
	# Unique on the host: pids_with and the mount checks look for it.
	ID=c${CTR_NS#tincan-oci-}-$BATS_TEST_NUMBER
}

teardown() {
	oci_clean
	[ -z "${NETNS:-}" ] || cni_del "${NETNS##*-}"
}

# A copy of IMAGE imported as REF (the copy: tincan-mkimage is given a file
# of the test's own).
import() {
	cp "$1" "$BATS_TEST_TMPDIR/$(basename "$1")"
	ref=$(oci_import "$BATS_TEST_TMPDIR/$(basename "$1")" "$2")
}

# start_httpd: httpd as a detached container on a CNI network of its own
# (output to $LOG), answering GET /hello.txt from the host within 20 s.
start_httpd() {
	import "$B/apps/httpd.tc" docker.io/tincan/httpd:test
	cni_add httpd
	LOG=$BATS_TEST_TMPDIR/httpd.log
	run ctrx run -d --runc-binary="$OCI" --with-ns "network:$NETNS" --log-uri "file://$LOG" "$ref" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	local i body=
	for i in $(seq 1 40); do
		body=$(curl -s --max-time 0.5 "http://$CNI_IP/hello.txt") && break
		sleep 0.25
	done
	echo "httpd's log: $(cat "$LOG" 2> /dev/null)"
	[ "$body" = hello ] || {
		echo "no answer from http://$CNI_IP/hello.txt within 20 s (got '$body')"
		ctrx task ls
		return 1
	}
}

# wait_stopped ID: up to 10 s for the task to be STOPPED.
wait_stopped() {
	local i
	for i in $(seq 1 100); do
		ctrx task ls | awk -v id="$1" '$1 == id { print $3 }' | grep -qx STOPPED && return 0
		sleep 0.1
	done
	ctrx task ls
	return 1
}

@test "hello as an OCI image: ctr run through tincan-oci prints its output and arguments, exit 0" {
	import "$B/apps/hello.tc" docker.io/tincan/hello:test
	# The image's own process.args, ["/tincan.tc"]: the guest has no arguments.
	run ctrx run --rm --runc-binary="$OCI" "$ref" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Hello from tincan!"* ]]
	[[ $output != *'argv[1]'* ]]
	# ctr's arguments replace process.args whole (the CRI gives entrypoint
	# + args): a leading /tincan.tc is dropped, the rest are the guest's.
	run ctrx run --rm --runc-binary="$OCI" "$ref" "$ID" /tincan.tc one "two words"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *'argv[1] = "one"'* ]]
	[[ $output == *'argv[2] = "two words"'* ]]
	[[ $output != *'"/tincan.tc"'* ]]
	[[ $output != *'argv[3]'* ]]
	# --rm: no task, no container left.
	[ -z "$(ctrx task ls -q)" ]
	[ -z "$(ctrx container ls -q)" ]
}

@test "a guest's exit status reaches ctr; process.env is the guest's environment" {
	import "$TINY" docker.io/tincan/tiny:test
	run ctrx run --rm --runc-binary="$OCI" "$ref" "$ID" exit 42
	echo "$output"
	[ "$status" -eq 42 ]
	run ctrx run --rm --runc-binary="$OCI" "$ref" "$ID" exit 0
	[ "$status" -eq 0 ]
	run ctrx run --rm --runc-binary="$OCI" --env GREETING=from-ctr "$ref" "$ID" args x
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = args ]
	[ "${lines[2]}" = x ]
	[[ $output == *$'\n'GREETING=from-ctr* ]]
}

@test "httpd in a container on a CNI bridge answers curl from the host's namespace" {
	start_httpd
	# A second request, and one for a file it does not have.
	run curl -s --max-time 5 -o /dev/null -w '%{http_code}' "http://$CNI_IP/nothing-here"
	[ "$output" = 404 ]
	run ctrx task ls
	echo "$output"
	[[ $output =~ $ID\ +[0-9]+\ +RUNNING ]]
}

@test "ctr task pause and resume freeze and thaw the guest; ctr task exec is refused with the runtime's reason" {
	start_httpd
	run ctrx task pause "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	run ctrx task ls
	echo "$output"
	[[ $output =~ $ID\ +[0-9]+\ +PAUSED ]]
	run curl -s --max-time 1 "http://$CNI_IP/hello.txt"
	[ "$status" -ne 0 ]
	run ctrx task resume "$ID"
	[ "$status" -eq 0 ]
	run curl -s --max-time 5 "http://$CNI_IP/hello.txt"
	[ "$output" = hello ]
	run ctrx task exec --exec-id e$$ "$ID" /bin/sh -c true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"tincan guest"* ]]
	# Still serving.
	run curl -s --max-time 5 "http://$CNI_IP/hello.txt"
	[ "$output" = hello ]
}

@test "ctr task kill stops httpd gracefully: the guest gets SIGTERM and exits 0" {
	start_httpd
	run ctrx task kill "$ID"
	[ "$status" -eq 0 ]
	wait_stopped "$ID"
	echo "httpd's log: $(cat "$LOG")"
	grep -q "httpd: stopped by SIGTERM" "$LOG"
	# ctr task delete warns of a non-zero status (137: SIGKILL, 143: SIGTERM
	# unhandled); httpd's own is 0.
	run ctrx task delete "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output != *"exit code"* ]]
}

@test "after ctr task delete no process, tap, mount, cgroup, runtime state or network namespace of the task is left" {
	ls /run/netns > "$BATS_TEST_TMPDIR/netns0"
	start_httpd
	local pid start
	pid=$(ctrx task ls | awk -v id="$ID" '$1 == id { print $2 }')
	[[ $pid =~ ^[0-9]+$ ]]
	start=$(awk '{ print $22 }' "/proc/$pid/stat")
	# It runs in the container's cgroup (ctr's cgroupsPath /NAMESPACE/ID).
	grep "/$CTR_NS/$ID\$" "/proc/$pid/cgroup"
	ctrx task kill -s SIGKILL "$ID"
	wait_stopped "$ID"
	run ctrx task delete "$ID"
	echo "$output"
	[[ $output == *"exit code 137"* ]]
	# The task's process (if its pid has not been reused).
	if [ -e "/proc/$pid/stat" ]; then
		[ "$(awk '{ print $22 }' "/proc/$pid/stat")" != "$start" ]
	fi
	# No process names the task (its shim, a monitor, a helper): 5 s.
	local i left
	for i in $(seq 1 50); do
		left=$(pids_with "$ID" | grep -vx "$$" || true)
		[ -z "$left" ] && break
		sleep 0.1
	done
	for p in $left; do echo "left: $p $(tr '\0' ' ' < "/proc/$p/cmdline")"; done
	[ -z "$left" ]
	# No tap (nor any other new link) in the container's namespace: lo and eth0.
	run ip -n "${NETNS##*/}" -o link show
	echo "$output"
	[ "${#lines[@]}" -eq 2 ]
	run ip -n "${NETNS##*/}" -o link show type tun
	[ -z "$output" ]
	# Nor a tc redirect on eth0 (the veth goes back to the namespace's stack).
	run ip netns exec "${NETNS##*/}" tc filter show dev eth0 ingress
	echo "$output"
	[ -z "$output" ]
	# No mount of the task's (its rootfs, a bind mount, a netns file).
	run grep -F -e "/$ID/" -e "/$ID " /proc/self/mountinfo
	echo "$output"
	[ "$status" -eq 1 ]
	# Nor its cgroup.
	run bash -c "ls -d /sys/fs/cgroup/*/'$CTR_NS/$ID' /sys/fs/cgroup/'$CTR_NS/$ID' 2> /dev/null"
	echo "$output"
	[ -z "$output" ]
	# The runtime's state under --root.
	[ ! -e "/run/containerd/runc/$CTR_NS/$ID" ]
	# No network namespace was added but ours.
	run bash -c "ls /run/netns | grep -vxF -f '$BATS_TEST_TMPDIR/netns0' | grep -vxF '${NETNS##*/}' | grep -F -e tincan-oci -e '$ID'"
	echo "$output"
	[ -z "$output" ]
}

@test "an ordinary busybox rootfs runs through tincan-oci (handed to runc): output and exit status" {
	busybox_rootfs "$BATS_TEST_TMPDIR/bb"
	# (ctr run --rootfs: the first argument is the rootfs's directory.)
	run ctrx run --rm --runc-binary="$OCI" --rootfs "$BATS_TEST_TMPDIR/bb" "$ID" /bin/sh -c 'echo from busybox; exit 3'
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"from busybox"* ]]
	run ctrx run --rm --runc-binary="$OCI" --env GREETING=hi --rootfs "$BATS_TEST_TMPDIR/bb" "$ID" /bin/sh -c 'echo "$GREETING $0"'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "hi /bin/sh" ]
}

@test "a bundle whose /tincan.tc is corrupt fails create with a clear message ctr prints" {
	local d=$BATS_TEST_TMPDIR/bad kind
	mkdir -p "$d"
	for kind in garbage truncated; do
		case $kind in
		garbage) head -c 8192 /dev/urandom > "$d/tincan.tc" ;;
		truncated) head -c 100 "$B/apps/hello.tc" > "$d/tincan.tc" ;;
		esac
		chmod 0555 "$d/tincan.tc"
		run ctrx run --rm --runc-binary="$OCI" --rootfs "$d" "$ID" /tincan.tc
		echo "$kind: $output"
		[ "$status" -ne 0 ]
		# The shim reports the runtime's last error line from its JSON log.
		[[ $output == *"OCI runtime create failed"* ]]
		[[ $output == *tincan.tc* ]]
		# Not started: no task left, and nothing ran.
		[ -z "$(ctrx task ls -q)" ]
		ctrx container delete "$ID" > /dev/null 2>&1 || true
	done
}

@test "ctr run --memory-limit: a limit the image's memory does not fit fails create with both figures; one it fits runs" {
	import "$B/apps/httpd.tc" docker.io/tincan/httpd:test
	# httpd's manifest claims 16M.
	run ctrx run --rm --memory-limit $((8 << 20)) --runc-binary="$OCI" "$ref" "$ID"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"OCI runtime create failed"* ]]
	[[ $output == *16384* ]]
	[[ $output == *8388608* ]]
	[ -z "$(ctrx task ls -q)" ]
	ctrx container delete "$ID" > /dev/null 2>&1 || true
	import "$B/apps/hello.tc" docker.io/tincan/hello:test
	run ctrx run --rm --memory-limit $((64 << 20)) --runc-binary="$OCI" "$ref" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Hello from tincan!"* ]]
}
