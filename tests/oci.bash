# Helpers for the OCI runtime's bats tests (tests/oci.bats): a private
# containerd, ctr against it, a CNI network set up by hand (as kubelet's CRI
# would: Debian's bridge and host-local plugins, config in a temporary
# directory, nothing written to /etc/cni or /opt/cni), tincan images as OCI
# archives, and a busybox rootfs.  Load after helpers.bash.
#
# oci_start (in setup_file) starts containerd with its root, state, sockets
# and opt directory under a new directory in /tmp (socket paths must stay
# under 108 bytes) and a containerd namespace of its own; it writes why the
# tests cannot run to $OCI_SKIP instead of failing, and oci_need (in setup)
# skips with that reason.  oci_stop (in teardown_file) kills and deletes
# every task and container of that namespace, stops containerd and the
# shims it started (by recorded pid, or by our own socket's path in their
# command lines: never by name), unmounts what is left under its root, and
# removes its files, the runc root of the namespace, the CNI networks and
# their bridges and network namespaces.  Every wait is bounded.
OCI=$B/bin/tincan-oci
# tincan-mkimage --oci=OUT.tar IMAGE [--name=REF]
OCI_MKIMAGE=$B/bin/tincan-mkimage
CNI_BIN=/usr/lib/cni
BUSYBOX=/bin/busybox # busybox-static's

# oci_start: export CTD (the containerd directory), CTR_NS, OCI_SKIP and the
# CNI names (bats runs each test in a process of its own: $$ differs).
oci_start() {
	export OCI_SKIP=$BATS_FILE_TMPDIR/skip CTR_NS=tincan-oci-$$ CTD= CNI_DIR=$BATS_FILE_TMPDIR/cni CNI_BR=tcoc$$
	rm -f "$OCI_SKIP"
	local why= p
	if [ "$(id -u)" != 0 ]; then
		why="the OCI tests need root (containerd, mounts, network namespaces)"
	elif [ ! -e /dev/kvm ]; then
		why="/dev/kvm does not exist"
	fi
	for p in containerd:containerd ctr:containerd containerd-shim-runc-v2:containerd runc:runc ip:iproute2 curl:curl; do
		[ -n "$why" ] || command -v "${p%%:*}" > /dev/null || why="${p%%:*} is not installed (Debian package ${p#*:})"
	done
	for p in bridge host-local; do
		[ -n "$why" ] || [ -x "$CNI_BIN/$p" ] || why="$CNI_BIN/$p is missing (Debian package containernetworking-plugins)"
	done
	[ -n "$why" ] || [ -x "$BUSYBOX" ] || why="$BUSYBOX is missing (Debian package busybox-static)"
	if [ -n "$why" ]; then
		echo "$why" > "$OCI_SKIP"
		return 0
	fi
	CTD=$(mktemp -d /tmp/tincan-ctd.XXXXXX)
	cat > "$CTD/config.toml" <<-EOF
		version = 2
		root = "$CTD/root"
		state = "$CTD/state"
		# No CRI: it would read /etc/cni and listen on a port.
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CTD/c.sock"
		[ttrpc]
		  address = "$CTD/c.sock.ttrpc"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$CTD/opt"
	EOF
	containerd --config "$CTD/config.toml" > "$CTD/containerd.log" 2>&1 &
	echo $! > "$CTD/pid"
	local i
	for i in $(seq 1 100); do
		[ -S "$CTD/c.sock" ] && ctr -a "$CTD/c.sock" version > /dev/null 2>&1 && return 0
		kill -0 "$(cat "$CTD/pid")" 2> /dev/null || break
		sleep 0.1
	done
	echo "containerd did not start within 10 s: $(tail -n 3 "$CTD/containerd.log")" >&2
	return 1
}

# In setup: skip (with the reason) when oci_start found something missing.
oci_need() {
	if [ -s "$OCI_SKIP" ]; then skip "$(cat "$OCI_SKIP")"; fi
	[ -n "$CTD" ] && [ -S "$CTD/c.sock" ] || {
		echo "containerd is not running"
		return 1
	}
	# Built by make all: missing is a failure, not a skip.
	[ -x "$OCI" ] || {
		echo "$OCI is missing: run make all"
		return 1
	}
}

# ctr against our containerd and namespace, with a time limit.
ctrx() { timeout 60 ctr -a "$CTD/c.sock" -n "$CTR_NS" "$@"; }

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
}

# In teardown: SIGKILL and delete every task of our namespace, delete its
# containers.
oci_clean() {
	[ -n "${CTD:-}" ] && [ -S "$CTD/c.sock" ] || return 0
	local id
	for id in $(ctrx task ls -q 2> /dev/null); do
		ctrx task kill -s SIGKILL "$id" > /dev/null 2>&1
	done
	for id in $(ctrx task ls -q 2> /dev/null); do
		ctrx task delete --force "$id" > /dev/null 2>&1
	done
	for id in $(ctrx container ls -q 2> /dev/null); do
		ctrx container delete "$id" > /dev/null 2>&1
	done
	return 0
}

