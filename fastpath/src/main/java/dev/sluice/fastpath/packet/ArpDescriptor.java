package dev.sluice.fastpath.packet;

/**
 * ARP for IPv4 over Ethernet (RFC 826), the only kind Sluice parses (hardware type 1, protocol 0x0800,
 * lengths 6 and 4).
 * <pre>
 *  0        2        4    5    6        8             14       18             24       28
 *  +--------+--------+----+----+--------+-------------+--------+-------------+--------+
 *  | HTYPE  | PTYPE  |HLEN|PLEN|  OPER  | sender MAC  |sender IP| target MAC | target IP|
 *  +--------+--------+----+----+--------+-------------+--------+-------------+--------+
 * </pre>
 */
public final class ArpDescriptor
{
    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;
    public static final int LENGTH = 28;

    public static final int HARDWARE_ETHERNET = 1;
    public static final int OPERATION_REQUEST = 1;
    public static final int OPERATION_REPLY = 2;

    private ArpDescriptor()
    {
    }
}
