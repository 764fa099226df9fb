#!/usr/bin/python3
"""Writes the seed corpus of NodePipelineFuzzTest (run with the system python, which has Debian's python3-scapy).

Every seed is the target's input format: a control byte, then per frame an ingress-port selector byte, a 16-bit
big-endian length and the frame. The frames are the traffic of the test node (NodeRig): pod to pod, pod to a
ClusterIP service and the backend's reply, a service without endpoints, NodePorts from the underlay, Geneve from the
peer node, pod to a remote pod, ARP, IPv6, ICMP echo and errors, fragments.
Usage: /usr/bin/python3 fastpath/src/test/scapy/pipeline_fuzz_seeds.py OUTPUT_DIRECTORY
"""
import logging
import os
import struct
import sys

logging.getLogger('scapy.runtime').setLevel(logging.ERROR)
from scapy.all import (ARP, Dot1Q, Ether, ICMP, IP, IPerror, IPv6, ICMPv6EchoRequest, Raw, TCP, TCPerror, UDP,
                       UDPerror)
from scapy.contrib.geneve import GENEVE

# Ingress port selectors (must match NodePipelineFuzzTest.PORTS): uplink, host, pod A, pod B, pod C, unknown.
UPLINK, HOST, PA, PB, PC, UNKNOWN = range(6)
TWICE = 0x08

A, B, C, D = '198.18.0.10', '198.18.0.11', '198.18.0.12', '198.18.128.5'
WEB, EMPTY, SELF = '198.18.100.1', '198.18.100.2', '198.18.100.3'
NODE, PEER, CLIENT = '198.19.0.1', '198.19.0.2', '198.19.0.100'
GW = '02:00:00:00:ff:fe'
NODE_MAC, PEER_MAC = '02:00:c6:13:00:01', '02:00:c6:13:00:02'


def pod(mac_last):
    return Ether(src='02:00:00:00:00:%02x' % mac_last, dst=GW)


def underlay():
    return Ether(src=PEER_MAC, dst=NODE_MAC)


def geneve(inner):
    return underlay() / IP(src=PEER, dst=NODE, flags='DF') / UDP(sport=49152, dport=6081) / \
        GENEVE(vni=0, proto=0x6558) / inner


SYN = dict(flags='S', seq=100)
SEEDS = {
    'pod-to-pod-syn-and-reply': [(PA, pod(0x0a) / IP(src=A, dst=B) / TCP(sport=40000, dport=80, **SYN)),
                                 (PB, pod(0x0b) / IP(src=B, dst=A) / TCP(sport=80, dport=40000, flags='SA',
                                                                         seq=7, ack=101))],
    'pod-to-pod-denied': [(PA, pod(0x0a) / IP(src=A, dst=B) / TCP(sport=40000, dport=81, **SYN))],
    'clusterip-dnat-and-reverse': [(PA, pod(0x0a) / IP(src=A, dst=WEB) / TCP(sport=40001, dport=80, **SYN)),
                                   (PB, pod(0x0b) / IP(src=B, dst=A) / TCP(sport=80, dport=40001, flags='SA',
                                                                           seq=7, ack=101))],
    'clusterip-hairpin': [(PA, pod(0x0a) / IP(src=A, dst=SELF) / TCP(sport=40002, dport=80, **SYN))],
    'clusterip-no-endpoints-udp': [(PC, pod(0x0c) / IP(src=C, dst=EMPTY) / UDP(sport=5353, dport=53) /
                                    Raw(b'q' * 12))],
    'egress-isolated-dns': [(PC, pod(0x0c) / IP(src=C, dst=D) / UDP(sport=5353, dport=53) / Raw(b'q' * 12))],
    'pod-to-remote-pod-encap': [(PA, pod(0x0a) / IP(src=A, dst=D) / TCP(sport=40003, dport=8080, **SYN))],
    'pod-to-remote-too-big': [(PA, pod(0x0a) / IP(src=A, dst=D, flags='DF') / UDP(sport=1, dport=2) /
                               Raw(b'b' * 1470))],
    'geneve-from-peer': [(UPLINK, geneve(Ether(src='02:00:00:00:00:05', dst=GW) / IP(src=D, dst=A) /
                                         TCP(sport=50000, dport=80, **SYN)))],
    'nodeport-local': [(UPLINK, underlay() / IP(src=CLIENT, dst=NODE) / TCP(sport=51000, dport=30080, **SYN))],
    'nodeport-remote': [(UPLINK, underlay() / IP(src=CLIENT, dst=NODE) / TCP(sport=51001, dport=30081, **SYN))],
    'nodeport-isolated': [(UPLINK, underlay() / IP(src=CLIENT, dst=NODE) / TCP(sport=51002, dport=30082, **SYN))],
    'host-to-pod': [(HOST, Ether(src=NODE_MAC, dst=GW) / IP(src=NODE, dst=A) / ICMP(type=8, id=1, seq=1))],
    'icmp-echo-and-reply': [(PA, pod(0x0a) / IP(src=A, dst=B) / ICMP(type=8, id=77, seq=1)),
                            (PB, pod(0x0b) / IP(src=B, dst=A) / ICMP(type=0, id=77, seq=1))],
    'icmp-error-for-service-flow': [(PA, pod(0x0a) / IP(src=A, dst=WEB) / UDP(sport=40004, dport=80)),
                                    (PB, pod(0x0b) / IP(src=B, dst=A) / ICMP(type=3, code=3) /
                                     IPerror(src=A, dst=B) / UDPerror(sport=40004, dport=80))],
    'fragments': [(PA, pod(0x0a) / IP(src=A, dst=B, flags='MF', id=9) / UDP(sport=1, dport=2, len=3000) /
                   Raw(b'x' * 64)),
                  (PA, pod(0x0a) / IP(src=A, dst=B, proto=17, frag=9, id=9) / Raw(b'y' * 32))],
    'vlan-tagged': [(PA, Ether(src='02:00:00:00:00:0a', dst=GW) / Dot1Q(vlan=5) / IP(src=A, dst=B) /
                     TCP(sport=40005, dport=80, **SYN))],
    'arp-for-gateway': [(PA, Ether(src='02:00:00:00:00:0a', dst='ff:ff:ff:ff:ff:ff') /
                         ARP(op=1, psrc=A, pdst='198.18.0.1', hwsrc='02:00:00:00:00:0a'))],
    'ipv6-echo': [(PB, pod(0x0b) / IPv6(src='2001:2::b', dst='2001:2::a') / ICMPv6EchoRequest(id=3))],
    'spoofed-source': [(PA, pod(0x0a) / IP(src=B, dst=C) / TCP(sport=1, dport=2, **SYN))],
    'unknown-port': [(UNKNOWN, pod(0x0a) / IP(src=A, dst=B) / TCP(sport=40006, dport=80, **SYN))],
    'icmp-error-inner-tcp-nodeport': [(UPLINK, underlay() / IP(src='198.19.0.9', dst=NODE) / ICMP(type=3, code=4) /
                                       IPerror(src=NODE, dst=CLIENT) / TCPerror(sport=30080, dport=51000))],
}


def frame(port, packet):
    data = bytes(packet)
    return bytes([port]) + struct.pack('>H', len(data)) + data


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    for name, frames in SEEDS.items():
        control = len(frames) - 1
        if name.endswith('and-reverse') or name.endswith('and-reply'):
            control |= TWICE
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(bytes([control]) + b''.join(frame(port, packet) for port, packet in frames))


if __name__ == '__main__':
    main()
