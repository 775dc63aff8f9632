# The kvm platform's boot helper for the bats tests (loaded by helpers.bash
# when PLATFORM=kvm, the default): images boot on tincan-run.
RUN=$B/bin/tincan-run
TINY=$B/tests/tiny.tc
IMG=.tc

# Skip (never pass) when /dev/kvm cannot run a guest here.
need_platform() {
	if [ ! -e /dev/kvm ]; then skip "/dev/kvm does not exist"; fi
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then skip "/dev/kvm is not readable and writable by $(id -un)"; fi
	# /dev/kvm may open but refuse VMs (no virtualization, limits): a host
	# error (105) from the smallest guest means skip, not fail.
	local out st=0
	out=$(timeout 20 "$RUN" "$TINY" exit 0 2>&1) || st=$?
	if [ "$st" -eq 105 ]; then skip "KVM cannot run guests here: $out"; fi
}
need_kvm() { need_platform; }

# The command that boots an image (monitor options first, then IMAGE [--]
# ARGS), for tests that build their own pipelines: $(boot_cmd) IMAGE ARGS.
boot_cmd() { echo "$RUN"; }

# Boot with a time limit, stdin from /dev/null unless redirected.
boot() {
	run timeout 20 "$RUN" "$@"
}
argv0() { echo "$1"; }

# net_boot TAP ADDR/PREFIX APP [ARGS...]: NET_BOOT becomes the command that
# boots build/apps/APP on TAP with that address ("": DHCP), for tests that
# run it in a network namespace of their own.
net_boot() {
	local tap=$1 ip=$2 app=$3
	shift 3
	NET_BOOT=("$RUN" --net="$tap" ${ip:+--ip="$ip"} "$B/apps/$app.tc" -- "$@")
}
