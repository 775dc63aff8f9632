#!/usr/bin/env bash
# toolchain/lwip.sh DEST NEWLIB_INCLUDE_DIR PORT_INCLUDE_DIR
#
# Builds lwIP (NO_SYS=1, raw API) for the tincan guest from the upstream
# tarball in Debian's lwip source package, with the host gcc against
# newlib's headers (NEWLIB_INCLUDE_DIR) and tincan's port headers
# (PORT_INCLUDE_DIR: lwipopts.h, arch/cc.h), and copies the result into DEST:
#   DEST/include/        lwIP's src/include tree (replaced on every run)
#   DEST/lib/liblwip.a
#   DEST/.stamp          written last (names the cache entry), for make
#
# The build is cached under $TINCAN_CACHE (default
# ${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tincan) in lwip-<hash>/, where <hash>
# covers this script's text (so the flags and the pinned source version
# below), the contents of every file under PORT_INCLUDE_DIR and
# NEWLIB_INCLUDE_DIR, and the host gcc and as versions.  A cache hit only
# copies files.
#
# The source comes from deb-src indexes kept in a private apt state
# directory inside the build's work directory: this works as any user,
# needs no deb-src line in the system's apt sources, and changes nothing
# outside the cache.
set -euo pipefail

# ---- The recipe.  Everything here is part of the cache key. ----------------
# Exact Debian source package version.  Pinned so that the cache key is
# known without asking apt.  When Debian replaces this version, the
# download fails and says which version to put here.
LWIP_DEB_VERSION='2.1.3+dfsg1-2'
# Only the upstream tarball is used, never the Debian-patched tree: Debian's
# "port" patch makes api/sockets.c use macros that exist only in its Hurd
# port header.
LWIP_UPSTREAM_VERSION=${LWIP_DEB_VERSION%-*}          # 2.1.3+dfsg1
LWIP_TREE=lwip-${LWIP_UPSTREAM_VERSION%%+*}           # lwip-2.1.3
LWIP_CFLAGS='-O2 -fno-pie -fstack-protector-strong -mstack-protector-guard=global -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables -ffunction-sections -fdata-sections -Wa,--noexecstack -U__linux__ -U__linux -Ulinux -U__gnu_linux__ -D__tincan__ -D_READ_WRITE_RETURN_TYPE=_ssize_t -D_GNU_SOURCE -Wall -Wextra'
# NO_SYS=1 raw API build: patterns relative to $LWIP_TREE/src, expanded
# there.  Sockets are our own layer over the raw API, so of api/ only err.c.
LWIP_SOURCES='core/*.c core/ipv4/*.c core/ipv6/*.c netif/ethernet.c api/err.c'
# -----------------------------------------------------------------------------

say() { printf '  LWIP %s\n' "$*"; }
die() { printf 'lwip: %s\n' "$*" >&2; exit 1; }

