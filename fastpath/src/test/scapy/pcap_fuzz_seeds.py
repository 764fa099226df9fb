#!/usr/bin/python3
"""Writes the seed corpus of PcapReaderFuzzTest: real capture files (run with the system python, which has Debian's
python3-scapy; editcap from Wireshark converts them).

Usage: /usr/bin/python3 fastpath/src/test/scapy/pcap_fuzz_seeds.py OUTPUT_DIRECTORY
"""
import logging
import os
import struct
import subprocess
import sys
import tempfile

logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import ARP, Ether, ICMP, IP, IPv6, Raw, TCP, UDP, wrpcap

PACKETS = [
    Ether(src='02:00:00:00:00:0a', dst='02:00:00:00:ff:fe') / IP(src='198.18.0.10', dst='198.18.0.11') /
    TCP(sport=40000, dport=80, flags='S'),
    Ether(src='02:00:00:00:00:0b', dst='02:00:00:00:ff:fe') / IP(src='198.18.0.11', dst='198.18.0.10') /
    TCP(sport=80, dport=40000, flags='SA'),
    Ether(src='02:00:00:00:00:0a', dst='ff:ff:ff:ff:ff:ff') / ARP(psrc='198.18.0.10', pdst='198.18.0.1'),
    Ether() / IPv6(src='2001:2::a', dst='2001:2::b') / UDP(sport=5353, dport=53) / Raw(b'q' * 20),
    Ether() / IP(src='198.19.0.1', dst='198.19.0.2') / ICMP(type=8) / Raw(b'p' * 56),
]


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    for i, packet in enumerate(PACKETS):
        packet.time = 1700000000 + i + 0.123456
    with tempfile.TemporaryDirectory() as tmp:
        classic = os.path.join(tmp, 'classic.pcap')
        wrpcap(classic, PACKETS)
        outputs = {
            'classic-microseconds': classic,
        }
        for name, args in (('pcapng', ['-F', 'pcapng']), ('classic-nanoseconds', ['-F', 'nsecpcap']),
                           ('snaplen-60', ['-s', '60']), ('pcapng-snaplen-60', ['-F', 'pcapng', '-s', '60'])):
            out = os.path.join(tmp, name)
            subprocess.run(['editcap'] + args + [classic, out], check=True)
            outputs[name] = out
        for name, path in outputs.items():
            with open(path, 'rb') as f:
                data = f.read()
            with open(os.path.join(directory, name), 'wb') as f:
                f.write(data)
            with open(os.path.join(directory, 'broken-cut-' + name), 'wb') as f:
                f.write(data[:len(data) - 7])
        # Big-endian classic pcap: header and one record written by hand.
        frame = bytes(PACKETS[0])
        big = struct.pack('>IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + \
            struct.pack('>IIII', 1700000000, 5, len(frame), len(frame)) + frame
        with open(os.path.join(directory, 'classic-big-endian'), 'wb') as f:
            f.write(big)
        # A record whose captured length claims 2 GiB.
        hostile = struct.pack('<IHHiIII', 0xA1B2C3D4, 2, 4, 0, 0, 0, 1) + struct.pack('<IIII', 1, 0, 0x7FFFFFF0, 60)
        with open(os.path.join(directory, 'broken-huge-record-length'), 'wb') as f:
            f.write(hostile)


if __name__ == '__main__':
    main()
