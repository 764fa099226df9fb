#!/usr/bin/python3
"""Writes the seed corpus of ParseStageFuzzTest (run with the system python, which has Debian's python3-scapy).

Each seed is the fuzz target's input format: a control byte, an "extra" byte, then the frame bytes (for a
multi-frame seed: every frame but the last preceded by its 16-bit big-endian length). See ParseStageFuzzTest.
Usage: /usr/bin/python3 fastpath/src/test/scapy/parse_fuzz_seeds.py OUTPUT_DIRECTORY
"""
import logging
import os
import struct
import sys

logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import (ARP, Dot1Q, Ether, ICMP, IP, IPOption_RR, IPerror, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, ICMPv6DestUnreach,
                       ICMPv6EchoRequest, Raw, TCP, TCPerror, UDP, UDPerror)

# Control byte bits (must match ParseStageFuzzTest).
IN_SLOT = 0x01
OVER_DECLARED = 0x02
UNDER_DECLARED = 0x04
PRE_DROPPED = 0x08
ODD_OFFSET = 0x80


def frames_count(n):
    return (n - 1) << 4


MAC = dict(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')
V4A, V4B, V4C = '198.18.0.1', '198.19.0.2', '198.18.255.254'
V6A, V6B, V6C = '2001:2::1', '2001:2:0:1::2', '2001:2:ffff::fe'


def eth():
    return Ether(**MAC)


FRAMES = {
    'ipv4-tcp-syn': eth() / IP(src=V4A, dst=V4B, flags='DF') / TCP(sport=40000, dport=80, flags='S'),
    'ipv4-udp-options': eth() / IP(src=V4A, dst=V4B, options=[IPOption_RR(routers=[V4C])]) /
        UDP(sport=5353, dport=53) / Raw(b'q' * 12),
    'ipv4-sctp': eth() / IP(src=V4A, dst=V4B, proto=132) / Raw(bytes.fromhex('9c4000500000000100000000')),
    'ipv4-icmp-echo': eth() / IP(src=V4A, dst=V4B) / ICMP(type=8, id=0x1234, seq=1),
    'ipv4-icmp-error-inner-tcp': eth() / IP(src=V4C, dst=V4A) / ICMP(type=3, code=4, nexthopmtu=1400) /
        IPerror(src=V4A, dst=V4B) / TCPerror(sport=40000, dport=80, flags='S'),
    'ipv4-later-fragment': eth() / IP(src=V4A, dst=V4B, proto=17, frag=185) / Raw(b'f' * 32),
    'ipv4-first-fragment-udp': eth() / IP(src=V4A, dst=V4B, flags='MF') / UDP(sport=1, dport=2, len=3000) /
        Raw(b'x' * 64),
    'vlan-ipv4-udp': eth() / Dot1Q(vlan=42, prio=3) / IP(src=V4A, dst=V4B) / UDP(sport=1234, dport=5678) /
        Raw(b'v' * 10),
    'arp-request': Ether(src=MAC['src'], dst='ff:ff:ff:ff:ff:ff') / ARP(op=1, psrc=V4A, pdst=V4B,
        hwsrc=MAC['src']),
    'ipv6-hbh-dst-frag-udp': eth() / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrFragment(offset=0, m=1, id=7) / UDP(sport=4000, dport=4001, len=1200) / Raw(b'u' * 40),
    'ipv6-routing-tcp': eth() / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrRouting(addresses=[V6C]) /
        TCP(sport=40001, dport=443, flags='PA') / Raw(b'tls'),
    'ipv6-icmpv6-echo': eth() / IPv6(src=V6A, dst=V6B) / ICMPv6EchoRequest(id=0x4321, seq=9),
    'ipv6-icmpv6-error-inner-udp': eth() / IPv6(src=V6C, dst=V6A) / ICMPv6DestUnreach(code=1) /
        IPv6(src=V6A, dst=V6B) / UDP(sport=4000, dport=53) / Raw(b'd' * 8),
    'ipv6-later-fragment': eth() / IPv6(src=V6A, dst=V6B) / IPv6ExtHdrFragment(offset=100, m=0, nh=6) /
        Raw(b'g' * 24),
}

BROKEN = {
    'broken-ipv4-truncated': bytes(FRAMES['ipv4-tcp-syn'])[:30],
    'broken-ipv4-bad-checksum': bytes(eth() / IP(src=V4A, dst=V4B, chksum=0xBEEF) / UDP(sport=1, dport=2)),
    'broken-ipv4-ihl-past-end': bytes(eth() / IP(src=V4A, dst=V4B, ihl=15) / UDP()),
    'broken-tcp-data-offset': bytes(eth() / IP(src=V4A, dst=V4B) / TCP(dataofs=15)),
    'broken-qinq': bytes(eth() / Dot1Q(vlan=1) / Dot1Q(vlan=2) / IP(src=V4A, dst=V4B) / UDP()),
    'broken-ipv6-payload-length': bytes(eth() / IPv6(src=V6A, dst=V6B, plen=900) / UDP()),
    'broken-ipv6-ext-chain-long': bytes(eth() / IPv6(src=V6A, dst=V6B) /
        IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() /
        IPv6ExtHdrDestOpt() / UDP()),
    'broken-icmp-error-inner-cut': bytes(FRAMES['ipv4-icmp-error-inner-tcp'])[:14 + 20 + 8 + 22],
    'broken-arp-short': bytes(FRAMES['arp-request'])[:14 + 20],
    # The frame ends with the IP packet, inside the transport header: a read past its end must not happen.
    'broken-tcp-header-cut': bytes(eth() / IP(src=V4A, dst=V4B, proto=6) / Raw(bytes(TCP(sport=1, dport=2))[:12])),
    'broken-udp-header-cut': bytes(eth() / IPv6(src=V6A, dst=V6B, nh=17) / Raw(b'\x00\x35\x00\x35')),
}


def write(directory, name, control, extra, payload):
    with open(os.path.join(directory, name), 'wb') as f:
        f.write(bytes([control, extra]) + payload)


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    for name, frame in FRAMES.items():
        write(directory, name, 0, 0, bytes(frame))
    for name, frame in BROKEN.items():
        write(directory, name, 0, 0, frame)
    tcp = bytes(FRAMES['ipv4-tcp-syn'])
    v6 = bytes(FRAMES['ipv6-hbh-dst-frag-udp'])
    icmp = bytes(FRAMES['ipv4-icmp-error-inner-tcp'])
    write(directory, 'placement-in-slot', IN_SLOT, 0, tcp)
    write(directory, 'placement-at-end-over-declared', OVER_DECLARED, 3, v6)
    write(directory, 'placement-over-declared-into-next-slot', IN_SLOT | OVER_DECLARED, 200, icmp)
    write(directory, 'placement-under-declared', IN_SLOT | UNDER_DECLARED, 9, v6)
    write(directory, 'placement-odd-offset-pre-dropped', IN_SLOT | ODD_OFFSET | PRE_DROPPED, 0, tcp)
    three = struct.pack('>H', len(tcp)) + tcp + struct.pack('>H', len(v6)) + v6 + icmp
    write(directory, 'vector-of-three', frames_count(3), 0, three)


if __name__ == '__main__':
    main()
