package dev.sluice.fastpath.service;

import static dev.sluice.fastpath.packet.L4Descriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.packet.Ipv4Descriptor;
import dev.sluice.fastpath.packet.Ipv6Descriptor;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.wire.Checksums;
import dev.sluice.wire.SctpChecksum;
import org.agrona.MutableDirectBuffer;

/**
 * Service NAT on one parsed packet of a {@link PacketVector}, in place: DNAT (destination to a backend) on the way
 * out, reverse NAT (source back to the frontend) on replies, and both for the packet quoted in an ICMP error.
 * Allocation free, nothing thrown; each method returns {@link #OK} or a reason it left the packet untouched.
 *
 * <p>Checksums are updated incrementally (RFC 1624 via {@link Checksums}), so the result is exactly what a full
 * recomputation gives:
 * <ul>
 *   <li>IPv4 header checksum for the address; IPv6 has none.</li>
 *   <li>TCP, UDP: pseudo-header address and port. A UDP-over-IPv4 checksum of 0 ("none") stays 0; a computed 0
 *       goes out as 0xFFFF.</li>
 *   <li>SCTP: CRC32c covers no pseudo-header, so an address change alone needs nothing; a port change recomputes
 *       it ({@link SctpChecksum}).</li>
 *   <li>ICMP echo: the identifier is left alone; ICMPv4 has no pseudo-header (only the IP header checksum moves),
 *       ICMPv6 does (its checksum follows the address).</li>
 *   <li>ICMP errors: the quoted packet's address, port, inner IPv4 header checksum and (when quoted) inner TCP/UDP
 *       checksum are rewritten; the outer address too when the error came from the very address being translated
 *       (e.g. the backend's own port unreachable); then the outer ICMP checksum is recomputed over the message
 *       (errors are rare, and the quoted bytes change in several places).</li>
 * </ul>
 * The vector's tuple columns are updated to the new addresses and ports. Not handled ({@link #UNSUPPORTED}): non-first
 * fragments (no transport header), an address of the other family, an SCTP first fragment whose ports change (its
 * CRC covers bytes that are not here), and ICMPv6 errors quoting a packet with extension headers.
 *
 * <p>One instance per worker (it owns the SCTP scratch buffer).
 */
public final class NatRewriter
{
    /** Rewritten. */
    public static final int OK = 0;
    /** Left untouched: the packet is of a kind this rewriter does not translate (see the class comment). */
    public static final int UNSUPPORTED = 1;
    /** Left untouched: the method does not apply (not an ICMP error, no transport ports). */
    public static final int NOT_APPLICABLE = 2;

    private final SctpChecksum sctp;

    /**
     * @param maxPacketLength the longest IP packet this worker handles (sizes the SCTP scratch buffer).
     */
    public NatRewriter(final int maxPacketLength)
    {
        sctp = new SctpChecksum(maxPacketLength);
    }

    /**
     * DNAT: rewrite the destination to a backend.
     *
     * @param v    the vector.
     * @param i    the packet.
     * @param hi   new destination address, high half.
     * @param lo   new destination address, low half (IPv4 mapped for an IPv4 packet).
     * @param port new destination port (ignored for ICMP echo).
     * @return {@link #OK} or {@link #UNSUPPORTED}.
     */
    public int dnat(final PacketVector v, final int i, final long hi, final long lo, final int port)
    {
        return rewrite(v, i, false, hi, lo, port);
    }

    /**
     * Reverse NAT of a reply: rewrite the source back to the frontend (also usable to masquerade hairpin traffic).
     *
     * @param v    the vector.
     * @param i    the packet.
     * @param hi   new source address, high half.
     * @param lo   new source address, low half.
     * @param port new source port (ignored for ICMP echo).
     * @return {@link #OK} or {@link #UNSUPPORTED}.
     */
    public int snat(final PacketVector v, final int i, final long hi, final long lo, final int port)
    {
        return rewrite(v, i, true, hi, lo, port);
    }

    /**
     * Reverse NAT of an ICMP error about a DNAT'ed packet (client to backend) on its way back to the client: the
     * quoted destination becomes the frontend again, and so does the outer source when the backend itself sent
     * the error.
     *
     * @param v    the vector.
     * @param i    the packet (an ICMP error).
     * @param hi   frontend address, high half.
     * @param lo   frontend address, low half.
     * @param port frontend port.
     * @return {@link #OK}, {@link #UNSUPPORTED} or {@link #NOT_APPLICABLE}.
     */
    public int reverseNatIcmpError(final PacketVector v, final int i, final long hi, final long lo, final int port)
    {
        return rewriteIcmpError(v, i, false, hi, lo, port);
    }

