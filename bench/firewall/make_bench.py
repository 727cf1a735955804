#!/usr/bin/env python3
"""Writes the firewall benchmark's inputs (fixed seed, standard library only):

- rules-1000.txt: 1,000 first-match ACL rules for samples/firewall (source and destination
  prefixes /8 to /32, protocol TCP, UDP or any, destination port ranges; 30% deny), the shape of
  the C reference in /work/shared/design/PEERS.md;
- trace-64.pcap: 200,000 64-byte Ethernet/IPv4 TCP and UDP frames from outside, addressed so that
  they hit rules all over the list and the default.

Run: python3 bench/firewall/make_bench.py
"""
import os
import random
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(1000)


def prefix():
    length = rng.choice([8, 16, 24, 32])
    addr = rng.getrandbits(32) & (0xffffffff << (32 - length)) & 0xffffffff
    return addr, length


def dotted(a):
    return '.'.join(str(a >> s & 0xff) for s in (24, 16, 8, 0))


rules = []
lines = ['# 1,000 first-match rules for the firewall benchmark (bench/firewall/make_bench.py).']
for i in range(1000):
    src, dst = prefix(), prefix()
    proto = rng.choice(['IpProto.Tcp', 'IpProto.Udp', '_'])
    lo = rng.randrange(0, 65536)
    hi = min(65535, lo + rng.choice([0, 0, 10, 100, 1000]))
    action = 'deny' if rng.random() < 0.3 else 'allow'
    rules.append((src, dst, proto, lo, hi))
    lines.append(f'({dotted(src[0])}/{src[1]}, {dotted(dst[0])}/{dst[1]}, {proto}, {lo}..{hi}) => {action}')
with open(os.path.join(HERE, 'rules-1000.txt'), 'w') as f:
    f.write('\n'.join(lines) + '\n')


def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def frame(src, dst, proto, sport, dport):
    if proto == 6:
        l4 = struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 5 << 4, 0x10, 65535, 0, 0)
    else:
        l4 = struct.pack('!HHHH', sport, dport, 8 + 2, 0) + b'\0\0'
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0,
                     src.to_bytes(4, 'big'), dst.to_bytes(4, 'big'))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    eth = bytes.fromhex('020000000001') + bytes.fromhex('0200000000aa') + b'\x08\x00'
    f = eth + ip + l4
    return f + bytes(64 - len(f)) if len(f) < 64 else f[:64]


def inside(p):
    addr, length = p
    return addr | (rng.getrandbits(32 - length) if length < 32 else 0)


out = bytearray(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for n in range(200000):
    if rng.random() < 0.9:
        src, dst, proto, lo, hi = rules[rng.randrange(len(rules))]
        p = 6 if proto == 'IpProto.Tcp' else 17 if proto == 'IpProto.Udp' else rng.choice([6, 17])
        f = frame(inside(src), inside(dst), p, rng.randrange(1024, 65536), rng.randint(lo, hi))
    else:
        f = frame(rng.getrandbits(32), rng.getrandbits(32), rng.choice([6, 17]), rng.randrange(65536),
                  rng.randrange(65536))
    out += struct.pack('<IIII', 1_700_000_000 + n // 1000000, n % 1000000, len(f), len(f)) + f
with open(os.path.join(HERE, 'trace-64.pcap'), 'wb') as f:
    f.write(out)
print('wrote rules-1000.txt and trace-64.pcap (200,000 frames of 64 bytes)')
