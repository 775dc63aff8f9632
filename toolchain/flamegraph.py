#!/usr/bin/env python3
"""Render folded stacks ("root;...;leaf count" a line, as tincan-run
--profile writes them) as an SVG flame graph: the root at the bottom, each
frame as wide as its samples, callees above their caller, siblings sorted
by name, the name inside when it fits and in a tooltip always.  Debian 12
packages no flame graph tool (no flamegraph.pl, inferno or speedscope), so
this is ours: python3's standard library only.

    toolchain/flamegraph.py [--title TITLE] [--width PX] [-o OUT.svg] [FOLDED]

Lines that are not "frames count" are skipped with a count on stderr; no
valid line at all is an error (status 1).
"""
import argparse
import re
import sys

LINE = re.compile(r"^(.*\S)\s+(\d+)$")
FRAME_H = 16
FONT = 12
CHAR_W = 7  # the font's average advance at FONT px, roughly
PAD = 10


def esc(s):
    """XML text: no markup, and no character XML 1.0 forbids."""
    s = "".join(c if c >= " " and not 0xD800 <= ord(c) <= 0xDFFF and c not in "\ufffe\uffff" else "?" for c in s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def color(name):
    """A warm colour from the name (stable from run to run); [idle] and [other] grey-blue."""
    if name.startswith("["):
        return "rgb(150,170,200)"
    h = 2166136261
    for b in name.encode():
        h = (h ^ b) * 16777619 & 0xFFFFFFFF
    return "rgb(%d,%d,%d)" % (205 + h % 50, (h >> 8) % 180 + 40, (h >> 16) % 55)


def parse(f):
    root = [0, {}]  # [count, children by name]
    bad = 0
    for line in f:
        line = line.rstrip("\n")
        if not line.strip():
            continue
        m = LINE.match(line)
        if not m:
            bad += 1
            continue
        n = int(m.group(2))
        node = root
        node[0] += n
        for frame in m.group(1).split(";"):
            node = node[1].setdefault(frame, [0, {}])
            node[0] += n
    return root, bad


def render(root, title, width, out):
    total = root[0]
    depth = 0
    rects = []  # (x, level, w, name, count)
    scale = (width - 2 * PAD) / total

    def walk(node, name, x, level):
        nonlocal depth
        w = node[0] * scale
        if w < 0.1:
            return
        depth = max(depth, level)
        rects.append((x, level, w, name, node[0]))
        for child in sorted(node[1]):
            walk(node[1][child], child, x, level + 1)
            x += node[1][child][0] * scale

    walk(root, "all", PAD, 0)
    height = (depth + 1) * FRAME_H + 3 * PAD + FONT * 2
    base = height - PAD - FRAME_H
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%d" height="%d" '
        'viewBox="0 0 %d %d" font-family="Verdana, sans-serif" font-size="%d">\n' % (width, height, width, height, FONT)
    )
    out.write('<rect x="0" y="0" width="%d" height="%d" fill="#f8f8f0"/>\n' % (width, height))
    out.write(
        '<text x="%d" y="%d" text-anchor="middle" font-size="%d">%s</text>\n'
        % (width // 2, PAD + FONT + 2, FONT + 4, esc(title))
    )
    for x, level, w, name, n in rects:
        y = base - level * FRAME_H
        tip = "%s (%d samples, %.2f%%)" % (name, n, 100.0 * n / total)
        out.write('<g><title>%s</title><rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s" rx="2"/>' % (
            esc(tip), x, y, w, FRAME_H - 1, color(name)))
        fit = int((w - 6) // CHAR_W)
        if fit >= 3:
            label = name if len(name) <= fit else name[: fit - 2] + ".."
            out.write('<text x="%.1f" y="%d">%s</text>' % (x + 3, y + FRAME_H - 4, esc(label)))
        out.write("</g>\n")
    out.write("</svg>\n")


def main():
    sys.setrecursionlimit(20000)
    ap = argparse.ArgumentParser(description="Render folded stacks as an SVG flame graph.")
    ap.add_argument("folded", nargs="?", help="the folded stacks (default: stdin)")
    ap.add_argument("-o", "--output", help="the SVG (default: stdout)")
    ap.add_argument("--title", default="Flame graph")
    ap.add_argument("--width", type=int, default=1200)
    a = ap.parse_args()
    name = a.folded or "stdin"
    if a.width < 100 or a.width > 100000:
        sys.exit("flamegraph: --width must be from 100 to 100000")
    try:
        f = open(a.folded, encoding="utf-8", errors="replace") if a.folded else sys.stdin
        with f:
            root, bad = parse(f)
    except OSError as e:
        sys.exit("flamegraph: %s: %s" % (name, e.strerror))
    if bad:
        print("flamegraph: %s: %d lines skipped (not \"frames count\")" % (name, bad), file=sys.stderr)
    if not root[0]:
        sys.exit("flamegraph: %s: no samples (expected lines of \"root;...;leaf count\")" % name)
    try:
        out = open(a.output, "w", encoding="utf-8") if a.output else sys.stdout
        with out:
            render(root, a.title, a.width, out)
    except OSError as e:
        sys.exit("flamegraph: %s: %s" % (a.output, e.strerror))


if __name__ == "__main__":
    main()
