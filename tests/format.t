#!/bin/sh
# Every C file follows .clang-format (`make format` fixes them).
cd "$(dirname "$0")/.." || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
	echo "1..0 # SKIP clang-format is not installed"
	exit 0
fi
n=0
for f in $(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null); do
	n=$((n + 1))
	if clang-format "$f" | cmp -s - "$f"; then
		echo "ok $n - $f is formatted"
	else
		echo "not ok $n - $f is not formatted (run make format)"
	fi
done
echo "1..$n"
