package dev.sluice.fastpath.service;

import static dev.sluice.fastpath.packet.L4Descriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.sluice.fastpath.packet.EthernetDescriptor;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.packet.Ipv4Descriptor;
import dev.sluice.fastpath.packet.Ipv6Descriptor;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.wire.Checksums;
import org.agrona.MutableDirectBuffer;

/**
 * Turns a packet for a service without endpoints into the reject that goes back to its sender, in place (the same
 * frame, Ethernet addresses swapped, VLAN tag kept), with every checksum computed; the vector's columns are updated
 * to describe the new packet.
 *
 * <p>What is sent, and why:
 * <ul>
 *   <li>TCP: a RST (RFC 9293 section 3.10.7.1, as Linux's {@code tcp_v4_send_reset} does): to a segment with ACK,
 *       {@code <SEQ=SEG.ACK><CTL=RST>}; otherwise {@code <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>} where SYN and
 *       FIN count one each. kube-proxy's iptables {@code REJECT} defaults to an ICMP port unreachable for TCP as
 *       well; the connecting client sees ECONNREFUSED either way, and a RST is what this project's contract asks
 *       for (and what nftables' {@code reject with tcp reset} and Cilium's TCP handling produce).</li>
 *   <li>Anything else (UDP, SCTP, ICMP echo): ICMP destination unreachable, <em>port unreachable</em> (IPv4 type 3
 *       code 3, which is iptables' {@code icmp-port-unreachable}, the REJECT default; ICMPv6 type 1 code 4).
 *       The quote is the original IP packet cut so that the error fits in 576 bytes for IPv4 (RFC 1812 section
 *       4.3.2.3, as Linux's {@code icmp_send}; at least the IP header and 8 bytes, RFC 792) and in the IPv6
 *       minimum MTU of 1280 bytes (RFC 4443 section 2.4 (c)).</li>
 * </ul>
 * Nothing is sent in answer to a TCP RST, an ICMP error or a non-first fragment (RFC 1122 section 3.2.2, RFC 4443
 * section 2.4 (e)): those return {@link #NOT_APPLICABLE} and the caller drops the packet.
 *
 * <p>Allocation free; one instance may serve a worker.
 */
public final class RejectBuilder
{
    /** Built. */
    public static final int OK = 0;
    /** Not answered (see the class comment): drop the packet instead. */
    public static final int NOT_APPLICABLE = 1;
    /** The frame slot cannot hold the reply. */
    public static final int NO_ROOM = 2;

    /** Largest IPv4 ICMP error (RFC 1812 section 4.3.2.3). */
    public static final int IPV4_ICMP_ERROR_MAX = 576;
    /** Largest ICMPv6 error: the IPv6 minimum MTU (RFC 4443 section 2.4 (c)). */
    public static final int IPV6_ICMP_ERROR_MAX = 1280;

    private static final int IPV4_TTL = 64;
    private static final int ICMP_CODE_PORT_UNREACHABLE = 3;
    private static final int ICMPV6_CODE_PORT_UNREACHABLE = 4;
    private static final int TOS_INTERNET_CONTROL = 0xC0;

    private final int frameCapacity;

    /**
     * @param frameCapacity bytes available for a frame from its start ({@code offset[i]}), e.g. the UMEM frame size
     *                      minus the headroom.
     */
    public RejectBuilder(final int frameCapacity)
    {
        if (frameCapacity < EthernetDescriptor.VLAN_HEADER_LENGTH + Ipv6Descriptor.HEADER_LENGTH + 64)
        {
            throw new IllegalArgumentException("frame capacity too small for a reject: " + frameCapacity);
        }
        this.frameCapacity = frameCapacity;
    }

    /**
     * The reject kube-proxy would send: a RST for TCP, ICMP port unreachable otherwise.
     *
     * @param v the vector.
     * @param i the packet (parsed, IPv4 or IPv6).
     * @return {@link #OK}, {@link #NOT_APPLICABLE} or {@link #NO_ROOM}.
     */
    public int reject(final PacketVector v, final int i)
    {
        return v.protocol[i] == IpProtocol.TCP && (v.flags[i] & PacketVector.FLAG_PORTS) != 0 ?
            tcpReset(v, i) : icmpPortUnreachable(v, i);
    }

