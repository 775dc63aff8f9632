#!/usr/bin/env bash
# tests/yard/build.sh PROGRAM FLAVOUR B
#
# Builds a yardstick program from Debian's source package exactly as a user
# would (the command lines below; no edits to the source) and copies the
# results into B/yard/FLAVOUR/.  PROGRAM is redis, sqlite or lua; FLAVOUR is
# "tincan" (CC=B/bin/tincan-cc: the guest) or "linux" (the host's gcc: the
# baseline for make bench).
#
# Builds are cached under $TINCAN_CACHE/yard/ by a key over this script, the
# source version and, for tincan, every file of the toolchain under B (the
# driver, libos, newlib, lwIP, headers): change libos and the program is
# built again; change nothing and this only copies files.
set -euo pipefail

REDIS_DEB=5:7.0.15-1~deb12u10
SQLITE_DEB=3.40.1-2+deb12u2
LUA_DEB=5.4.4-3+deb12u1

die() { printf 'yard: %s\n' "$*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: $0 redis|sqlite|lua tincan|linux B"
prog=$1 flavour=$2 B=$(cd "$3" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$here/../..

case $prog in
redis) pkg=redis ver=$REDIS_DEB outputs="src/redis-server" ;;
sqlite) pkg=sqlite3 ver=$SQLITE_DEB outputs="sqlite3 speedtest1" ;;
lua) pkg=lua5.4 ver=$LUA_DEB outputs="src/lua" ;;
*) die "unknown program $prog" ;;
esac
case $flavour in
tincan)
	cc=$B/bin/tincan-cc
	[ -x "$cc" ] || die "$cc is missing: run make first"
	;;
linux) cc=gcc ;;
*) die "unknown flavour $flavour" ;;
esac

export LC_ALL=C
# Keep a caller's compiler environment out of the build.
unset CPATH C_INCLUDE_PATH LIBRARY_PATH CFLAGS LDFLAGS CPPFLAGS MAKEFLAGS MFLAGS || true

key() {
	cat "${BASH_SOURCE[0]}"
	printf '%s %s %s gcc %s\n' "$prog" "$ver" "$flavour" "$(gcc -dumpfullversion)"
	if [ "$flavour" = tincan ]; then
		(cd "$B" && find bin/tincan-cc lib/tincan -type f -print0 | sort -z | xargs -0 sha256sum)
	fi
}
hash=$(key | sha256sum)
hash=${hash:0:16}
cache_root=${TINCAN_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tincan}
entry=$cache_root/yard/$prog-$flavour-$hash
out=$B/yard/$flavour

install_out() {
	mkdir -p "$out"
	local f
	for f in $outputs; do cp "$entry/${f##*/}" "$out/"; done
}

if [ -f "$entry/.complete" ]; then
	install_out
	exit 0
fi

src=$("$top/toolchain/debsrc.sh" "$pkg" "$ver")
mkdir -p "$cache_root/yard"
exec 9>"$entry.lock"
flock 9
if [ -f "$entry/.complete" ]; then
	install_out
	exit 0
fi
rm -rf "$entry" "$entry".work.*
work=$(mktemp -d "$entry.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$cache_root/yard/$prog-$flavour-$hash.log
cp -R "$src" "$work/src"
jobs=$(nproc)
printf '  YARD     %s for %s (log: %s)\n' "$prog" "$flavour" "$log"

build() {
	cd "$work/src"
	case $prog in
	redis)
		# Issue 9's command line, as a user types it.
		make -j"$jobs" CC="$cc" MALLOC=libc USE_SYSTEMD=no BUILD_TLS=no redis-server
		;;
	sqlite)
		# SQLite's configure looks for readline by testing for host files
		# (AC_CHECK_FILE /usr/include/readline/readline.h), which cannot
		# work for any cross compiler; a user whose host has libreadline-dev
		# adds --disable-readline (README, porting checklist).
		local conf=(--disable-tcl)
		[ ! -e /usr/include/readline/readline.h ] || conf+=(--disable-readline)
		CC=$cc ./configure "${conf[@]}"
		make -j"$jobs" sqlite3
		make speedtest1
		;;
	lua)
		# Lua's "generic" platform (ISO C only) for both flavours, so both
		# run the same code; CC as its Makefile sets it, with our compiler.
		make -j"$jobs" generic CC="$cc -std=gnu99"
		;;
	esac
}
if ! build >"$log" 2>&1; then
	grep -E 'error|undefined reference' "$log" | head -n 20 >&2 || true
	tail -n 5 "$log" >&2
	die "building $prog for $flavour failed; full log: $log"
fi
mkdir "$work/out"
for f in $outputs; do cp "$work/src/$f" "$work/out/"; done
printf '%s %s %s\n' "$prog" "$ver" "$flavour" >"$work/out/.complete"
mv -T "$work/out" "$entry"
install_out
