#!/bin/sh
# Hand tincan images run as programs (./app.tc) to tincan-run through the
# kernel's binfmt_misc, so that their own first instructions never run as a
# Linux process (without it, an image re-executes itself under tincan-run:
# fine for images you built, unsafe for any other).
#   toolchain/binfmt.sh line INTERPRETER [NAME]      print the registration
#   toolchain/binfmt.sh register INTERPRETER [NAME]  register it (root)
#   toolchain/binfmt.sh unregister [NAME]            remove it (root)
# INTERPRETER is a path ending in tincan-binfmt (a link to tincan-run, which
# then shares the current directory as the image's own re-execution does).
# NAME defaults to "tincan".  Images are told by their ELF header: a 64-bit
# little-endian x86-64 executable whose entry point is 0x10000, the start of
# every tincan image (TC_IMAGE_BASE); the OS ABI and padding bytes are ignored.
set -eu
dir=/proc/sys/fs/binfmt_misc
cmd=${1:-}
case $cmd in
line | register) interp=${2:?usage: binfmt.sh $cmd INTERPRETER [NAME]} name=${3:-tincan} ;;
unregister) name=${2:-tincan} ;;
*)
	echo "usage: binfmt.sh line|register INTERPRETER [NAME] | unregister [NAME]" >&2
	exit 2
	;;
esac
case $name in *[!A-Za-z0-9_.-]* | '') echo "binfmt.sh: bad name '$name'" >&2 && exit 2 ;; esac

hex() { for b in "$@"; do printf '\\x%s' "$b"; done; }
line() {
	case $interp in
	/*tincan-binfmt) ;;
	*) echo "binfmt.sh: $interp: expected an absolute path ending in tincan-binfmt" >&2 && exit 2 ;;
	esac
	case $interp in *:*) echo "binfmt.sh: $interp: a path with ':' cannot be registered" >&2 && exit 2 ;; esac
	# e_ident (ELF, 64-bit, LSB, version 1), e_type EXEC, e_machine x86-64,
	# e_version 1, e_entry 0x10000.
	magic=$(hex 7f 45 4c 46 02 01 01 00 00 00 00 00 00 00 00 00 02 00 3e 00 01 00 00 00 00 00 01 00 00 00 00 00)
	mask=$(hex ff ff ff ff ff ff ff 00 00 00 00 00 00 00 00 00 ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff)
	# F: the kernel opens the interpreter now, so it works in any mount
	# namespace or chroot later.
	printf ':%s:M:0:%s:%s:%s:F\n' "$name" "$magic" "$mask" "$interp"
}

if [ "$cmd" = line ]; then
	line
	exit 0
fi
if [ ! -w "$dir/register" ]; then
	# systemd mounts it at boot; elsewhere (containers, minimal systems) we may.
	mount -t binfmt_misc binfmt_misc "$dir" 2>/dev/null || true
fi
if [ ! -w "$dir/register" ]; then
	echo "binfmt.sh: $dir/register is not writable (not root, or binfmt_misc is not available)" >&2
	exit 1
fi
[ -e "$dir/$name" ] && echo -1 >"$dir/$name"
[ "$cmd" = unregister ] && exit 0
[ -x "$interp" ] || { echo "binfmt.sh: $interp is not an executable" >&2 && exit 1; }
line >"$dir/register"
