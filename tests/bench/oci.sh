#!/bin/bash
# make bench, the OCI part (issue 15's budget): `ctr run --rm` to its first
# output, for hello as a tincan OCI image (tincan-mkimage --oci) through
# tincan-oci, against the same hello source built with gcc -static
# (build/bench/hello-static: tests/bench/hellolinux.c stands in for
# tincan_boot_to_main_ns) as an ordinary image (umoci) through runc, and
# that ordinary image through tincan-oci (which hands it to runc).  One
# private containerd for all (root, state and sockets in a temporary
# directory, the CRI plugin off), images imported and unpacked once; in
# each of ROUNDS rounds RUNS runs of each, in turn (tests/bench/firstout:
# spawn of ctr to the first byte on its stdout).  The figure is the round
# with the median ratio to runc's median, with the range over the rounds;
# budget <= 1.0 x runc.  Appends rows to OUT_FILE; a figure that cannot be
# measured is an error.  BENCH_OCI_ROUNDS (default BENCH_ROUNDS, else 11),
# BENCH_OCI_RUNS (10).
#   tests/bench/oci.sh BUILD_DIR OUT_FILE
set -euo pipefail
. "$(dirname "$0")/../ctd.bash"
# ctr hands --runc-binary to the shim, which runs elsewhere: absolute paths.
B=$(cd "$1" && pwd) OUT=$2
OCI=$B/bin/tincan-oci MKIMAGE=$B/bin/tincan-mkimage TIMER=$B/bench/firstout
HELLO=$B/apps/hello.tc LHELLO=$B/bench/hello-static
ROUNDS=${BENCH_OCI_ROUNDS:-${BENCH_ROUNDS:-11}} RUNS=${BENCH_OCI_RUNS:-10}
DIR=$B/bench/oci NS=tincan-bench-$$
die() {
	echo "oci bench: $*" >&2
	exit 1
}
for f in "$OCI" "$MKIMAGE" "$TIMER" "$HELLO" "$LHELLO"; do
	[ -e "$f" ] || die "$f is missing (make bench builds it)"
done
[ "$(id -u)" = 0 ] || die "ctr run needs root (containerd)"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || die "/dev/kvm is not usable here"
for c in containerd ctr runc umoci; do
	command -v "$c" > /dev/null || die "$c is missing (toolchain/deps.sh bench installs it)"
done
[[ $ROUNDS =~ ^[1-9][0-9]?$ ]] || die "BENCH_OCI_ROUNDS must be 1 to 99"
[[ $RUNS =~ ^[1-9][0-9]{0,2}$ ]] || die "BENCH_OCI_RUNS must be 1 to 999"
rm -rf "$DIR"
mkdir -p "$DIR"
# containerd's sockets: a short path (at most 108 bytes).
CTD=$(mktemp -d /tmp/tincan-oci-bench.XXXXXX)
cleanup() {
	local id
	if [ -S "$CTD/c.sock" ]; then
		for id in $(ctrx task ls -q 2> /dev/null); do ctrx task delete --force "$id" > /dev/null 2>&1 || true; done
		for id in $(ctrx container ls -q 2> /dev/null); do ctrx container delete "$id" > /dev/null 2>&1 || true; done
	fi
	ctd_halt "$CTD" "$NS"
}
trap cleanup EXIT
ctrx() { timeout 60 ctr -a "$CTD/c.sock" -n "$NS" "$@"; }
ctd_launch "$CTD" "$DIR/containerd.log" || die "containerd did not start"

# import TAR: prints the reference ctr gave it ("unpacking REF (sha256:...)").
import() {
	local out
	out=$(ctrx images import "$1" 2>&1) || die "ctr images import $1: $out"
	sed -n 's/^unpacking \([^ ]*\) (.*/\1/p' <<< "$out" | head -n 1 | grep . || die "ctr images import $1 named no image: $out"
}
cp "$HELLO" "$DIR/hello.tc"
"$MKIMAGE" --oci="$DIR/hello-tincan.tar" "$DIR/hello.tc" --name=docker.io/tincan/hello:bench > /dev/null ||
	die "tincan-mkimage --oci failed"
