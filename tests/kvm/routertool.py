#!/usr/bin/python3
"""Helpers for tests/kvm/router.bats (the router app between two netns).

routertool.py udpserver ADDR PORT SECONDS: a UDP echo server; when SECONDS
  pass with no datagram (after the first), prints "peers N addrs A,B..." (the
  distinct source address:port pairs and the addresses they came from).
routertool.py flows DST PORT N: N UDP sockets, all open at once, each sends
  one datagram to DST:PORT and waits for its echo (retrying a few times);
  prints "answered M of N".
routertool.py tcpconnect DST PORT TIMEOUT: prints "connected" or "failed".
routertool.py garbage IFACE DSTMAC: 11 malformed IPv4/IPv6/ARP frames to
  DSTMAC (short headers, lengths past the packet, a bad header checksum, a
  bad TCP offset...); prints "sent 11".
"""
import os
import select
import socket
import struct
import sys
import time


def udpserver(addr, port, quiet):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((addr, int(port)))
    print("listening", flush=True)
    peers = set()
    first = True
    while True:
        r, _, _ = select.select([s], [], [], 600 if first else float(quiet))
        if not r:
            break
        first = False
        data, peer = s.recvfrom(2048)
        peers.add(peer[:2])
        s.sendto(data, peer)
    addrs = sorted({p[0] for p in peers})
    print("peers %d addrs %s" % (len(peers), ",".join(addrs)), flush=True)


def flows(dst, port, n):
    n = int(n)
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(n)]
    for s in socks:
        s.setblocking(False)
    waiting = {s.fileno(): s for s in socks}
    for attempt in range(5):
        for i, s in enumerate(socks):
            if s.fileno() in waiting:
                try:
                    s.sendto(b"flow %d" % i, (dst, int(port)))
                except BlockingIOError:
                    pass
            if i % 100 == 99:
                time.sleep(0.01)
        end = time.time() + 1.0
        while waiting and time.time() < end:
            p = select.poll()
            for fd in waiting:
                p.register(fd, select.POLLIN)
            for fd, _ in p.poll(200):
                try:
                    waiting[fd].recv(2048)
                    del waiting[fd]
                except (BlockingIOError, KeyError):
                    pass
        if not waiting:
            break
    print("answered %d of %d" % (n - len(waiting), n), flush=True)


def tcpconnect(dst, port, timeout):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(float(timeout))
    try:
        s.connect((dst, int(port)))
        print("connected")
    except OSError:
        print("failed")


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(total, ihl=5, proto=17, good_sum=True, src=b"\x0a\x09\x09\x09", dst=b"\x0a\x09\x09\x0a"):
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0, 0, 64, proto, 0, src, dst)
    h += bytes(max(0, ihl * 4 - 20))
    c = csum(h[:20]) if good_sum else 0x1234
    return h[:10] + struct.pack("!H", c) + h[12:]


def garbage(iface, dstmac):
    dst = bytes(int(x, 16) for x in dstmac.split(":"))
    src = bytes.fromhex("020000000099")
    e4 = dst + src + b"\x08\x00"
    e6 = dst + src + b"\x86\xdd"
    frames = [
        e4 + bytes(10),  # IPv4 header cut short
        e4 + ip4(400) + bytes(20),  # total length past the frame
        e4 + ip4(40, ihl=15) + bytes(20),  # header length past the total
        e4 + ip4(28, good_sum=False) + bytes(8),  # bad header checksum
        e4 + ip4(24) + bytes(4),  # UDP header cut short
        e4 + ip4(40, proto=6) + bytes(12) + b"\xf0" + bytes(7),  # TCP data offset past the packet
        e4 + ip4(28) + struct.pack("!HHHH", 1, 2, 300, 0),  # UDP length past the packet
        e6 + bytes(20),  # IPv6 header cut short
        e6 + struct.pack("!IHBB", 0x60000000, 500, 17, 64) + bytes(32) + bytes(8),  # payload length past it
        e6 + struct.pack("!IHBB", 0x60000000, 8, 0, 64) + bytes(32) + b"\x11\x05" + bytes(6),  # ext header past it
        dst + src + b"\x08\x06" + bytes(10),  # ARP cut short
    ]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in frames:
        s.send(f + bytes(max(0, 60 - len(f))))  # padded as on the wire: still malformed
    print("sent %d" % len(frames), flush=True)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"udpserver": udpserver, "flows": flows, "tcpconnect": tcpconnect, "garbage": garbage}[cmd](*args)
