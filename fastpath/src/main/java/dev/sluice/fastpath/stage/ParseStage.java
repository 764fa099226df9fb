package dev.sluice.fastpath.stage;

import static dev.sluice.fastpath.packet.EthernetDescriptor.*;
import static dev.sluice.fastpath.packet.L4Descriptor.*;
import static dev.sluice.fastpath.stage.PacketVector.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import dev.sluice.fastpath.packet.ArpDescriptor;
import dev.sluice.fastpath.packet.Ipv4Descriptor;
import dev.sluice.fastpath.packet.Ipv6Descriptor;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.wire.Checksums;
import org.agrona.MutableDirectBuffer;

/**
 * Parses each frame once and fills the vector's metadata columns: VLAN, L3/L4 offsets, the 5-tuple (IPv4 mapped into
 * 128-bit addresses), TCP flags, fragment state, ICMP type and the tuple embedded in ICMP errors. Every malformed
 * frame ends in a counted drop with a specific {@link DropReason}; nothing here can throw for any byte sequence
 * (all reads are bounds-checked against the frame length first, which is checked against the buffer).
 *
 * <p>Accepted: Ethernet II with at most one 802.1Q tag; ARP (Ethernet/IPv4); IPv4 with options (header checksum
 * verified, frame padding beyond the total length ignored); IPv6 with hop-by-hop (first only), routing,
 * fragment, destination options and AH headers, walked at most {@link Ipv6Descriptor#MAX_EXTENSION_HEADERS} deep;
 * TCP, UDP, SCTP, ICMP, ICMPv6. Non-first fragments carry no ports ({@link PacketVector#FLAG_FRAGMENT}); a first
 * fragment too short for its transport header is dropped (RFC 1858 tiny fragments). Other transport protocols
 * pass without ports.
 *
 * <p>Cost: see {@code perf/.../ParseBenchmark} and the README (ns/packet at vector sizes 1/16/64/256).
 */
public final class ParseStage implements Stage
{
    public static final int COUNTER_PACKETS = 0;
    public static final int COUNTER_DROPPED = 1;
    public static final int COUNTER_COUNT = 2;

    private final int maxFrameLength;
    private final Counters dropCounters;
    private final Counters stageCounters = new Counters(COUNTER_COUNT);

    // Results of the IPv6 extension header walk (set by walkIpv6, read right after it).
    private int walkProtocol;
    private int walkOffset;
    private int walkFragment;

    private static final int NOT_FRAGMENT = 0;
    private static final int FIRST_FRAGMENT = 1;
    private static final int LATER_FRAGMENT = 2;

    /**
     * @param maxFrameLength the largest frame a port can deliver (frame size minus headroom); longer is a drop.
     * @param dropCounters   per-reason drop counters of the worker, indexed by {@link DropReason#code()}.
     */
    public ParseStage(final int maxFrameLength, final Counters dropCounters)
    {
        if (maxFrameLength < HEADER_LENGTH || maxFrameLength > 65535 + VLAN_HEADER_LENGTH)
        {
            throw new IllegalArgumentException("maxFrameLength out of range: " + maxFrameLength);
        }
        if (dropCounters.count() < DropReason.MAX_CODES)
        {
            throw new IllegalArgumentException("drop counters need " + DropReason.MAX_CODES + " slots: " +
                dropCounters.count());
        }
        this.maxFrameLength = maxFrameLength;
        this.dropCounters = dropCounters;
    }

    @Override
    public String name()
    {
        return "parse";
    }

    public Counters counters()
    {
        return stageCounters;
    }

    @Override
    public void process(final PacketVector v)
    {
        final MutableDirectBuffer buffer = v.buffer();
        final int size = v.size();
        int dropped = 0;
        for (int i = 0; i < size; i++)
        {
            if (v.dropReason[i] != 0)
            {
                continue;
            }
            final DropReason reason = parse(v, buffer, i);
            if (reason != null)
            {
                v.dropReason[i] = reason.code();
                dropCounters.incrementRelease(reason.code());
                dropped++;
            }
        }
        stageCounters.addRelease(COUNTER_PACKETS, size);
        if (dropped != 0)
        {
            stageCounters.addRelease(COUNTER_DROPPED, dropped);
        }
    }

