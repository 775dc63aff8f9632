#!/bin/sh
# Check that the host has what building and testing tincan needs; install
# what is missing with apt-get when we are root (or sudo works without a
# password), otherwise print the exact command and fail.
#   toolchain/deps.sh build|test|bench [PLATFORM]
set -eu
what=${1:-build}
platform=${2:-kvm}

# command-or-file:package pairs
need="gcc:gcc make:make /usr/include/stdio.h:libc6-dev musl-gcc:musl-tools /usr/include/linux/kvm.h:linux-libc-dev xz:xz-utils
apt-get:apt /usr/include/jansson.h:libjansson-dev"
case $what in
test) need="$need bats:bats prove:perl autoconf:autoconf ip:iproute2 ping:iputils-ping redis-cli:redis-tools tclsh:tcl tcpdump:tcpdump
clang:clang /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a:libclang-rt-14-dev systemd-analyze:systemd
python3:python3-minimal /usr/lib/python3.11/ctypes/__init__.py:libpython3.11-stdlib curl:curl dnsmasq:dnsmasq-base
jq:jq umoci:umoci skopeo:skopeo containerd:containerd ctr:containerd
runc:runc /usr/lib/cni/bridge:containernetworking-plugins /bin/busybox:busybox-static gdb:gdb readelf:binutils
nft:nftables taskset:util-linux" ;;
bench) need="$need cpio:cpio hyperfine:hyperfine jq:jq gnuplot:gnuplot-nox /usr/bin/time:time wrk:wrk ip:iproute2 ping:iputils-ping redis-benchmark:redis-tools tclsh:tcl curl:curl
containerd:containerd ctr:containerd runc:runc umoci:umoci nft:nftables taskset:util-linux" ;;
esac
# tests/kvm/metrics.bats parses --metrics files with the Prometheus client's parser;
# tests/kvm/ipv6.bats sends router advertisements with radvd.
case $what in
test) need="$need /usr/lib/python3/dist-packages/prometheus_client/parser.py:python3-prometheus-client /usr/sbin/radvd:radvd" ;;
esac
# tests/kvm/net.bats counts the monitor's TUNSETOFFLOAD calls with strace.
case $what in
test) need="$need strace:strace" ;;
esac
# The pc platform's ISOs (tincan-mkimage --iso) and QEMU to boot them.
case $what-$platform in
test-* | bench-* | *-pc) need="$need qemu-system-x86_64:qemu-system-x86 /usr/lib/grub/i386-pc/multiboot2.mod:grub-pc-bin
/usr/lib/grub/x86_64-efi/multiboot2.mod:grub-efi-amd64-bin grub-mkrescue:grub-common xorriso:xorriso mformat:mtools
/usr/share/OVMF/OVMF_CODE_4M.fd:ovmf" ;;
esac

missing=
for pair in $need; do
	thing=${pair%%:*} pkg=${pair#*:}
	case $thing in
	/*) [ -e "$thing" ] && continue ;;
	*) command -v "$thing" >/dev/null 2>&1 && continue ;;
	esac
	case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	sudo=
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	sudo=sudo
else
	echo "tincan needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "  DEPS     installing$missing (apt-get)"
log=${TMPDIR:-/tmp}/tincan-deps.log
if ! { $sudo apt-get update && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing; } >"$log" 2>&1; then
	tail -n 20 "$log" >&2
	echo "deps: apt-get failed; full log: $log" >&2
	exit 1
fi
