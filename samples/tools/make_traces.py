#!/usr/bin/env python3
"""Writes the sample appliances' pcap traces and what `applc run` must make of them.

For each sample (firewall, l4lb, nat) this writes, beside the spec:

- the input traces its packet ports are bound to by default (`port outside: packet =
  "pcap:outside.pcap"` reads samples/firewall/outside.pcap), a deterministic mix of allowed and
  denied flows, ARP, IPv6 and other frames, and malformed packets;
- expected/PORT.pcap for every packet port: the packets the appliance sends out of that port,
  in exactly the format `applc run --port PORT=pcap:IN,out=OUT` writes (runtime PcapWriter:
  little-endian, nanosecond timestamps, snap length 262144, Ethernet; each packet stamped with
  the capture time of the packet that caused it), so that a test can compare whole files;
- expected/PORT.fields for every non-empty output: what `tshark -T fields` prints for it
  (see TSHARK_FIELDS);
- expected/summary.txt: the counts `applc run` prints (packets in and out per port, dropped,
  malformed, and the appliance's counters).

The expected outputs are NOT produced by running applc: this script has its own model of each
appliance, written from the spec and the RFCs it cites (the parsers, the firewall's ACL and
anti-spoofing, the load balancer's hashes and IP-in-IP encapsulation, the NAT's port choice,
bindings, expiry, timer and RFC 1624 checksum updates). That is what makes the comparison in
compiler/src/test/java/dev/appl/compiler/SampleTracesTest.java an oracle. The model also checks
itself: every checksum it updates incrementally is compared with one computed from scratch.

Python 3 standard library only. Deterministic: the same bytes on every run.

    python3 samples/tools/make_traces.py            # rewrite every sample's traces
    python3 samples/tools/make_traces.py nat        # only some samples
"""

import ipaddress
import os
import random
import struct
import sys

SAMPLES_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))

# The fields the test asks tshark for, in this order (`tshark -r OUT -T fields -e ...`).
TSHARK_FIELDS = ['frame.number', 'eth.type', 'ip.src', 'ip.dst', 'tcp.srcport', 'tcp.dstport',
                 'udp.srcport', 'udp.dstport']

M32 = 0xffffffff

# ---- Addresses -----------------------------------------------------------------------------------


def ip4(text):
    return ipaddress.IPv4Address(text).packed


def ip4s(raw):
    return str(ipaddress.IPv4Address(raw))


def ip4n(raw):
    return int.from_bytes(raw, 'big')


def ip6(text):
    return ipaddress.IPv6Address(text).packed


def mac(text):
    return bytes(int(part, 16) for part in text.split(':'))


def in_prefix(raw, prefix):
    return ipaddress.IPv4Address(raw) in ipaddress.IPv4Network(prefix)


# ---- Internet checksum (RFC 1071) and its incremental update (RFC 1624) -----------------------


def ones_sum(data):
    """Ones' complement sum of big-endian 16-bit words, an odd last byte padded with zero."""
    if len(data) % 2:
        data = data + b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while total > 0xffff:
        total = (total & 0xffff) + (total >> 16)
    return total


def inet_checksum(data):
    return ~ones_sum(data) & 0xffff


def pseudo4(src, dst, proto, length):
    return src + dst + struct.pack('!BBH', 0, proto, length)


def rfc1624(checksum, old_words, new_words):
    """RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), for the 16-bit words that changed."""
    total = ~checksum & 0xffff
    for w in old_words:
        total += ~w & 0xffff
    for w in new_words:
        total += w
    while total > 0xffff:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def words32(raw4):
    return [int.from_bytes(raw4[0:2], 'big'), int.from_bytes(raw4[2:4], 'big')]


# ---- Packet builders -----------------------------------------------------------------------------

ETH_IPV4, ETH_ARP, ETH_IPV6, ETH_VLAN, ETH_LLDP = 0x0800, 0x0806, 0x86dd, 0x8100, 0x88cc
ICMP, TCP, UDP, IPIP, GRE, ICMP6 = 1, 6, 17, 4, 47, 58


def ether(dst, src, ethertype, payload, pad=True):
    frame = mac(dst) + mac(src) + struct.pack('!H', ethertype) + payload
    if pad and len(frame) < 60:
        frame += bytes(60 - len(frame))  # the minimum frame without FCS, as a NIC delivers it
    return frame


def ipv4(src, dst, proto, payload, ttl=64, ident=0, dscp=0, ecn=0, df=False, mf=False, frag=0,
         options=b'', total_len=None, version=4, ihl=None, checksum=None):
    if ihl is None:
        ihl = 5 + len(options) // 4
    if total_len is None:
        total_len = 20 + len(options) + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag
    header = struct.pack('!BBHHHBBH4s4s', (version << 4) | ihl, (dscp << 2) | ecn, total_len, ident,
                         flags, ttl, proto, 0, ip4(src), ip4(dst)) + options
    if checksum is None:
        checksum = inet_checksum(header)
    return header[:10] + struct.pack('!H', checksum) + header[12:] + payload


TCP_FLAGS = {'F': 0x01, 'S': 0x02, 'R': 0x04, 'P': 0x08, 'A': 0x10, 'U': 0x20, 'E': 0x40, 'C': 0x80}


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b'', window=64240, options=b'',
        data_offset=None, checksum=None, checksum_over=None):
    """A TCP segment with a correct checksum over the IPv4 pseudo-header, unless given one.
    checksum_over: the whole segment when this is only the start of it (first fragment)."""
    bits = 0
    for f in flags:
        bits |= TCP_FLAGS[f]
    if data_offset is None:
        data_offset = 5 + len(options) // 4
    header = struct.pack('!HHIIBBHHH', sport, dport, seq & M32, ack & M32, data_offset << 4, bits,
                         window, 0, 0) + options
    segment = header + payload
    if checksum is None:
        whole = segment if checksum_over is None else segment + checksum_over
        checksum = inet_checksum(pseudo4(ip4(src), ip4(dst), TCP, len(whole)) + whole)
    return segment[:16] + struct.pack('!H', checksum) + segment[18:]


def udp(src, dst, sport, dport, payload, checksum=None, length=None, rest=b''):
    """A UDP datagram; checksum None computes it (0 is sent as 0xffff), 0 means none.
    rest: data that follows in later fragments (covered by the length and checksum)."""
    if length is None:
        length = 8 + len(payload) + len(rest)
    if checksum is None:
        whole = struct.pack('!HHHH', sport, dport, length, 0) + payload + rest
        checksum = inet_checksum(pseudo4(ip4(src), ip4(dst), UDP, len(whole)) + whole) or 0xffff
    return struct.pack('!HHHH', sport, dport, length, checksum) + payload


def icmp(icmp_type, code, rest, payload=b''):
    body = struct.pack('!BBH', icmp_type, code, 0) + rest + payload
    return body[:2] + struct.pack('!H', inet_checksum(body)) + body[4:]


def echo(request, ident, seq, payload):
    return icmp(8 if request else 0, 0, struct.pack('!HH', ident, seq), payload)


def arp(op, sender_mac, sender_ip, target_mac, target_ip):
    return struct.pack('!HHBBH6s4s6s4s', 1, ETH_IPV4, 6, 4, op, mac(sender_mac), ip4(sender_ip),
                       mac(target_mac), ip4(target_ip))


def ipv6(src, dst, next_header, payload, hop_limit=64):
    return struct.pack('!IHBB16s16s', 0x60000000, len(payload), next_header, hop_limit, ip6(src),
                       ip6(dst)) + payload


def icmp6(src, dst, icmp_type, code, body):
    message = struct.pack('!BBH', icmp_type, code, 0) + body
    pseudo = ip6(src) + ip6(dst) + struct.pack('!IxxxB', len(message), ICMP6)
    return message[:2] + struct.pack('!H', inet_checksum(pseudo + message)) + message[4:]


def tcp6(src, dst, sport, dport, seq, flags, options=b''):
    bits = 0
    for f in flags:
        bits |= TCP_FLAGS[f]
    segment = struct.pack('!HHIIBBHHH', sport, dport, seq, 0, (5 + len(options) // 4) << 4, bits,
                          64800, 0, 0) + options
    pseudo = ip6(src) + ip6(dst) + struct.pack('!IxxxB', len(segment), TCP)
    return segment[:16] + struct.pack('!H', inet_checksum(pseudo + segment)) + segment[18:]


def syn_options(rng, mss=1460):
    """MSS, SACK permitted, timestamps, NOP, window scale: what Linux puts in a SYN (20 bytes)."""
    return struct.pack('!BBH', 2, 4, mss) + bytes([4, 2, 8, 10]) + struct.pack(
        '!II', rng.randrange(1 << 32), 0) + bytes([1, 3, 3, 7])


def lldp(chassis_mac, port_name):
    tlvs = b''
    for tlv_type, value in ((1, b'\x04' + mac(chassis_mac)), (2, b'\x05' + port_name), (3, b'\x00\x78')):
        tlvs += struct.pack('!H', (tlv_type << 9) | len(value)) + value
    return tlvs + b'\x00\x00'


def tls_hello(rng, size):
    """Bytes that look like the start of a TLS ClientHello record."""
    return bytes([0x16, 0x03, 0x01]) + struct.pack('!H', size - 5) + bytes(rng.randrange(256) for _ in range(size - 5))


def http_request(host, path):
    return ('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n' % (path, host)).encode()


def dns_query(rng, name, qtype=1):
    ident = rng.randrange(1 << 16)
    labels = b''.join(bytes([len(p)]) + p.encode() for p in name.split('.')) + b'\0'
    return struct.pack('!HHHHHH', ident, 0x0100, 1, 0, 0, 0) + labels + struct.pack('!HH', qtype, 1)


def dns_answer(query, address):
    answer = b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 300, 4) + ip4(address)
    return query[:2] + struct.pack('!HHHHH', 0x8180, 1, 1, 0, 0) + query[12:] + answer


# ---- pcap ----------------------------------------------------------------------------------------

SNAP_LENGTH = 262144


