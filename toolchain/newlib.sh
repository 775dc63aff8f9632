#!/usr/bin/env bash
# toolchain/newlib.sh DEST
#
# Builds newlib (libc.a, libm.a and its headers) for the x86_64-elf guest
# target from Debian's newlib-source package, using the host gcc behind
# x86_64-elf-* wrapper scripts, and copies the result into DEST:
#   DEST/include/        newlib's target headers (replaced on every run)
#   DEST/lib/libc.a
#   DEST/lib/libm.a
#   DEST/.stamp          written last (names the cache entry), for make
#
# The build is cached under $TINCAN_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/tincan) in newlib-<hash>/, where <hash>
# covers this script's text (so the flags and the pinned source version
# below) and the host gcc and as versions. A cache hit only copies files.
set -euo pipefail

# ---- The recipe.  Everything here is part of the cache key. ----------------
# Exact Debian package version to build.  Pinned so that the cache key is
# known without asking apt (apt-cache takes ~0.7 s where apt keeps no
# pkgcache.bin, as in Docker images).  When Debian replaces this version,
# the download fails and says which version to put here.
NEWLIB_DEB_VERSION='3.3.0-1.3+deb12u1'
NEWLIB_TARGET='x86_64-elf'
# -DHAVE_BLKSIZE: stdio sizes a FILE's buffer by st_blksize (libos says
# 4 KiB, 64 KiB for stdin: one exit to the monitor per 64 KiB of input).
NEWLIB_CFLAGS='-O2 -fno-pie -fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables -ffunction-sections -fdata-sections -Wa,--noexecstack -DHAVE_BLKSIZE'
NEWLIB_CONFIGURE_OPTS=(
  --disable-multilib
  --disable-nls
  --disable-newlib-supplied-syscalls
  --enable-newlib-io-long-long
  --enable-newlib-io-c99-formats
)
# Host tools put behind $NEWLIB_TARGET-<tool> wrappers.
WRAPPED_TOOLS=(gcc cc ar as ld nm ranlib readelf objdump objcopy strip)
# -----------------------------------------------------------------------------

say() { printf '  NEWLIB %s\n' "$*"; }
die() { printf 'newlib: %s\n' "$*" >&2; exit 1; }

if [ $# -ne 1 ] || [ -z "$1" ]; then die "usage: $0 DEST"; fi
# Absolute: the build steps below change directory.
mkdir -p "$1" && dest=$(cd "$1" && pwd) || die "cannot create $1"

script=${BASH_SOURCE[0]}
[ -r "$script" ] || die "cannot read own script text at $script"

export LC_ALL=C

# Host compiler and assembler versions: other tools give other libraries.
gcc_version=$(gcc -dumpfullversion 2>/dev/null) || die "gcc not found (install gcc)"
as_version=$(as --version 2>/dev/null | head -n 1) || die "as not found (install binutils)"

cache_root=${TINCAN_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tincan}
hash=$({ cat "$script"; printf '\0gcc %s\nas %s\n' "$gcc_version" "$as_version"; } | sha256sum)
hash=${hash:0:16}
entry=$cache_root/newlib-$hash
log=$cache_root/newlib-$hash.log
stamp=$entry/.complete

install_to_dest() {
  mkdir -p "$dest/lib"
  rm -f "$dest/.stamp"
  rm -rf "$dest/include"
  cp -a "$entry/include" "$dest/include"
  cp -a "$entry/lib/libc.a" "$entry/lib/libm.a" "$dest/lib/"
  printf '%s\n' "$entry" >"$dest/.stamp"
}

# Fast path: the stamp is written before the entry is renamed into place,
# so an entry with a stamp is complete; no lock needed to read it.
if [ -f "$stamp" ]; then
  install_to_dest
  say "cached $entry"
  exit 0
fi

# ---- Slow path: build under a per-entry lock. -------------------------------
for t in "${WRAPPED_TOOLS[@]}" make tar xz dpkg-deb apt-get flock sha256sum; do
  [ "$t" = cc ] && continue
  command -v "$t" >/dev/null 2>&1 || die "'$t' not found; see the package list in the tincan docs"
done

mkdir -p "$cache_root"
exec 9>"$cache_root/newlib-$hash.lock"
if ! flock -n 9; then
  say "waiting for another build of $entry"
  flock 9
fi
# Another run may have finished the entry while we waited.
if [ -f "$stamp" ]; then
  install_to_dest
  say "cached $entry"
  exit 0
fi

work=
stage=
step=
signal=
# A signal trap runs inside the step's redirection to the log, so report
# through a copy of the original stderr.
exec 8>&2
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$signal" ]; then
    printf 'newlib: interrupted (%s) during %s; full log: %s\n' "$signal" "${step:-setup}" "$log" >&8
  elif [ "$rc" -ne 0 ] && [ -n "$step" ]; then
    printf 'newlib: %s failed; full log: %s\n' "$step" "$log" >&8
    tail -n 20 "$log" >&8 || true
  fi
  [ -z "$work" ] || rm -rf "$work"
  [ -z "$stage" ] || rm -rf "$stage"
  exit "$rc"
}
trap on_exit EXIT
trap 'signal=INT; exit 130' INT
trap 'signal=TERM; exit 143' TERM

