#!/usr/bin/env python3
"""Writes the DNS sample's query trace and what `applc run` must make of it.

    python3 samples/dns/make_trace.py

writes, beside this script:

- queries.pcap: Ethernet/IPv4/UDP frames from a client to the server, one query each (every record
  type of example.test.zone, mixed case, names that do not exist, NODATA, other zones and classes,
  EDNS with several payload sizes, the DO bit, options, a later version, and OPT records doubled,
  out of place or cut short, malformed questions, another opcode, a response, a runt, and a frame
  that is not UDP);
- expected/udp.pcap: the replies, exactly as `applc run samples/dns/dns.appl
  --port udp=pcap:samples/dns/queries.pcap,out=OUT` writes them (runtime PcapWriter format: each
  reply in a frame back to the client, stamped with its query's capture time);
- expected/summary.txt: the counts applc run prints.

The answers are NOT produced by running applc: this script has its own reading of the zone file
(RFC 1035 §5) and its own model of an authoritative server (RFC 1034 §4.3.2, RFC 2308 for the
SOA in negative answers, RFC 1035 §4.1.4 for compression, RFC 6891 for EDNS), written from the
RFCs and the sample's README. Python 3 standard library only; deterministic.
"""

import ipaddress
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SNAP_LENGTH = 262144
CLIENT_MAC = bytes.fromhex('020000000002')
SERVER_MAC = bytes.fromhex('020000000001')
CLIENT = ipaddress.IPv4Address('192.0.2.1').packed
SERVER = ipaddress.IPv4Address('127.0.0.1').packed
TYPES = {'A': 1, 'NS': 2, 'CNAME': 5, 'SOA': 6, 'MX': 15, 'TXT': 16, 'AAAA': 28}

# ---- The zone ------------------------------------------------------------------------------------


def wire(name):
    """An absolute name (ending in '.') in uncompressed wire form."""
    out = b''
    for label in name.rstrip('.').split('.') if name != '.' else []:
        out += bytes([len(label)]) + label.encode()
    return out + b'\x00'


def read_zone(path):
    """(owner, type, ttl, rdata) in file order, for the subset of the master format the zone uses."""
    origin, default_ttl, last_owner = None, None, None
    records = []
    text = open(path).read()
    lines, pending, depth = [], '', 0
    for line in text.split('\n'):
        line = line.split(';')[0]
        depth += line.count('(') - line.count(')')
        pending = pending + ' ' + line.replace('(', ' ').replace(')', ' ') if pending else line.replace('(', ' ').replace(')', ' ')
        if depth == 0:
            lines.append(pending)
            pending = ''
    for line in lines:
        if not line.strip():
            continue
        if line.startswith('$ORIGIN'):
            origin = line.split()[1]
            continue
        if line.startswith('$TTL'):
            default_ttl = int(line.split()[1])
            continue
        fields = line.split() if '"' not in line else line[:line.index('"')].split() + [line[line.index('"'):]]
        if line[0].isspace():
            owner = last_owner
        else:
            owner = fields.pop(0)
            owner = origin if owner == '@' else owner if owner.endswith('.') else owner + '.' + origin
        last_owner = owner
        ttl = default_ttl
        if fields[0].isdigit():
            ttl = int(fields.pop(0))
        assert fields.pop(0) == 'IN'
        rtype = fields.pop(0)
        absolute = lambda n: n if n.endswith('.') else n + '.' + origin
        if rtype == 'A':
            rdata = ipaddress.IPv4Address(fields[0]).packed
        elif rtype == 'AAAA':
            rdata = ipaddress.IPv6Address(fields[0]).packed
        elif rtype in ('NS', 'CNAME'):
            rdata = wire(absolute(fields[0]))
        elif rtype == 'MX':
            rdata = struct.pack('!H', int(fields[0])) + wire(absolute(fields[1]))
        elif rtype == 'TXT':
            rdata = b''
            rest = fields[0]
            while '"' in rest:
                start = rest.index('"')
                end = rest.index('"', start + 1)
                s = rest[start + 1:end].encode()
                rdata += bytes([len(s)]) + s
                rest = rest[end + 1:]
        elif rtype == 'SOA':
            rdata = wire(fields[0]) + wire(fields[1]) + struct.pack('!IIIII', *map(int, fields[2:7]))
        records.append((owner.lower(), TYPES[rtype], ttl, rdata))
    return records


ZONE = read_zone(os.path.join(HERE, 'example.test.zone'))
APEX = [r for r in ZONE if r[1] == 6][0][0]
SOA = [r for r in ZONE if r[1] == 6][0]
NEGATIVE_TTL = min(SOA[2], struct.unpack('!I', SOA[3][-4:])[0])  # RFC 2308 §5