    /**
     * DNAT of an ICMP error about a reply (frontend to client, as the client saw it) on its way to the backend:
     * the quoted source becomes the backend, and so does the outer destination when it was the frontend.
     *
     * @param v    the vector.
     * @param i    the packet (an ICMP error).
     * @param hi   backend address, high half.
     * @param lo   backend address, low half.
     * @param port backend port.
     * @return {@link #OK}, {@link #UNSUPPORTED} or {@link #NOT_APPLICABLE}.
     */
    public int dnatIcmpError(final PacketVector v, final int i, final long hi, final long lo, final int port)
    {
        return rewriteIcmpError(v, i, true, hi, lo, port);
    }

    private int rewrite(final PacketVector v, final int i, final boolean source, final long hi, final long lo,
        final int port)
    {
        final int flags = v.flags[i];
        final boolean ipv4 = (flags & PacketVector.FLAG_IPV4) != 0;
        if ((flags & PacketVector.FLAG_FRAGMENT) != 0 || ipv4 != PacketVector.isIpv4Mapped(hi, lo) ||
            (flags & (PacketVector.FLAG_IPV4 | PacketVector.FLAG_IPV6)) == 0)
        {
            return UNSUPPORTED;
        }
        final MutableDirectBuffer buffer = v.buffer();
        final int base = v.offset[i];
        final int l3 = base + v.l3Offset[i];
        final int l4 = base + v.l4Offset[i];
        final int protocol = v.protocol[i];
        final long oldHi = source ? v.srcHi[i] : v.dstHi[i];
        final long oldLo = source ? v.srcLo[i] : v.dstLo[i];
        final boolean hasPorts = (flags & PacketVector.FLAG_PORTS) != 0 && (flags & PacketVector.FLAG_ICMP_ECHO) == 0;
        final int oldPort = hasPorts ? (source ? v.srcPort[i] : v.dstPort[i]) : 0;
        final int newPort = hasPorts ? port & 0xFFFF : 0;
        final int portOffset = l4 + (source ? SOURCE_PORT_OFFSET : DESTINATION_PORT_OFFSET);
        final boolean portChanges = hasPorts && newPort != oldPort;

        if (protocol == IpProtocol.SCTP && portChanges && (flags & PacketVector.FLAG_FIRST_FRAGMENT) != 0)
        {
            return UNSUPPORTED;
        }
        if (ipv4)
        {
            final int oldAddress = (int)oldLo;
            final int newAddress = (int)lo;
            final int ipChecksum = buffer.getShort(l3 + Ipv4Descriptor.CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
            buffer.putShort(l3 + Ipv4Descriptor.CHECKSUM_OFFSET,
                (short)Checksums.update32(ipChecksum, oldAddress, newAddress), BIG_ENDIAN);
            buffer.putInt(l3 + (source ? Ipv4Descriptor.SOURCE_OFFSET : Ipv4Descriptor.DESTINATION_OFFSET),
                newAddress, BIG_ENDIAN);
            switch (protocol)
            {
                case IpProtocol.TCP:
                {
                    int c = buffer.getShort(l4 + TCP_CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
                    c = Checksums.update32(c, oldAddress, newAddress);
                    if (portChanges)
                    {
                        c = Checksums.update16(c, oldPort, newPort);
                    }
                    buffer.putShort(l4 + TCP_CHECKSUM_OFFSET, (short)c, BIG_ENDIAN);
                    break;
                }
                case IpProtocol.UDP:
                {
                    int c = buffer.getShort(l4 + UDP_CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
                    if (c != 0)
                    {
                        c = Checksums.update32(c, oldAddress, newAddress);
                        if (portChanges)
                        {
                            c = Checksums.update16(c, oldPort, newPort);
                        }
                        buffer.putShort(l4 + UDP_CHECKSUM_OFFSET, (short)Checksums.udpWireChecksum(c), BIG_ENDIAN);
                    }
                    break;
                }
                default:
                    break;
            }
        }
        else
        {
            final int addressOffset = l3 + (source ? Ipv6Descriptor.SOURCE_OFFSET : Ipv6Descriptor.DESTINATION_OFFSET);
            buffer.putLong(addressOffset, hi, BIG_ENDIAN);
            buffer.putLong(addressOffset + 8, lo, BIG_ENDIAN);
            final int checksumOffset = switch (protocol)
            {
                case IpProtocol.TCP -> TCP_CHECKSUM_OFFSET;
                case IpProtocol.UDP -> UDP_CHECKSUM_OFFSET;
                case IpProtocol.ICMPV6 -> ICMP_CHECKSUM_OFFSET;
                default -> -1;
            };
            if (checksumOffset >= 0)
            {
                int c = buffer.getShort(l4 + checksumOffset, BIG_ENDIAN) & 0xFFFF;
                // A zero UDP checksum over IPv6 is only legal for tunnels (RFC 6935); leave it as it came.
                if (c != 0 || protocol != IpProtocol.UDP)
                {
                    c = Checksums.update128(c, oldHi, oldLo, hi, lo);
                    if (portChanges)
                    {
                        c = Checksums.update16(c, oldPort, newPort);
                    }
                    if (protocol == IpProtocol.UDP)
                    {
                        c = Checksums.udpWireChecksum(c);
                    }
                    buffer.putShort(l4 + checksumOffset, (short)c, BIG_ENDIAN);
                }
            }
        }
        if (portChanges)
        {
            buffer.putShort(portOffset, (short)newPort, BIG_ENDIAN);
            if (protocol == IpProtocol.SCTP)
            {
                sctp.store(buffer, l4, v.l3Length[i] - (v.l4Offset[i] - v.l3Offset[i]));
            }
        }
        if (source)
        {
            v.srcHi[i] = hi;
            v.srcLo[i] = lo;
            if (hasPorts)
            {
                v.srcPort[i] = newPort;
            }
        }
        else
        {
            v.dstHi[i] = hi;
            v.dstLo[i] = lo;
            if (hasPorts)
            {
                v.dstPort[i] = newPort;
            }
        }
        return OK;
    }

    private int rewriteIcmpError(final PacketVector v, final int i, final boolean innerSource, final long hi,
        final long lo, final int port)
    {
        final int flags = v.flags[i];
        if ((flags & PacketVector.FLAG_ICMP_ERROR) == 0)
        {
            return NOT_APPLICABLE;
        }
        final boolean ipv4 = (flags & PacketVector.FLAG_IPV4) != 0;
        if (ipv4 != PacketVector.isIpv4Mapped(hi, lo))
        {
            return UNSUPPORTED;
        }
        final MutableDirectBuffer buffer = v.buffer();
        final int base = v.offset[i];
        final int l3 = base + v.l3Offset[i];
        final int icmp = base + v.l4Offset[i];
        final int end = l3 + v.l3Length[i];
        final int inner = base + v.innerL3Offset[i];
        final int innerProtocol = v.innerProtocol[i];
        final long oldHi = innerSource ? v.innerSrcHi[i] : v.innerDstHi[i];
        final long oldLo = innerSource ? v.innerSrcLo[i] : v.innerDstLo[i];
        final boolean innerPorts = (flags & PacketVector.FLAG_INNER_PORTS) != 0 &&
            innerProtocol != IpProtocol.ICMP && innerProtocol != IpProtocol.ICMPV6;
        final int oldPort = innerPorts ? (innerSource ? v.innerSrcPort[i] : v.innerDstPort[i]) : 0;
        final int newPort = innerPorts ? port & 0xFFFF : 0;
        final boolean portChanges = innerPorts && oldPort != newPort;
        final int innerL4;
        if (ipv4)
        {
            innerL4 = inner + ((buffer.getByte(inner) & 0xF) << 2);
        }
        else
        {
            final int next = buffer.getByte(inner + Ipv6Descriptor.NEXT_HEADER_OFFSET) & 0xFF;
            if (next != innerProtocol)
            {
                return UNSUPPORTED;
            }
            innerL4 = inner + Ipv6Descriptor.HEADER_LENGTH;
        }
        final int innerL4Available = end - innerL4;

        // The quoted packet. Its own checksums are updated for consistency with the original (the receiver matches
        // it against its socket; most stacks do not verify a truncated quote).
        if (ipv4)
        {
            final int oldAddress = (int)oldLo;
            final int newAddress = (int)lo;
            final int ck = buffer.getShort(inner + Ipv4Descriptor.CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
            buffer.putShort(inner + Ipv4Descriptor.CHECKSUM_OFFSET, (short)Checksums.update32(ck, oldAddress,
                newAddress), BIG_ENDIAN);
            buffer.putInt(inner + (innerSource ? Ipv4Descriptor.SOURCE_OFFSET : Ipv4Descriptor.DESTINATION_OFFSET),
                newAddress, BIG_ENDIAN);
        }
        else
        {
            final int at = inner + (innerSource ? Ipv6Descriptor.SOURCE_OFFSET : Ipv6Descriptor.DESTINATION_OFFSET);
            buffer.putLong(at, hi, BIG_ENDIAN);
            buffer.putLong(at + 8, lo, BIG_ENDIAN);
        }
        final int innerChecksumOffset = switch (innerProtocol)
        {
            case IpProtocol.TCP -> TCP_CHECKSUM_OFFSET;
            case IpProtocol.UDP -> UDP_CHECKSUM_OFFSET;
            case IpProtocol.ICMPV6 -> ipv4 ? -1 : ICMP_CHECKSUM_OFFSET;
            default -> -1;
        };
        if (innerChecksumOffset >= 0 && innerL4Available >= innerChecksumOffset + 2)
        {
            int c = buffer.getShort(innerL4 + innerChecksumOffset, BIG_ENDIAN) & 0xFFFF;
            if (c != 0 || innerProtocol != IpProtocol.UDP)
            {
                c = ipv4 ? Checksums.update32(c, (int)oldLo, (int)lo) : Checksums.update128(c, oldHi, oldLo, hi, lo);
                if (portChanges)
                {
                    c = Checksums.update16(c, oldPort, newPort);
                }
                if (innerProtocol == IpProtocol.UDP)
                {
                    c = Checksums.udpWireChecksum(c);
                }
                buffer.putShort(innerL4 + innerChecksumOffset, (short)c, BIG_ENDIAN);
            }
        }
        if (portChanges && innerL4Available >= 4)
        {
            buffer.putShort(innerL4 + (innerSource ? SOURCE_PORT_OFFSET : DESTINATION_PORT_OFFSET), (short)newPort,
                BIG_ENDIAN);
            final int quotedLength = ipv4 ?
                buffer.getShort(inner + Ipv4Descriptor.TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF :
                Ipv6Descriptor.HEADER_LENGTH +
                    (buffer.getShort(inner + Ipv6Descriptor.PAYLOAD_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF);
            if (innerProtocol == IpProtocol.SCTP && quotedLength == end - inner)
            {
                sctp.store(buffer, innerL4, innerL4Available); // the whole SCTP packet is quoted
            }
        }

        // The outer header: the error's source (or destination) is the translated address itself.
        final boolean outerChanges = innerSource ?
            v.dstHi[i] == oldHi && v.dstLo[i] == oldLo :
            v.srcHi[i] == oldHi && v.srcLo[i] == oldLo;
        if (outerChanges)
        {
            if (ipv4)
            {
                final int ck = buffer.getShort(l3 + Ipv4Descriptor.CHECKSUM_OFFSET, BIG_ENDIAN) & 0xFFFF;
                buffer.putShort(l3 + Ipv4Descriptor.CHECKSUM_OFFSET,
                    (short)Checksums.update32(ck, (int)oldLo, (int)lo), BIG_ENDIAN);
                buffer.putInt(l3 + (innerSource ? Ipv4Descriptor.DESTINATION_OFFSET : Ipv4Descriptor.SOURCE_OFFSET),
                    (int)lo, BIG_ENDIAN);
            }
            else
            {
                final int at = l3 + (innerSource ? Ipv6Descriptor.DESTINATION_OFFSET : Ipv6Descriptor.SOURCE_OFFSET);
                buffer.putLong(at, hi, BIG_ENDIAN);
                buffer.putLong(at + 8, lo, BIG_ENDIAN);
            }
            if (innerSource)
            {
                v.dstHi[i] = hi;
                v.dstLo[i] = lo;
            }
            else
            {
                v.srcHi[i] = hi;
                v.srcLo[i] = lo;
            }
        }
        final int icmpLength = end - icmp;
        final long pseudo = ipv4 ? 0 : Checksums.ipv6PseudoHeaderSum(v.srcHi[i], v.srcLo[i], v.dstHi[i], v.dstLo[i],
            IpProtocol.ICMPV6, icmpLength);
        buffer.putShort(icmp + ICMP_CHECKSUM_OFFSET,
            (short)Checksums.l4Checksum(pseudo, buffer, icmp, icmpLength, icmp + ICMP_CHECKSUM_OFFSET), BIG_ENDIAN);

        if (innerSource)
        {
            v.innerSrcHi[i] = hi;
            v.innerSrcLo[i] = lo;
            if (innerPorts)
            {
                v.innerSrcPort[i] = newPort;
            }
        }
        else
        {
            v.innerDstHi[i] = hi;
            v.innerDstLo[i] = lo;
            if (innerPorts)
            {
                v.innerDstPort[i] = newPort;
            }
        }
        return OK;
    }
}