def write_input_pcap(path, packets, nanos):
    """Classic pcap as tcpdump writes it: little-endian, microsecond (a1b2c3d4) or nanosecond
    (a1b23c4d) timestamps. packets: (time_ns, bytes, original_length)."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b23c4d if nanos else 0xa1b2c3d4, 2, 4, 0, 0, SNAP_LENGTH, 1))
        for t, data, original in packets:
            fraction = t % 1_000_000_000
            if not nanos:
                assert fraction % 1000 == 0
                fraction //= 1000
            f.write(struct.pack('<IIII', t // 1_000_000_000, fraction, len(data), original) + data)


def write_output_pcap(path, packets):
    """Exactly what runtime/.../io/PcapWriter writes: magic a1b23c4d little-endian, version 2.4,
    zone 0, sigfigs 0, snap length 262144, LINKTYPE_ETHERNET; per packet the capture time in
    seconds and nanoseconds and the length twice."""
    with open(path, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, SNAP_LENGTH, 1))
        for t, data in packets:
            f.write(struct.pack('<IIII', t // 1_000_000_000, t % 1_000_000_000, len(data), len(data)) + data)


# ---- The parsers of the samples' specs -------------------------------------------------------------


class Malformed(Exception):
    """The packet takes the malformed path: counted and dropped."""


class Parsed:
    def __init__(self, frame):
        self.frame = frame
        self.eth_type = None
        self.ip = None  # offset of the IPv4 header
        self.ihl = 0
        self.tcp = None  # offset of the TCP header
        self.udp = None

    def u16(self, at):
        return int.from_bytes(self.frame[at:at + 2], 'big')

    @property
    def src(self):
        return self.frame[self.ip + 12:self.ip + 16]

    @property
    def dst(self):
        return self.frame[self.ip + 16:self.ip + 20]

    @property
    def protocol(self):
        return self.frame[self.ip + 9]

    @property
    def total_len(self):
        return self.u16(self.ip + 2)

    @property
    def dscp(self):
        return self.frame[self.ip + 1] >> 2

    @property
    def more_fragments(self):
        return bool(self.frame[self.ip + 6] & 0x20)

    @property
    def frag_offset(self):
        return self.u16(self.ip + 6) & 0x1fff

    def ports(self):
        """(source, destination) of TCP or UDP, or None."""
        at = self.tcp if self.tcp is not None else self.udp
        if at is None:
            return None
        return self.u16(at), self.u16(at + 2)


def parse(frame, fragment_state):
    """The `Headers` parser of the samples: Ethernet; for EtherType IPv4 an IPv4 header whose
    version must be 4 (else reject); then (if fragment_state, as in firewall and nat: only when
    frag_offset is 0) TCP or UDP by protocol. A header that runs past the end of the captured
    packet is malformed; so is an IHL or TCP data offset below 5, whose options length
    `(x as u32 - 5) * 4` wraps to nearly 2^32."""
    p = Parsed(frame)
    n = len(frame)
    if n < 14:
        raise Malformed('shorter than Ethernet')
    p.eth_type = p.u16(12)
    if p.eth_type != ETH_IPV4:
        return p
    if n < 14 + 20:
        raise Malformed('truncated IPv4 header')
    ihl = frame[14] & 0x0f
    options = ((ihl - 5) * 4) & M32  # computed in u32
    if 14 + 20 + options > n:
        raise Malformed('IPv4 header longer than the packet')
    if frame[14] >> 4 != 4:
        raise Malformed('IP version is not 4')
    p.ip, p.ihl = 14, ihl
    at = 14 + 20 + options
    if fragment_state and p.frag_offset != 0:
        return p
    if p.protocol == TCP:
        if at + 20 > n:
            raise Malformed('truncated TCP header')
        data_offset = frame[at + 12] >> 4
        if at + 20 + (((data_offset - 5) * 4) & M32) > n:
            raise Malformed('TCP header longer than the packet')
        p.tcp = at
    elif p.protocol == UDP:
        if at + 8 > n:
            raise Malformed('truncated UDP header')
        p.udp = at
    return p


# ---- Scenario plumbing -----------------------------------------------------------------------------


class Trace:
    """Packets scheduled on the ports of one appliance; built and run in capture-time order."""

    def __init__(self, seed, start_s):
        self.rng = random.Random(seed)
        self.start_us = start_s * 1_000_000
        self.events = []  # (time_us, order, port, builder or bytes, original length or None)
        self.used = set()

    def at(self, time_us, port, frame, original=None):
        """Schedules a packet; a time already taken moves on by a microsecond, so that no two
        packets (on any port) share a capture time and the replay order is unambiguous."""
        time_us += self.start_us
        while time_us in self.used:
            time_us += 1
        self.used.add(time_us)
        self.events.append((time_us, len(self.events), port, frame, original))

    def ordered(self):
        events = sorted(self.events, key=lambda e: (e[0], e[1]))
        times = [e[0] for e in events]
        assert len(set(times)) == len(times), 'two packets at the same microsecond'
        return events


def run_trace(trace, ports, model, nanos_ports=(), jitter_ns=None):
    """Builds each scheduled packet (a builder sees the model's state so far: a remote host answers
    the address and port it saw), feeds it to the model, and collects inputs and outputs."""
    inputs = {p: [] for p in ports}
    outputs = {p: [] for p in ports}
    summary_in = {p: 0 for p in ports}
    counts = {'dropped': 0, 'malformed': 0}
    last = -1
    for time_us, _, port, frame, original in trace.ordered():
        t = time_us * 1000
        if port in nanos_ports and jitter_ns is not None:
            t += jitter_ns(time_us)
        assert t > last
        last = t
        if callable(frame):
            frame = frame(model)
        inputs[port].append((t, frame, original if original is not None else len(frame)))
        summary_in[port] += 1
        fate, out_port, data = model.handle(t, port, frame)
        if fate == 'forward':
            outputs[out_port].append((t, data))
        else:
            counts[fate] += 1
    return inputs, outputs, summary_in, counts


def write_sample(name, ports, inputs, outputs, summary_in, counts, counters, nanos_ports=()):
    folder = os.path.join(SAMPLES_DIR, name)
    expected = os.path.join(folder, 'expected')
    os.makedirs(expected, exist_ok=True)
    for port in ports:
        write_input_pcap(os.path.join(folder, port + '.pcap'), inputs[port], port in nanos_ports)
        write_output_pcap(os.path.join(expected, port + '.pcap'), outputs[port])
        fields = os.path.join(expected, port + '.fields')
        if outputs[port]:
            with open(fields, 'w') as f:
                f.write('# tshark -r %s.pcap -T fields -e %s\n' % (port, ' -e '.join(TSHARK_FIELDS)))
                bad = [str(i + 1) for i, (_, data) in enumerate(outputs[port]) if bad_checksum(data)]
                f.write('# bad checksums: %s\n' % (' '.join(bad) or 'none'))
                for i, (_, data) in enumerate(outputs[port]):
                    f.write('\t'.join(tshark_fields(i + 1, data)) + '\n')
        elif os.path.exists(fields):
            os.remove(fields)
    lines = ['# What `applc run samples/%s/%s.appl` prints for the traces beside it. Computed by' % (name, name),
             '# samples/tools/make_traces.py from its own model of the appliance, not by running applc.']
    for port in ports:
        lines.append('port %s in %d out %d' % (port, summary_in[port], len(outputs[port])))
    lines.append('dropped %d' % counts['dropped'])
    lines.append('malformed %d' % counts['malformed'])
    for counter, value in counters:
        lines.append('counter %s %d' % (counter, value))
    with open(os.path.join(expected, 'summary.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('%s:' % name)
    for line in lines[2:]:
        print('  ' + line)


def tshark_fields(number, frame):
    """What tshark prints for TSHARK_FIELDS: one value per occurrence of a field, joined by commas
    (a tunnelled packet, IP-in-IP or GRE, has two IPv4 headers, an ICMP error quotes one); eth.type of the outer
    Ethernet header only. A fragment shows no ports: tshark waits to reassemble it."""
    values = {f: [] for f in TSHARK_FIELDS}
    values['frame.number'].append(str(number))
    ethertype = int.from_bytes(frame[12:14], 'big')
    values['eth.type'].append('0x%04x' % ethertype)
    at, quoted = 14, False
    while ethertype == ETH_IPV4 and at + 20 <= len(frame):
        ihl = frame[at] & 0x0f
        values['ip.src'].append(ip4s(frame[at + 12:at + 16]))
        values['ip.dst'].append(ip4s(frame[at + 16:at + 20]))
        protocol = frame[at + 9]
        fragment = int.from_bytes(frame[at + 6:at + 8], 'big') & 0x3fff != 0
        at += ihl * 4
        if fragment and not quoted:
            break
        if protocol == IPIP:
            continue
        if protocol == GRE and frame[at:at + 4] == b'\0\0\x08\0':  # basic GRE carrying IPv4
            at += 4
            continue
        if protocol in (TCP, UDP) and at + 4 <= len(frame):
            kind = 'tcp' if protocol == TCP else 'udp'
            values[kind + '.srcport'].append(str(int.from_bytes(frame[at:at + 2], 'big')))
            values[kind + '.dstport'].append(str(int.from_bytes(frame[at + 2:at + 4], 'big')))
        elif protocol == ICMP and not quoted and frame[at] in (3, 4, 5, 11, 12):
            at, quoted = at + 8, True  # an ICMP error: the start of the packet it is about
            continue
        break
    return [','.join(values[f]) for f in TSHARK_FIELDS]


def bad_checksum(frame):
    """Whether tshark, told to check IPv4, TCP and UDP checksums, finds a bad one: an IPv4 header
    (outer or tunnelled) whose checksum is wrong, or an unfragmented TCP or UDP datagram (UDP
    checksum not 0) whose checksum is wrong or whose total length runs past the frame."""
    ethertype = int.from_bytes(frame[12:14], 'big')
    at = 14
    while ethertype == ETH_IPV4 and at + 20 <= len(frame):
        ihl = frame[at] & 0x0f
        if inet_checksum(frame[at:at + ihl * 4]) != 0:
            return True
        protocol = frame[at + 9]
        total = int.from_bytes(frame[at + 2:at + 4], 'big')
        fragment = int.from_bytes(frame[at + 6:at + 8], 'big') & 0x3fff != 0
        if protocol == IPIP:
            at += ihl * 4
            continue
        if protocol == GRE and frame[at + ihl * 4:at + ihl * 4 + 4] == b'\0\0\x08\0':
            at += ihl * 4 + 4
            continue
        if fragment or protocol not in (TCP, UDP):
            return False
        if at + total > len(frame):
            return True
        segment = frame[at + ihl * 4:at + total]
        if protocol == UDP and segment[6:8] == b'\0\0':
            return False
        return ones_sum(pseudo4(frame[at + 12:at + 16], frame[at + 16:at + 20], protocol, len(segment)) + segment) != 0xffff
    return False


def jitter(time_us):
    """Sub-microsecond part of a nanosecond timestamp: fixed by the time, so deterministic."""
    return (time_us * 7919) % 1000


# ---- Firewall ------------------------------------------------------------------------------------------

FW_ACL = [
    # (source prefix, destination prefix, protocol, destination port range, action): the spec's
    # const entries in order; None is `_`. The first match wins; no match is `default deny`.
    ('192.0.2.0/24', None, None, None, 'deny'),
    ('10.0.0.0/8', None, None, None, 'deny'),
    ('172.16.0.0/12', None, None, None, 'deny'),
    ('192.168.0.0/16', None, None, None, 'deny'),
    ('127.0.0.0/8', None, None, None, 'deny'),
    (None, '192.0.2.10/32', TCP, (80, 80), 'allow'),
    (None, '192.0.2.10/32', TCP, (443, 443), 'allow'),
    (None, '192.0.2.53/32', UDP, (53, 53), 'allow'),
    (None, '192.0.2.53/32', TCP, (53, 53), 'allow'),
    (None, '192.0.2.0/24', TCP, (32768, 60999), 'allow'),
    (None, '192.0.2.0/24', UDP, (32768, 60999), 'allow'),
    (None, '192.0.2.0/24', ICMP, None, 'allow'),
]


class FirewallModel:
    """samples/firewall/firewall.appl: inbound ACL on the 5-tuple (ports 0 when there is no TCP or
    UDP header, as for non-first fragments), outbound source check against 192.0.2.0/24, ARP
    bridged, everything else dropped. The entries of `rules.txt` come after the spec's own."""

    def __init__(self, acl):
        self.acl = acl
        self.counters = {'allowed': 0, 'dropped': 0, 'bridged': 0}
        self.rules_hit = set()  # indexes into acl; len(acl) for the default

    def handle(self, t, port, frame):
        try:
            h = parse(frame, fragment_state=True)
        except Malformed:
            return 'malformed', None, None
        other = 'inside' if port == 'outside' else 'outside'
        if h.ip is None:
            if h.eth_type == ETH_ARP:
                self.counters['bridged'] += 1
                return 'forward', other, frame
            self.counters['dropped'] += 1
            return 'dropped', None, None
        if port == 'outside':
            ports = h.ports() or (0, 0)
            action, hit = 'deny', len(self.acl)
            for i, (src, dst, proto, port_range, rule_action) in enumerate(self.acl):
                if ((src is None or in_prefix(h.src, src)) and (dst is None or in_prefix(h.dst, dst))
                        and (proto is None or proto == h.protocol)
                        and (port_range is None or port_range[0] <= ports[1] <= port_range[1])):
                    action, hit = rule_action, i
                    break
            self.rules_hit.add(hit)
        else:
            action = 'allow' if in_prefix(h.src, '192.0.2.0/24') else 'deny'
        if action == 'allow':
            self.counters['allowed'] += 1
            return 'forward', other, frame
        self.counters['dropped'] += 1
        return 'dropped', None, None