def names():
    """Every name of the zone: owners and the names between them and the apex."""
    out = set()
    for owner, _, _, _ in ZONE:
        labels = owner.rstrip('.').split('.')
        for i in range(len(labels)):
            name = '.'.join(labels[i:]) + '.'
            if name.endswith(APEX):
                out.add(name)
    return out


# ---- The server ------------------------------------------------------------------------------------

FORMERR, NXDOMAIN, NOTIMP, REFUSED = 1, 3, 4, 5
EDNS_PAYLOAD = 1232  # the largest UDP response to an EDNS query, and what the server's OPT announces
MAX_RECORDS = 32     # records after the question the server reads; more is malformed


def read_name(msg, at):
    """Where the name at `at` ends (after its zero byte or its first pointer), or None if malformed.

    Follows pointers (at most 16) to check the whole name: labels of at most 63 bytes, no reserved
    label types, at most 255 bytes, nothing past the message.
    """
    end, length, hops = None, 0, 0
    while True:
        if at >= len(msg):
            return None
        n = msg[at]
        if n == 0:
            return end if end is not None else at + 1
        if n & 0xc0 == 0xc0:
            if at + 1 >= len(msg) or hops == 16:
                return None
            if end is None:
                end = at + 2
            hops += 1
            at = (n & 0x3f) << 8 | msg[at + 1]
            continue
        if n > 63:
            return None
        length += n + 1
        if length + 1 > 255:
            return None
        at += n + 1


def read_edns(msg, at, counts):
    """The OPT record after the question: None if there is none, 'malformed' for records the server
    calls malformed (RFC 6891 §6.1.1: one OPT record at most, in the additional section, owned by
    the root), else (payload size, version, DO bit)."""
    an, ns, ar = counts
    if an + ns + ar > MAX_RECORDS:
        return 'malformed'
    opt = None
    for i in range(an + ns + ar):
        end = read_name(msg, at)
        if end is None or end + 10 > len(msg):
            return 'malformed'
        rtype, rclass, ttl, rdlength = struct.unpack('!HHIH', msg[end:end + 10])
        if rtype == 41:
            if opt is not None or i < an + ns or end != at + 1:
                return 'malformed'
            opt = (rclass, ttl >> 16 & 0xff, ttl >> 15 & 1)
        at = end + 10 + rdlength
        if at > len(msg):
            return 'malformed'
    return opt


def opt_record(extended_rcode, dnssec_ok):
    """The server's OPT record: its payload size, version 0, no options."""
    return b'\x00' + struct.pack('!HHBBHH', 41, EDNS_PAYLOAD, extended_rcode, 0, dnssec_ok << 15, 0)


def read_qname(msg):
    """The question's name as text and its end, or None for a name this server calls malformed."""
    at, labels = 12, []
    while True:
        if at >= len(msg):
            return None
        n = msg[at]
        if n == 0:
            return '.'.join(labels) + '.', at + 1
        if n > 63:  # a compression pointer, or a reserved label type: never valid in a question
            return None
        labels.append(msg[at + 1:at + 1 + n].decode('latin-1'))
        at += 1 + n
        if at > len(msg):
            return None


def header(query, rcode, qd, an, ns, aa, tc=0, ar=0):
    ident, flags = struct.unpack('!HH', query[:4])
    opcode = flags >> 11 & 0xf
    rd, cd = flags >> 8 & 1, flags >> 4 & 1
    flags = 0x8000 | opcode << 11 | aa << 10 | tc << 9 | rd << 8 | cd << 4 | rcode
    return struct.pack('!HHHHHH', ident, flags, qd, an, ns, ar)


def soa_record(pointer_at):
    return struct.pack('!HHHIH', 0xc000 | pointer_at, 6, 1, NEGATIVE_TTL, len(SOA[3])) + SOA[3]


