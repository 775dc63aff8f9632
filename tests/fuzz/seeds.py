#!/usr/bin/env python3
"""Regenerate the committed seed corpora (tests/fuzz/corpus/TARGET/) from a
built tree: `python3 tests/fuzz/seeds.py [BUILD]` (default build).  Seeds are
small on purpose: compacted images, the used prefix of a disk, one tree.
The net, blk and dir seeds follow tests/fuzz/fuzz_monitor.h's input format."""
import os, struct, subprocess, sys, tempfile

B = sys.argv[1] if len(sys.argv) > 1 else 'build'
HERE = os.path.dirname(os.path.abspath(__file__))
HEAP = 0x16000  # heap_start of fuzz_monitor.h's layout (FUZZ_SHOW_LAYOUT=1 prints it)


def out(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- image: a built image with its segments packed and code cut short ----
def compact(path, text_max=256):
    f = open(path, 'rb').read()
    (phoff, shoff) = struct.unpack_from('<QQ', f, 32)
    phnum, shnum = struct.unpack_from('<H', f, 56)[0], struct.unpack_from('<H', f, 60)[0]
    phs = [list(struct.unpack_from('<IIQQQQQQ', f, phoff + 56 * i)) for i in range(phnum)]
    shs = [list(struct.unpack_from('<IIQQQQIIQQ', f, shoff + 64 * i)) for i in range(shnum)]
    body, pos, moved = b'', 64 + 56 * phnum, {}
    for p in phs:
        typ, flags, off, va, pa, filesz, memsz, align = p
        if typ == 1 and filesz:  # PT_LOAD
            keep = min(filesz, text_max) if flags & 1 else filesz
            moved[off] = (pos + len(body), keep, filesz)
            body += f[off:off + keep]
            p[2], p[5] = 64 + 56 * phnum + len(body) - keep, keep
    for p in phs:  # the note lies inside a load segment: follow it
        if p[0] != 1 and p[5]:
            for old, (new, keep, _) in moved.items():
                if old <= p[2] < old + keep:
                    p[2] = new + p[2] - old
    # symbol table and its strings, then section headers: null, symtab, strtab
    sym = [s for s in shs if s[1] == 2][0]
    st = shs[sym[6]]
    base = 64 + 56 * phnum + len(body)
    symdata, strdata = f[sym[4]:sym[4] + sym[5]], f[st[4]:st[4] + st[5]]
    tail = symdata + strdata
    sh = [[0] * 10,
          [0, 2, 0, 0, base, len(symdata), 2, sym[7], 8, 24],
          [0, 3, 0, 0, base + len(symdata), len(strdata), 0, 0, 1, 0]]
    newshoff = base + len(tail)
    eh = bytearray(f[:64])
    struct.pack_into('<QQ', eh, 32, 64, newshoff)
    struct.pack_into('<HHHH', eh, 56, phnum, 64, len(sh), 0)
    res = bytes(eh) + b''.join(struct.pack('<IIQQQQQQ', *p) for p in phs) + body + tail
    return res + b''.join(struct.pack('<IIQQQQIIQQ', *s) for s in sh)


tiny = compact(os.path.join(B, 'tests/tiny.tc'))
out('image', 'tiny', tiny)
out('image', 'tiny-grows', tiny + b'\x04')  # last byte < 8: --mem-max 4 chunks above
out('image', 'blk', compact(os.path.join(B, 'tests/blk.tc')))


def script(*calls):
    return bytes([len(calls)]) + b''.join(struct.pack('<BBH', *c) for c in calls)


def heap(size, *parts):
    h = bytearray(size)
    for off, data in parts:
        h[off:off + len(data)] = data
    return bytes(h)


POKE, HOOK = 0xff, 0xfe
# ---- net: set up device 0's ring at heap+0x40, queue a frame, post two buffers ----
RING = 0x40
ring = struct.pack('<IIIIQQ', 0, 0, 0, 0, 0, 0)
tx0 = struct.pack('<QII', HEAP + 0x8000, 60, 0)
rx = struct.pack('<QII', HEAP + 0x9000, 1514, 0) + struct.pack('<QII', HEAP + 0xa000, 1514, 0)
h = heap(RING + 32 + 4096 + 32, (0, struct.pack('<QQq', 0, HEAP + RING, 0)), (0x20, struct.pack('<Qq', 3, 0)),
         (RING, ring), (RING + 32, tx0), (RING + 32 + 4096, rx))
out('net', 'setup-io', script((6, 0, 0), (POKE, RING // 4, 1), (POKE, RING // 4 + 2, 2), (7, 0, 4), (POKE, RING // 4, 1),
                                 (HOOK, 0, 3), (HOOK, 1, 1)) + h)
h2 = heap(0x40, (0, struct.pack("<QQq", 1, HEAP + 0x200, 0)), (0x20, struct.pack('<Qq', 2, 0)))
out('net', 'dev1-lie', script((6, 0, 0), (POKE, 0x200 // 4, 300), (7, 0, 4), (6, 0x0e, 0)) + h2)

# ---- blk: device 0's ring at heap+0x40: read 2, write 1, flush; device 1 read-only write ----
BR = 0x40
reqs = struct.pack('<IIQQQ', 0, 2, 4, HEAP + 0x4000, 1) + struct.pack('<IIQQQ', 1, 1, 63, HEAP + 0x5000, 2) + \
    struct.pack('<IIQQQ', 2, 0, 0, 0, 3)
h = heap(BR + 16 + 3 * 32, (0, struct.pack('<QQq', 0, HEAP + BR, 0)), (0x20, struct.pack('<Qq', 1, 0)),
         (BR + 16, reqs))
out('blk', 'read-write-flush', script((8, 0, 0), (POKE, BR // 4, 3), (9, 0, 4), (POKE, BR // 4 + 3, 3), (9, 0, 4),
                                           (HOOK, 0, 1)) + h)
R2 = 0x300
h = heap(R2 + 16 + 32, (0, struct.pack('<QQq', 1, HEAP + R2, 0)), (0x20, struct.pack('<Qq', 2, 0)),
         (R2 + 16, struct.pack('<IIQQQ', 1, 1, 0, HEAP + 0x5000, 9)))
out('blk', 'ro-write', script((8, 0, 0), (POKE, R2 // 4, 1), (9, 0, 4), (9, 0x0f, 4)) + h)


# ---- dir: path calls (64-byte structs) and file calls (48) at heap offsets ----
def fs_path(op, d, path_off, plen, buf=0, buflen=0, arg=0, arg2=0):
    return struct.pack('<IIQQQQQQq', op, d, HEAP + path_off, plen, HEAP + buf if buf else 0, buflen, arg, arg2, 0)


def fs_file(op, handle, buf, ln, off):
    return struct.pack('<IIQQQq', op, handle, HEAP + buf if buf else 0, ln, off, 0)


names = (0x800, b'a\0sub\0new\0up\0sub/b\0x/../a\0')
A, SUB, NEW, UP, SUBB, DOTS = 0x800, 0x802, 0x806, 0x80a, 0x80d, 0x813
calls = [
    (0x000, fs_path(0, 0, A, 1, arg=2)),  # open a O_RDWR: handle 0
    (0x040, fs_file(1, 0, 0x1000, 64, 0)),  # pread
    (0x080, fs_file(2, 0, 0x1000, 6, 3)),  # pwrite
    (0x0c0, fs_file(3, 0, 0x1100, 80, 0)),  # fstat (wrong size: stops; moved last)
    (0x100, fs_path(2, 0, NEW, 3, arg=0o755)),  # mkdir new
    (0x140, fs_path(5, 0, A, 1, buf=NEW, buflen=3)),  # rename a -> new (a dir: fails)
    (0x180, fs_path(6, 0, SUBB, 5, buf=UP, buflen=2)),  # symlink sub/b exists
    (0x1c0, fs_path(7, 0, UP, 2, buf=0x1200, buflen=64)),  # readlink up
    (0x200, fs_path(1, 0, DOTS, 6, buf=0x1300, buflen=72)),  # lstat x/../a
    (0x240, fs_path(0, 0, SUB, 3, arg=0o200000)),  # open sub O_DIRECTORY: handle 1
    (0x280, fs_file(4, 1, 0x1400, 512, 0)),  # readdir
    (0x2c0, fs_path(0, 1, 0x81c, 1, arg=1)),  # open r on the ro dir for writing: EROFS
    (0x300, fs_path(8, 0, A, 1, arg=1, arg2=(1 << 64) - 2)),  # utimens
    (0x340, fs_path(3, 0, UP, 2)),  # unlink up
    (0x380, fs_path(4, 0, NEW, 3)),  # rmdir new
]
h = heap(0x900, (names[0], names[1] + b'r\0'), *calls)
seq = [(10, 0, 0x000 // 8), (11, 0, 0x040 // 8), (11, 0, 0x080 // 8), (10, 0, 0x100 // 8), (10, 0, 0x140 // 8),
       (10, 0, 0x180 // 8), (10, 0, 0x1c0 // 8), (10, 0, 0x200 // 8), (10, 0, 0x240 // 8), (11, 0, 0x280 // 8),
       (10, 0, 0x2c0 // 8), (10, 0, 0x300 // 8), (10, 0, 0x340 // 8), (10, 0, 0x380 // 8), (11, 0, 0x0c0 // 8)]
out('dir', 'tour', script(*seq) + h)
h = heap(0x100, (0x80, b'../outside\0/etc/passwd\0up/x'), (0, fs_path(0, 0, 0x80, 10, arg=0)),
         (0x40, fs_path(0, 0, 0x8b, 11)), (0xc0, fs_path(1, 0, 0x97, 4, buf=0x100 - 72 + 0x400, buflen=72)))
out('dir', 'escape', script((10, 0, 0), (10, 0, 8), (10, 0, 0xc0 // 8)) + h)

# ---- logfs: tincan-mkfs from a small tree, the used prefix of the disk ----
with tempfile.TemporaryDirectory() as t:
    src = os.path.join(t, 'src')
    os.makedirs(os.path.join(src, 'dir/sub'))
    open(os.path.join(src, 'a'), 'w').write('alpha\n' * 20)
    open(os.path.join(src, 'dir/b'), 'w').write('bravo\n')
    os.symlink('../a', os.path.join(src, 'dir/up'))
    os.link(os.path.join(src, 'a'), os.path.join(src, 'dir/hard'))
    disk = os.path.join(t, 'disk')
    subprocess.check_call([os.path.join(B, 'bin/tincan-mkfs'), disk, '64K', '--from=' + src], stdout=subprocess.DEVNULL)
    d = open(disk, 'rb').read().rstrip(b'\0')
    d += b'\0' * (-len(d) % 512)
    out('logfs', 'small-tree', d)
    out('logfs', 'small-tree-odd', d + b'\0')  # odd length: replayed without re-sealing
    subprocess.check_call([os.path.join(B, 'bin/tincan-mkfs'), disk, '4K'], stdout=subprocess.DEVNULL)
    out('logfs', 'empty', open(disk, 'rb').read().rstrip(b'\0').ljust(1024, b'\0'))

    # ---- rootfs: the tree tincan-mkimage --rootfs packs (mkimage/rootfs.c) ----
    img = os.path.join(t, 'img.tc')
    open(img, 'wb').write(open(os.path.join(B, 'tests/tiny.tc'), 'rb').read())
    os.symlink('dir/sub', os.path.join(src, 'rel'))
    os.symlink('/dir/b', os.path.join(src, 'abs'))
    os.symlink('loop', os.path.join(src, 'loop'))
    subprocess.check_call([os.path.join(B, 'bin/tincan-mkimage'), '--rootfs=' + src, img], stdout=subprocess.DEVNULL)
    f = open(img, 'rb').read()
    phoff, phnum = struct.unpack_from('<Q', f, 32)[0], struct.unpack_from('<H', f, 56)[0]
    loads = [struct.unpack_from('<IIQQQQQQ', f, phoff + 56 * i) for i in range(phnum)]
    last = max((p for p in loads if p[0] == 1), key=lambda p: p[3])
    tree = f[last[2]:last[2] + last[5]]
    size = struct.unpack_from('<Q', tree, 8)[0]
    out('rootfs', 'tree', tree[:size])


# ---- router: records for tests/fuzz/router.c (ctl, 16-bit length, frame) ----
def router_seeds():
    R0, R1 = bytes.fromhex('020000000010'), bytes.fromhex('020000000011')
    A, B = bytes.fromhex('02000000000a'), bytes.fromhex('02000000000b')

    def rec(nic, frame, seal=6, tenths=0):
        return bytes([nic | seal | tenths << 3]) + struct.pack('!H', len(frame)) + frame

    def e(dst, src, et, body):
        return dst + src + struct.pack('!H', et) + body

    def a4(s):
        return bytes(int(x) for x in s.split('.'))

    def ip4(src, dst, proto, body, ttl=64):
        return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(body), 0, 0x4000, ttl, proto, 0, a4(src), a4(dst)) + body

    def ip6(src, dst, nh, body, hl=64):
        import ipaddress
        return (struct.pack('!IHBB', 0x60000000, len(body), nh, hl) + ipaddress.IPv6Address(src).packed +
                ipaddress.IPv6Address(dst).packed + body)

    def arp(op, smac, sip, tip, dst=b'\xff' * 6):
        return e(dst, smac, 0x0806, struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, op, smac, a4(sip), bytes(6), a4(tip)))

    udp = struct.pack('!HHHH', 1000, 53, 13, 0) + b'hello'
    syn = struct.pack('!HHIIBBHHH', 4000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)
    synack = struct.pack('!HHIIBBHHH', 80, 4000, 9, 2, 0x50, 0x12, 65535, 0, 0)
    echo = struct.pack('!BBHHH', 8, 0, 0, 7, 1) + b'ping'
    ns = struct.pack('!BBHI', 135, 0, 0, 0) + bytes.fromhex('fd010000000000000000000000000001') + b'\x01\x01' + A
    na = struct.pack('!BBHI', 136, 0, 0, 0x60000000) + bytes.fromhex('fd020000000000000000000000000002') + b'\x02\x01' + B
    out('router', 'v4-nat', rec(0, arp(1, A, '10.1.0.2', '10.1.0.1')) + rec(1, arp(1, B, '10.2.0.2', '10.2.0.1')) +
        rec(0, e(R0, A, 0x0800, ip4('10.1.0.2', '10.2.0.2', 6, syn))) +
        rec(1, e(R1, B, 0x0800, ip4('10.2.0.2', '10.2.0.1', 6, synack))) +
        rec(0, e(R0, A, 0x0800, ip4('10.1.0.2', '10.2.0.2', 17, udp))) +
        rec(0, e(R0, A, 0x0800, ip4('10.1.0.2', '10.2.0.2', 1, echo, ttl=1))))
    out('router', 'v4-unresolved', rec(0, e(R0, A, 0x0800, ip4('10.1.0.2', '8.8.8.8', 17, udp))) +
        rec(1, e(R1, B, 0x0800, ip4('10.2.0.9', '10.7.1.1', 1, echo)), tenths=15) + rec(0, arp(2, A, '10.1.0.7', '10.1.0.1', R0)))
    out('router', 'v6', rec(0, e(b'\x33\x33\xff\x00\x00\x01', A, 0x86dd, ip6('fd01::2', 'ff02::1:ff00:1', 58, ns, 255))) +
        rec(0, e(R0, A, 0x86dd, ip6('fd01::2', 'fd02::2', 17, udp))) +
        rec(1, e(R1, B, 0x86dd, ip6('fd02::2', 'fd02::1', 58, na, 255))) +
        rec(0, e(R0, A, 0x86dd, ip6('fd01::2', 'fd01::1', 58, struct.pack('!BBHHH', 128, 0, 0, 1, 1)))))


router_seeds()


# ---- lwip: frames for 10.0.0.2 (02:00:00:00:00:02) from 10.0.0.1 ----
def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


US, THEM = bytes([2, 0, 0, 0, 0, 1]), bytes([2, 0, 0, 0, 0, 2])
SRC, DST = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])


def eth(typ, payload, dst=THEM):
    return dst + US + struct.pack('!H', typ) + payload


def ip(proto, payload, ident=1, frag=0x4000):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0, SRC, DST)
    return eth(0x0800, h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload)


def l4sum(proto, seg):
    return csum(SRC + DST + struct.pack('!BBH', 0, proto, len(seg)) + seg)


def tcp(flags, seq, ack, data=b''):
    h = struct.pack('!HHIIBBHHH', 40000, 80, seq, ack, 0x50, flags, 8192, 0, 0) + data
    return ip(6, h[:16] + struct.pack('!H', l4sum(6, h)) + h[18:])


def udp(port, data):
    h = struct.pack('!HHHH', 40001, port, 8 + len(data), 0) + data
    return ip(17, h[:6] + struct.pack('!H', l4sum(17, h)) + h[8:])


def frames(*fs):
    return b''.join(struct.pack('<H', len(f)) + f for f in fs)


arp = eth(0x0806, struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, US, SRC, b'\0' * 6, DST), dst=b'\xff' * 6)
icmp = struct.pack('!BBHHH', 8, 0, 0, 1, 1) + b'ping'
icmp = icmp[:2] + struct.pack('!H', csum(icmp)) + icmp[4:]
out('lwip', 'arp-ping', frames(arp, ip(1, icmp)))
out('lwip', 'tcp', frames(arp, tcp(0x02, 1000, 0), tcp(0x10, 1001, 6510), tcp(0x18, 1001, 6510, b'hello'),
                          tcp(0x11, 1006, 6510)))
dgram = struct.pack('!HHHH', 40001, 7, 8 + 40, 0) + b'x' * 40
out('lwip', 'udp-frags', frames(udp(7, b'echo'), ip(17, dgram[:24], ident=9, frag=0x2000),
                                ip(17, dgram[24:], ident=9, frag=3)))

# ---- lwip over IPv6: fd00::2 (and fe80::ff:fe00:2) from fe80::1 and fd00::1 ----
SRC6 = bytes.fromhex('fd000000000000000000000000000001')
DST6 = bytes.fromhex('fd000000000000000000000000000002')
LL1 = bytes.fromhex('fe800000000000000000000000000001')


def ip6(nh, payload, src=SRC6, dst=DST6, hlim=64):
    return eth(0x86dd, struct.pack('!IHBB', 0x60000000, len(payload), nh, hlim) + src + dst + payload)


def sum6(nh, seg, src=SRC6, dst=DST6):
    return csum(src + dst + struct.pack('!I3xB', len(seg), nh) + seg)


def icmp6(body, src=SRC6, dst=DST6, hlim=64):
    return ip6(58, body[:2] + struct.pack('!H', sum6(58, body, src, dst)) + body[4:], src, dst, hlim)


def tcp6(flags, seq, ack, data=b''):
    h = struct.pack('!HHIIBBHHH', 40000, 80, seq, ack, 0x50, flags, 8192, 0, 0) + data
    return ip6(6, h[:16] + struct.pack('!H', sum6(6, h)) + h[18:])


def udp6(port, data):
    h = struct.pack('!HHHH', 40001, port, 8 + len(data), 0) + data
    return ip6(17, h[:6] + struct.pack('!H', sum6(17, h)) + h[8:])


na = struct.pack('!BBHI', 136, 0, 0, 0x60000000) + SRC6 + b'\x02\x01' + US
echo6 = struct.pack('!BBHHH', 128, 0, 0, 1, 1) + b'ping'
out('lwip', 'v6-ping', frames(icmp6(na, hlim=255), icmp6(echo6)))
out('lwip', 'v6-tcp', frames(icmp6(na, hlim=255), tcp6(0x02, 1000, 0), tcp6(0x10, 1001, 6510),
                             tcp6(0x18, 1001, 6510, b'hello'), tcp6(0x11, 1006, 6510)))
d6 = struct.pack('!HHHH', 40001, 7, 8 + 40, 0) + b'x' * 40
out('lwip', 'v6-udp-frags', frames(icmp6(na, hlim=255), udp6(7, b'echo'),
                                   ip6(44, struct.pack('!BBHI', 17, 0, 1, 9) + d6[:24]),
                                   ip6(44, struct.pack('!BBHI', 17, 0, 24, 9) + d6[24:])))
ra = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0) + b'\x01\x01' + US + \
    struct.pack('!BBBBIII', 3, 4, 64, 0xc0, 3600, 3600, 0) + bytes.fromhex('fd000000000000660000000000000000') + \
    struct.pack('!BBHI', 5, 1, 0, 1400)
out('lwip', 'v6-ra', frames(icmp6(ra, src=LL1, dst=bytes.fromhex('ff020000000000000000000000000001'), hlim=255)))
