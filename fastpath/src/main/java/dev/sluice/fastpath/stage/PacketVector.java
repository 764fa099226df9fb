package dev.sluice.fastpath.stage;

import dev.sluice.fastpath.status.DropReason;
import org.agrona.MutableDirectBuffer;

/**
 * A batch of packets as a struct of arrays: fixed capacity, allocated once, reset every duty cycle.
 *
 * <p>All packets of a vector live in one buffer (the UMEM, or a frame pool for offline runs): packet {@code i} is
 * {@code length[i]} bytes at {@code offset[i]}. The producer (RX, pcap reader, generator) fills the frame columns
 * with {@link #add}; the parse stage fills the metadata columns once; later stages read them and never re-parse.
 * Header offsets ({@link #l3Offset}, {@link #l4Offset}, {@link #payloadOffset}) are relative to {@code offset[i]},
 * so a stage that moves the packet start (encap, decap) keeps them valid by adjusting {@code offset[i]} alone.
 *
 * <p>Addresses are 128-bit, as two 64-bit halves; IPv4 addresses are stored IPv4-mapped ({@code ::ffff:a.b.c.d},
 * RFC 4291 section 2.5.5.2) so tables need one key shape. A packet is dropped by setting {@link #dropReason} to a
 * {@link DropReason} code; later stages skip it, and the end of the pipeline counts and frees it. The columns are
 * public arrays on purpose: stages are tight loops over them.
 */
public final class PacketVector
{
    /** Largest vector a worker may ask for. */
    public static final int MAX_CAPACITY = 256;

    public static final int FLAG_VLAN = 1;
    public static final int FLAG_ARP = 1 << 1;
    public static final int FLAG_IPV4 = 1 << 2;
    public static final int FLAG_IPV6 = 1 << 3;
    /** Transport ports (or the ICMP echo id, in both port columns) are valid. */
    public static final int FLAG_PORTS = 1 << 4;
    /** A fragment that is not the first: no transport header. */
    public static final int FLAG_FRAGMENT = 1 << 5;
    /** The first fragment of a fragmented datagram (offset 0, more fragments). */
    public static final int FLAG_FIRST_FRAGMENT = 1 << 6;
    /** IPv4 DF set (always considered set for IPv6, which routers never fragment). */
    public static final int FLAG_DONT_FRAGMENT = 1 << 7;
    public static final int FLAG_IPV4_OPTIONS = 1 << 8;
    public static final int FLAG_IPV6_EXTENSIONS = 1 << 9;
    /** ICMP/ICMPv6 echo request or reply: {@link #srcPort} and {@link #dstPort} both hold the echo id. */
    public static final int FLAG_ICMP_ECHO = 1 << 10;
    /** ICMP/ICMPv6 error: the inner columns hold the tuple of the packet it refers to. */
    public static final int FLAG_ICMP_ERROR = 1 << 11;
    /** Inner (ICMP error) ports are valid. */
    public static final int FLAG_INNER_PORTS = 1 << 12;

    /** IPv4-mapped prefix in the low half: {@code ::ffff:0:0/96}. */
    public static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    public final int capacity;
    private int size;
    private MutableDirectBuffer buffer;

    // Frame columns, filled by the producer.
    /** Frame handle for returning the frame to its pool or TX (e.g. the UMEM address). */
    public final long[] frame;
    /** Absolute offset of the first byte (Ethernet header) in {@link #buffer()}. */
    public final int[] offset;
    /** Bytes of the frame, from {@code offset}. */
    public final int[] length;
    public final int[] ingressPort;
    /** Producer's sequence number, to follow a packet through stages (trace). */
    public final long[] sequence;
    /** 0 while alive, else a {@link DropReason} code. */
    public final int[] dropReason;

    // Metadata columns, filled once by the parse stage.
    public final int[] flags;
    public final int[] etherType;
    public final int[] vlanId;
    public final int[] l3Offset;
    /** IPv4 total length, or 40 + payload length for IPv6: bytes of the frame that are the IP packet. */
    public final int[] l3Length;
    /** Start of the transport header (after IPv6 extension headers), 0 when there is none. */
    public final int[] l4Offset;
    public final int[] payloadOffset;
    /** Transport protocol (IANA number) after extension headers; ARP packets keep the ARP operation here. */
    public final int[] protocol;
    public final long[] srcHi;
    public final long[] srcLo;
    public final long[] dstHi;
    public final long[] dstLo;
    public final int[] srcPort;
    public final int[] dstPort;
    public final int[] tcpFlags;
    /** ICMP type << 8 | code, for ICMP and ICMPv6. */
    public final int[] icmpTypeCode;

    // The invoking packet of an ICMP error, as it was sent (its source is where the error is going back to).
    public final int[] innerL3Offset;
    public final int[] innerProtocol;
    public final long[] innerSrcHi;
    public final long[] innerSrcLo;
    public final long[] innerDstHi;
    public final long[] innerDstLo;
    public final int[] innerSrcPort;
    public final int[] innerDstPort;