# An entry without a stamp can only come from outside this script; drop it.
rm -rf "$entry"
# Work dirs live in the cache root: same file system as the entry (atomic
# mv), and the 100 MB source tree stays out of a possibly small /tmp.
work=$(mktemp -d "$cache_root/newlib-$hash.work.XXXXXX")
stage=$(mktemp -d "$cache_root/newlib-$hash.stage.XXXXXX")
: >"$log"

# Runs "$@" with all output going to the log; set -e aborts on failure and
# the EXIT trap reports $step.
run_step() {
  step=$1; shift
  say "$step${STEP_NOTE:+ $STEP_NOTE}"
  printf '\n==== %s: %s\n' "$step" "$*" >>"$log"
  "$@" >>"$log" 2>&1
}

# Keep the caller's build settings out of newlib's build (a parent make's
# MAKEFLAGS can carry variable overrides such as CFLAGS=...).
unset CC CXX CPP CFLAGS CXXFLAGS CPPFLAGS LDFLAGS LIBS AR AS LD NM RANLIB \
      MAKEFLAGS MFLAGS MAKELEVEL GNUMAKEFLAGS CONFIG_SITE || true

do_fetch() {
  cd "$work"
  if ! apt-get download "newlib-source=$NEWLIB_DEB_VERSION"; then
    echo "apt cannot download newlib-source $NEWLIB_DEB_VERSION."
    echo "apt's candidate is: $(apt-cache policy newlib-source | sed -n 's/^ *Candidate: *//p')"
    echo "If Debian replaced the package, set NEWLIB_DEB_VERSION in $script to it;"
    echo "if there is no candidate, run apt-get update."
    return 1
  fi
  local deb
  deb=$(printf '%s\n' newlib-source_*_all.deb)
  [ -f "$deb" ]
  dpkg-deb -x "$deb" pkg
  tar -xf pkg/usr/src/newlib/newlib-*.tar.xz
  rm -rf pkg "$deb"
  [ -x newlib-salsa/configure ] || { echo "no newlib-salsa/configure in the package"; return 1; }
}

do_configure() {
  cd "$work"
  mkdir -p fakecross build
  local t real path extra
  for t in "${WRAPPED_TOOLS[@]}"; do
    real=$t; [ "$t" = cc ] && real=gcc
    path=$(command -v "$real")
    # --sysroot to an empty place drops /usr/include from gcc's search
    # path, so glibc headers can never stand in for a missing newlib one.
    # gcc's own headers (stddef.h, stdarg.h, ...) stay.  (Output checked to
    # be byte-identical to a build without it.)
    extra=; [ "$real" = gcc ] && extra=' --sysroot=/nonexistent'
    printf '#!/bin/sh\nexec %s%s "$@"\n' "$path" "$extra" >"fakecross/$NEWLIB_TARGET-$t"
    chmod +x "fakecross/$NEWLIB_TARGET-$t"
  done
  export PATH=$work/fakecross:$PATH   # stays set for build and install
  cd build
  ../newlib-salsa/configure --target="$NEWLIB_TARGET" --prefix="$work/prefix" \
    "${NEWLIB_CONFIGURE_OPTS[@]}" CFLAGS_FOR_TARGET="$NEWLIB_CFLAGS"
}

do_build() {
  cd "$work/build"
  make -j"$(nproc)"
}

do_install() {
  cd "$work/build"
  make install
  local sys=$work/prefix/$NEWLIB_TARGET
  # Pitfall: if configure's .init_array check fails, __libc_init_array is
  # silently left out and constructors never run.  Refuse such a build.
  nm "$sys/lib/libc.a" >"$work/libc.nm" 2>/dev/null
  if ! grep -q ' T __libc_init_array$' "$work/libc.nm"; then
    echo "libc.a has no __libc_init_array (HAVE_INITFINI_ARRAY not detected)"
    return 1
  fi
  mkdir -p "$stage/lib"
  cp -a "$sys/include" "$stage/include"
  cp -a "$sys/lib/libc.a" "$sys/lib/libm.a" "$stage/lib/"
  printf 'newlib-source %s\ngcc %s\ncflags %s\nbuilt %s\n' \
    "$NEWLIB_DEB_VERSION" "$gcc_version" "$NEWLIB_CFLAGS" "$(date -u +%FT%TZ)" \
    >"$stage/.complete"
  chmod 755 "$stage"    # mktemp made it 0700
  mv -T "$stage" "$entry"
  stage=
}

run_step fetch do_fetch
run_step configure do_configure
STEP_NOTE='(about a minute)' run_step build do_build
run_step install do_install
step=

install_to_dest
say "cached $entry"
