#!/bin/sh
# make run: boot build/apps/APP.tc.  An app that declares a net device gets
# a tap: as root we create (or reuse) tap "tincan0" with the host at
# 10.77.77.1/24 and the guest at 10.77.77.2; otherwise we print the commands.
#   toolchain/run.sh BUILD_DIR APP [ARGS...]
set -eu
B=$1 APP=$2
shift 2
IMAGE=$B/apps/$APP.tc
RUN=$B/bin/tincan-run
TAP=${TINCAN_TAP:-tincan0}
HOST_IP=10.77.77.1 GUEST_IP=10.77.77.2

if [ ! -f "$IMAGE" ]; then
	echo "no app '$APP': apps are $(ls "$B/apps" | sed -n 's/\.tc$//p' | tr '\n' ' ')" >&2
	exit 1
fi
if ! "$B/bin/tincan-mkimage" --print "$IMAGE" | grep -q '(net)$'; then
	exec "$RUN" "$IMAGE" -- "$@"
fi

if [ "$(id -u)" != 0 ]; then
	cat >&2 <<MSG
$APP needs a tap device.  As root, once:
  ip tuntap add $TAP mode tap user $(id -un)
  ip addr add $HOST_IP/24 dev $TAP
  ip link set $TAP up
then:
  $RUN --net=$TAP --ip=$GUEST_IP/24 $IMAGE $*
MSG
	exit 1
fi
if ! ip link show "$TAP" >/dev/null 2>&1; then
	ip tuntap add "$TAP" mode tap
	ip addr add "$HOST_IP/24" dev "$TAP"
fi
ip link set "$TAP" up
echo "$APP: guest at $GUEST_IP on tap $TAP (host side $HOST_IP); for httpd try: curl http://$GUEST_IP/" >&2
echo "(stop it with Ctrl-C; remove the tap with: ip link del $TAP)" >&2
exec "$RUN" --net="$TAP" --ip="$GUEST_IP/24" "$IMAGE" -- "$@"
