package dev.sluice.fastpath.tunnel;

import static dev.sluice.fastpath.tunnel.NetlinkDescriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.NativeCallException;
import dev.sluice.fastpath.sys.NetlinkSocket;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The kernel's route to a tunnel peer's underlay address, asked with {@code RTM_GETROUTE} (what {@code ip route get}
 * does: a FIB lookup, not a dump): the output interface and the gateway, if any. The next hop whose MAC the
 * templates need is the gateway, or the peer itself when it is on-link (the usual case inside one subnet or VPC,
 * and the demo topology). For the control thread; one request per peer per template rebuild.
 */
public final class UnderlayRoutes implements AutoCloseable
{
    private static final int BUFFER_LENGTH = 16 * 1024;
    private static final int RECEIVE_TIMEOUT_MS = 5000;

    /**
     * A route: leave by {@code ifindex}; the next hop is the gateway when {@code viaGateway}, else the destination.
     *
     * @param ifindex    output interface index.
     * @param viaGateway true when the route has a gateway.
     * @param nextHopHi  high half of the next hop (IPv4: 0).
     * @param nextHopLo  low half of the next hop (IPv4: IPv4-mapped, as in {@link PacketVector}).
     */
    public record Route(int ifindex, boolean viaGateway, long nextHopHi, long nextHopLo)
    {
    }

    private final NetlinkSocket socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rxSegment = arena.allocate(BUFFER_LENGTH, 8);
    private final UnsafeBuffer rx = new UnsafeBuffer(rxSegment.address(), BUFFER_LENGTH);
    private final MemorySegment txSegment = arena.allocate(64, 8);
    private final UnsafeBuffer tx = new UnsafeBuffer(txSegment.address(), 64);
    private int sequence;

    private UnderlayRoutes(final NetlinkSocket socket)
    {
        this.socket = socket;
    }

    /**
     * @return a route lookup bound to the calling thread's network namespace.
     */
    public static UnderlayRoutes open()
    {
        return new UnderlayRoutes(NetlinkSocket.open(NetlinkSocket.NETLINK_ROUTE, 0, RECEIVE_TIMEOUT_MS));
    }

    /**
     * @param destination IPv4 address (host-order int).
     * @return the unicast route to it, or null when there is none (unreachable, blackhole, a local address).
     */
    public Route lookupIpv4(final int destination)
    {
        tx.putInt(NLMSG_HEADER_LENGTH + RTMSG_LENGTH + RTATTR_HEADER_LENGTH, destination, BIG_ENDIAN);
        return lookup(AF_INET, 4);
    }

    /**
     * @param hi high half of an IPv6 address.
     * @param lo low half.
     * @return the unicast route to it, or null when there is none.
     */
    public Route lookupIpv6(final long hi, final long lo)
    {
        tx.putLong(NLMSG_HEADER_LENGTH + RTMSG_LENGTH + RTATTR_HEADER_LENGTH, hi, BIG_ENDIAN);
        tx.putLong(NLMSG_HEADER_LENGTH + RTMSG_LENGTH + RTATTR_HEADER_LENGTH + 8, lo, BIG_ENDIAN);
        return lookup(AF_INET6, 16);
    }

