#!/usr/bin/python3
# udpwhere.py PORT READYFILE: receive one UDP datagram on PORT (any address),
# print "heard TAP SOURCE DATA": the interface it came in on (IP_PKTINFO)
# and its source address.  READYFILE is created once the socket listens.
# Gives up after 10 s (prints "heard nothing").
import socket
import struct
import sys

IP_PKTINFO = 8  # <linux/in.h>; Python names it on some builds only

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(10)
open(sys.argv[2], "w").close()
try:
    data, anc, _, src = s.recvmsg(256, socket.CMSG_SPACE(12))
except socket.timeout:
    print("heard nothing")
    sys.exit(1)
ifname = "?"
for level, kind, value in anc:
    if level == socket.IPPROTO_IP and kind == IP_PKTINFO:
        ifname = socket.if_indextoname(struct.unpack("i4s4s", value[:12])[0])
print("heard", ifname, src[0], data.decode(errors="replace"))