def answer(query):
    """What the server sends back for one datagram: bytes, 'drop', or 'malformed'; and the counter."""
    if len(query) < 12:
        return 'malformed', None
    flags = struct.unpack('!H', query[2:4])[0]
    if flags & 0x8000:
        return 'drop', None
    if flags >> 11 & 0xf != 0:
        return header(query, NOTIMP, 0, 0, 0, 0), 'notimp'
    qdcount = struct.unpack('!H', query[4:6])[0]
    name = read_qname(query)
    if qdcount != 1 or name is None or name[1] + 4 > len(query):
        return header(query, FORMERR, 0, 0, 0, 0), 'formerr'
    qname, end = name
    edns = read_edns(query, end + 4, struct.unpack('!HHH', query[6:12]))
    if edns == 'malformed':
        return header(query, FORMERR, 0, 0, 0, 0), 'formerr'
    question = query[12:end + 4]
    qtype, qclass = struct.unpack('!HH', query[end:end + 4])
    # Every answer from here on ends in the server's OPT record when the query had one.
    ar, opt = (1, opt_record(0, edns[2])) if edns else (0, b'')
    if edns and edns[1] > 0:  # BADVERS (16): the OPT's extended code 1, the header's code 0
        return header(query, 0, 1, 0, 0, 0, ar=1) + question + opt_record(1, edns[2]), 'badvers'
    limit = 512 if not edns else max(512, min(edns[0], EDNS_PAYLOAD))  # RFC 6891 §6.2.5
    if qclass != 1:
        return header(query, REFUSED, 1, 0, 0, 0, ar=ar) + question + opt, 'refused'
    lower = qname.lower()
    if not lower.endswith(APEX) or (lower != APEX and not lower.endswith('.' + APEX)):
        return header(query, REFUSED, 1, 0, 0, 0, ar=ar) + question + opt, 'refused'
    apex_at = 12 + len(wire(lower)) - len(wire(APEX))
    if lower not in names():
        return header(query, NXDOMAIN, 1, 0, 1, 1, ar=ar) + question + soa_record(apex_at) + opt, 'nxdomain'
    records = [r for r in ZONE if r[0] == lower and r[1] == qtype]
    if not records and qtype != 5:
        records = [r for r in ZONE if r[0] == lower and r[1] == 5]  # a CNAME answers every type
    if not records:
        return header(query, 0, 1, 0, 1, 1, ar=ar) + question + soa_record(apex_at) + opt, 'nodata_answers'
    body = b''.join(struct.pack('!HHHIH', 0xc00c, r[1], 1, r[2], len(r[3])) + r[3] for r in records)
    if 12 + len(question) + len(body) + len(opt) > limit:  # RFC 1035 §4.2.1: over UDP, TC and no records
        return header(query, 0, 1, 0, 0, 1, tc=1, ar=ar) + question + opt, 'truncated'
    return header(query, 0, 1, len(records), 0, 1, ar=ar) + question + body + opt, 'answers'


# ---- Frames ----------------------------------------------------------------------------------------


def checksum(data):
    if len(data) % 2:
        data += b'\x00'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src_mac, dst_mac, src, dst, sport, dport, payload, ident, ttl, df):
    udp = struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload
    c = checksum(src + dst + struct.pack('!BBH', 0, 17, len(udp)) + udp) or 0xffff
    udp = udp[:6] + struct.pack('!H', c) + udp[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), ident, 0x4000 if df else 0, ttl, 17, 0, src, dst)
    ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b'\x08\x00' + ip + udp


def query(ident, name, qtype, qclass=1, flags=0x0100, qdcount=1, extra=b'', counts=None):
    an, ns, ar = counts or (0, 0, 1 if extra else 0)
    return struct.pack('!HHHHHH', ident, flags, qdcount, an, ns, ar) + name + struct.pack('!HH', qtype, qclass) + extra


def opt(payload=1232, version=0, dnssec_ok=0, options=b''):
    """A query's OPT record."""
    return b'\x00' + struct.pack('!HHBBHH', 41, payload, 0, version, dnssec_ok << 15, len(options)) + options


OPT = opt()  # what dig sends: EDNS, 1232 bytes
COOKIE = struct.pack('!HH', 10, 8) + bytes.fromhex('0123456789abcdef')  # a client cookie (RFC 7873)