FW_OUT_MAC, FW_IN_MAC = '02:00:00:00:00:fe', '02:00:00:00:00:01'  # the upstream and the site's router


def fw_frame(port, ethertype, payload, pad=True):
    if port == 'outside':
        return ether(FW_IN_MAC, FW_OUT_MAC, ethertype, payload, pad)
    return ether(FW_OUT_MAC, FW_IN_MAC, ethertype, payload, pad)


def tcp_conversation(trace, t0, client_port, client, cport, server, sport, request, response_sizes,
                     wrap_client=None, wrap_server=None, rtt_us=20000):
    """A whole TCP connection (handshake, request, response, close) between a client behind
    `client_port` and a server on the other port. wrap_*: (time, frame builder) per direction,
    defaulting to firewall framing. Returns the time after the last packet."""
    rng = trace.rng
    server_port = 'inside' if client_port == 'outside' else 'outside'
    cseq, sseq = rng.randrange(1 << 32), rng.randrange(1 << 32)
    ident_c, ident_s = rng.randrange(1 << 16), rng.randrange(1 << 16)
    t = t0
    steps = []

    def c(flags, payload=b'', options=b''):
        steps.append(('c', flags, payload, options))

    def s(flags, payload=b'', options=b''):
        steps.append(('s', flags, payload, options))

    c('S', options=syn_options(rng))
    s('SA', options=syn_options(rng))
    c('A')
    c('PA', request)
    for size in response_sizes:
        s('A', bytes(rng.randrange(256) for _ in range(size)))
    c('A')
    c('FA')
    s('FA')
    c('A')
    c_next, s_next = cseq, sseq
    for who, flags, payload, options in steps:
        t += rng.randrange(rtt_us // 4, rtt_us) if who == 's' else rng.randrange(50, 2000)
        if who == 'c':
            seq, ack = c_next, (s_next if 'S' not in flags else 0)
            seg_src, seg_dst, sp, dp = client, server, cport, sport
            ident_c += 1
            ident = ident_c
        else:
            seq, ack = s_next, c_next
            seg_src, seg_dst, sp, dp = server, client, sport, cport
            ident_s += 1
            ident = ident_s
        advance = len(payload) + (1 if 'S' in flags or 'F' in flags else 0)
        if who == 'c':
            c_next += advance
        else:
            s_next += advance
        segment_args = (seg_src, seg_dst, sp, dp, seq, ack, flags, payload, options, ident)
        port = client_port if who == 'c' else server_port
        wrap = wrap_client if who == 'c' else wrap_server
        if wrap is None:
            frame = fw_frame(port, ETH_IPV4, ipv4(seg_src, seg_dst, TCP, tcp(
                seg_src, seg_dst, sp, dp, seq, ack, flags, payload, options=options), ident=ident, df=True))
            trace.at(t, port, frame)
        elif wrap != 'skip':
            trace.at(t, port, wrap(segment_args))
    return t


def firewall_trace():
    trace = Trace(seed=0xF12E, start_s=1_700_000_000)
    rng = trace.rng
    t = 0

    def later(lo=300, hi=40000):
        nonlocal t
        t += rng.randrange(lo, hi)
        return t

    def v4(port, src, dst, proto, payload, pad=True, **kw):
        trace.at(later(), port, fw_frame(port, ETH_IPV4, ipv4(src, dst, proto, payload, **kw), pad))

    # The routers resolve each other (bridged both ways).
    trace.at(later(), 'inside', fw_frame('inside', ETH_ARP, arp(1, FW_IN_MAC, '192.0.2.1', '00:00:00:00:00:00', '192.0.2.254')))
    trace.at(later(), 'outside', fw_frame('outside', ETH_ARP, arp(2, FW_OUT_MAC, '192.0.2.254', FW_IN_MAC, '192.0.2.1')))

    # Web clients on the Internet: HTTP and HTTPS to 192.0.2.10 (allowed, and the replies leave).
    clients = ['198.51.100.7', '198.51.100.23', '203.0.113.45', '93.184.216.34', '172.32.0.9', '8.8.4.4']
    for i, client in enumerate(clients):
        port = 80 if i % 2 else 443
        request = http_request('www.example.com', '/index%d.html' % i) if port == 80 else tls_hello(rng, 517)
        sizes = [1448] * rng.randrange(1, 3) + [rng.randrange(100, 1000)]
        t = tcp_conversation(trace, later(2000, 200000), 'outside', client, rng.randrange(32768, 61000),
                             '192.0.2.10', port, request, sizes)

    # DNS: queries over UDP to 192.0.2.53 (allowed) and the answers; one over TCP.
    for i in range(6):
        client, cport = rng.choice(clients), rng.randrange(1024, 65536)
        query = dns_query(rng, 'host%d.example.com' % i)
        v4('outside', client, '192.0.2.53', UDP, udp(client, '192.0.2.53', cport, 53, query), ident=rng.randrange(65536))
        v4('inside', '192.0.2.53', client, UDP, udp('192.0.2.53', client, 53, cport, dns_answer(query, '192.0.2.%d' % (20 + i))),
           ident=rng.randrange(65536))
    query = dns_query(rng, 'big.example.com', qtype=255)
    t = tcp_conversation(trace, later(), 'outside', '198.51.100.23', 41000, '192.0.2.53', 53,
                         struct.pack('!H', len(query)) + query, [700])
    # ... but DNS to the web server is not open.
    v4('outside', '198.51.100.7', '192.0.2.10', UDP, udp('198.51.100.7', '192.0.2.10', 50000, 53, dns_query(rng, 'x.example')))

    # The site's hosts browse the Internet: their SYNs leave, the answers come back to ephemeral
    # ports (allowed by the 32768..60999 rules).
    for i, (host, cport) in enumerate([('192.0.2.100', 32768), ('192.0.2.101', 45001), ('192.0.2.102', 60999)]):
        t = tcp_conversation(trace, later(), 'inside', host, cport, rng.choice(['93.184.216.34', '198.51.100.80']),
                             443, tls_hello(rng, 300), [1448, 400])
    # A host whose port is outside the Linux ephemeral range: its SYN leaves, the SYN-ACK is dropped.
    v4('inside', '192.0.2.103', '198.51.100.80', TCP, tcp('192.0.2.103', '198.51.100.80', 61000, 443, 1, 0, 'S'))
    v4('outside', '198.51.100.80', '192.0.2.103', TCP, tcp('198.51.100.80', '192.0.2.103', 443, 61000, 9, 2, 'SA'))
    v4('inside', '192.0.2.104', '198.51.100.80', TCP, tcp('192.0.2.104', '198.51.100.80', 32767, 443, 1, 0, 'S'))
    v4('outside', '198.51.100.80', '192.0.2.104', TCP, tcp('198.51.100.80', '192.0.2.104', 443, 32767, 9, 2, 'SA'))
    # NTP: the query leaves; the answer to port 123 is not a reply the ACL knows.
    v4('inside', '192.0.2.101', '203.0.113.123', UDP, udp('192.0.2.101', '203.0.113.123', 123, 123, b'\x23' + bytes(47)))
    v4('outside', '203.0.113.123', '192.0.2.101', UDP, udp('203.0.113.123', '192.0.2.101', 123, 123, b'\x24' + bytes(47)))
    # A UDP answer to an ephemeral port gets in.
    v4('inside', '192.0.2.100', '198.51.100.53', UDP, udp('192.0.2.100', '198.51.100.53', 40000, 53, dns_query(rng, 'example.net')))
    v4('outside', '198.51.100.53', '192.0.2.100', UDP, udp('198.51.100.53', '192.0.2.100', 53, 40000, dns_query(rng, 'example.net')))

    # Services opened by the site's rules.txt (loaded after the built-in rules): mail to
    # 192.0.2.25, SSH to the bastion 192.0.2.22 from the provider's network but not its guest
    # half, NTP to 192.0.2.123, GRE from the partner 203.0.113.9 to the site router.
    t = tcp_conversation(trace, later(), 'outside', '203.0.113.45', 51000, '192.0.2.25', 25,
                         b'EHLO mail.example.net\r\n', [120])
    for client, dport in (('198.51.100.23', 587), ('93.184.216.34', 993), ('198.51.100.23', 110)):
        v4('outside', client, '192.0.2.25', TCP, tcp(client, '192.0.2.25', rng.randrange(32768, 61000), dport, 1, 0, 'S'))
    t = tcp_conversation(trace, later(), 'outside', '198.51.100.44', 52222, '192.0.2.22', 22, b'SSH-2.0-OpenSSH_9.6\r\n', [40])
    for client in ('198.51.100.130', '198.51.100.255', '203.0.113.45'):
        v4('outside', client, '192.0.2.22', TCP, tcp(client, '192.0.2.22', 52223, 22, 1, 0, 'S'))
    v4('outside', '198.51.100.7', '192.0.2.123', UDP, udp('198.51.100.7', '192.0.2.123', 123, 123, b'\x23' + bytes(47)))
    v4('inside', '192.0.2.123', '198.51.100.7', UDP, udp('192.0.2.123', '198.51.100.7', 123, 123, b'\x24' + bytes(47)))
    for src in ('203.0.113.9', '203.0.113.10'):
        v4('outside', src, '192.0.2.1', GRE, struct.pack('!HH', 0, ETH_IPV4) + ipv4('10.9.9.9', '10.8.8.8', ICMP, echo(True, 1, 1, bytes(16))))

    # Probes: SSH, SMB, RDP, telnet to the site (denied), a probe of an ephemeral port (allowed:
    # a stateless filter cannot tell it from a reply).
    for dport in (22, 445, 3389, 23, 8080, 33000):
        scanner = rng.choice(['45.33.32.156', '185.220.101.4', '198.51.100.200'])
        target = '192.0.2.%d' % rng.choice([10, 53, 100])
        v4('outside', scanner, target, TCP,
           tcp(scanner, target, rng.randrange(1024, 65536), dport, rng.randrange(1 << 32), 0, 'S', window=1024))

    # Spoofed sources from outside, even to open ports: denied. 172.32.0.9 above is just outside
    # 172.16.0.0/12 and was let in.
    for spoofed in ('192.0.2.99', '10.1.2.3', '172.16.5.5', '172.31.255.255', '192.168.1.1', '127.0.0.1'):
        v4('outside', spoofed, '192.0.2.10', TCP, tcp(spoofed, '192.0.2.10', 40000, 443, 7, 0, 'S'))

    # ICMP: pings to the site and their answers, an error report to a site host (allowed); a ping
    # for an address outside the site (default deny); GRE (no rule).
    for seq in range(1, 4):
        payload = bytes(range(48))
        v4('outside', '198.51.100.7', '192.0.2.10', ICMP, echo(True, 0x1234, seq, payload), ident=seq)
        v4('inside', '192.0.2.10', '198.51.100.7', ICMP, echo(False, 0x1234, seq, payload), ident=0x100 + seq)
    quoted = ipv4('192.0.2.100', '198.51.100.80', UDP, udp('192.0.2.100', '198.51.100.80', 40001, 33434, bytes(8)))[:28]
    v4('outside', '198.51.100.1', '192.0.2.100', ICMP, icmp(3, 3, bytes(4), quoted))
    v4('outside', '198.51.100.7', '198.51.100.8', ICMP, echo(True, 7, 1, bytes(8)))
    v4('outside', '198.51.100.9', '192.0.2.10', GRE, struct.pack('!HH', 0, ETH_IPV4) + ipv4('10.9.9.9', '10.8.8.8', UDP, bytes(8)))

    # Fragments: the first fragment of a UDP answer to an ephemeral port carries the ports and
    # gets in; the second has none, so the ACL sees port 0 and denies it.
    body = bytes(rng.randrange(256) for _ in range(1800))
    first = udp('198.51.100.53', '192.0.2.100', 53, 40002, body[:1472], rest=body[1472:])
    v4('outside', '198.51.100.53', '192.0.2.100', UDP, first, ident=0x4242, mf=True, total_len=20 + 1480)
    v4('outside', '198.51.100.53', '192.0.2.100', UDP, body[1472:], ident=0x4242, frag=185)

    # IPv4 options (router alert, IHL 6) to the web server: allowed like any other.
    v4('outside', '198.51.100.23', '192.0.2.10', TCP, tcp('198.51.100.23', '192.0.2.10', 50505, 80, 5, 0, 'S'),
       options=b'\x94\x04\x00\x00')
    # A total length far beyond the frame: the parser does not check it and the ACL allows the
    # packet, so the firewall forwards it as it is (see the sample's README).
    v4('outside', '198.51.100.23', '192.0.2.10', TCP, tcp('198.51.100.23', '192.0.2.10', 50506, 443, 5, 0, 'S'),
       total_len=0xffff)

    # Spoofed or unroutable sources from the site: BCP 38 keeps them in. DHCP from 0.0.0.0 too.
    for src in ('10.0.0.5', '203.0.113.5', '192.0.3.1', '0.0.0.0'):
        dport = 67 if src == '0.0.0.0' else 123
        v4('inside', src, '255.255.255.255' if src == '0.0.0.0' else '198.51.100.7', UDP,
           udp(src, '255.255.255.255' if src == '0.0.0.0' else '198.51.100.7', 68 if src == '0.0.0.0' else 123, dport, bytes(48)))

    # Not IPv4 and not ARP: IPv6 (neighbour solicitation, a TCP SYN), LLDP, an 802.1Q-tagged
    # frame. All dropped.
    ns = icmp6('fe80::1', 'ff02::1:ff00:10', 135, 0, bytes(4) + ip6('2001:db8::10') + b'\x01\x01' + mac(FW_OUT_MAC))
    trace.at(later(), 'outside', fw_frame('outside', ETH_IPV6, ipv6('fe80::1', 'ff02::1:ff00:10', ICMP6, ns, 255)))
    trace.at(later(), 'outside', fw_frame('outside', ETH_IPV6, ipv6('2001:db8:1::7', '2001:db8::10', TCP,
                                                                    tcp6('2001:db8:1::7', '2001:db8::10', 40000, 443, 1, 'S'))))
    trace.at(later(), 'inside', fw_frame('inside', ETH_IPV6, ipv6('2001:db8::10', '2001:db8:1::7', TCP,
                                                                  tcp6('2001:db8::10', '2001:db8:1::7', 443, 40000, 1, 'SA'))))
    trace.at(later(), 'inside', ether('01:80:c2:00:00:0e', FW_IN_MAC, ETH_LLDP, lldp(FW_IN_MAC, b'ge-0/0/1')))
    trace.at(later(), 'outside', fw_frame('outside', ETH_VLAN, struct.pack('!HH', 100, ETH_IPV4) + ipv4(
        '198.51.100.7', '192.0.2.10', TCP, tcp('198.51.100.7', '192.0.2.10', 40000, 443, 1, 0, 'S'))))

    # Malformed: counted and dropped whatever the policy would say.
    good = ipv4('198.51.100.7', '192.0.2.10', TCP, tcp('198.51.100.7', '192.0.2.10', 40001, 443, 1, 0, 'S'))
    # A runt frame, shorter than an Ethernet header.
    trace.at(later(), 'outside', mac(FW_IN_MAC) + mac(FW_OUT_MAC)[:4])
    # An IPv4 header cut after 6 bytes (a 20-byte snap length).
    frame = fw_frame('outside', ETH_IPV4, good, pad=False)
    trace.at(later(), 'outside', frame[:20], original=len(frame))
    # IHL 4 (below the minimum of 5).
    trace.at(later(), 'outside', fw_frame('outside', ETH_IPV4, ipv4('198.51.100.7', '192.0.2.10', TCP, tcp(
        '198.51.100.7', '192.0.2.10', 40002, 443, 1, 0, 'S'), ihl=4)))
    # IHL 15: 40 bytes of options that the 60-byte frame does not have.
    trace.at(later(), 'outside', fw_frame('outside', ETH_IPV4, ipv4('198.51.100.7', '192.0.2.10', TCP, tcp(
        '198.51.100.7', '192.0.2.10', 40003, 443, 1, 0, 'S'), ihl=15)))
    # Version 6 in a frame that says IPv4.
    trace.at(later(), 'outside', fw_frame('outside', ETH_IPV4, ipv4('198.51.100.7', '192.0.2.10', TCP, tcp(
        '198.51.100.7', '192.0.2.10', 40004, 443, 1, 0, 'S'), version=6)))
    # A TCP header cut short (54-byte frame snapped at 44).
    frame = fw_frame('outside', ETH_IPV4, good, pad=False)
    trace.at(later(), 'outside', frame[:44], original=len(frame))
    # TCP data offsets 3 (below 5) and 15 (60 bytes of header in a 60-byte frame).
    for offset in (3, 15):
        trace.at(later(), 'outside', fw_frame('outside', ETH_IPV4, ipv4('198.51.100.7', '192.0.2.10', TCP, tcp(
            '198.51.100.7', '192.0.2.10', 40005, 443, 1, 0, 'S', data_offset=offset))))
    # A UDP header of 4 bytes, and a truncated IPv4 header from the site.
    trace.at(later(), 'outside', fw_frame('outside', ETH_IPV4, ipv4('198.51.100.7', '192.0.2.53', UDP, b'\xc3\x50\x00\x35'), pad=False))
    frame = fw_frame('inside', ETH_IPV4, ipv4('192.0.2.10', '198.51.100.7', TCP, tcp('192.0.2.10', '198.51.100.7', 443, 40000, 1, 2, 'A')), pad=False)
    trace.at(later(), 'inside', frame[:30], original=len(frame))
    trace.at(later(), 'inside', fw_frame('inside', ETH_IPV4, ipv4('192.0.2.10', '198.51.100.7', UDP, udp(
        '192.0.2.10', '198.51.100.7', 1, 2, b''), ihl=2)))

    # The routers refresh their ARP entries.
    trace.at(later(), 'outside', fw_frame('outside', ETH_ARP, arp(1, FW_OUT_MAC, '192.0.2.254', '00:00:00:00:00:00', '192.0.2.1')))
    trace.at(later(), 'inside', fw_frame('inside', ETH_ARP, arp(2, FW_IN_MAC, '192.0.2.1', FW_OUT_MAC, '192.0.2.254')))
    return trace


def firewall_loaded_rules():
    """The entries `load rules` adds after the const ones: samples/firewall/rules.txt, the default
    of param `rules` (docs/rules-files.md: one `(src, dst, protocol, dst_port) => action` per line,
    `#` or `//` comments). None when the file does not exist."""
    path = os.path.join(SAMPLES_DIR, 'firewall', 'rules.txt')
    if not os.path.exists(path):
        return None
    protocols = {'IpProto.Icmp': ICMP, 'IpProto.Tcp': TCP, 'IpProto.Udp': UDP, 'IpProto.Gre': GRE}
    rules = []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            text = line.split('#')[0].split('//')[0].strip()
            if not text:
                continue
            try:
                key, action = (part.strip() for part in text.split('=>'))
                src, dst, proto, ports = (part.strip() for part in key.strip('()').split(','))
                src = None if src == '_' else (src if '/' in src else src + '/32')
                dst = None if dst == '_' else (dst if '/' in dst else dst + '/32')
                proto = None if proto == '_' else protocols.get(proto) or int(proto, 0)
                if ports == '_':
                    ports = None
                elif '..' in ports:
                    ports = tuple(int(p, 0) for p in ports.split('..'))
                else:
                    ports = (int(ports, 0), int(ports, 0))
                ipaddress.IPv4Network(src or '0.0.0.0/0')
                ipaddress.IPv4Network(dst or '0.0.0.0/0')
                assert action in ('allow', 'deny')
            except Exception as e:
                sys.exit('make_traces.py: %s:%d: cannot model this rule (%s): %s' % (path, number, e, line.strip()))
            rules.append((src, dst, proto, ports, action))
    return rules


def make_firewall():
    ports = ['outside', 'inside']
    loaded = firewall_loaded_rules()
    model = FirewallModel(FW_ACL + (loaded or []))
    inputs, outputs, summary_in, counts = run_trace(firewall_trace(), ports, model)
    assert model.rules_hit >= set(range(len(FW_ACL))) | {len(model.acl)}, 'a const rule or the default is never used'
    unused = [i - len(FW_ACL) + 1 for i in range(len(FW_ACL), len(model.acl)) if i not in model.rules_hit]
    if unused:
        print('note: the firewall trace uses no packet for the rules on these lines of rules.txt (counting rules'
              ' only): %s' % unused)
    if loaded is None:
        print('note: samples/firewall/rules.txt does not exist: modelled without loaded rules; `applc run`'
              ' needs it (or --param rules=)')
    write_sample('firewall', ports, inputs, outputs, summary_in, counts, list(model.counters.items()))


# ---- Load balancer ---------------------------------------------------------------------------------------

LB_BACKENDS = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.2.0.1', '10.2.0.2']
LB_POOLS = [(0, 4), (4, 2)]  # (first, count) in LB_BACKENDS: the web pool, the DNS pool
LB_SERVICES = {  # (VIP, protocol, port) -> pool
    ('192.0.2.10', TCP, 80): 0,
    ('192.0.2.10', TCP, 443): 0,
    ('192.0.2.53', UDP, 53): 1,
    ('192.0.2.53', TCP, 53): 1,
}
LB_LOOKUP_SIZE = 251  # a prime
LB_OFFSET_SEED, LB_SKIP_SEED = 0x4d61676c, 0x65762d31
LB_TUNNEL_SRC, LB_OWN_MAC, LB_GATEWAY_MAC = '10.0.0.1', '02:00:00:00:00:01', '02:00:00:00:00:fe'


def fnv_step(h, word):
    """Word-wise FNV-1a: xor in a 32-bit word, multiply by the FNV prime 16777619, mod 2^32."""
    return ((h ^ word) * 16777619) & M32


def fmix32(x):
    """MurmurHash3's 32-bit finalizer."""
    x ^= x >> 16
    x = (x * 0x85ebca6b) & M32
    x ^= x >> 13
    x = (x * 0xc2b2ae35) & M32
    x ^= x >> 16
    return x


def lb_flow_hash(src, dst, protocol, sport, dport):
    h = 2166136261
    for word in (ip4n(src), ip4n(dst), (sport << 16) | dport, protocol):
        h = fnv_step(h, word)
    return fmix32(h)


def maglev_table(backends, first, count, size=LB_LOOKUP_SIZE):
    """Maglev's lookup table (Eisenbud et al., NSDI 2016, section 3.4, "Pseudocode 1") for the
    pool backends[first:first + count]: each backend's preference list is the permutation
    (offset + j * skip) mod size of the slots, offset = fmix32(FNV step(OFFSET_SEED, address)) mod
    size and skip = fmix32(FNV step(SKIP_SEED, address)) mod (size - 1) + 1; in turns, each
    backend takes the next slot of its list that is still free, until every slot is taken. Entry
    j is the index in backends of the backend of slot j."""
    pool = list(range(first, first + count))
    offsets = [fmix32(fnv_step(LB_OFFSET_SEED, ip4n(ip4(backends[b])))) % size for b in pool]
    skips = [fmix32(fnv_step(LB_SKIP_SEED, ip4n(ip4(backends[b])))) % (size - 1) + 1 for b in pool]
    nexts = [0] * count
    table = [None] * size
    filled = 0
    while True:
        for i, b in enumerate(pool):
            while True:
                slot = (offsets[i] + nexts[i] * skips[i]) % size
                nexts[i] += 1
                if table[slot] is None:
                    table[slot] = b
                    filled += 1
                    break
            if filled == size:
                return table


LB_LOOKUP = [maglev_table(LB_BACKENDS, first, count) for first, count in LB_POOLS]


def lb_pick(pool, flow):
    """Maglev: the backend of slot flow mod size of the pool's lookup table."""
    return LB_BACKENDS[LB_LOOKUP[pool][flow % LB_LOOKUP_SIZE]]


class LoadBalancerModel:
    """samples/l4lb/l4lb.appl with use_gue = false: the services table, Maglev hashing of the
    5-tuple, and IP-in-IP (RFC 2003) to the backend with an outer header of version 4, IHL 5, the
    inner DSCP, ECN 0, total length inner + 20, id 0, no flags, TTL 64, protocol 4; Ethernet
    re-addressed to the gateway. Like the firewall and the NAT, its parser stops before the
    transport header of a later fragment; packets whose total length leaves no room for the
    tunnel (over 65535 - 32) are dropped."""

    def __init__(self):
        self.counters = {'not_a_vip': 0, 'fragments': 0, 'oversized': 0, 'tunnelled': 0}
        self.backends_used = set()

    def handle(self, t, port, frame):
        if port != 'clients':
            return 'dropped', None, None  # no handler for `servers`
        try:
            h = parse(frame, fragment_state=True)
        except Malformed:
            return 'malformed', None, None
        if h.ip is None:
            self.counters['not_a_vip'] += 1
            return 'dropped', None, None
        if h.more_fragments or h.frag_offset != 0:
            self.counters['fragments'] += 1
            return 'dropped', None, None
        if h.total_len > 65535 - 32:
            self.counters['oversized'] += 1
            return 'dropped', None, None
        ports = h.ports()
        if ports is None:
            self.counters['not_a_vip'] += 1
            return 'dropped', None, None
        service = LB_SERVICES.get((ip4s(h.dst), h.protocol, ports[1]))
        if service is None:
            self.counters['not_a_vip'] += 1
            return 'dropped', None, None
        flow = lb_flow_hash(h.src, h.dst, h.protocol, ports[0], ports[1])
        backend = lb_pick(service, flow)
        self.backends_used.add(backend)
        outer = ipv4(LB_TUNNEL_SRC, backend, IPIP, b'', dscp=h.dscp, total_len=h.total_len + 20)
        self.counters['tunnelled'] += 1
        return 'forward', 'servers', mac(LB_GATEWAY_MAC) + mac(LB_OWN_MAC) + frame[12:14] + outer + frame[14:]


LB_ROUTER_MAC = '02:00:00:00:00:aa'


def lb_frame(ip_packet, pad=True):
    return ether(LB_OWN_MAC, LB_ROUTER_MAC, ETH_IPV4, ip_packet, pad)


def l4lb_trace():
    trace = Trace(seed=0x14B, start_s=1_700_003_600)
    rng = trace.rng
    t = 0

    def later(lo=200, hi=20000):
        nonlocal t
        t += rng.randrange(lo, hi)
        return t

    def client_side(segment_args, dscp=0, ecn=0):
        src, dst, sp, dp, seq, ack, flags, payload, options, ident = segment_args
        return lb_frame(ipv4(src, dst, TCP, tcp(src, dst, sp, dp, seq, ack, flags, payload, options=options),
                             ident=ident, df=True, dscp=dscp, ecn=ecn))

    # Web connections to the VIP, ports 80 and 443, from many clients; the answers go straight
    # back from the backends (direct server return), so only the client's half is seen here.
    clients = ['198.51.100.%d' % i for i in (7, 8, 23, 77, 140, 201)] + ['203.0.113.%d' % i for i in (5, 45, 99)]
    for i in range(14):
        client = clients[i % len(clients)]
        port = 443 if i % 3 else 80
        request = tls_hello(rng, 517) if port == 443 else http_request('www.example.com', '/p/%d' % i)
        marked = i % 5 == 0  # some clients mark their traffic: DSCP EF or AF41, and ECT(0)
        dscp, ecn = ((46, 2) if i % 10 == 0 else (34, 1)) if marked else (0, 0)
        tcp_conversation(trace, later(1000, 120000), 'clients', client, rng.randrange(32768, 61000), '192.0.2.10',
                         port, request, [1448, 300],
                         wrap_client=lambda args, d=dscp, e=ecn: client_side(args, d, e), wrap_server='skip')
    # A large request (1500-byte inner packet: 1520 bytes of tunnel).
    src = '203.0.113.99'
    trace.at(later(), 'clients', lb_frame(ipv4(src, '192.0.2.10', TCP, tcp(src, '192.0.2.10', 55555, 443, 77, 99, 'A',
                                                                            bytes(rng.randrange(256) for _ in range(1460))))))
    # A client with IPv4 options (IHL 6): tunnelled unchanged.
    trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.8', '192.0.2.10', TCP, tcp('198.51.100.8', '192.0.2.10', 40404, 80, 1, 0, 'S'),
                                                options=b'\x94\x04\x00\x00')))

    # DNS over UDP and TCP to the second VIP, with and without UDP checksums.
    for i in range(10):
        client = rng.choice(clients)
        query = dns_query(rng, 'name%d.example.org' % i)
        trace.at(later(), 'clients', lb_frame(ipv4(client, '192.0.2.53', UDP, udp(
            client, '192.0.2.53', rng.randrange(1024, 65536), 53, query, checksum=0 if i == 3 else None),
            ident=rng.randrange(65536))))
    query = dns_query(rng, 'zone.example.org', qtype=252)
    tcp_conversation(trace, later(), 'clients', '198.51.100.140', 43210, '192.0.2.53', 53,
                     struct.pack('!H', len(query)) + query, [1448, 1448, 200],
                     wrap_client=client_side, wrap_server='skip')

    # Not a service: other ports of the VIPs, QUIC (UDP 443) to the web VIP, an address that is no
    # VIP, ICMP to a VIP, ARP, IPv6.
    for dst, proto, dport in (('192.0.2.10', TCP, 22), ('192.0.2.10', UDP, 443), ('192.0.2.53', TCP, 80),
                              ('192.0.2.99', TCP, 80), ('192.0.2.53', UDP, 5353)):
        client = rng.choice(clients)
        segment = tcp(client, dst, 40000, dport, 1, 0, 'S') if proto == TCP else udp(client, dst, 40000, dport, bytes(32))
        trace.at(later(), 'clients', lb_frame(ipv4(client, dst, proto, segment)))
    trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.7', '192.0.2.10', ICMP, echo(True, 9, 1, bytes(56)))))
    trace.at(later(), 'clients', ether('ff:ff:ff:ff:ff:ff', LB_ROUTER_MAC, ETH_ARP,
                                       arp(1, LB_ROUTER_MAC, '192.0.2.1', '00:00:00:00:00:00', '192.0.2.10')))
    trace.at(later(), 'clients', ether(LB_OWN_MAC, LB_ROUTER_MAC, ETH_IPV6, ipv6('2001:db8:1::7', '2001:db8::10', TCP,
                                                                                   tcp6('2001:db8:1::7', '2001:db8::10', 40000, 443, 1, 'S'))))

    # Fragments of a large DNS query over UDP: both are counted as fragments.
    body = bytes(rng.randrange(256) for _ in range(1600))
    first = udp('198.51.100.23', '192.0.2.53', 53000, 53, body[:1472], rest=body[1472:])
    trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.23', '192.0.2.53', UDP, first, ident=0x5151, mf=True,
                                                total_len=20 + 1480)))
    trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.23', '192.0.2.53', UDP, body[1472:], ident=0x5151, frag=185)))
    # The last fragment of a TCP segment, 12 bytes: the parser stops before the transport header
    # of a later fragment, so it is counted as a fragment, not as malformed.
    trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.23', '192.0.2.10', TCP, bytes(12), ident=0x5252, frag=3)))
    # A SYN to the web VIP claiming a total length of 65530: the tunnel header would not fit in
    # the outer length, so it is counted as oversized and dropped.
    trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.7', '192.0.2.10', TCP, tcp(
        '198.51.100.7', '192.0.2.10', 40004, 443, 1, 0, 'S'), total_len=65530)))

    # Malformed.
    good = ipv4('198.51.100.7', '192.0.2.10', TCP, tcp('198.51.100.7', '192.0.2.10', 40001, 443, 1, 0, 'S'))
    trace.at(later(), 'clients', mac(LB_OWN_MAC)[:5])
    frame = lb_frame(good, pad=False)
    trace.at(later(), 'clients', frame[:30], original=len(frame))
    trace.at(later(), 'clients', frame[:50], original=len(frame))
    for kw in ({'ihl': 4}, {'ihl': 15}, {'version': 5}):
        trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.7', '192.0.2.10', TCP, tcp(
            '198.51.100.7', '192.0.2.10', 40002, 443, 1, 0, 'S'), **kw)))
    trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.7', '192.0.2.10', TCP, tcp(
        '198.51.100.7', '192.0.2.10', 40003, 443, 1, 0, 'S', data_offset=4))))
    trace.at(later(), 'clients', lb_frame(ipv4('198.51.100.7', '192.0.2.53', UDP, b'\x00\x35\x00'), pad=False))
    return trace