if [ $# -ne 3 ] || [ -z "$1" ] || [ -z "$2" ] || [ -z "$3" ]; then
  die "usage: $0 DEST NEWLIB_INCLUDE_DIR PORT_INCLUDE_DIR"
fi
# Absolute: the build steps below change directory.
newlib_inc=$(cd "$2" 2>/dev/null && pwd) || die "no newlib include directory $2"
[ -f "$newlib_inc/newlib.h" ] || die "$newlib_inc has no newlib.h (is newlib built?)"
port_inc=$(cd "$3" 2>/dev/null && pwd) || die "no port include directory $3"
for f in lwipopts.h arch/cc.h; do
  [ -f "$port_inc/$f" ] || die "$port_inc has no $f"
done
mkdir -p "$1" && dest=$(cd "$1" && pwd) || die "cannot create $1"

script=${BASH_SOURCE[0]}
[ -r "$script" ] || die "cannot read own script text at $script"

export LC_ALL=C

# Host compiler and assembler versions: other tools give other libraries.
gcc_version=$(gcc -dumpfullversion 2>/dev/null) || die "gcc not found (install gcc)"
as_version=$(as --version 2>/dev/null | head -n 1) || die "as not found (install binutils)"

# Digest of every file under a directory: relative names and contents, so
# the key does not depend on where the checkout is.  -L: a symlinked header
# is read through the link, as the compiler does.
tree_digest() {
  (cd "$1" && find -L . -type f -print0 | sort -z | xargs -0r sha256sum) | sha256sum
}
inputs_digest() {
  printf 'port %s\nnewlib-include %s\n' "$(tree_digest "$port_inc")" "$(tree_digest "$newlib_inc")"
}
inputs=$(inputs_digest)

cache_root=${TINCAN_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tincan}
hash=$({ cat "$script"; printf '\0gcc %s\nas %s\n%s\n' "$gcc_version" "$as_version" "$inputs"; } | sha256sum)
hash=${hash:0:16}
entry=$cache_root/lwip-$hash
log=$cache_root/lwip-$hash.log
stamp=$entry/.complete

install_to_dest() {
  mkdir -p "$dest/lib"
  rm -f "$dest/.stamp"
  rm -rf "$dest/include"
  cp -a "$entry/include" "$dest/include"
  cp -a "$entry/lib/liblwip.a" "$dest/lib/"
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
for t in gcc ar nm comm tar xz apt-get xargs nproc flock sha256sum; do
  command -v "$t" >/dev/null 2>&1 || die "'$t' not found; see the package list in the tincan docs"
done

mkdir -p "$cache_root"
exec 9>"$cache_root/lwip-$hash.lock"
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
    printf 'lwip: interrupted (%s) during %s; full log: %s\n' "$signal" "${step:-setup}" "$log" >&8
  elif [ "$rc" -ne 0 ] && [ -n "$step" ]; then
    printf 'lwip: %s failed; full log: %s\n' "$step" "$log" >&8
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
# Work and stage dirs of this hash left by a killed run are stale too: we
# hold the lock.
rm -rf "$entry" "$cache_root/lwip-$hash".work.* "$cache_root/lwip-$hash".stage.*
# Work dirs live in the cache root: same file system as the entry (atomic mv).
work=$(mktemp -d "$cache_root/lwip-$hash.work.XXXXXX")
stage=$(mktemp -d "$cache_root/lwip-$hash.stage.XXXXXX")
: >"$log"

# Runs "$@" with all output going to the log; set -e aborts on failure and
# the EXIT trap reports $step.
run_step() {
  step=$1; shift
  say "$step${STEP_NOTE:+ $STEP_NOTE}"
  printf '\n==== %s: %s\n' "$step" "$*" >>"$log"
  "$@" >>"$log" 2>&1
}

# Keep the caller's environment out of the compiler: CPATH and friends add
# include directories even under -nostdinc.
unset CPATH C_INCLUDE_PATH GCC_EXEC_PREFIX COMPILER_PATH \
      DEPENDENCIES_OUTPUT SUNPRO_DEPENDENCIES || true

do_fetch() {
  # The upstream tarball of Debian's source package, unpacked and cached by
  # toolchain/debsrc.sh (private deb-src apt state; signatures and hashes
  # checked by apt).
  local src
  src=$("$(dirname "$script")/debsrc.sh" lwip "$LWIP_DEB_VERSION") || return 1
  cp -R "$src" "$work/$LWIP_TREE"
  [ -f "$work/$LWIP_TREE/src/core/init.c" ] || { echo "no $LWIP_TREE/src/core/init.c in $src"; return 1; }
}

# Build-time changes to the upstream source, each checked to apply exactly:
# listen backlogs count in 16 bits, not 8, so listen(fd, 4096) holds as on
# Linux (libos/net/tcp.c holds connections against it until accept()).
do_patch() {
  cd "$work/$LWIP_TREE/src"
  patch_one() { # FILE FROM TO COUNT
    local n
    n=$(grep -cF -- "$2" "$1") || true
    [ "$n" = "$4" ] || { echo "patch: $1: expected $4 of '$2', found $n"; return 1; }
    sed -i "s/$(printf '%s' "$2" | sed 's/[][\\.*^$/]/\\&/g')/$3/g" "$1"
  }
  patch_one include/lwip/tcp.h '  u8_t backlog;' '  u16_t backlog;' 1
  patch_one include/lwip/tcp.h '  u8_t accepts_pending;' '  u16_t accepts_pending;' 1
  patch_one include/lwip/tcp.h '*pcb, u8_t backlog' '*pcb, u16_t backlog' 2
  patch_one core/tcp.c '*pcb, u8_t backlog' '*pcb, u16_t backlog' 2
  # tcp_input() finds a segment's connection in a hash table instead of
  # walking the active and TIME_WAIT lists (libos/net/pcbhash.c): every way
  # onto and off those lists (TCP_REG, TCP_RMV, tcp_free) keeps it.
  patch_one include/lwip/tcp.h '  TCP_PCB_COMMON(struct tcp_pcb);' \
    '  TCP_PCB_COMMON(struct tcp_pcb); struct tcp_pcb *tincan_hnext; u16_t tincan_bucket; u8_t tincan_hashed;' 1
  patch_one include/lwip/priv/tcp_priv.h '*(pcbs) = (npcb);' '*(pcbs) = (npcb); tincan_tcp_hash_reg((pcbs), (npcb));' 2
  patch_one include/lwip/priv/tcp_priv.h '(npcb)->next = NULL;' 'tincan_tcp_hash_rmv((pcbs), (npcb)); (npcb)->next = NULL;' 2
  patch_one core/tcp.c '  memp_free(MEMP_TCP_PCB, pcb);' '  tincan_tcp_hash_drop(pcb); memp_free(MEMP_TCP_PCB, pcb);' 1
  patch_one core/tcp_in.c '  for (pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next) {' \
    '  for (pcb = tincan_tcp_lookup(tcphdr, 0); pcb != NULL; pcb = NULL) {' 1
  patch_one core/tcp_in.c '    for (pcb = tcp_tw_pcbs; pcb != NULL; pcb = pcb->next) {' \
    '    for (pcb = tincan_tcp_lookup(tcphdr, 1); pcb != NULL; pcb = NULL) {' 1
  # nd6.c reads an RDNSS option's lifetime with htonl(), which lwIP defines
  # only as its own lwip_htonl() when it provides the byte-order functions
  # (we don't: LWIP_DONT_PROVIDE_BYTEORDER_FUNCTIONS).
  patch_one core/ipv6/nd6.c 'htonl(rdnss_opt->lifetime)' 'lwip_htonl(rdnss_opt->lifetime)' 1
}

do_compile() {
  cd "$work/$LWIP_TREE/src"
  local cc=(gcc $LWIP_CFLAGS -nostdinc -isystem "$newlib_inc" -isystem "$(gcc -print-file-name=include)"
    -I "$port_inc" -I "$work/$LWIP_TREE/src/include")
  mkdir -p "$work/obj"
  # xargs runs this with SRC OBJ pairs, nproc at a time.
  printf '#!%s\nexec %s -c "$1" -o "$2"\n' "$BASH" "$(printf '%q ' "${cc[@]}")" >"$work/cc"
  chmod +x "$work/cc"
  head -n 2 "$work/cc"
  local f obj n=0
  for f in $LWIP_SOURCES; do
    [ -f "$f" ] || { echo "no source file $f"; return 1; }
    # Object names from the whole path: core/ipv4/ip4.c -> core_ipv4_ip4.o.
    obj=${f%.c}.o
    printf '%s\0%s\0' "$f" "$work/obj/${obj//\//_}"
    n=$((n + 1))
  done >"$work/jobs"
  echo "$n files"
  xargs -0 -n 2 -P "$(nproc)" "$work/cc" <"$work/jobs" 2>&1 | tee "$work/compile.out"
}

do_archive() {
  cd "$work/obj"
  # Sorted names and D (zero timestamps/uids): the same inputs give the
  # same bytes.
  ar rcsD "$work/liblwip.a" $(printf '%s\n' *.o | sort)
  # Built with the headers the key was computed from?  They are read from
  # their directories, so an edit during the build would go unnoticed.
  if [ "$(inputs_digest)" != "$inputs" ]; then
    echo "$port_inc or $newlib_inc changed during the build; run again"
    return 1
  fi
  # What the port and libc must provide: undefined in some member and
  # defined in none (for the log; nm -u alone lists both).
  nm -u "$work/liblwip.a" | sed -n 's/^ *U //p' | sort -u >"$work/undefined"
  nm -g --defined-only "$work/liblwip.a" | sed -n 's/^[0-9a-f]* [A-Z] //p' | sort -u >"$work/defined"
  echo "external symbols: $(comm -23 "$work/undefined" "$work/defined" | tr '\n' ' ')"
  mkdir -p "$stage/lib"
  cp -a "$work/$LWIP_TREE/src/include" "$stage/include"
  cp -a "$work/liblwip.a" "$stage/lib/"
  printf 'lwip %s\ngcc %s\ncflags %s\nport %s\nnewlib-include %s\nbuilt %s\n' \
    "$LWIP_DEB_VERSION" "$gcc_version" "$LWIP_CFLAGS" "$port_inc" "$newlib_inc" "$(date -u +%FT%TZ)" \
    >"$stage/.complete"
  chmod 755 "$stage"    # mktemp made it 0700
  mv -T "$stage" "$entry"
  stage=
}

run_step fetch do_fetch
run_step patch do_patch
run_step compile do_compile
warnings=$(grep -c 'warning:' "$work/compile.out" || true)
[ "$warnings" = 0 ] || say "compile: $warnings warnings; see $log"
run_step archive do_archive
step=

install_to_dest
say "cached $entry"