    private Route lookup(final int family, final int addressLength)
    {
        final int seq = ++sequence;
        final int length = NLMSG_HEADER_LENGTH + RTMSG_LENGTH + RTATTR_HEADER_LENGTH + addressLength;
        tx.setMemory(0, NLMSG_HEADER_LENGTH + RTMSG_LENGTH, (byte)0);
        tx.putInt(NLMSG_LENGTH_OFFSET, length);
        tx.putShort(NLMSG_TYPE_OFFSET, (short)RTM_GETROUTE);
        tx.putShort(NLMSG_FLAGS_OFFSET, (short)NLM_F_REQUEST);
        tx.putInt(NLMSG_SEQ_OFFSET, seq);
        final int rtmsg = NLMSG_HEADER_LENGTH;
        tx.putByte(rtmsg + RTMSG_FAMILY_OFFSET, (byte)family);
        tx.putByte(rtmsg + RTMSG_DST_LEN_OFFSET, (byte)(addressLength * 8));
        final int attribute = rtmsg + RTMSG_LENGTH;
        tx.putShort(attribute + RTATTR_LENGTH_OFFSET, (short)(RTATTR_HEADER_LENGTH + addressLength));
        tx.putShort(attribute + RTATTR_TYPE_OFFSET, (short)RTA_DST);
        socket.send(txSegment, length);

        while (true)
        {
            final int n = socket.receive(rxSegment, BUFFER_LENGTH, false);
            if (n < 0)
            {
                throw NativeCallException.of("recv(netlink RTM_GETROUTE)", -n,
                    n == -Errno.EAGAIN ? "no answer within " + RECEIVE_TIMEOUT_MS + " ms" : "");
            }
            int at = 0;
            while (n - at >= NLMSG_HEADER_LENGTH)
            {
                final int messageLength = rx.getInt(at + NLMSG_LENGTH_OFFSET);
                if (messageLength < NLMSG_HEADER_LENGTH || messageLength > n - at)
                {
                    break;
                }
                final int type = rx.getShort(at + NLMSG_TYPE_OFFSET) & 0xFFFF;
                if (rx.getInt(at + NLMSG_SEQ_OFFSET) == seq)
                {
                    if (type == NLMSG_ERROR)
                    {
                        // -ENETUNREACH, -EHOSTUNREACH...: no route. An ACK (0) is not expected without NLM_F_ACK.
                        return null;
                    }
                    if (type == RTM_NEWROUTE && messageLength >= NLMSG_HEADER_LENGTH + RTMSG_LENGTH)
                    {
                        return parse(at + NLMSG_HEADER_LENGTH, at + messageLength, family);
                    }
                }
                at += align(messageLength);
            }
        }
    }

    private Route parse(final int rtmsg, final int end, final int family)
    {
        if ((rx.getByte(rtmsg + RTMSG_TYPE_OFFSET) & 0xFF) != RTN_UNICAST)
        {
            return null;
        }
        int ifindex = 0;
        boolean viaGateway = false;
        long gatewayHi = 0;
        long gatewayLo = 0;
        long destinationHi = 0;
        long destinationLo = 0;
        int attribute = rtmsg + RTMSG_LENGTH;
        while (end - attribute >= RTATTR_HEADER_LENGTH)
        {
            final int attributeLength = rx.getShort(attribute + RTATTR_LENGTH_OFFSET) & 0xFFFF;
            if (attributeLength < RTATTR_HEADER_LENGTH || attributeLength > end - attribute)
            {
                break;
            }
            final int type = rx.getShort(attribute + RTATTR_TYPE_OFFSET) & 0x3FFF;
            final int data = attribute + RTATTR_HEADER_LENGTH;
            final int dataLength = attributeLength - RTATTR_HEADER_LENGTH;
            if (type == RTA_OIF && dataLength == 4)
            {
                ifindex = rx.getInt(data);
            }
            else if ((type == RTA_GATEWAY || type == RTA_DST) && dataLength == (family == AF_INET ? 4 : 16))
            {
                final long hi = family == AF_INET ? 0 : rx.getLong(data, BIG_ENDIAN);
                final long lo = family == AF_INET ?
                    PacketVector.ipv4Mapped(rx.getInt(data, BIG_ENDIAN)) : rx.getLong(data + 8, BIG_ENDIAN);
                if (type == RTA_GATEWAY)
                {
                    viaGateway = true;
                    gatewayHi = hi;
                    gatewayLo = lo;
                }
                else
                {
                    destinationHi = hi;
                    destinationLo = lo;
                }
            }
            attribute += align(attributeLength);
        }
        if (ifindex == 0)
        {
            return null;
        }
        return viaGateway ?
            new Route(ifindex, true, gatewayHi, gatewayLo) : new Route(ifindex, false, destinationHi, destinationLo);
    }

    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        finally
        {
            arena.close();
        }
    }
}
