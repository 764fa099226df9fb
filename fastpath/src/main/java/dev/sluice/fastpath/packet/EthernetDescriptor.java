package dev.sluice.fastpath.packet;

/**
 * Ethernet II header with at most one IEEE 802.1Q tag.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                  Destination MAC (6 bytes)                    |
 *  +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                               |                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+      Source MAC (6 bytes)     +
 *  |                                                               |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |     EtherType or TPID 0x8100  |  PCP|D|  VLAN ID (if tagged)  |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |  EtherType (if tagged)        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * Source: IEEE 802.3 clause 3, IEEE 802.1Q clause 9 ({@code linux/if_ether.h}, {@code linux/if_vlan.h}).
 */
public final class EthernetDescriptor
{
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;
    public static final int VLAN_TAG_LENGTH = 4;
    public static final int VLAN_TCI_OFFSET = 14;
    public static final int VLAN_ETHER_TYPE_OFFSET = 16;
    public static final int VLAN_HEADER_LENGTH = HEADER_LENGTH + VLAN_TAG_LENGTH;

    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int ETHERTYPE_VLAN = 0x8100;
    public static final int ETHERTYPE_QINQ = 0x88A8;
    public static final int ETHERTYPE_IPV6 = 0x86DD;

    private EthernetDescriptor()
    {
    }
}
