package dev.sluice.fastpath.packet;

import static dev.sluice.fastpath.packet.ArpDescriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/** ARP for IPv4 over Ethernet (RFC 826); see {@link ArpDescriptor}. */
public final class ArpFlyweight
{
    private MutableDirectBuffer buffer;
    private int offset;

    public ArpFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** True for hardware type Ethernet, protocol IPv4, lengths 6 and 4. */
    public boolean isEthernetIpv4()
    {
        return (buffer.getShort(offset + HARDWARE_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF) == HARDWARE_ETHERNET &&
            (buffer.getShort(offset + PROTOCOL_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF) == EthernetDescriptor.ETHERTYPE_IPV4 &&
            buffer.getByte(offset + HARDWARE_LENGTH_OFFSET) == 6 &&
            buffer.getByte(offset + PROTOCOL_LENGTH_OFFSET) == 4;
    }

    public int operation()
    {
        return buffer.getShort(offset + OPERATION_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public ArpFlyweight operation(final int operation)
    {
        buffer.putShort(offset + OPERATION_OFFSET, (short)operation, BIG_ENDIAN);
        return this;
    }

    public int senderIp()
    {
        return buffer.getInt(offset + SENDER_IP_OFFSET, BIG_ENDIAN);
    }

    public ArpFlyweight senderIp(final int ip)
    {
        buffer.putInt(offset + SENDER_IP_OFFSET, ip, BIG_ENDIAN);
        return this;
    }

    public int targetIp()
    {
        return buffer.getInt(offset + TARGET_IP_OFFSET, BIG_ENDIAN);
    }

    public ArpFlyweight targetIp(final int ip)
    {
        buffer.putInt(offset + TARGET_IP_OFFSET, ip, BIG_ENDIAN);
        return this;
    }

    public long senderMac()
    {
        return mac(offset + SENDER_MAC_OFFSET);
    }

    public long targetMac()
    {
        return mac(offset + TARGET_MAC_OFFSET);
    }

    private long mac(final int at)
    {
        return ((buffer.getShort(at, BIG_ENDIAN) & 0xFFFFL) << 32) | (buffer.getInt(at + 2, BIG_ENDIAN) & 0xFFFF_FFFFL);
    }
}