def make_l4lb():
    ports = ['clients', 'servers']
    model = LoadBalancerModel()
    inputs, outputs, summary_in, counts = run_trace(l4lb_trace(), ports, model, nanos_ports=('clients',),
                                                    jitter_ns=jitter)
    assert model.backends_used == set(LB_BACKENDS), 'a backend gets no traffic'
    write_sample('l4lb', ports, inputs, outputs, summary_in, counts, list(model.counters.items()),
                 nanos_ports=('clients',))


# ---- NAT -----------------------------------------------------------------------------------------------

NAT_PUBLIC = '203.0.113.1'
NAT_PORT_FIRST, NAT_PORT_LAST, NAT_SECRET = 1024, 65535, 0x9e3779b9
NAT_IDLE_NS = 5 * 60 * 1_000_000_000
NAT_REPORT_NS = 10 * 1_000_000_000
NAT_PROBES = 16


def nat_port_offset(protocol, inside_ip, inside_port, remote_ip, remote_port):
    h = fnv_step(2166136261, NAT_SECRET)
    for word in (ip4n(ip4(inside_ip)), (inside_port << 16) | remote_port, ip4n(ip4(remote_ip)), protocol):
        h = fnv_step(h, word)
    return fmix32(h)


def nat_candidate(offset, attempt):
    span = NAT_PORT_LAST - NAT_PORT_FIRST + 1
    return NAT_PORT_FIRST + ((offset + attempt) & M32) % span


