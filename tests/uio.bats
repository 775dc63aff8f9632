# readv/writev/preadv/pwritev, termios, ioctl, sockaddr_un and interface
# names (tests/guests/uio.c), and the headers under strict C89.
load helpers
UIO=$B/tests/uio.tc

@test "scatter/gather I/O, termios, ioctl, AF_UNIX, if_nametoindex (TAP from the guest)" {
	need_platform
	boot --mem=32M "$UIO"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} =~ ^1\.\.[0-9]+$ ]]
	! [[ $output == *"not ok"* ]]
	[[ $output == *"# via writev to stdout"* ]]
}

@test "a console that is a terminal: tcgetattr/tcsetattr keep the attributes, TIOCGWINSZ 80x24" {
	need_platform
	command -v script > /dev/null || skip "no script(1) to give the guest a pty"
	run script -qec "timeout 20 $(boot_cmd) --mem=32M $UIO tty" /dev/null < /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"1..11"* ]]
	[[ $output == *"ok 11 "* ]]
	! [[ $output == *"not ok"* ]]
}

@test "sys/uio.h, sys/un.h, termios.h, sys/ioctl.h, net/if.h compile under -std=c89 -pedantic -Werror" {
	cat > "$BATS_TEST_TMPDIR/h.c" <<'C'
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/termios.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>
int main(void)
{
	struct iovec v[1];
	struct sockaddr_un s;
	struct termios t;
	struct winsize w;
	char n[IFNAMSIZ];
	speed_t sp = B115200;
	v[0].iov_base = n;
	v[0].iov_len = sizeof n;
	s.sun_family = AF_UNIX;
	s.sun_path[0] = 0;
	cfmakeraw(&t);
	t.c_cflag |= CRTSCTS;
	return (int)writev(1, v, 1) + (int)readv(0, v, IOV_MAX) + (int)preadv(0, v, 1, 0) + (int)pwritev(1, v, 1, 0) +
	       ioctl(0, TIOCGWINSZ, &w) + ioctl(0, FIONREAD, &w) + ioctl(0, FIONBIO, &w) +
	       tcsetattr(0, TCSANOW, &t) + tcgetattr(0, &t) + cfsetospeed(&t, sp) + (int)cfgetospeed(&t) +
	       (int)if_nametoindex("en0") + (if_indextoname(1, n) != 0) + s.sun_path[0];
}
C
	run "$B/bin/tincan-cc" -std=c89 -pedantic -Werror -Wall -Wextra -fsyntax-only "$BATS_TEST_TMPDIR/h.c"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "hello links none of readv/writev, termios, ioctl or if_nametoindex" {
	[ "$(nm "$B/apps/hello.tc" | grep -c -w -e readv -e writev -e tcgetattr -e ioctl -e if_nametoindex)" -eq 0 ]
}

@test "if_nametoindex/if_indextoname/if_nameindex name the image's attached net device" {
	need_platform
	[ "$(id -u)" = 0 ] || skip "needs root (a tap in a network namespace)"
	[ -c /dev/net/tun ] && command -v ip > /dev/null || skip "no /dev/net/tun or ip(8)"
	local ns=tincan-uio$$ img=$BATS_TEST_TMPDIR/uionet.tc
	cp "$UIO" "$img"
	"$B/bin/tincan-mkimage" --net=net0 "$img" > /dev/null
	ip netns add "$ns" || skip "could not create a network namespace"
	ip -n "$ns" tuntap add tap0 mode tap && ip -n "$ns" link set tap0 up
	run timeout 20 ip netns exec "$ns" "$(boot_cmd)" --mem=32M --net=tap0 --ip=10.78.0.2/24 "$img" if net0
	ip netns del "$ns"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[-1]} == "1..4" ]]
	! [[ $output == *"not ok"* ]]
}
