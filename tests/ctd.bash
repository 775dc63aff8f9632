# A private containerd for tests and benches (no systemd here): sourced by
# tests/oci.bash, tests/ociimage.bats and tests/bench/oci.sh.  Safe under
# `set -e`; every wait is bounded.

# ctd_launch DIR LOG: containerd with its root, state, sockets and opt
# directory under DIR (keep DIR short: socket paths stay under 108 bytes),
# the CRI plugin off (it would read /etc/cni and listen on a port); its pid
# in DIR/pid.  Waits up to 10 s for its socket: 0, or 1 with LOG's tail.
ctd_launch() {
	local dir=$1 log=$2 i
	cat > "$dir/config.toml" <<-EOF
		version = 2
		root = "$dir/root"
		state = "$dir/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$dir/c.sock"
		[ttrpc]
		  address = "$dir/c.sock.ttrpc"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$dir/opt"
	EOF
	containerd --config "$dir/config.toml" > "$log" 2>&1 &
	echo $! > "$dir/pid"
	for i in $(seq 1 100); do
		[ -S "$dir/c.sock" ] && ctr -a "$dir/c.sock" version > /dev/null 2>&1 && return 0
		kill -0 "$(cat "$dir/pid")" 2> /dev/null || break
		sleep 0.1
	done
	echo "containerd did not start within 10 s: $(tail -n 3 "$log")" >&2
	return 1
}

# The pids of the processes whose command line holds STRING (a path of
# our own: never a program's name).
pids_with() {
	local f
	for f in /proc/[0-9]*/cmdline; do
		tr '\0' ' ' < "$f" 2> /dev/null | grep -qF -- "$1" && { f=${f#/proc/}; echo "${f%/cmdline}"; }
	done
	return 0
}

# wait_gone PID...: up to 10 s for each to exit.
wait_gone() {
	local p i
	for p; do
		for i in $(seq 1 100); do
			kill -0 "$p" 2> /dev/null || break
			sleep 0.1
		done
	done
	return 0
}

# ctd_halt DIR NS: stop the containerd of ctd_launch DIR (SIGTERM, SIGKILL
# after 10 s), then the shims and monitors of ours it left (their command
# lines hold a path under DIR), unmount what is under DIR (deepest first),
# remove DIR, the runc root of containerd namespace NS and NS's cgroups
# (runc and tincan-oci remove only their containers').
ctd_halt() {
	local dir=$1 ns=$2 p m
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	p=$(cat "$dir/pid" 2> /dev/null || true)
	if [ -n "$p" ]; then
		kill -TERM "$p" 2> /dev/null || true
		wait_gone "$p"
		kill -KILL "$p" 2> /dev/null || true
		wait "$p" 2> /dev/null || true
	fi
	for p in $(pids_with "$dir/"); do kill -KILL "$p" 2> /dev/null || true; done
	wait_gone $(pids_with "$dir/")
	for m in $(awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2> /dev/null || true
	done
	rm -rf "$dir" "/run/containerd/runc/$ns"
	rmdir /sys/fs/cgroup/*/"$ns" "/sys/fs/cgroup/$ns" 2> /dev/null || true
}