class ExpiringMap:
    """A map whose entries go when idle for `idle` ns: an entry last touched at t is gone for any
    operation at now >= t + idle. get and put touch; contains does not."""

    def __init__(self, idle):
        self.idle = idle
        self.entries = {}

    def expire(self, now):
        for k in [k for k, (_, touched) in self.entries.items() if now - touched >= self.idle]:
            del self.entries[k]

    def contains(self, now, key):
        self.expire(now)
        return key in self.entries

    def get(self, now, key):
        self.expire(now)
        if key not in self.entries:
            return None
        value = self.entries[key][0]
        self.entries[key] = (value, now)
        return value

    def put(self, now, key, value):
        self.expire(now)
        self.entries[key] = (value, now)

    def size(self, now):
        self.expire(now)
        return len(self.entries)


class NatModel:
    """samples/nat/nat.appl: NAPT of TCP and UDP to public_ip with a keyed-hash port choice
    (RFC 6056 §3.3.3) probing up to 16 ports, endpoint-dependent bindings that idle out after
    5 minutes, RFC 1624 checksum updates (a UDP checksum of 0 stays 0, a computed 0 becomes
    0xffff), ARP bridged. Its `report` timer runs as `applc run` runs timers: first 10 s after the
    first packet, then every 10 s, each firing before any packet captured at or after its time."""

    def __init__(self):
        self.outbound = ExpiringMap(NAT_IDLE_NS)  # (proto, inside ip, inside port, remote ip, remote port) -> public port
        self.inbound = ExpiringMap(NAT_IDLE_NS)  # (proto, remote ip, remote port, public port) -> (inside ip, port)
        self.counters = {c: 0 for c in ('translated_out', 'translated_in', 'new_bindings', 'no_port', 'unsolicited',
                                        'untranslatable', 'bridged', 'not_ip', 'bindings_in_use', 'peak_bindings')}
        self.timer_due = None
        self.ports_given = {}  # every binding ever made: flow -> public port (for the remote side's answers)
        self.checked = 0
        self.seen = set()  # edge cases the trace went through

    def handle(self, t, port, frame):
        if self.timer_due is None:
            self.timer_due = t + NAT_REPORT_NS
        while self.timer_due <= t:
            in_use = self.outbound.size(self.timer_due)
            self.counters['bindings_in_use'] = in_use
            self.counters['peak_bindings'] = max(self.counters['peak_bindings'], in_use)
            self.timer_due += NAT_REPORT_NS
        try:
            h = parse(frame, fragment_state=True)
        except Malformed:
            return 'malformed', None, None
        if h.ip is None:
            if h.eth_type == ETH_ARP:
                self.counters['bridged'] += 1
                return 'forward', 'outside' if port == 'inside' else 'inside', frame
            self.counters['not_ip'] += 1
            return 'dropped', None, None
        return (self.from_inside if port == 'inside' else self.from_outside)(t, h)

    def from_inside(self, now, h):
        ports = h.ports()
        if ports is None:
            self.counters['untranslatable'] += 1
            return 'dropped', None, None
        inside_ip, remote_ip = ip4s(h.src), ip4s(h.dst)
        flow = (h.protocol, inside_ip, ports[0], remote_ip, ports[1])
        if not self.outbound.contains(now, flow):
            offset = nat_port_offset(*flow)
            bound = False
            for attempt in range(NAT_PROBES):
                public_port = nat_candidate(offset, attempt)
                back = (h.protocol, remote_ip, ports[1], public_port)
                if not self.inbound.contains(now, back):
                    self.inbound.put(now, back, (inside_ip, ports[0]))
                    self.outbound.put(now, flow, public_port)
                    bound = True
                    if attempt > 0:
                        self.seen.add('probed on')
                    if public_port < nat_candidate(offset, 0):
                        self.seen.add('wrapped to port_first')
                    break
            if not bound:
                self.counters['no_port'] += 1
                return 'dropped', None, None
            self.counters['new_bindings'] += 1
            if flow in self.ports_given:
                self.seen.add('bound again after expiry')
            self.ports_given[flow] = public_port
        public_port = self.outbound.get(now, flow)
        self.inbound.put(now, (h.protocol, remote_ip, ports[1], public_port), (inside_ip, ports[0]))
        frame = self.rewrite(h, 12, ip4(NAT_PUBLIC), 0, public_port)
        self.counters['translated_out'] += 1
        return 'forward', 'outside', frame

    def from_outside(self, now, h):
        if ip4s(h.dst) != NAT_PUBLIC:
            self.counters['untranslatable'] += 1
            return 'dropped', None, None
        ports = h.ports()
        if ports is None:
            self.counters['untranslatable'] += 1
            return 'dropped', None, None
        remote_ip = ip4s(h.src)
        back = (h.protocol, remote_ip, ports[0], ports[1])
        dest = self.inbound.get(now, back)
        if dest is None:
            if (h.protocol, remote_ip, ports[0]) in [(f[0], f[3], f[4]) for f in self.ports_given]:
                self.seen.add('answer from a known endpoint refused')
            self.counters['unsolicited'] += 1
            return 'dropped', None, None
        self.outbound.put(now, (h.protocol, dest[0], dest[1], remote_ip, ports[0]), ports[1])
        frame = self.rewrite(h, 16, ip4(dest[0]), 2, dest[1])
        self.counters['translated_in'] += 1
        return 'forward', 'inside', frame

    def rewrite(self, h, address_at, new_address, port_at, new_port):
        """Replaces the IPv4 source (address_at 12) or destination (16) address and the TCP/UDP
        source (port_at 0) or destination (2) port, updating the checksums per RFC 1624."""
        frame = bytearray(h.frame)
        ip = h.ip
        old_address = bytes(frame[ip + address_at:ip + address_at + 4])
        was_correct = self.transport_checksum_correct(h, bytes(frame))
        ip_checksum = h.u16(ip + 10)
        frame[ip + address_at:ip + address_at + 4] = new_address
        struct.pack_into('!H', frame, ip + 10, rfc1624(ip_checksum, words32(old_address), words32(new_address)))
        assert inet_checksum(bytes(frame[ip:ip + h.ihl * 4])) == 0, 'IPv4 checksum update'
        at = h.tcp if h.tcp is not None else h.udp
        checksum_at = at + (16 if h.tcp is not None else 6)
        old_port = h.u16(at + port_at)
        checksum = h.u16(checksum_at)
        if h.udp is not None and checksum == 0:
            self.seen.add('udp without checksum')
        if h.udp is not None and checksum == 0xffff:
            self.seen.add('udp checksum 0xffff in')
        if h.tcp is not None or checksum != 0:
            checksum = rfc1624(checksum, words32(old_address) + [old_port], words32(new_address) + [new_port])
            if h.udp is not None and checksum == 0:
                checksum = 0xffff
                self.seen.add('udp checksum 0 sent as 0xffff')
        if h.ihl > 5:
            self.seen.add('ip options')
        struct.pack_into('!H', frame, checksum_at, checksum)
        struct.pack_into('!H', frame, at + port_at, new_port)
        if was_correct:
            assert self.transport_checksum_correct(h, bytes(frame)), 'transport checksum update'
            self.checked += 1
        return bytes(frame)

    @staticmethod
    def transport_checksum_correct(h, frame):
        """Whether the TCP/UDP checksum of a complete, unfragmented datagram verifies (a UDP
        checksum 0 is "none" and not checked)."""
        if h.more_fragments or h.frag_offset != 0:
            return False
        at = h.tcp if h.tcp is not None else h.udp
        end = h.ip + h.total_len
        if end > len(frame):
            return False
        segment = frame[at:end]
        if h.udp is not None and segment[6:8] == b'\0\0':
            return False
        return ones_sum(pseudo4(frame[h.ip + 12:h.ip + 16], frame[h.ip + 16:h.ip + 20], h.protocol,
                                len(segment)) + segment) == 0xffff


