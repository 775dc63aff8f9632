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
. "$TESTS/ctd.bash"
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
	ctd_launch "$CTD" "$CTD/containerd.log"
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
	oci_clean
	ctd_halt "$CTD" "$CTR_NS"
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