    /**
     * Replaces the packet with an ICMP (ICMPv6) port unreachable quoting it.
     *
     * @param v the vector.
     * @param i the packet.
     * @return {@link #OK}, {@link #NOT_APPLICABLE} or {@link #NO_ROOM}.
     */
    public int icmpPortUnreachable(final PacketVector v, final int i)
    {
        final int flags = v.flags[i];
        final boolean ipv4 = (flags & PacketVector.FLAG_IPV4) != 0;
        if ((flags & (PacketVector.FLAG_IPV4 | PacketVector.FLAG_IPV6)) == 0 ||
            (flags & (PacketVector.FLAG_ICMP_ERROR | PacketVector.FLAG_FRAGMENT)) != 0 ||
            isIcmpError(v.protocol[i], v.icmpTypeCode[i] >> 8, ipv4))
        {
            return NOT_APPLICABLE;
        }
        final MutableDirectBuffer buffer = v.buffer();
        final int base = v.offset[i];
        final int l3Offset = v.l3Offset[i];
        final int l3 = base + l3Offset;
        final int ipHeader = ipv4 ? Ipv4Descriptor.MIN_HEADER_LENGTH : Ipv6Descriptor.HEADER_LENGTH;
        final int prefix = ipHeader + ICMP_HEADER_LENGTH;
        final int limit = Math.min(ipv4 ? IPV4_ICMP_ERROR_MAX : IPV6_ICMP_ERROR_MAX, frameCapacity - l3Offset);
        final int quote = Math.min(v.l3Length[i], limit - prefix);
        final int minimumQuote = ipv4 ? Math.min(v.l3Length[i], (v.l4Offset[i] - l3Offset) + 8) : 0;
        if (quote < minimumQuote || quote < 0)
        {
            return NO_ROOM;
        }

        final long srcHi = v.srcHi[i];
        final long srcLo = v.srcLo[i];
        final long dstHi = v.dstHi[i];
        final long dstLo = v.dstLo[i];
        final int innerL4 = v.l4Offset[i] - l3Offset;
        moveRight(buffer, l3, quote, prefix);
        swapEthernet(buffer, base);

        final int icmp = l3 + ipHeader;
        final int icmpLength = ICMP_HEADER_LENGTH + quote;
        buffer.putByte(icmp + ICMP_TYPE_OFFSET, (byte)(ipv4 ? ICMP_DEST_UNREACHABLE : ICMPV6_DEST_UNREACHABLE));
        buffer.putByte(icmp + ICMP_CODE_OFFSET,
            (byte)(ipv4 ? ICMP_CODE_PORT_UNREACHABLE : ICMPV6_CODE_PORT_UNREACHABLE));
        buffer.putShort(icmp + ICMP_CHECKSUM_OFFSET, (short)0);
        buffer.putInt(icmp + 4, 0);
        final long pseudo;
        if (ipv4)
        {
            writeIpv4(buffer, l3, ipHeader + icmpLength, IpProtocol.ICMP, (int)dstLo, (int)srcLo,
                TOS_INTERNET_CONTROL, false);
            pseudo = 0;
        }
        else
        {
            writeIpv6(buffer, l3, icmpLength, IpProtocol.ICMPV6, dstHi, dstLo, srcHi, srcLo);
            pseudo = Checksums.ipv6PseudoHeaderSum(dstHi, dstLo, srcHi, srcLo, IpProtocol.ICMPV6, icmpLength);
        }
        buffer.putShort(icmp + ICMP_CHECKSUM_OFFSET,
            (short)Checksums.l4Checksum(pseudo, buffer, icmp, icmpLength, icmp + ICMP_CHECKSUM_OFFSET), BIG_ENDIAN);

        final int protocol = v.protocol[i];
        final boolean ports = (flags & PacketVector.FLAG_PORTS) != 0;
        v.length[i] = l3Offset + ipHeader + icmpLength;
        v.flags[i] = (flags & (PacketVector.FLAG_VLAN | PacketVector.FLAG_IPV4 | PacketVector.FLAG_IPV6)) |
            PacketVector.FLAG_ICMP_ERROR | (ports && innerL4 + 4 <= quote ? PacketVector.FLAG_INNER_PORTS : 0) |
            (ipv4 ? 0 : PacketVector.FLAG_DONT_FRAGMENT);
        v.l3Length[i] = ipHeader + icmpLength;
        v.l4Offset[i] = l3Offset + ipHeader;
        v.payloadOffset[i] = l3Offset + prefix;
        v.innerL3Offset[i] = l3Offset + prefix;
        v.innerProtocol[i] = protocol;
        v.innerSrcHi[i] = srcHi;
        v.innerSrcLo[i] = srcLo;
        v.innerDstHi[i] = dstHi;
        v.innerDstLo[i] = dstLo;
        v.innerSrcPort[i] = v.srcPort[i];
        v.innerDstPort[i] = v.dstPort[i];
        v.protocol[i] = ipv4 ? IpProtocol.ICMP : IpProtocol.ICMPV6;
        v.icmpTypeCode[i] = ipv4 ? ICMP_DEST_UNREACHABLE << 8 | ICMP_CODE_PORT_UNREACHABLE :
            ICMPV6_DEST_UNREACHABLE << 8 | ICMPV6_CODE_PORT_UNREACHABLE;
        swapTuple(v, i, srcHi, srcLo, dstHi, dstLo);
        v.srcPort[i] = 0;
        v.dstPort[i] = 0;
        v.tcpFlags[i] = 0;
        return OK;
    }

