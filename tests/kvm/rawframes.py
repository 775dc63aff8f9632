#!/usr/bin/python3
"""Raw Ethernet frames on a host interface, for tests/kvm/netfn.bats.

rawframes.py echo IFACE DST N [SRC]: send N frames of ethertype 0x88b5 from
  SRC (default 02:00:00:00:00:01) to DST, numbered, all at once, then count
  the answers within 5 s: frames to SRC from DST, byte 14 'E', the number
  kept.  Prints "sent N echoed M" (each number counted once).
rawframes.py send IFACE DST N: send N numbered frames, nothing more.
rawframes.py listen IFACE SECONDS: print byte 14 of every 0x88b5 frame that
  arrives within SECONDS, one a line, then "done".
rawframes.py runts IFACE DST: send frames of 1 to 13 bytes, a header-only
  frame and a frame with garbage after a header (none of 0x88b5).
"""
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
    dst = mac(sys.argv[3])
    if op == "runts":
        for n in range(1, 14):
            s.send(bytes([0xFF] * n))
        s.send(dst + bytes(6) + b"\x08\x00")
        s.send(dst + bytes(6) + b"\x12\x34" + bytes(range(200)))
        return
    n = int(sys.argv[4])
    src = mac(sys.argv[5]) if len(sys.argv) > 5 else mac("02:00:00:00:00:01")
    for i in range(n):
        s.send(frame(dst, src, i))
    if op == "send":
        return
    seen = set()
    end = time.monotonic() + 5
    while len(seen) < n:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        f, addr = s.recvfrom(65536)
        if addr[2] == socket.PACKET_OUTGOING or f[12:14] != TYPE:
            continue
        if f[0:6] == src and f[6:12] == dst and f[14:15] == b"E":
            seen.add(int.from_bytes(f[15:19], "big"))
    print("sent %d echoed %d" % (n, len(seen)))


main()
