package dev.sluice.fastpath.packet;

import static dev.sluice.fastpath.packet.EthernetDescriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import org.agrona.MutableDirectBuffer;

/**
 * Ethernet II header with at most one 802.1Q tag, over a buffer (a UMEM frame or any Agrona buffer). No bounds
 * checks beyond the buffer's own: callers check the frame length first (see {@code ParseStage}).
 * MAC addresses are the low 48 bits of a long, first byte most significant.
 */
public final class EthernetFlyweight
{
    private MutableDirectBuffer buffer;
    private int offset;

    public EthernetFlyweight wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    public int offset()
    {
        return offset;
    }

    public long destination()
    {
        return mac(offset + DESTINATION_OFFSET);
    }

    public EthernetFlyweight destination(final long mac)
    {
        putMac(offset + DESTINATION_OFFSET, mac);
        return this;
    }

    public long source()
    {
        return mac(offset + SOURCE_OFFSET);
    }

    public EthernetFlyweight source(final long mac)
    {
        putMac(offset + SOURCE_OFFSET, mac);
        return this;
    }

    /** The EtherType or TPID at offset 12. */
    public int outerEtherType()
    {
        return buffer.getShort(offset + ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF;
    }

    public boolean hasVlanTag()
    {
        return outerEtherType() == ETHERTYPE_VLAN;
    }

    /** The VLAN ID (12 bits) of the 802.1Q tag; only meaningful when {@link #hasVlanTag()}. */
    public int vlanId()
    {
        return buffer.getShort(offset + VLAN_TCI_OFFSET, BIG_ENDIAN) & 0x0FFF;
    }

    /** The EtherType of the payload, after the tag when tagged. */
    public int etherType()
    {
        return hasVlanTag() ? buffer.getShort(offset + VLAN_ETHER_TYPE_OFFSET, BIG_ENDIAN) & 0xFFFF : outerEtherType();
    }

    public EthernetFlyweight etherType(final int etherType)
    {
        buffer.putShort(offset + (hasVlanTag() ? VLAN_ETHER_TYPE_OFFSET : ETHER_TYPE_OFFSET), (short)etherType,
            BIG_ENDIAN);
        return this;
    }

    public int headerLength()
    {
        return hasVlanTag() ? VLAN_HEADER_LENGTH : HEADER_LENGTH;
    }

    private long mac(final int at)
    {
        return ((buffer.getShort(at, BIG_ENDIAN) & 0xFFFFL) << 32) | (buffer.getInt(at + 2, BIG_ENDIAN) & 0xFFFF_FFFFL);
    }

    private void putMac(final int at, final long mac)
    {
        buffer.putShort(at, (short)(mac >>> 32), BIG_ENDIAN);
        buffer.putInt(at + 2, (int)mac, BIG_ENDIAN);
    }
}
