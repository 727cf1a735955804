#!/usr/bin/env python3
"""Where a UdpPathBenchmark run's CPU time goes, per datagram: `bench/io-profile` runs it under
`perf record -g` and hands `perf script` output to this script.

    python3 bench/io-profile.py PERF_SCRIPT_OUTPUT [DATAGRAMS] [HZ]

Each sample of a server thread (appl's worker `appl-worker-0`, of the AF_XDP driver when any of
its samples has XdpEndpoint's frames, or a `DatagramChannel` loop's thread, told apart from the
load generator by the Java frames of its stacks) is put in one
category by its stack: the system call it is inside (recvmmsg, sendmmsg, recvfrom, sendto; a send
on loopback includes delivering the datagram to the receiver, which Linux does on the sender's
CPU), other kernel work, Java code, or the JVM and libc. The receive rounds come before the first
sendmmsg of appl's worker; DATAGRAMS is how many each server handled in each mode (5 rounds of
100,000 by default), HZ the sampling frequency (4999).
"""

import collections
import re
import sys

SYSCALLS = [('recvmmsg', 'kernel: recvmmsg'), ('sendmmsg', 'kernel: sendmmsg, with loopback delivery'),
            ('sys_recvfrom', 'kernel: recvfrom'), ('sys_sendto', 'kernel: sendto, with loopback delivery'),
            ('sys_poll', 'kernel: poll')]


def samples(path):
    """(comm, tid, time, [(symbol, dso)] leaf first) for each sample."""
    current = None
    for line in open(path, errors='replace'):
        if not line.strip():
            if current:
                yield current
            current = None
        elif line[0] not in ' \t':
            m = re.match(r'^(.*?)\s+(\d+)\s+([\d.]+):', line)
            current = (m.group(1), m.group(2), float(m.group(3)), []) if m else None
        elif current is not None:
            m = re.match(r'\s*[0-9a-f]+ (.*) \((.*)\)$', line.rstrip())
            if m:
                current[3].append((m.group(1), m.group(2)))
    if current:
        yield current


def category(frames):
    if not frames:
        return 'unknown'
    stack = ' '.join(f[0] for f in frames)
    if 'kallsyms' not in frames[0][1]:
        leaf = frames[0][1]
        if '[JIT]' in leaf or leaf.startswith('perf-') or frames[0][0].startswith(('int ', 'void ', 'long ', 'boolean ')) \
                or 'Interpreter' in frames[0][0] or '.' in frames[0][0].split('(')[0]:
            return 'user: Java code'
        return 'user: JVM and libc'
    for key, name in SYSCALLS:
        if key in stack:
            return name
    return 'kernel: entry, exit and the rest'


def main():
    path = sys.argv[1]
    datagrams = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    hz = int(sys.argv[3]) if len(sys.argv) > 3 else 4999
    all_samples = list(samples(path))
    roles = {}
    for comm, tid, _, frames in all_samples:
        names = ' '.join(f[0] for f in frames)
        if 'UdpPathBenchmark.lambda$channel' in names or 'DatagramChannelImpl.receive' in names:
            roles[tid] = 'DatagramChannel loop'
        elif 'XdpEndpoint' in names:
            roles[tid] = 'appl AF_XDP driver'
        elif comm.startswith('appl-worker') and roles.get(tid) != 'appl AF_XDP driver':
            roles[tid] = 'appl udp driver'
    replies = [t for comm, tid, t, frames in all_samples
               if roles.get(tid) == 'appl udp driver' and category(frames).startswith('kernel: sendmmsg')]
    boundary = min(replies) if replies else float('inf')
    counts = collections.defaultdict(collections.Counter)
    for comm, tid, t, frames in all_samples:
        if tid in roles:
            counts[('receive' if t < boundary else 'receive and reply', roles[tid])][category(frames)] += 1
    for mode in ('receive', 'receive and reply'):
        for server in ('appl udp driver', 'appl AF_XDP driver', 'DatagramChannel loop'):
            c = counts[(mode, server)]
            total = sum(c.values())
            if not total:
                continue
            print(f'{mode}, {server}: {total / hz / datagrams * 1e9:.0f} ns of CPU a datagram')
            for name, n in c.most_common():
                if n / total >= 0.005:
                    print(f'  {n / hz / datagrams * 1e9:6.0f} ns  {100 * n / total:5.1f}%  {name}')


if __name__ == '__main__':
    main()
