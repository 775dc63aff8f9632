#!/bin/sh
# Host unit tests (C, TAP): image reader, guest layout and address checks, options,
# ChaCha20, the platform-neutral backtrace walker and command line splitter,
# libos path resolution and mounts, the monitor's hypercall core, snprintf, strerror and string searches, the
# embedded tree and block file system formats, the virtio-blk driver's queues.
# The seccomp filter, installed in forked children (and tincan-run-debug's, seccomp_debug).
# prove runs this file; it runs each unit binary as a subtest.
B=${B:-build}
set -e
n=0
for t in elfimage layout options chacha common path hccore format errmsg strsearch rootfs logfs virtio seccomp seccomp_debug router; do
	n=$((n + 1))
	out=$("$B/tests/unit/test_$t" "$B/tests/tiny.tc" 2>&1) && st=0 || st=$?
	printf '%s\n' "$out" | sed 's/^/# /' | grep -v '^# ok ' || true
	if [ $st -eq 0 ]; then echo "ok $n - unit tests: $t ($(printf '%s\n' "$out" | grep -c '^ok ') checks)"; else echo "not ok $n - unit tests: $t"; fi
done
echo "1..$n"