NAT_IN_MAC, NAT_OUT_MAC = '02:00:00:00:00:01', '02:00:00:00:00:fe'


def nat_frame(port, payload, ethertype=ETH_IPV4, pad=True):
    if port == 'inside':
        return ether(NAT_OUT_MAC, NAT_IN_MAC, ethertype, payload, pad)
    return ether(NAT_IN_MAC, NAT_OUT_MAC, ethertype, payload, pad)


def find_flow(protocol, host, remote_ip, remote_port, want_start, skip=()):
    """An inside port of `host` whose hashed start port is `want_start` (for the probing tests)."""
    for port in range(1024, 65536):
        if port in skip:
            continue
        if nat_candidate(nat_port_offset(protocol, host, port, remote_ip, remote_port), 0) == want_start:
            return port
    raise AssertionError('no inside port hashes to %d' % want_start)


def find_flow_any(protocol, hosts, remote_ip, remote_port, want_start):
    for host in hosts:
        try:
            return host, find_flow(protocol, host, remote_ip, remote_port, want_start)
        except AssertionError:
            pass
    raise AssertionError('no flow hashes to %d' % want_start)


def nat_trace():
    trace = Trace(seed=0x4A7, start_s=1_700_007_200)
    rng = trace.rng
    hosts = ['192.168.1.10', '192.168.1.20', '192.168.1.30', '192.168.1.40']

    def public_port(model, flow):
        return model.ports_given[flow]

    def out_tcp(time, src, sport, dst, dport, seq, ack, flags, payload=b'', options=b'', **ip_kw):
        trace.at(time, 'inside', nat_frame('inside', ipv4(src, dst, TCP, tcp(src, dst, sport, dport, seq, ack, flags, payload,
                                                                              options=options), **ip_kw)))

    def in_tcp(time, remote, rport, flow, seq, ack, flags, payload=b'', options=b'', bad_checksum=False):
        def build(model):
            pport = public_port(model, flow)
            segment = tcp(remote, NAT_PUBLIC, rport, pport, seq, ack, flags, payload, options=options)
            if bad_checksum:
                segment = segment[:16] + struct.pack('!H', int.from_bytes(segment[16:18], 'big') ^ 0x0101) + segment[18:]
            return nat_frame('outside', ipv4(remote, NAT_PUBLIC, TCP, segment, ident=rng.randrange(65536), df=True))
        trace.at(time, 'outside', build)

    def out_udp(time, src, sport, dst, dport, payload, checksum=None):
        trace.at(time, 'inside', nat_frame('inside', ipv4(src, dst, UDP, udp(src, dst, sport, dport, payload, checksum=checksum),
                                                          ident=rng.randrange(65536))))

    def in_udp(time, remote, rport, flow, payload, checksum=None):
        def build(model):
            pport = public_port(model, flow)
            return nat_frame('outside', ipv4(remote, NAT_PUBLIC, UDP, udp(remote, NAT_PUBLIC, rport, pport, payload,
                                                                          checksum=checksum), ident=rng.randrange(65536)))
        trace.at(time, 'outside', build)

    def tcp_session(t0, host, sport, remote, rport, request, sizes, bad_reply=False):
        cseq, sseq = rng.randrange(1 << 32), rng.randrange(1 << 32)
        flow = (TCP, host, sport, remote, rport)
        t = t0
        out_tcp(t, host, sport, remote, rport, cseq, 0, 'S', options=syn_options(rng), df=True)
        t += rng.randrange(5000, 40000)
        in_tcp(t, remote, rport, flow, sseq, cseq + 1, 'SA', options=syn_options(rng))
        t += rng.randrange(100, 2000)
        out_tcp(t, host, sport, remote, rport, cseq + 1, sseq + 1, 'A', df=True)
        t += rng.randrange(100, 2000)
        out_tcp(t, host, sport, remote, rport, cseq + 1, sseq + 1, 'PA', request, df=True)
        s = sseq + 1
        for i, size in enumerate(sizes):
            t += rng.randrange(5000, 40000)
            in_tcp(t, remote, rport, flow, s, cseq + 1 + len(request), 'A', bytes(rng.randrange(256) for _ in range(size)),
                   bad_checksum=bad_reply and i == 0)
            s += size
        t += rng.randrange(100, 2000)
        out_tcp(t, host, sport, remote, rport, cseq + 1 + len(request), s, 'FA', df=True)
        t += rng.randrange(5000, 40000)
        in_tcp(t, remote, rport, flow, s, cseq + 2 + len(request), 'FA')
        t += rng.randrange(100, 2000)
        out_tcp(t, host, sport, remote, rport, cseq + 2 + len(request), s + 1, 'A', df=True)
        return t

    # ARP between the routers.
    trace.at(1000, 'inside', nat_frame('inside', arp(1, NAT_IN_MAC, '203.0.113.2', '00:00:00:00:00:00', '203.0.113.254'), ETH_ARP))
    trace.at(1900, 'outside', nat_frame('outside', arp(2, NAT_OUT_MAC, '203.0.113.254', NAT_IN_MAC, '203.0.113.2'), ETH_ARP))

    # Web browsing: TCP sessions from the site's hosts to a few servers (one with a reply whose
    # checksum is wrong on arrival: the incremental update keeps it wrong, RFC 1624 §1).
    t = 10_000
    remotes = [('198.51.100.7', 443), ('93.184.216.34', 80), ('198.51.100.80', 443), ('192.0.2.44', 8443)]
    for i in range(9):
        host = hosts[i % len(hosts)]
        remote, rport = remotes[i % len(remotes)]
        request = http_request('example.com', '/%d' % i) if rport == 80 else tls_hello(rng, 300)
        tcp_session(t, host, rng.randrange(32768, 61000), remote, rport, request, [1448, rng.randrange(200, 1400)],
                    bad_reply=i == 4)
        t += rng.randrange(400_000, 3_000_000)
    # The spec's own example flow, with IPv4 options (IHL 6) on the way out.
    out_tcp(t, '192.168.1.10', 40000, '198.51.100.7', 443, 1000, 0, 'S')
    tcp_session(t + 3000, '192.168.1.30', 44444, '198.51.100.7', 443, tls_hello(rng, 200), [600])
    trace.at(t + 1500, 'inside', nat_frame('inside', ipv4('192.168.1.40', '198.51.100.80', TCP, tcp(
        '192.168.1.40', '198.51.100.80', 50123, 443, 5, 0, 'S'), options=b'\x94\x04\x00\x00')))
    in_tcp(t + 30000, '198.51.100.80', 443, (TCP, '192.168.1.40', 50123, '198.51.100.80', 443), 9, 6, 'SA')

    # Two connections to the same remote endpoint whose hashes start at the same public port:
    # the second probes on to the next port. And at the top of the range the probe wraps to 1024.
    t += 5_000_000
    remote = ('198.51.100.7', 443)
    a_port = 47000
    a_start = nat_candidate(nat_port_offset(TCP, '192.168.1.20', a_port, *remote), 0)
    b_host, b_port = find_flow_any(TCP, [h for h in hosts if h != '192.168.1.20'], remote[0], remote[1], a_start)
    tcp_session(t, '192.168.1.20', a_port, remote[0], remote[1], tls_hello(rng, 250), [900])
    tcp_session(t + 200_000, b_host, b_port, remote[0], remote[1], tls_hello(rng, 250), [900])
    top = NAT_PORT_LAST
    c_host, c_port = find_flow_any(UDP, hosts, '198.51.100.53', 53, top)
    d_host, d_port = find_flow_any(UDP, [h for h in hosts if h != c_host] + [c_host], '198.51.100.53', 53, top)
    if (d_host, d_port) == (c_host, c_port):
        d_port = find_flow(UDP, d_host, '198.51.100.53', 53, top, skip=(c_port,))
    t += 1_000_000
    for host, port in ((c_host, c_port), (d_host, d_port)):
        query = dns_query(rng, 'probe.example.net')
        out_udp(t, host, port, '198.51.100.53', 53, query)
        in_udp(t + 12_000, '198.51.100.53', 53, (UDP, host, port, '198.51.100.53', 53), dns_answer(query, '192.0.2.7'))
        t += 50_000

    # DNS over UDP: with checksums, without (0 stays 0), one whose translated checksum comes out
    # 0 (sent as 0xffff), one answer whose checksum was sent as 0xffff.
    t += 500_000
    for i in range(8):
        host, sport = rng.choice(hosts), rng.randrange(1024, 65536)
        query = dns_query(rng, 'www%d.example.org' % i)
        no_checksum = i in (2, 5)
        out_udp(t, host, sport, '198.51.100.53', 53, query, checksum=0 if no_checksum else None)
        in_udp(t + rng.randrange(3000, 30000), '198.51.100.53', 53, (UDP, host, sport, '198.51.100.53', 53),
               dns_answer(query, '192.0.2.%d' % (30 + i)), checksum=0 if no_checksum else None)
        t += rng.randrange(100_000, 900_000)
    # Pick two payload bytes so that the datagram's checksum after translation is exactly 0.
    host, sport, dst = '192.168.1.30', 33333, '198.51.100.54'
    flow_port = nat_candidate(nat_port_offset(UDP, host, sport, dst, 53), 0)
    base = bytearray(b'\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00')
    translated = pseudo4(ip4(NAT_PUBLIC), ip4(dst), UDP, 8 + len(base)) + struct.pack('!HHHH', flow_port, 53, 8 + len(base), 0) + bytes(base)
    fill = (0xffff - ones_sum(translated)) & 0xffff  # then the sum is 0xffff and the checksum 0
    base[-2:] = struct.pack('!H', fill)
    assert inet_checksum(pseudo4(ip4(NAT_PUBLIC), ip4(dst), UDP, 8 + len(base)) + struct.pack('!HHHH', flow_port, 53, 8 + len(base), 0) + bytes(base)) == 0
    out_udp(t, host, sport, dst, 53, bytes(base))
    # The answer: choose its last two bytes so that its own checksum computes to 0 (sent 0xffff).
    answer = bytearray(b'\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00')
    received = pseudo4(ip4(dst), ip4(NAT_PUBLIC), UDP, 8 + len(answer)) + struct.pack('!HHHH', 53, flow_port, 8 + len(answer), 0) + bytes(answer)
    answer[-2:] = struct.pack('!H', (0xffff - ones_sum(received)) & 0xffff)
    in_udp(t + 9000, dst, 53, (UDP, host, sport, dst, 53), bytes(answer))
    t += 400_000

    # Endpoint-dependent filtering and other things that do not get in: another remote port,
    # another remote host, a scan of the public address, another address, ICMP.
    flow = (TCP, '192.168.1.10', 40000, '198.51.100.7', 443)
    in_tcp(t, '198.51.100.7', 8443, flow, 1, 1, 'SA')
    in_tcp(t + 1000, '198.51.100.8', 443, flow, 1, 1, 'SA')
    t += 5000
    for dport in (22, 23, 80, 443, 3389, 8080):
        trace.at(t, 'outside', nat_frame('outside', ipv4('45.33.32.156', NAT_PUBLIC, TCP, tcp(
            '45.33.32.156', NAT_PUBLIC, 61000, dport, 77, 0, 'S', window=1024))))
        t += rng.randrange(300, 3000)
    trace.at(t, 'outside', nat_frame('outside', ipv4('198.51.100.53', '203.0.113.2', UDP, udp('198.51.100.53', '203.0.113.2', 53, 35477, bytes(20)))))
    t += 2000
    trace.at(t, 'inside', nat_frame('inside', ipv4('192.168.1.10', '198.51.100.7', ICMP, echo(True, 0x77, 1, bytes(56)))))
    t += 2000
    trace.at(t, 'outside', nat_frame('outside', ipv4('198.51.100.7', NAT_PUBLIC, ICMP, echo(False, 0x77, 1, bytes(56)))))
    t += 2000
    trace.at(t, 'outside', nat_frame('outside', ipv4('198.51.100.1', NAT_PUBLIC, ICMP, icmp(3, 4, struct.pack('!HH', 0, 1400), bytes(28)))))
    t += 2000
    trace.at(t, 'inside', nat_frame('inside', ipv4('192.168.1.20', '198.51.100.9', GRE, bytes(24))))

    # Fragments from inside: the first (with the UDP header) is translated, the second cannot be.
    t += 300_000
    body = bytes(rng.randrange(256) for _ in range(2000))
    sport = 5004
    first = udp('192.168.1.40', '198.51.100.99', sport, 5004, body[:1472], rest=body[1472:])
    trace.at(t, 'inside', nat_frame('inside', ipv4('192.168.1.40', '198.51.100.99', UDP, first, ident=0x6161, mf=True, total_len=1500)))
    trace.at(t + 100, 'inside', nat_frame('inside', ipv4('192.168.1.40', '198.51.100.99', UDP, body[1472:], ident=0x6161, frag=185)))

    # Not IPv4: IPv6 both ways, LLDP.
    t += 100_000
    trace.at(t, 'inside', nat_frame('inside', ipv6('2001:db8::10', '2001:db8:1::7', TCP, tcp6('2001:db8::10', '2001:db8:1::7', 40000, 443, 1, 'S')), ETH_IPV6))
    ns = icmp6('fe80::fe', 'ff02::1', 134, 0, struct.pack('!BBHII', 64, 0, 1800, 0, 0))
    trace.at(t + 5000, 'outside', nat_frame('outside', ipv6('fe80::fe', 'ff02::1', ICMP6, ns, 255), ETH_IPV6))
    trace.at(t + 9000, 'inside', ether('01:80:c2:00:00:0e', NAT_IN_MAC, ETH_LLDP, lldp(NAT_IN_MAC, b'eth1')))

    # Malformed, from both sides.
    t += 200_000
    good = ipv4('192.168.1.10', '198.51.100.7', TCP, tcp('192.168.1.10', '198.51.100.7', 40000, 443, 1, 0, 'S'))
    frame = nat_frame('inside', good, pad=False)
    trace.at(t, 'inside', frame[:24], original=len(frame))
    trace.at(t + 1000, 'inside', frame[:40], original=len(frame))
    trace.at(t + 2000, 'inside', nat_frame('inside', ipv4('192.168.1.10', '198.51.100.7', TCP, tcp(
        '192.168.1.10', '198.51.100.7', 40000, 443, 1, 0, 'S'), ihl=4)))
    trace.at(t + 3000, 'outside', nat_frame('outside', ipv4('198.51.100.7', NAT_PUBLIC, TCP, tcp(
        '198.51.100.7', NAT_PUBLIC, 443, 53944, 1, 0, 'SA'), ihl=15)))
    trace.at(t + 4000, 'outside', nat_frame('outside', ipv4('198.51.100.7', NAT_PUBLIC, TCP, tcp(
        '198.51.100.7', NAT_PUBLIC, 443, 53944, 1, 0, 'SA'), version=6)))
    trace.at(t + 5000, 'outside', nat_frame('outside', ipv4('198.51.100.7', NAT_PUBLIC, TCP, tcp(
        '198.51.100.7', NAT_PUBLIC, 443, 53944, 1, 0, 'SA', data_offset=0))))
    trace.at(t + 6000, 'outside', nat_frame('outside', ipv4('198.51.100.53', NAT_PUBLIC, UDP, b'\x00\x35\x8a'), pad=False))
    trace.at(t + 7000, 'outside', mac(NAT_IN_MAC) + mac(NAT_OUT_MAC))

    # A quiet DNS flow: asked at about 40 s, answered again after more than 5 minutes idle. By
    # then its binding has expired, so the late answer is unsolicited; the host's next query
    # makes a new binding (with the same public port: the hash has not changed).
    late_flow = (UDP, '192.168.1.20', 41414, '198.51.100.53', 53)
    out_udp(40_000_000, '192.168.1.20', 41414, '198.51.100.53', 53, dns_query(rng, 'slow.example.org'))
    in_udp(40_020_000, '198.51.100.53', 53, late_flow, dns_answer(dns_query(rng, 'slow.example.org'), '192.0.2.99'))
    # A long-lived TCP connection that keeps talking every 20-60 s: it never idles out.
    keep = (TCP, '192.168.1.30', 52000, '198.51.100.80', 443)
    out_tcp(45_000_000, '192.168.1.30', 52000, '198.51.100.80', 443, 100, 0, 'S', options=syn_options(rng), df=True)
    in_tcp(45_030_000, '198.51.100.80', 443, keep, 900, 101, 'SA', options=syn_options(rng))
    when, seq = 46_000_000, 101
    while when < 400_000_000:
        when += rng.randrange(20_000_000, 60_000_000)
        out_tcp(when, '192.168.1.30', 52000, '198.51.100.80', 443, seq, 901, 'PA', b'ping', df=True)
        in_tcp(when + rng.randrange(10_000, 50_000), '198.51.100.80', 443, keep, 901, seq + 4, 'A')
        seq += 4
    in_udp(40_020_000 + 310_000_000, '198.51.100.53', 53, late_flow, dns_answer(dns_query(rng, 'slow.example.org'), '192.0.2.99'))
    out_udp(40_020_000 + 312_000_000, '192.168.1.20', 41414, '198.51.100.53', 53, dns_query(rng, 'slow.example.org'))
    in_udp(40_020_000 + 312_030_000, '198.51.100.53', 53, late_flow, dns_answer(dns_query(rng, 'slow.example.org'), '192.0.2.99'))
    # A few late browsing sessions after the early ones have idled out.
    t = 380_000_000
    for i in range(3):
        host = hosts[i]
        remote, rport = remotes[i]
        tcp_session(t, host, rng.randrange(32768, 61000), remote, rport, tls_hello(rng, 200), [700])
        t += rng.randrange(1_000_000, 4_000_000)
    trace.at(t + 100_000, 'outside', nat_frame('outside', arp(1, NAT_OUT_MAC, '203.0.113.254', '00:00:00:00:00:00', '203.0.113.2'), ETH_ARP))
    trace.at(t + 100_400, 'inside', nat_frame('inside', arp(2, NAT_IN_MAC, '203.0.113.2', NAT_OUT_MAC, '203.0.113.254'), ETH_ARP))
    return trace


def make_nat():
    ports = ['inside', 'outside']
    model = NatModel()
    inputs, outputs, summary_in, counts = run_trace(nat_trace(), ports, model)
    assert model.checked > 50, model.checked
    missing = {'probed on', 'wrapped to port_first', 'bound again after expiry', 'answer from a known endpoint refused',
               'udp without checksum', 'udp checksum 0xffff in', 'udp checksum 0 sent as 0xffff', 'ip options'} - model.seen
    assert not missing, 'the trace misses %s' % missing
    write_sample('nat', ports, inputs, outputs, summary_in, counts, list(model.counters.items()))


SAMPLES = {'firewall': make_firewall, 'l4lb': make_l4lb, 'nat': make_nat}


def main(argv):
    names = argv[1:] or list(SAMPLES)
    for name in names:
        if name not in SAMPLES:
            sys.exit('make_traces.py: no sample %r (samples: %s)' % (name, ', '.join(SAMPLES)))
        SAMPLES[name]()


if __name__ == '__main__':
    main(sys.argv)
