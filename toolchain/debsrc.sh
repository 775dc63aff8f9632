#!/usr/bin/env bash
# toolchain/debsrc.sh PACKAGE VERSION
#
# Prints the path of an unpacked copy of the upstream tarball of Debian's
# source package PACKAGE at exactly VERSION (Debian's epoch-less version
# string is fine too), fetching it on first use.  The copy is cached under
# $TINCAN_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/tincan) in
# src/PACKAGE_VERSION/ and must be treated as read-only: build in a copy.
#
# The source comes from deb-src indexes kept in a private apt state, as in
# toolchain/lwip.sh: no deb-src line is needed in the system's apt sources,
# and nothing of the system's apt state changes.  apt checks the indexes'
# signatures and the files' hashes with the system's keyrings.  Only the
# upstream tarball(s) (*.orig.tar.*) are unpacked: the program as its
# authors ship it, which is what a user building "from Debian's sources"
# with no edits compiles.
set -euo pipefail

die() { printf 'debsrc: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] && [ -n "$1" ] && [ -n "$2" ] || die "usage: $0 PACKAGE VERSION"
pkg=$1 version=$2
case $pkg$version in
*/* | *..*) die "bad package or version: $pkg $version" ;;
esac
for t in apt-get apt-cache tar flock; do
  command -v "$t" >/dev/null 2>&1 || die "'$t' not found"
done

cache_root=${TINCAN_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tincan}
entry=$cache_root/src/${pkg}_${version#*:}
if [ -f "$entry/.complete" ]; then
  printf '%s\n' "$entry"
  exit 0
fi

mkdir -p "$cache_root/src"
exec 9>"$entry.lock"
flock 9
if [ -f "$entry/.complete" ]; then
  printf '%s\n' "$entry"
  exit 0
fi
rm -rf "$entry" "$entry".work.*
work=$(mktemp -d "$entry.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
log=$work/log

fetch() {
  cd "$work"
  local a=$work/apt src=
  mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/src.d"
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed -E 's/^Types:.*$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$a/src.d/src.sources"
    src=/etc/apt/sources.list.d/debian.sources
  elif [ -f /etc/apt/sources.list ] && grep -q '^deb ' /etc/apt/sources.list; then
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >"$a/src.d/src.list"
    src=/etc/apt/sources.list
  else
    echo "no Debian apt sources found (/etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list)"
    return 1
  fi
  local apt_opts=(-q -o "Dir::State::Lists=$a/lists" -o Dir::Etc::SourceList=/dev/null
    -o "Dir::Etc::SourceParts=$a/src.d" -o "Dir::Cache=$a/cache" -o Debug::NoLocking=1)
  apt-get "${apt_opts[@]}" update || { echo "apt-get update of the deb-src indexes (from $src) failed"; return 1; }
  if ! apt-get "${apt_opts[@]}" source --only-source --download-only "$pkg=$version"; then
    echo "apt cannot download the source package $pkg $version."
    echo "Versions in the deb-src indexes: $(apt-cache "${apt_opts[@]}" showsrc --only-source "$pkg" 2>/dev/null |
      sed -n 's/^Version: *//p' | tr '\n' ' ')"
    return 1
  fi
  mkdir "$work/tree"
  local n=0 f
  for f in "$work"/*.orig.tar.*; do
    case $f in *.asc) continue ;; esac
    [ -f "$f" ] || continue
    # The main tarball names the tree; component tarballs (orig-NAME) are
    # unpacked beside it.
    tar -xf "$f" -C "$work/tree"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || { echo "the source package has no *.orig.tar.* file"; return 1; }
}

if ! fetch >"$log" 2>&1; then
  tail -n 15 "$log" >&2
  die "fetching $pkg $version failed"
fi
# One top directory (as upstream tarballs have): that is the entry.
top=$(find "$work/tree" -mindepth 1 -maxdepth 1)
if [ "$(printf '%s\n' "$top" | wc -l)" -eq 1 ] && [ -d "$top" ]; then
  mv -T "$top" "$entry"
else
  mv -T "$work/tree" "$entry"
fi
printf '%s %s\n' "$pkg" "$version" >"$entry/.complete"
printf '%s\n' "$entry"