    /**
     * Replaces a TCP segment with the RST that refuses it.
     *
     * @param v the vector.
     * @param i the packet (TCP).
     * @return {@link #OK} or {@link #NOT_APPLICABLE} (not TCP, or a RST itself).
     */
    public int tcpReset(final PacketVector v, final int i)
    {
        final int flags = v.flags[i];
        final boolean ipv4 = (flags & PacketVector.FLAG_IPV4) != 0;
        final int tcpFlags = v.tcpFlags[i];
        if (v.protocol[i] != IpProtocol.TCP || (flags & PacketVector.FLAG_PORTS) == 0 ||
            (flags & (PacketVector.FLAG_IPV4 | PacketVector.FLAG_IPV6)) == 0 || (tcpFlags & TCP_RST) != 0)
        {
            return NOT_APPLICABLE;
        }
        final MutableDirectBuffer buffer = v.buffer();
        final int base = v.offset[i];
        final int l3Offset = v.l3Offset[i];
        final int l3 = base + l3Offset;
        final int tcp = base + v.l4Offset[i];
        final int segmentLength = v.l3Length[i] - (v.l4Offset[i] - l3Offset) - (v.payloadOffset[i] - v.l4Offset[i]);
        final long seq = buffer.getInt(tcp + TCP_SEQUENCE_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
        final long ack = buffer.getInt(tcp + TCP_ACK_OFFSET, BIG_ENDIAN) & 0xFFFF_FFFFL;
        final long srcHi = v.srcHi[i];
        final long srcLo = v.srcLo[i];
        final long dstHi = v.dstHi[i];
        final long dstLo = v.dstLo[i];
        final int srcPort = v.srcPort[i];
        final int dstPort = v.dstPort[i];

        final long replySeq;
        final long replyAck;
        final int replyFlags;
        if ((tcpFlags & TCP_ACK) != 0)
        {
            replySeq = ack;
            replyAck = 0;
            replyFlags = TCP_RST;
        }
        else
        {
            replySeq = 0;
            replyAck = seq + segmentLength + ((tcpFlags & TCP_SYN) != 0 ? 1 : 0) + ((tcpFlags & TCP_FIN) != 0 ? 1 : 0);
            replyFlags = TCP_RST | TCP_ACK;
        }

        swapEthernet(buffer, base);
        final int ipHeader = ipv4 ? Ipv4Descriptor.MIN_HEADER_LENGTH : Ipv6Descriptor.HEADER_LENGTH;
        final int out = l3 + ipHeader;
        buffer.putShort(out + SOURCE_PORT_OFFSET, (short)dstPort, BIG_ENDIAN);
        buffer.putShort(out + DESTINATION_PORT_OFFSET, (short)srcPort, BIG_ENDIAN);
        buffer.putInt(out + TCP_SEQUENCE_OFFSET, (int)replySeq, BIG_ENDIAN);
        buffer.putInt(out + TCP_ACK_OFFSET, (int)replyAck, BIG_ENDIAN);
        buffer.putByte(out + TCP_DATA_OFFSET_OFFSET, (byte)((TCP_MIN_HEADER_LENGTH / 4) << 4));
        buffer.putByte(out + TCP_FLAGS_OFFSET, (byte)replyFlags);
        buffer.putShort(out + TCP_WINDOW_OFFSET, (short)0);
        buffer.putShort(out + TCP_CHECKSUM_OFFSET, (short)0);
        buffer.putShort(out + TCP_CHECKSUM_OFFSET + 2, (short)0);
        final long pseudo;
        if (ipv4)
        {
            writeIpv4(buffer, l3, ipHeader + TCP_MIN_HEADER_LENGTH, IpProtocol.TCP, (int)dstLo, (int)srcLo, 0, true);
            pseudo = Checksums.ipv4PseudoHeaderSum((int)dstLo, (int)srcLo, IpProtocol.TCP, TCP_MIN_HEADER_LENGTH);
        }
        else
        {
            writeIpv6(buffer, l3, TCP_MIN_HEADER_LENGTH, IpProtocol.TCP, dstHi, dstLo, srcHi, srcLo);
            pseudo = Checksums.ipv6PseudoHeaderSum(dstHi, dstLo, srcHi, srcLo, IpProtocol.TCP, TCP_MIN_HEADER_LENGTH);
        }
        buffer.putShort(out + TCP_CHECKSUM_OFFSET,
            (short)Checksums.l4Checksum(pseudo, buffer, out, TCP_MIN_HEADER_LENGTH, out + TCP_CHECKSUM_OFFSET),
            BIG_ENDIAN);

        v.length[i] = l3Offset + ipHeader + TCP_MIN_HEADER_LENGTH;
        v.flags[i] = (flags & (PacketVector.FLAG_VLAN | PacketVector.FLAG_IPV4 | PacketVector.FLAG_IPV6)) |
            PacketVector.FLAG_PORTS | PacketVector.FLAG_DONT_FRAGMENT;
        v.l3Length[i] = ipHeader + TCP_MIN_HEADER_LENGTH;
        v.l4Offset[i] = l3Offset + ipHeader;
        v.payloadOffset[i] = l3Offset + ipHeader + TCP_MIN_HEADER_LENGTH;
        v.tcpFlags[i] = replyFlags;
        swapTuple(v, i, srcHi, srcLo, dstHi, dstLo);
        v.srcPort[i] = dstPort;
        v.dstPort[i] = srcPort;
        return OK;
    }

    private static boolean isIcmpError(final int protocol, final int type, final boolean ipv4)
    {
        if (ipv4)
        {
            return protocol == IpProtocol.ICMP && type != ICMP_ECHO_REQUEST && type != ICMP_ECHO_REPLY &&
                type != 13 && type != 14; // only queries (echo, timestamp) may be answered with an error
        }
        return protocol == IpProtocol.ICMPV6 && type < 128;
    }

    private static void swapTuple(final PacketVector v, final int i, final long srcHi, final long srcLo,
        final long dstHi, final long dstLo)
    {
        v.srcHi[i] = dstHi;
        v.srcLo[i] = dstLo;
        v.dstHi[i] = srcHi;
        v.dstLo[i] = srcLo;
    }

    private static void swapEthernet(final MutableDirectBuffer buffer, final int base)
    {
        final int dstHigh = buffer.getInt(base + EthernetDescriptor.DESTINATION_OFFSET);
        final short dstLow = buffer.getShort(base + EthernetDescriptor.DESTINATION_OFFSET + 4);
        buffer.putInt(base + EthernetDescriptor.DESTINATION_OFFSET,
            buffer.getInt(base + EthernetDescriptor.SOURCE_OFFSET));
        buffer.putShort(base + EthernetDescriptor.DESTINATION_OFFSET + 4,
            buffer.getShort(base + EthernetDescriptor.SOURCE_OFFSET + 4));
        buffer.putInt(base + EthernetDescriptor.SOURCE_OFFSET, dstHigh);
        buffer.putShort(base + EthernetDescriptor.SOURCE_OFFSET + 4, dstLow);
    }

    /** Moves {@code length} bytes at {@code from} to {@code from + distance}, overlapping: back to front. */
    private static void moveRight(final MutableDirectBuffer buffer, final int from, final int length,
        final int distance)
    {
        int n = length;
        while (n >= 8)
        {
            n -= 8;
            buffer.putLong(from + distance + n, buffer.getLong(from + n));
        }
        while (n > 0)
        {
            n--;
            buffer.putByte(from + distance + n, buffer.getByte(from + n));
        }
    }

    private static void writeIpv4(final MutableDirectBuffer buffer, final int at, final int totalLength,
        final int protocol, final int src, final int dst, final int tos, final boolean dontFragment)
    {
        buffer.putByte(at + Ipv4Descriptor.VERSION_IHL_OFFSET, (byte)0x45);
        buffer.putByte(at + Ipv4Descriptor.TOS_OFFSET, (byte)tos);
        buffer.putShort(at + Ipv4Descriptor.TOTAL_LENGTH_OFFSET, (short)totalLength, BIG_ENDIAN);
        buffer.putShort(at + Ipv4Descriptor.IDENTIFICATION_OFFSET, (short)0);
        buffer.putShort(at + Ipv4Descriptor.FLAGS_FRAGMENT_OFFSET,
            (short)(dontFragment ? Ipv4Descriptor.FLAG_DF : 0), BIG_ENDIAN);
        buffer.putByte(at + Ipv4Descriptor.TTL_OFFSET, (byte)IPV4_TTL);
        buffer.putByte(at + Ipv4Descriptor.PROTOCOL_OFFSET, (byte)protocol);
        buffer.putInt(at + Ipv4Descriptor.SOURCE_OFFSET, src, BIG_ENDIAN);
        buffer.putInt(at + Ipv4Descriptor.DESTINATION_OFFSET, dst, BIG_ENDIAN);
        buffer.putShort(at + Ipv4Descriptor.CHECKSUM_OFFSET,
            (short)Checksums.ipv4HeaderChecksum(buffer, at, Ipv4Descriptor.MIN_HEADER_LENGTH), BIG_ENDIAN);
    }

    private static void writeIpv6(final MutableDirectBuffer buffer, final int at, final int payloadLength,
        final int nextHeader, final long srcHi, final long srcLo, final long dstHi, final long dstLo)
    {
        buffer.putInt(at + Ipv6Descriptor.VERSION_CLASS_FLOW_OFFSET, 6 << 28, BIG_ENDIAN);
        buffer.putShort(at + Ipv6Descriptor.PAYLOAD_LENGTH_OFFSET, (short)payloadLength, BIG_ENDIAN);
        buffer.putByte(at + Ipv6Descriptor.NEXT_HEADER_OFFSET, (byte)nextHeader);
        buffer.putByte(at + Ipv6Descriptor.HOP_LIMIT_OFFSET, (byte)IPV4_TTL);
        buffer.putLong(at + Ipv6Descriptor.SOURCE_OFFSET, srcHi, BIG_ENDIAN);
        buffer.putLong(at + Ipv6Descriptor.SOURCE_OFFSET + 8, srcLo, BIG_ENDIAN);
        buffer.putLong(at + Ipv6Descriptor.DESTINATION_OFFSET, dstHi, BIG_ENDIAN);
        buffer.putLong(at + Ipv6Descriptor.DESTINATION_OFFSET + 8, dstLo, BIG_ENDIAN);
    }
}