    // Tunnel and forwarding columns, reset by add(); see dev.sluice.fastpath.tunnel.
    /**
     * Security identity of the source pod: from Sluice's Geneve option on decap, or set by the stage that knows the
     * local source pod; {@link #IDENTITY_UNKNOWN} (0) when unknown (policy falls back to the source address).
     */
    public final int[] sourceIdentity;
    /** 24-bit VNI the packet arrived with (decap); 0 for packets that did not come through the tunnel. */
    public final int[] vni;
    /**
     * The node that sent the packet through the tunnel: its index in the installed {@code TunnelPeerTable}, filled
     * by decap; {@link #TUNNEL_PEER_NONE} (-1) for packets that did not arrive through the tunnel.
     */
    public final int[] ingressPeer;
    /**
     * Encapsulation request, set by the forwarding step: the index of the tunnel peer to send the packet to, or
     * {@link #TUNNEL_PEER_LOOKUP} to let the encap stage find the peer from the inner destination address;
     * {@link #TUNNEL_PEER_NONE} (-1, the default) means "not to the tunnel". Kept apart from {@link #ingressPeer} so
     * that a decapsulated packet is never sent back into the tunnel by accident.
     */
    public final int[] tunnelPeer;
    /** Port the packet leaves by (TX socket), {@link #PORT_NONE} (-1) until a stage decides. */
    public final int[] egressPort;

    /** {@link #sourceIdentity} value meaning "unknown" (equals the Geneve codec's IDENTITY_UNKNOWN). */
    public static final int IDENTITY_UNKNOWN = 0;
    /** {@link #tunnelPeer}: not a tunnel packet / not to be encapsulated. */
    public static final int TUNNEL_PEER_NONE = -1;
    /** {@link #tunnelPeer}: to be encapsulated; the encap stage looks the peer up by the inner destination. */
    public static final int TUNNEL_PEER_LOOKUP = -2;
    /** {@link #egressPort}: no egress decided. */
    public static final int PORT_NONE = -1;

    public PacketVector(final int capacity)
    {
        if (capacity < 1 || capacity > MAX_CAPACITY)
        {
            throw new IllegalArgumentException("vector capacity must be in 1.." + MAX_CAPACITY + ": " + capacity);
        }
        this.capacity = capacity;
        frame = new long[capacity];
        offset = new int[capacity];
        length = new int[capacity];
        ingressPort = new int[capacity];
        sequence = new long[capacity];
        dropReason = new int[capacity];
        flags = new int[capacity];
        etherType = new int[capacity];
        vlanId = new int[capacity];
        l3Offset = new int[capacity];
        l3Length = new int[capacity];
        l4Offset = new int[capacity];
        payloadOffset = new int[capacity];
        protocol = new int[capacity];
        srcHi = new long[capacity];
        srcLo = new long[capacity];
        dstHi = new long[capacity];
        dstLo = new long[capacity];
        srcPort = new int[capacity];
        dstPort = new int[capacity];
        tcpFlags = new int[capacity];
        icmpTypeCode = new int[capacity];
        innerL3Offset = new int[capacity];
        innerProtocol = new int[capacity];
        innerSrcHi = new long[capacity];
        innerSrcLo = new long[capacity];
        innerDstHi = new long[capacity];
        innerDstLo = new long[capacity];
        innerSrcPort = new int[capacity];
        innerDstPort = new int[capacity];
        sourceIdentity = new int[capacity];
        vni = new int[capacity];
        ingressPeer = new int[capacity];
        tunnelPeer = new int[capacity];
        egressPort = new int[capacity];
    }

    /** Starts a new cycle over {@code buffer}: the vector becomes empty. */
    public PacketVector reset(final MutableDirectBuffer buffer)
    {
        this.buffer = buffer;
        size = 0;
        return this;
    }

    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    public int size()
    {
        return size;
    }

    public boolean isFull()
    {
        return size == capacity;
    }

    /**
     * Appends a frame; returns its index, or -1 when the vector is full. Metadata columns of the slot are left for
     * the parse stage to overwrite; the tunnel/forwarding columns ({@link #sourceIdentity}, {@link #vni},
     * {@link #ingressPeer}, {@link #tunnelPeer}, {@link #egressPort}) are reset here, because decap fills some of
     * them before parse runs.
     */
    public int add(final long frame, final int offset, final int length, final int ingressPort, final long sequence)
    {
        if (size == capacity)
        {
            return -1;
        }
        final int i = size++;
        this.frame[i] = frame;
        this.offset[i] = offset;
        this.length[i] = length;
        this.ingressPort[i] = ingressPort;
        this.sequence[i] = sequence;
        this.dropReason[i] = 0;
        this.sourceIdentity[i] = IDENTITY_UNKNOWN;
        this.vni[i] = 0;
        this.ingressPeer[i] = TUNNEL_PEER_NONE;
        this.tunnelPeer[i] = TUNNEL_PEER_NONE;
        this.egressPort[i] = PORT_NONE;
        return i;
    }

    public boolean isDropped(final int i)
    {
        return dropReason[i] != 0;
    }

    /** Marks packet {@code i} dropped (the first reason sticks). */
    public void drop(final int i, final DropReason reason)
    {
        if (dropReason[i] == 0)
        {
            dropReason[i] = reason.code();
        }
    }

    public boolean hasFlag(final int i, final int flag)
    {
        return (flags[i] & flag) != 0;
    }

    /** Number of packets not dropped. */
    public int aliveCount()
    {
        int alive = 0;
        for (int i = 0; i < size; i++)
        {
            if (dropReason[i] == 0)
            {
                alive++;
            }
        }
        return alive;
    }

    /** An IPv4 address (host order int) as the low half of an IPv4-mapped address. */
    public static long ipv4Mapped(final int address)
    {
        return IPV4_MAPPED_PREFIX | (address & 0xFFFF_FFFFL);
    }

    /** True when the 128-bit address is IPv4-mapped. */
    public static boolean isIpv4Mapped(final long hi, final long lo)
    {
        return hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == IPV4_MAPPED_PREFIX;
    }
}
