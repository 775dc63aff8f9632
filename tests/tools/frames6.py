#!/usr/bin/python3
"""Bad IPv6 frames for a guest (tests/kvm/ipv6.bats): frames6.py IFACE MAC.

Sends, on IFACE (a tap), to the guest's MAC: truncated and inconsistent
IPv6 headers, extension header chains that run past the frame, fragments
that cannot be reassembled, malformed router advertisements (zero-length
options, options past the end, a prefix longer than 128 bits, a tiny MTU,
an off-link source, a hop limit not 255) and neighbour solicitations, then
random garbage.  Checksums are right where lwIP would otherwise drop the
frame before the part under test.  Prints how many frames it sent."""
import random
import socket
import struct
import sys

iface, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
src_mac = bytes.fromhex('020000000001')
ll_src = socket.inet_pton(socket.AF_INET6, 'fe80::1')
all_nodes = socket.inet_pton(socket.AF_INET6, 'ff02::1')
# the guest's link-local address, from its MAC (modified EUI-64)
eui = bytes([mac[0] ^ 2]) + mac[1:3] + b'\xff\xfe' + mac[3:6]
guest = socket.inet_pton(socket.AF_INET6, 'fe80::') [:8] + eui
sent = 0


def csum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def ip6(payload, nh, src=ll_src, dst=guest, hlim=255, plen=None):
    plen = len(payload) if plen is None else plen
    return struct.pack('!IHBB', 0x60000000, plen, nh, hlim) + src + dst + payload


def icmp6(body, src=ll_src, dst=guest):
    # body starts with type, code, then 2 checksum bytes (zero), then the rest
    pseudo = src + dst + struct.pack('!I3xB', len(body), 58)
    c = csum(pseudo + body)
    return body[:2] + struct.pack('!H', c) + body[4:]


def send(pkt, dst_mac=mac):
    global sent
    s.send(dst_mac + src_mac + b'\x86\xdd' + pkt)
    sent += 1


def ra(options, src=ll_src, hlim=255, dst=guest):
    body = struct.pack('!BBHBBHII', 134, 0, 0, 64, 0, 1800, 0, 0) + options
    return ip6(icmp6(body, src, dst), 58, src, dst, hlim)


# Headers that do not add up.
send(b'\x60\x00\x00')                                      # 3 bytes of IPv6
send(ip6(b'', 58)[:30])                                    # header cut short
send(ip6(b'\x80\0\0\0', 58, plen=1400))                    # payload length past the frame
send(b'\x40' + ip6(b'', 59)[1:])                           # version 4 in an IPv6 frame
# Extension headers running past the frame.
send(ip6(b'\x3a\xff' + b'\x01\x04\0\0\0\0', 0))            # hop-by-hop, length 255*8
send(ip6(b'\x2b\x00', 0))                                  # hop-by-hop, 2 bytes
send(ip6(b'\x00\x00' + b'\x01\x04\0\0\0\0' * 1, 60) + b'') # dest opts then hop-by-hop (out of place)
send(ip6(b'\x2c\x00\x00\x00', 43))                         # routing header, truncated
send(ip6(b'\x3a\x00\x00\x01\0\0\0\x01', 44))               # fragment, nothing after it
send(ip6(b'\x3a\x00\xff\xf9\0\0\0\x02' + b'x' * 64, 44))   # fragment past 64 KiB
for i in range(40):                                         # overlapping fragments, never whole
    off = (i * 8) & 0xfff8
    send(ip6(struct.pack('!BBHI', 17, 0, off | 1, 7) + b'y' * 24, 44))
send(ip6(b'\x3b' * 8, 0))                                  # hop-by-hop then "no next header"
# Router advertisements that lie.
send(ra(b'\x01\x00' + b'\0' * 6))                          # option length 0
send(ra(b'\x03\x04' + b'\0' * 6))                          # prefix option past the end
send(ra(struct.pack('!BBBBIII', 3, 4, 200, 0xc0, 3600, 3600, 0) +
        socket.inet_pton(socket.AF_INET6, 'fd00:bad::')))   # prefix length 200
send(ra(struct.pack('!BBBBIII', 3, 4, 64, 0xc0, 3600, 3600, 0) +
        socket.inet_pton(socket.AF_INET6, 'fe80::')))       # a link-local prefix
send(ra(struct.pack('!BBHI', 5, 1, 0, 10)))                # MTU 10
send(ra(struct.pack('!BBHI', 5, 1, 0, 0xffffffff)))        # MTU 4 GiB
send(ra(b'\x19\x01' + b'\0' * 6))                          # RDNSS with no server
send(ra(b'\x18\x03' + b'\0' * 22))                         # route information, bad length
send(ra(b'\x01\x01' + src_mac, src=socket.inet_pton(socket.AF_INET6, 'fd00::1')))  # off-link source
send(ra(b'\x01\x01' + src_mac, hlim=64))                   # hop limit 64
send(ra(b'', dst=all_nodes), dst_mac=bytes.fromhex('333300000001'))  # no options at all
# Neighbour solicitations and redirects with bad options.
ns = struct.pack('!BBHI', 135, 0, 0, 0) + guest + b'\x01\x00' + b'\0' * 6
send(ip6(icmp6(ns), 58))
redirect = struct.pack('!BBHI', 137, 0, 0, 0) + guest + guest + b'\x04\xff' + b'\0' * 6
send(ip6(icmp6(redirect), 58))
# An echo request whose checksum is wrong, one to an unknown next header.
send(ip6(b'\x80\x00\x12\x34\0\1\0\1', 58))
send(ip6(b'\0' * 16, 253))
# Garbage.
rnd = random.Random(6)
for i in range(300):
    n = rnd.randrange(0, 200)
    body = bytes(rnd.randrange(256) for _ in range(n))
    if i % 3 == 0:
        body = b'\x60' + body[1:]
    send(body)
print(sent)