oci_stop() {
	[ -n "${CTD:-}" ] && [ -d "$CTD" ] || {
		cni_stop
		return 0
	}
	local p m
	oci_clean
	p=$(cat "$CTD/pid" 2> /dev/null)
	if [ -n "$p" ]; then
		kill -TERM "$p" 2> /dev/null
		wait_gone "$p"
		kill -KILL "$p" 2> /dev/null
		wait "$p" 2> /dev/null
	fi
	# Shims and monitors of ours left behind (their command lines hold our
	# socket's path or a bundle's under our state directory).
	for p in $(pids_with "$CTD/"); do kill -KILL "$p" 2> /dev/null; done
	wait_gone $(pids_with "$CTD/")
	# Mounts under our root, deepest first.
	for m in $(awk -v d="$CTD/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2> /dev/null
	done
	rm -rf "$CTD" "/run/containerd/runc/$CTR_NS"
	# The namespace's cgroups (runc and tincan-oci remove only the
	# containers'): empty directories, v1 hierarchies or v2.
	rmdir /sys/fs/cgroup/*/"$CTR_NS" "/sys/fs/cgroup/$CTR_NS" 2> /dev/null
	cni_stop
}

# ---- images ------------------------------------------------------------------

# oci_import IMAGE.tc REF: an OCI archive of IMAGE (tincan-mkimage --oci),
# imported; prints the image's reference in containerd.
oci_import() {
	local tar=$BATS_FILE_TMPDIR/$(basename "$1" .tc).oci.tar out
	"$OCI_MKIMAGE" --oci="$tar" "$1" --name="$2" >&2 || {
		echo "tincan-mkimage --oci=$tar $1 --name=$2 failed" >&2
		return 1
	}
	out=$(ctrx images import "$tar" 2>&1) || {
		echo "ctr images import $tar: $out" >&2
		return 1
	}
	# "unpacking REF (sha256:...)...done"
	sed -n 's/^unpacking \([^ ]*\) (.*/\1/p' <<< "$out" | head -n 1 | grep . || {
		echo "ctr images import $tar named no image: $out" >&2
		return 1
	}
}

# busybox_rootfs DIR: an ordinary Linux rootfs (busybox-static, its applets
# as links in /bin).
busybox_rootfs() {
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/etc" "$1/tmp"
	cp "$BUSYBOX" "$1/bin/busybox"
	local a
	for a in sh echo cat sleep ls; do ln -sf busybox "$1/bin/$a"; done
}

# ---- CNI ---------------------------------------------------------------------

# cni_add NAME: a network namespace /run/netns/$CTR_NS-NAME with eth0, a
# veth on bridge $CNI_BR (10.86.X.1/24, X free on this host: no route to it
# yet) given an address by host-local, as kubelet's CRI would call the
# plugins.  Sets NETNS (its path) and CNI_IP (the container's address).
cni_add() {
	local name=$1 x
	mkdir -p "$CNI_DIR"
	if [ ! -f "$CNI_DIR/conf.json" ]; then
		for x in $(seq $((${CNI_BR#tcoc} % 200 + 20)) 250) $(seq 20 250); do
			[ -z "$(ip route show "10.86.$x.0/24")" ] && ! ip -o addr show | grep -q " 10\.86\.$x\." && break
		done
		cat > "$CNI_DIR/conf.json" <<-EOF
			{"cniVersion": "1.0.0", "name": "$CTR_NS", "type": "bridge", "bridge": "$CNI_BR",
			 "isGateway": true, "ipMasq": false,
			 "ipam": {"type": "host-local", "subnet": "10.86.$x.0/24", "dataDir": "$CNI_DIR/ipam"}}
		EOF
	fi
	NETNS=/run/netns/$CTR_NS-$name
	echo "$name" >> "$CNI_DIR/names"
	ip netns add "$CTR_NS-$name" || return 1
	ip -n "$CTR_NS-$name" link set lo up
	cni_call ADD "$name" > "$CNI_DIR/$name.json" || {
		cat "$CNI_DIR/$name.json"
		return 1
	}
	CNI_IP=$(sed -n 's/.*"address": *"\([0-9.]*\)\/.*/\1/p' "$CNI_DIR/$name.json" | head -n 1)
	[ -n "$CNI_IP" ] || {
		echo "no address from CNI: $(cat "$CNI_DIR/$name.json")"
		return 1
	}
}

# cni_call ADD|DEL NAME
cni_call() {
	CNI_COMMAND=$1 CNI_CONTAINERID=$CTR_NS-$2 CNI_NETNS=/run/netns/$CTR_NS-$2 CNI_IFNAME=eth0 \
		CNI_PATH=$CNI_BIN timeout 20 "$CNI_BIN/bridge" < "$CNI_DIR/conf.json"
}

# cni_del NAME: the plugins' DEL, then the namespace.
cni_del() {
	cni_call DEL "$1" > /dev/null 2>&1
	ip netns del "$CTR_NS-$1" 2> /dev/null
	return 0
}

cni_stop() {
	[ -n "${CNI_DIR:-}" ] && [ -f "$CNI_DIR/names" ] || return 0
	local n
	for n in $(sort -u "$CNI_DIR/names"); do cni_del "$n"; done
	ip link del "$CNI_BR" 2> /dev/null
	rm -rf "$CNI_DIR"
	return 0
}
