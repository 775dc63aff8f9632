#!/usr/bin/python3
"""Raw Ethernet frames on a host interface, for tests/kvm/netfn.bats.

rawframes.py echo IFACE DST N [FROM]: send N frames of ethertype 0x88b5
  from 02:00:00:00:00:01 to DST, numbered, all at once, then count the
  answers within 3 s ($RAWFRAMES_WAIT): frames to 02:00:00:00:00:01 from FROM (default DST),
  byte 14 'E', the number kept.  Prints "sent N echoed M" (each number
  counted once).
rawframes.py send IFACE DST N: send N numbered frames, nothing more.
rawframes.py cross OUT IN DST N: send N numbered frames to DST on OUT, and
  count those that arrive on IN unchanged within 3 s; prints "sent N got M".
rawframes.py listen IFACE SECONDS: print byte 14 of every 0x88b5 frame that
  arrives within SECONDS, one a line, then "done" ("listening" on stderr
  once the socket is bound).
rawframes.py garbage IFACE DST N: send N frames of random length (14 to
  1514 bytes) and content to DST (none of 0x88b5), a header-only frame
  first; prints "sent N".
"""
import os
import random
import select
import socket
import sys
import time

ETH_P_ALL = 3
TYPE = b"\x88\xb5"


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def sock(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    return s


def frame(dst, src, i):
    return dst + src + TYPE + b"P" + i.to_bytes(4, "big") + bytes(41)


def main():
    op, iface = sys.argv[1], sys.argv[2]
    s = sock(iface)
    if op == "listen":
        print("listening", file=sys.stderr, flush=True)
        end = time.monotonic() + float(sys.argv[3])
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            f, addr = s.recvfrom(65536)
            if addr[2] != socket.PACKET_OUTGOING and f[12:14] == TYPE:
                print(chr(f[14]), flush=True)
        print("done")
        return
    dst = mac(sys.argv[3]) if sys.argv[1] != "cross" else None
    n = int(sys.argv[4]) if sys.argv[1] != "cross" else 0
    if op == "garbage":
        rnd = random.Random(17)
        s.send(dst + bytes(6) + b"\x08\x00")
        for _ in range(n - 1):
            body = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(2, 1502)))
            if body[:2] == TYPE:
                body = b"\x00" + body[1:]
            s.send(dst + bytes(rnd.getrandbits(8) for _ in range(6)) + body)
        print("sent %d" % n)
        return
    src = mac("02:00:00:00:00:01")
    if op == "cross":
        dst, n = mac(sys.argv[4]), int(sys.argv[5])
        r = sock(sys.argv[3])
        sent = [frame(dst, src, i) for i in range(n)]
        for f in sent:
            s.send(f)
        got = set()
        end = time.monotonic() + float(os.environ.get("RAWFRAMES_WAIT", "3"))
        while len(got) < n:
            left = end - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                break
            f, addr = r.recvfrom(65536)
            if addr[2] != socket.PACKET_OUTGOING and f[12:14] == TYPE and f in sent:
                got.add(f)
        print("sent %d got %d" % (n, len(got)))
        return
    frm = mac(sys.argv[5]) if len(sys.argv) > 5 else dst
    for i in range(n):
        s.send(frame(dst, src, i))
    if op == "send":
        return
    seen = set()
    end = time.monotonic() + float(os.environ.get("RAWFRAMES_WAIT", "3"))
    while len(seen) < n:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        f, addr = s.recvfrom(65536)
        if addr[2] == socket.PACKET_OUTGOING or f[12:14] != TYPE:
            continue
        if f[0:6] == src and f[6:12] == frm and f[14:15] == b"E":
            seen.add(int.from_bytes(f[15:19], "big"))
    print("sent %d echoed %d" % (n, len(seen)))


main()