TREF=$(import "$DIR/hello-tincan.tar")
umoci init --layout "$DIR/linux" > /dev/null
umoci new --image "$DIR/linux:hello" > /dev/null
umoci insert --image "$DIR/linux:hello" "$LHELLO" /hello > /dev/null
umoci config --image "$DIR/linux:hello" --config.entrypoint /hello --os linux --architecture amd64 > /dev/null
tar -C "$DIR/linux" -cf "$DIR/hello-linux.tar" .
LREF=$(import "$DIR/hello-linux.tar")

# One run: the microseconds from ctr's spawn to its first output.
n=0
one() { # tincan|runc|passthrough
	n=$((n + 1))
	local id=b$$-$n
	case $1 in
	tincan) "$TIMER" 30000 -- timeout 60 ctr -a "$CTD/c.sock" -n "$NS" run --rm --runc-binary="$OCI" "$TREF" "$id" ;;
	runc) "$TIMER" 30000 -- timeout 60 ctr -a "$CTD/c.sock" -n "$NS" run --rm "$LREF" "$id" ;;
	passthrough) "$TIMER" 30000 -- timeout 60 ctr -a "$CTD/c.sock" -n "$NS" run --rm --runc-binary="$OCI" "$LREF" "$id" ;;
	esac
}
# The output is the expected one (and a warm-up of each).
for k in tincan runc passthrough; do
	case $k in
	tincan) o=$(ctrx run --rm --runc-binary="$OCI" "$TREF" w$$-$k 2>&1) || die "ctr run of hello ($k) failed: $o" ;;
	runc) o=$(ctrx run --rm "$LREF" w$$-$k 2>&1) || die "ctr run of hello ($k) failed: $o" ;;
	passthrough) o=$(ctrx run --rm --runc-binary="$OCI" "$LREF" w$$-$k 2>&1) || die "ctr run of hello ($k) failed: $o" ;;
	esac
	[[ $o == "Hello from tincan!"* ]] || die "ctr run of hello ($k) printed: $o"
done
med() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for r in $(seq 1 "$ROUNDS"); do
	: > "$DIR/t$r" && : > "$DIR/r$r" && : > "$DIR/p$r"
	for i in $(seq 1 "$RUNS"); do
		one tincan >> "$DIR/t$r" || die "ctr run of the tincan hello failed"
		one runc >> "$DIR/r$r" || die "ctr run of the runc hello failed"
		one passthrough >> "$DIR/p$r" || die "ctr run of the runc hello through tincan-oci failed"
	done
	t=$(med < "$DIR/t$r") rr=$(med < "$DIR/r$r") p=$(med < "$DIR/p$r")
	awk -v t="$t" -v r="$rr" -v p="$p" 'BEGIN { printf "%.4f %.3f %.3f %.3f %.4f\n", t / r, t / 1000, r / 1000, p / 1000, p / r }'
done | sort -g > "$DIR/rounds.txt"
read -r ratio tms rms _ _ < <(sed -n "$(((ROUNDS + 1) / 2))p" "$DIR/rounds.txt")
# The pass-through's figure: its own median round.
read -r pms pratio < <(awk '{ print $4, $5 }' "$DIR/rounds.txt" | sort -k2 -g | sed -n "$(((ROUNDS + 1) / 2))p")
for v in "$ratio" "$tms" "$rms" "$pms" "$pratio"; do
	[[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "no figure (got '$v')"
done
range() { awk -v c="$1" '{ print $c }' "$DIR/rounds.txt" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }
printf '| ctr run --rm to first output, hello as a tincan OCI image through tincan-oci (private containerd %s; median of %s runs a round, in turn with the baseline) | %.1f ms = %.2f x runc (hello.c built gcc -static, an ordinary image: %.1f ms; ratio range %s over %s rounds); that ordinary image through tincan-oci (handed to runc; its median round): %.1f ms = %.2f x runc (range %s) | <= 1.0 x runc |\n' \
	"$(containerd --version | awk '{ print $3 }')" "$RUNS" "$tms" "$ratio" "$rms" "$(range 1)" "$ROUNDS" "$pms" "$pratio" "$(range 5)" | tee -a "$OUT"
