#!/usr/bin/env python3
"""Read and edit tincan snapshot files (docs/snapshot.md, "The file"), an
implementation of the format independent of the monitor's: the tests use it
to check the documented hash and to forge files whose hash is right but
whose contents lie.

  snapfile.py check FILE              exit 0 if the hash matches, else 1
  snapfile.py get FILE FIELD          print a header field (u64, decimal)
  snapfile.py set FILE FIELD VALUE    set a u64 header field, then fix the hash
"""
import struct
import sys

M = 0x9E3779B97F4A7C15
MASK = (1 << 64) - 1
PAGE = 4096
FIELDS = {name: 24 + 8 * i for i, name in enumerate(
    "file_size tsc_khz mem mem_max stack info_size heap_end spare info_end image_off image_size "
    "map_off mem_off backed tsc fs_base gs_base mono_ns".split())}
FIELDS["rip"] = 168 + 16 * 8
FIELDS["rflags"] = 168 + 17 * 8
HEADER = 168 + 144 + 576


def h64(h, data):
    for (w,) in struct.iter_unpack("<Q", data[: len(data) // 8 * 8]):
        h = ((h ^ w) * M) & MASK
        h ^= h >> 31
    return h


def field(b, name):
    return struct.unpack_from("<Q", b, FIELDS[name])[0]


def compute(b):
    head = bytearray(b[:HEADER])
    struct.pack_into("<Q", head, 16, 0)
    n = field(b, "image_size")
    image = b[PAGE:PAGE + n]
    tail = image[n // 8 * 8:] + bytes(8 - n % 8 if n % 8 else 8)
    backed, mem_off, map_off = field(b, "backed"), field(b, "mem_off"), field(b, "map_off")
    bitmap = b[map_off:]
    hm = 0
    for p in range(backed // PAGE):
        if p // 8 < len(bitmap) and bitmap[p // 8] >> (p % 8) & 1:
            hm = h64(h64(hm, struct.pack("<Q", p)), b[mem_off + p * PAGE: mem_off + (p + 1) * PAGE])
    h = h64(h64(0, bytes(head)), image)
    h = h64(h, tail[:8])
    h = h64(h, struct.pack("<Q", h64(0, bitmap)))
    return h64(h, struct.pack("<Q", hm))


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    with open(path, "rb") as f:
        b = bytearray(f.read())
    if cmd == "check":
        sys.exit(0 if compute(b) == struct.unpack_from("<Q", b, 16)[0] else 1)
    if cmd == "get":
        print(field(b, sys.argv[3]))
        return
    if cmd == "set":
        struct.pack_into("<Q", b, FIELDS[sys.argv[3]], int(sys.argv[4], 0) & MASK)
        struct.pack_into("<Q", b, 16, compute(b))
        with open(path, "r+b") as f:
            f.write(b[:HEADER])
        return
    sys.exit("unknown command " + cmd)


main()
