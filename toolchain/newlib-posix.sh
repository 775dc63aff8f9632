#!/usr/bin/env bash
# toolchain/newlib-posix.sh DEST
#
# Copies the sources of newlib's POSIX pattern matchers (glob, fnmatch and
# regex: libc/posix in Debian's newlib-source, the same pinned version
# toolchain/newlib.sh builds) into DEST, for the Makefile to compile into
# libtcposix.a against libos's headers.  newlib's configure builds
# libc/posix only for a few systems (not x86_64-elf), and glob needs
# <dirent.h>, which libos provides: so these few files are compiled with the
# library OS rather than inside the newlib build.
#
# Cached under $TINCAN_CACHE in newlib-posix-<hash>/ (the hash covers this
# script and the pinned version); DEST/.stamp is written last, for make.
set -euo pipefail

FILES='fnmatch.c glob.c regcomp.c regerror.c regexec.c regfree.c collate.c collcmp.c
cclass.h cname.h collate.h engine.c regex2.h utils.h namespace.h un-namespace.h rune.h runetype.h sysexits.h'

die() { printf 'newlib-posix: %s\n' "$*" >&2; exit 1; }
[ $# -eq 1 ] && [ -n "$1" ] || die "usage: $0 DEST"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(sed -n "s/^NEWLIB_DEB_VERSION='\\(.*\\)'$/\\1/p" "$here/newlib.sh")
[ -n "$version" ] || die "no NEWLIB_DEB_VERSION in $here/newlib.sh"

cache_root=${TINCAN_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/tincan}
hash=$({ cat "${BASH_SOURCE[0]}"; printf '%s\n' "$version"; } | sha256sum)
entry=$cache_root/newlib-posix-${hash:0:16}

install_to_dest() {
	mkdir -p "$1"
	rm -f "$1/.stamp"
	cp "$entry"/* "$1/"
	printf '%s\n' "$entry" >"$1/.stamp"
}

if [ ! -f "$entry/.complete" ]; then
	for t in apt-get dpkg-deb tar xz flock; do
		command -v "$t" >/dev/null 2>&1 || die "'$t' not found"
	done
	mkdir -p "$cache_root"
	exec 9>"$entry.lock"
	flock 9
	if [ ! -f "$entry/.complete" ]; then
		rm -rf "$entry" "$entry".work.*
		work=$(mktemp -d "$entry.work.XXXXXX")
		trap 'rm -rf "$work"' EXIT
		printf '  POSIX    newlib-source %s: glob, fnmatch, regex\n' "$version"
		(cd "$work" && apt-get -q download "newlib-source=$version") >"$work/log" 2>&1 || {
			cat "$work/log" >&2
			die "apt cannot download newlib-source $version (run apt-get update?)"
		}
		dpkg-deb -x "$work"/newlib-source_*_all.deb "$work/pkg"
		tarball=$(find "$work" -name 'newlib-*.tar.xz' | head -n 1)
		[ -n "$tarball" ] || die "no newlib tarball in newlib-source $version"
		mkdir "$work/out"
		members=()
		for f in $FILES; do members+=("newlib-salsa/newlib/libc/posix/$f"); done
		tar -xJf "$tarball" -C "$work" "${members[@]}" || die "libc/posix files missing from $tarball"
		for f in $FILES; do cp "$work/newlib-salsa/newlib/libc/posix/$f" "$work/out/"; done
		printf 'newlib-source %s libc/posix\n' "$version" >"$work/out/.complete"
		mv -T "$work/out" "$entry"
	fi
fi
install_to_dest "$1"