QUERIES = [
    query(1, wire('www.example.test.'), 1),
    query(2, wire('WwW.Example.TEST.'), 28),
    query(3, wire('example.test.'), 15),
    query(4, wire('example.test.'), 2),
    query(5, wire('example.test.'), 6),
    query(6, wire('example.test.'), 16),
    query(7, wire('info.example.test.'), 16),
    query(8, wire('ftp.example.test.'), 1),
    query(9, wire('ftp.example.test.'), 5),
    query(10, wire('mail.example.test.'), 1),
    query(11, wire('ns1.example.test.'), 1),
    query(12, wire('nope.example.test.'), 1),
    query(13, wire('x.www.example.test.'), 28),
    query(14, wire('www.example.test.'), 15),
    query(15, wire('example.test.'), 28),
    query(16, wire('www.example.org.'), 1),
    query(17, wire('www.example.test.'), 1, qclass=3),
    query(18, wire('www.example.test.'), 1, extra=OPT),
    query(19, wire('www.example.test.'), 1, qdcount=0),
    query(20, bytes.fromhex('03777777c0'), 1)[:-4],
    query(21, bytes.fromhex('c00c'), 1),
    query(22, wire('www.example.test.'), 1, flags=0x2000),  # NOTIFY
    query(23, wire('www.example.test.'), 1, flags=0x8180),  # a response
    bytes.fromhex('00170100000100'),                      # shorter than a header
    query(25, wire('test.'), 1),
    query(26, wire('.'), 2),
    query(27, wire('big.example.test.'), 16),
    query(28, wire('big.example.test.'), 16, extra=OPT),
    query(29, wire('big.example.test.'), 16, extra=opt(600)),
    query(30, wire('big.example.test.'), 16, extra=opt(100)),
    query(31, wire('big.example.test.'), 16, extra=opt(65535)),
    query(32, wire('nope.example.test.'), 1, extra=opt(dnssec_ok=1)),
    query(33, wire('www.example.test.'), 15, extra=opt(4096, options=COOKIE)),
    query(34, wire('www.example.org.'), 1, extra=OPT),
    query(35, wire('www.example.test.'), 1, extra=opt(version=1)),
    query(36, wire('www.example.test.'), 1, extra=OPT + OPT, counts=(0, 0, 2)),
    query(37, wire('www.example.test.'), 1, extra=OPT, counts=(1, 0, 0)),
    query(38, wire('www.example.test.'), 1, extra=OPT[:-2] + b'\x00\x05\x0a'),
    query(39, wire('www.example.test.'), 1, extra=b'\x03www' + OPT),
    # A record before the OPT record, its owner a pointer to the question's name.
    query(40, wire('www.example.test.'), 1, extra=struct.pack('!HHHIH', 0xc00c, 1, 1, 60, 4) + bytes(4) + OPT,
          counts=(0, 0, 2)),
    query(41, wire('www.example.test.'), 1, extra=OPT * 33, counts=(0, 0, 33)),
    query(42, wire('www.example.test.'), 28, extra=OPT, counts=(0, 0, 1)),
]


def main():
    packets, replies = [], []
    counters = {c: 0 for c in ['queries', 'answers', 'nodata_answers', 'nxdomain', 'refused', 'formerr', 'notimp',
                               'truncated', 'badvers']}
    dropped = malformed = 0
    t = 1_764_000_000_000_000_000
    for i, q in enumerate(QUERIES):
        t += 1_000_000
        f = frame(CLIENT_MAC, SERVER_MAC, CLIENT, SERVER, 40000 + i, 53, q, ident=0x100 + i, ttl=64, df=False)
        packets.append((t, f))
        counters['queries'] += 1
        result, counter = answer(q)
        if result == 'malformed':
            malformed += 1
        elif result == 'drop':
            dropped += 1
        else:
            counters[counter] += 1
            replies.append((t, frame(SERVER_MAC, CLIENT_MAC, SERVER, CLIENT, 53, 40000 + i, result, ident=0x100 + i,
                                     ttl=64, df=True)))
    # A frame that is not UDP: ARP, skipped by the replay.
    t += 1_000_000
    packets.insert(3, (packets[3][0] - 1, b'\xff' * 6 + CLIENT_MAC + b'\x08\x06' + bytes(28)))
    with open(os.path.join(HERE, 'queries.pcap'), 'wb') as out:
        out.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, SNAP_LENGTH, 1))
        for when, data in packets:
            out.write(struct.pack('<IIII', when // 1_000_000_000, when % 1_000_000_000, len(data), len(data)) + data)
    with open(os.path.join(HERE, 'expected', 'udp.pcap'), 'wb') as out:
        out.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, SNAP_LENGTH, 1))
        for when, data in replies:
            out.write(struct.pack('<IIII', when // 1_000_000_000, when % 1_000_000_000, len(data), len(data)) + data)
    with open(os.path.join(HERE, 'expected', 'summary.txt'), 'w') as out:
        out.write('# What `applc run samples/dns/dns.appl --port udp=pcap:samples/dns/queries.pcap` prints. Computed\n'
                  '# by samples/dns/make_trace.py from its own model of the server, not by running applc.\n')
        out.write('port udp in %d out %d\n' % (len(QUERIES), len(replies)))
        out.write('port tcp in 0 out 0\n')
        out.write('dropped %d\nmalformed %d\n' % (dropped, malformed))
        for name, value in counters.items():
            out.write('counter %s %d\n' % (name, value))


if __name__ == '__main__':
    main()