    private DropReason parse(final PacketVector v, final MutableDirectBuffer buffer, final int i)
    {
        final int base = v.offset[i];
        final int len = v.length[i];
        v.flags[i] = 0;
        v.vlanId[i] = 0;
        v.l3Offset[i] = 0;
        v.l3Length[i] = 0;
        v.l4Offset[i] = 0;
        v.payloadOffset[i] = 0;
        v.protocol[i] = 0;
        v.srcHi[i] = 0;
        v.srcLo[i] = 0;
        v.dstHi[i] = 0;
        v.dstLo[i] = 0;
        v.srcPort[i] = 0;
        v.dstPort[i] = 0;
        v.tcpFlags[i] = 0;
        v.icmpTypeCode[i] = 0;
        v.innerProtocol[i] = 0;

        if (len <= 0)
        {
            return DropReason.FRAME_EMPTY;
        }
        // The frame must lie inside the buffer: only then are all later reads (each checked against len) safe.
        if (len > maxFrameLength || base < 0 || base > buffer.capacity() - len)
        {
            return DropReason.FRAME_TOO_LONG;
        }
        if (len < HEADER_LENGTH)
        {
            return DropReason.ETH_TRUNCATED;
        }
        int etherType = buffer.getShort(base + ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
        int l3 = HEADER_LENGTH;
        if (etherType == ETHERTYPE_VLAN)
        {
            if (len < VLAN_HEADER_LENGTH)
            {
                return DropReason.ETH_TRUNCATED;
            }
            v.flags[i] = FLAG_VLAN;
            v.vlanId[i] = buffer.getShort(base + VLAN_TCI_OFFSET, BIG_ENDIAN) & 0x0FFF;
            etherType = buffer.getShort(base + VLAN_ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
            l3 = VLAN_HEADER_LENGTH;
        }
        if (etherType == ETHERTYPE_VLAN || etherType == ETHERTYPE_QINQ)
        {
            return DropReason.VLAN_STACKED;
        }
        v.etherType[i] = etherType;
        v.l3Offset[i] = l3;
        return switch (etherType)
        {
            case ETHERTYPE_IPV4 -> parseIpv4(v, buffer, i, base, l3, len);
            case ETHERTYPE_IPV6 -> parseIpv6(v, buffer, i, base, l3, len);
            case ETHERTYPE_ARP -> parseArp(v, buffer, i, base, l3, len);
            default -> DropReason.ETHERTYPE_UNSUPPORTED;
        };
    }

    private static DropReason parseArp(
        final PacketVector v, final MutableDirectBuffer buffer, final int i, final int base, final int l3, final int len)
    {
        final int at = base + l3;
        if (len - l3 < ArpDescriptor.LENGTH ||
            (buffer.getShort(at + ArpDescriptor.HARDWARE_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF) !=
                ArpDescriptor.HARDWARE_ETHERNET ||
            (buffer.getShort(at + ArpDescriptor.PROTOCOL_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF) != ETHERTYPE_IPV4 ||
            buffer.getByte(at + ArpDescriptor.HARDWARE_LENGTH_OFFSET) != 6 ||
            buffer.getByte(at + ArpDescriptor.PROTOCOL_LENGTH_OFFSET) != 4)
        {
            return DropReason.ARP_MALFORMED;
        }
        v.flags[i] |= FLAG_ARP;
        v.l3Length[i] = ArpDescriptor.LENGTH;
        v.protocol[i] = buffer.getShort(at + ArpDescriptor.OPERATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
        v.srcLo[i] = ipv4Mapped(buffer.getInt(at + ArpDescriptor.SENDER_IP_OFFSET, BIG_ENDIAN));
        v.dstLo[i] = ipv4Mapped(buffer.getInt(at + ArpDescriptor.TARGET_IP_OFFSET, BIG_ENDIAN));
        return null;
    }

    private DropReason parseIpv4(
        final PacketVector v, final MutableDirectBuffer buffer, final int i, final int base, final int l3, final int len)
    {
        final int at = base + l3;
        final int available = len - l3;
        if (available < Ipv4Descriptor.MIN_HEADER_LENGTH)
        {
            return DropReason.IPV4_TRUNCATED;
        }
        final int versionIhl = buffer.getByte(at) & 0xFF;
        if ((versionIhl >> 4) != 4)
        {
            return DropReason.IP_VERSION_MISMATCH;
        }
        final int ihl = (versionIhl & 0xF) << 2;
        if (ihl < Ipv4Descriptor.MIN_HEADER_LENGTH || ihl > available)
        {
            return DropReason.IPV4_BAD_IHL;
        }
        final int totalLength = buffer.getShort(at + Ipv4Descriptor.TOTAL_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if (totalLength < ihl || totalLength > available)
        {
            return DropReason.IPV4_BAD_TOTAL_LENGTH;
        }
        if (!Checksums.ipv4HeaderValid(buffer, at, ihl))
        {
            return DropReason.IPV4_BAD_CHECKSUM;
        }
        final int fragmentWord = buffer.getShort(at + Ipv4Descriptor.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        final int fragmentOffset = (fragmentWord & Ipv4Descriptor.FRAGMENT_OFFSET_MASK) << 3;
        final int l4Length = totalLength - ihl;
        if (fragmentOffset + l4Length > 65535)
        {
            return DropReason.FRAGMENT_MALFORMED;
        }
        final int protocol = buffer.getByte(at + Ipv4Descriptor.PROTOCOL_OFFSET) & 0xFF;
        int flags = v.flags[i] | FLAG_IPV4;
        if ((fragmentWord & Ipv4Descriptor.FLAG_DF) != 0)
        {
            flags |= FLAG_DONT_FRAGMENT;
        }
        if (ihl > Ipv4Descriptor.MIN_HEADER_LENGTH)
        {
            flags |= FLAG_IPV4_OPTIONS;
        }
        v.l3Length[i] = totalLength;
        v.protocol[i] = protocol;
        v.srcLo[i] = ipv4Mapped(buffer.getInt(at + Ipv4Descriptor.SOURCE_OFFSET, BIG_ENDIAN));
        v.dstLo[i] = ipv4Mapped(buffer.getInt(at + Ipv4Descriptor.DESTINATION_OFFSET, BIG_ENDIAN));
        v.l4Offset[i] = l3 + ihl;
        if (fragmentOffset != 0)
        {
            v.flags[i] = flags | FLAG_FRAGMENT;
            return null;
        }
        if ((fragmentWord & Ipv4Descriptor.FLAG_MF) != 0)
        {
            flags |= FLAG_FIRST_FRAGMENT;
        }
        v.flags[i] = flags;
        return parseL4(v, buffer, i, base, l3 + ihl, l4Length, protocol, false);
    }

    private DropReason parseIpv6(
        final PacketVector v, final MutableDirectBuffer buffer, final int i, final int base, final int l3, final int len)
    {
        final int at = base + l3;
        final int available = len - l3;
        if (available < Ipv6Descriptor.HEADER_LENGTH)
        {
            return DropReason.IPV6_TRUNCATED;
        }
        if (((buffer.getByte(at) >> 4) & 0xF) != 6)
        {
            return DropReason.IP_VERSION_MISMATCH;
        }
        final int payloadLength = buffer.getShort(at + Ipv6Descriptor.PAYLOAD_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
        if (Ipv6Descriptor.HEADER_LENGTH + payloadLength > available)
        {
            return DropReason.IPV6_BAD_PAYLOAD_LENGTH;
        }
        v.flags[i] |= FLAG_IPV6 | FLAG_DONT_FRAGMENT;
        v.l3Length[i] = Ipv6Descriptor.HEADER_LENGTH + payloadLength;
        v.srcHi[i] = buffer.getLong(at + Ipv6Descriptor.SOURCE_OFFSET, BIG_ENDIAN);
        v.srcLo[i] = buffer.getLong(at + Ipv6Descriptor.SOURCE_OFFSET + 8, BIG_ENDIAN);
        v.dstHi[i] = buffer.getLong(at + Ipv6Descriptor.DESTINATION_OFFSET, BIG_ENDIAN);
        v.dstLo[i] = buffer.getLong(at + Ipv6Descriptor.DESTINATION_OFFSET + 8, BIG_ENDIAN);
        final int end = at + Ipv6Descriptor.HEADER_LENGTH + payloadLength;
        final DropReason walk = walkIpv6(buffer, at + Ipv6Descriptor.HEADER_LENGTH, end,
            buffer.getByte(at + Ipv6Descriptor.NEXT_HEADER_OFFSET) & 0xFF);
        if (walk != null)
        {
            return walk;
        }
        final int l4 = walkOffset - base;
        v.protocol[i] = walkProtocol;
        v.l4Offset[i] = l4;
        if (l4 != l3 + Ipv6Descriptor.HEADER_LENGTH)
        {
            v.flags[i] |= FLAG_IPV6_EXTENSIONS;
        }
        if (walkFragment == LATER_FRAGMENT)
        {
            v.flags[i] |= FLAG_FRAGMENT;
            return null;
        }
        if (walkFragment == FIRST_FRAGMENT)
        {
            v.flags[i] |= FLAG_FIRST_FRAGMENT;
        }
        if (walkProtocol == IpProtocol.IPV6_NO_NEXT_HEADER)
        {
            return null;
        }
        return parseL4(v, buffer, i, base, l4, end - walkOffset, walkProtocol, true);
    }

    /**
     * Walks the extension header chain from {@code at} (absolute) to the upper-layer header, never past {@code end}.
     * Sets walkProtocol, walkOffset (absolute) and walkFragment; returns a drop reason or null.
     */
    private DropReason walkIpv6(final MutableDirectBuffer buffer, final int at, final int end, final int nextHeader)
    {
        int cursor = at;
        int next = nextHeader;
        int fragment = NOT_FRAGMENT;
        for (int count = 0; ; count++)
        {
            final int headerLength;
            switch (next)
            {
                case IpProtocol.HOP_BY_HOP:
                    if (count != 0)
                    {
                        return DropReason.IPV6_EXT_BAD_ORDER;
                    }
                    // fall through: same layout as routing and destination options
                case IpProtocol.IPV6_ROUTING:
                case IpProtocol.IPV6_DESTINATION_OPTIONS:
                    if (end - cursor < Ipv6Descriptor.EXT_MIN_LENGTH)
                    {
                        return DropReason.IPV6_EXT_TRUNCATED;
                    }
                    headerLength = ((buffer.getByte(cursor + Ipv6Descriptor.EXT_LENGTH_OFFSET) & 0xFF) + 1) << 3;
                    break;
                case IpProtocol.AH:
                    if (end - cursor < Ipv6Descriptor.EXT_MIN_LENGTH)
                    {
                        return DropReason.IPV6_EXT_TRUNCATED;
                    }
                    headerLength = ((buffer.getByte(cursor + Ipv6Descriptor.EXT_LENGTH_OFFSET) & 0xFF) + 2) << 2;
                    break;
                case IpProtocol.IPV6_FRAGMENT:
                    if (end - cursor < Ipv6Descriptor.FRAGMENT_HEADER_LENGTH)
                    {
                        return DropReason.IPV6_EXT_TRUNCATED;
                    }
                    headerLength = Ipv6Descriptor.FRAGMENT_HEADER_LENGTH;
                    final int word = buffer.getShort(cursor + Ipv6Descriptor.FRAGMENT_OFFSET_FLAGS_OFFSET, BIG_ENDIAN) &
                        0xFFFF;
                    final int fragmentOffset = word & Ipv6Descriptor.FRAGMENT_OFFSET_MASK;
                    if (fragmentOffset + (end - cursor - headerLength) > 65535)
                    {
                        return DropReason.FRAGMENT_MALFORMED;
                    }
                    if (fragmentOffset != 0)
                    {
                        fragment = LATER_FRAGMENT;
                    }
                    else if ((word & Ipv6Descriptor.FRAGMENT_FLAG_M) != 0)
                    {
                        fragment = FIRST_FRAGMENT;
                    }
                    // offset 0 without M is an atomic fragment (RFC 6946): a whole datagram
                    break;
                default:
                    walkProtocol = next;
                    walkOffset = cursor;
                    walkFragment = fragment;
                    return null;
            }
            if (count == Ipv6Descriptor.MAX_EXTENSION_HEADERS)
            {
                return DropReason.IPV6_EXT_CHAIN_TOO_LONG;
            }
            if (headerLength > end - cursor)
            {
                return DropReason.IPV6_EXT_TRUNCATED;
            }
            next = buffer.getByte(cursor + Ipv6Descriptor.EXT_NEXT_HEADER_OFFSET) & 0xFF;
            cursor += headerLength;
            if (fragment == LATER_FRAGMENT)
            {
                // A later fragment's "next header" is the datagram's upper layer, but its bytes are not a header.
                walkProtocol = next;
                walkOffset = cursor;
                walkFragment = fragment;
                return null;
            }
        }
    }

    private DropReason parseL4(
        final PacketVector v,
        final MutableDirectBuffer buffer,
        final int i,
        final int base,
        final int l4,
        final int l4Length,
        final int protocol,
        final boolean ipv6)
    {
        final int at = base + l4;
        switch (protocol)
        {
            case IpProtocol.TCP:
            {
                if (l4Length < TCP_MIN_HEADER_LENGTH)
                {
                    return DropReason.TCP_TRUNCATED;
                }
                final int headerLength = ((buffer.getByte(at + TCP_DATA_OFFSET_OFFSET) >> 4) & 0xF) << 2;
                if (headerLength < TCP_MIN_HEADER_LENGTH || headerLength > l4Length)
                {
                    return DropReason.TCP_BAD_DATA_OFFSET;
                }
                setPorts(v, buffer, i, at);
                v.tcpFlags[i] = buffer.getByte(at + TCP_FLAGS_OFFSET) & 0xFF;
                v.payloadOffset[i] = l4 + headerLength;
                return null;
            }
            case IpProtocol.UDP:
            {
                if (l4Length < UDP_HEADER_LENGTH)
                {
                    return DropReason.UDP_TRUNCATED;
                }
                final int udpLength = buffer.getShort(at + UDP_LENGTH_OFFSET, BIG_ENDIAN) & 0xFFFF;
                // A first fragment holds only part of the datagram, so its UDP length may exceed what is here.
                if (udpLength < UDP_HEADER_LENGTH || (udpLength > l4Length && !v.hasFlag(i, FLAG_FIRST_FRAGMENT)))
                {
                    return DropReason.UDP_BAD_LENGTH;
                }
                setPorts(v, buffer, i, at);
                v.payloadOffset[i] = l4 + UDP_HEADER_LENGTH;
                return null;
            }
            case IpProtocol.SCTP:
            {
                if (l4Length < SCTP_HEADER_LENGTH)
                {
                    return DropReason.SCTP_TRUNCATED;
                }
                setPorts(v, buffer, i, at);
                v.payloadOffset[i] = l4 + SCTP_HEADER_LENGTH;
                return null;
            }
            case IpProtocol.ICMP:
            case IpProtocol.ICMPV6:
            {
                if ((protocol == IpProtocol.ICMPV6) != ipv6)
                {
                    return null; // ICMPv6 over IPv4 or ICMP over IPv6: no meaning, no ports; policy decides.
                }
                if (l4Length < ICMP_HEADER_LENGTH)
                {
                    return DropReason.ICMP_TRUNCATED;
                }
                final int type = buffer.getByte(at + ICMP_TYPE_OFFSET) & 0xFF;
                v.icmpTypeCode[i] = type << 8 | (buffer.getByte(at + ICMP_CODE_OFFSET) & 0xFF);
                v.payloadOffset[i] = l4 + ICMP_HEADER_LENGTH;
                final boolean echo = ipv6 ?
                    type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY :
                    type == ICMP_ECHO_REQUEST || type == ICMP_ECHO_REPLY;
                if (echo)
                {
                    final int id = buffer.getShort(at + ICMP_ECHO_ID_OFFSET, BIG_ENDIAN) & 0xFFFF;
                    v.srcPort[i] = id;
                    v.dstPort[i] = id;
                    v.flags[i] |= FLAG_ICMP_ECHO | FLAG_PORTS;
                    return null;
                }
                final boolean error = ipv6 ?
                    type >= ICMPV6_DEST_UNREACHABLE && type <= ICMPV6_PARAMETER_PROBLEM :
                    type == ICMP_DEST_UNREACHABLE || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
                    type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETER_PROBLEM;
                if (error)
                {
                    return parseIcmpInner(v, buffer, i, base, l4 + ICMP_HEADER_LENGTH,
                        l4Length - ICMP_HEADER_LENGTH, ipv6);
                }
                return null;
            }
            default:
                return null;
        }
    }

    private static void setPorts(final PacketVector v, final MutableDirectBuffer buffer, final int i, final int at)
    {
        v.srcPort[i] = buffer.getShort(at + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        v.dstPort[i] = buffer.getShort(at + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
        v.flags[i] |= FLAG_PORTS;
    }

    /**
     * The invoking packet inside an ICMP error (RFC 792: its IP header and at least 8 bytes; RFC 4443: as much as
     * fits). Its tuple is what conntrack will look up, reversed.
     */
    private DropReason parseIcmpInner(
        final PacketVector v,
        final MutableDirectBuffer buffer,
        final int i,
        final int base,
        final int inner,
        final int available,
        final boolean ipv6)
    {
        final int at = base + inner;
        final int innerProtocol;
        final int l4;
        final boolean laterFragment;
        if (!ipv6)
        {
            if (available < Ipv4Descriptor.MIN_HEADER_LENGTH || ((buffer.getByte(at) >> 4) & 0xF) != 4)
            {
                return DropReason.ICMP_INNER_MALFORMED;
            }
            final int ihl = (buffer.getByte(at) & 0xF) << 2;
            if (ihl < Ipv4Descriptor.MIN_HEADER_LENGTH || ihl > available)
            {
                return DropReason.ICMP_INNER_MALFORMED;
            }
            innerProtocol = buffer.getByte(at + Ipv4Descriptor.PROTOCOL_OFFSET) & 0xFF;
            v.innerSrcHi[i] = 0;
            v.innerSrcLo[i] = ipv4Mapped(buffer.getInt(at + Ipv4Descriptor.SOURCE_OFFSET, BIG_ENDIAN));
            v.innerDstHi[i] = 0;
            v.innerDstLo[i] = ipv4Mapped(buffer.getInt(at + Ipv4Descriptor.DESTINATION_OFFSET, BIG_ENDIAN));
            laterFragment = (buffer.getShort(at + Ipv4Descriptor.FLAGS_FRAGMENT_OFFSET, BIG_ENDIAN) &
                Ipv4Descriptor.FRAGMENT_OFFSET_MASK) != 0;
            l4 = inner + ihl;
        }
        else
        {
            if (available < Ipv6Descriptor.HEADER_LENGTH || ((buffer.getByte(at) >> 4) & 0xF) != 6)
            {
                return DropReason.ICMP_INNER_MALFORMED;
            }
            v.innerSrcHi[i] = buffer.getLong(at + Ipv6Descriptor.SOURCE_OFFSET, BIG_ENDIAN);
            v.innerSrcLo[i] = buffer.getLong(at + Ipv6Descriptor.SOURCE_OFFSET + 8, BIG_ENDIAN);
            v.innerDstHi[i] = buffer.getLong(at + Ipv6Descriptor.DESTINATION_OFFSET, BIG_ENDIAN);
            v.innerDstLo[i] = buffer.getLong(at + Ipv6Descriptor.DESTINATION_OFFSET + 8, BIG_ENDIAN);
            // The quoted packet is cut short, so walk only what the error carries.
            if (walkIpv6(buffer, at + Ipv6Descriptor.HEADER_LENGTH, at + available,
                buffer.getByte(at + Ipv6Descriptor.NEXT_HEADER_OFFSET) & 0xFF) != null)
            {
                return DropReason.ICMP_INNER_MALFORMED;
            }
            innerProtocol = walkProtocol;
            laterFragment = walkFragment == LATER_FRAGMENT;
            l4 = walkOffset - base;
        }
        v.innerL3Offset[i] = inner;
        v.innerProtocol[i] = innerProtocol;
        v.innerSrcPort[i] = 0;
        v.innerDstPort[i] = 0;
        v.flags[i] |= FLAG_ICMP_ERROR;
        if (laterFragment)
        {
            return null;
        }
        final int l4Available = available - (l4 - inner);
        final int innerAt = base + l4;
        switch (innerProtocol)
        {
            case IpProtocol.TCP:
            case IpProtocol.UDP:
            case IpProtocol.SCTP:
                if (l4Available < 4)
                {
                    return DropReason.ICMP_INNER_MALFORMED;
                }
                v.innerSrcPort[i] = buffer.getShort(innerAt + SOURCE_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
                v.innerDstPort[i] = buffer.getShort(innerAt + DESTINATION_PORT_OFFSET, BIG_ENDIAN) & 0xFFFF;
                v.flags[i] |= FLAG_INNER_PORTS;
                return null;
            case IpProtocol.ICMP:
            case IpProtocol.ICMPV6:
                if (l4Available < ICMP_HEADER_LENGTH)
                {
                    return DropReason.ICMP_INNER_MALFORMED;
                }
                final int innerType = buffer.getByte(innerAt + ICMP_TYPE_OFFSET) & 0xFF;
                // Only an echo can be the invoking packet of a flow we track; errors about errors carry no id.
                if (innerType == ICMP_ECHO_REQUEST || innerType == ICMP_ECHO_REPLY ||
                    innerType == ICMPV6_ECHO_REQUEST || innerType == ICMPV6_ECHO_REPLY)
                {
                    final int id = buffer.getShort(innerAt + ICMP_ECHO_ID_OFFSET, BIG_ENDIAN) & 0xFFFF;
                    v.innerSrcPort[i] = id;
                    v.innerDstPort[i] = id;
                    v.flags[i] |= FLAG_INNER_PORTS;
                }
                return null;
            default:
                return null;
        }
    }
}
