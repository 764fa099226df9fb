package dev.sluice.control.cni;

import static dev.sluice.control.cni.RtnlDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
/**
 * The rtnetlink requests the CNI plugin makes, over one {@code NETLINK_ROUTE} socket that belongs to one network
 * namespace (the host's, or a pod's opened through {@link NetNamespace#openNetlink()}). Every change is acknowledged
 * ({@code NLM_F_ACK}) and a refusal throws {@link RtnlException} naming the request. Not thread-safe; one socket per
 * plugin run, so nothing here is on a hot path.
 */
public final class Rtnl implements AutoCloseable
{
    private static final int TX_LENGTH = 4096;
    private static final int RX_LENGTH = 64 * 1024;
    private static final int RECEIVE_TIMEOUT_MS = 5_000;
    private static final int ENODEV = 19;
    private static final int EAGAIN = 11;

    /**
     * A link as {@code RTM_GETLINK} reports it.
     *
     * @param index ifindex.
     * @param name  name.
     * @param mac   hardware address (empty when none).
     * @param mtu   MTU.
     * @param up    whether {@code IFF_UP} is set.
     */
    public record Link(int index, String name, byte[] mac, int mtu, boolean up)
    {
        /** @return the MAC as {@code aa:bb:cc:dd:ee:ff}. */
        public String macString()
        {
            return Macs.format(mac);
        }
    }

    /**
     * An interface address.
     *
     * @param index     ifindex.
     * @param address   the local address.
     * @param prefixLen prefix length.
     */
    public record Address(int index, InetAddress address, int prefixLen)
    {
    }

    /**
     * A route of the main table.
     *
     * @param destination destination (the all-zero address for a default route).
     * @param prefixLen   destination prefix length.
     * @param gateway     gateway, or null.
     * @param oif         output ifindex (0 when none).
     * @param scope       {@code rtm_scope}.
     */
    public record Route(InetAddress destination, int prefixLen, InetAddress gateway, int oif, int scope)
    {
    }

    /**
     * A neighbour entry.
     *
     * @param index   ifindex.
     * @param address the neighbour's address.
     * @param mac     link-layer address (empty when none).
     * @param state   {@code NUD_*} bits.
     */
    public record Neighbour(int index, InetAddress address, byte[] mac, int state)
    {
    }

    private final NetlinkChannel socket;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment tx = arena.allocate(TX_LENGTH, 8);
    private final MemorySegment rx = arena.allocate(RX_LENGTH, 8);
    private int position;
    private int sequence;

    private Rtnl(final NetlinkChannel socket)
    {
        this.socket = socket;
    }

    /**
     * @return an rtnetlink channel in the calling thread's network namespace.
     * @throws RtnlException when the socket cannot be made.
     */
    public static Rtnl openCurrent() throws RtnlException
    {
        return new Rtnl(NetlinkChannel.open(RECEIVE_TIMEOUT_MS));
    }

    /**
     * Creates a veth pair whose peer is created directly in another network namespace, under its final name.
     *
     * @param hostName  the name of the end that stays here.
     * @param peerName  the name of the other end.
     * @param peerNetNs an open file descriptor of the peer's network namespace.
     * @throws RtnlException when the kernel refuses (EEXIST: a link of either name exists).
     */
    public void createVeth(final String hostName, final String peerName, final int peerNetNs) throws RtnlException
    {
        begin(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        putIfInfo(0, 0, 0);
        putString(IFLA_IFNAME, hostName);
        final int linkInfo = beginNest(IFLA_LINKINFO);
        putString(IFLA_INFO_KIND, "veth");
        final int data = beginNest(IFLA_INFO_DATA);
        final int peer = beginNest(VETH_INFO_PEER);
        putIfInfo(0, 0, 0);
        putString(IFLA_IFNAME, peerName);
        putInt(IFLA_NET_NS_FD, peerNetNs);
        endNest(peer);
        endNest(data);
        endNest(linkInfo);
        transact("create veth " + hostName + " (peer " + peerName + " in netns fd " + peerNetNs + ")");
    }

    /**
     * @param name a link name.
     * @return the link, or null when there is none of that name.
     * @throws RtnlException on any other failure.
     */
    public Link link(final String name) throws RtnlException
    {
        begin(RTM_GETLINK, NLM_F_REQUEST);
        putIfInfo(0, 0, 0);
        putString(IFLA_IFNAME, name);
        final int seq = send();
        while (true)
        {
            final int n = receive("RTM_GETLINK " + name);
            for (int at = 0; n - at >= NLMSG_HEADER_LENGTH; )
            {
                final int length = rx.get(JAVA_INT, at + NLMSG_LENGTH_OFFSET);
                if (length < NLMSG_HEADER_LENGTH || length > n - at)
                {
                    break;
                }
                if (rx.get(JAVA_INT, at + NLMSG_SEQ_OFFSET) == seq)
                {
                    final int type = rx.get(JAVA_SHORT, at + NLMSG_TYPE_OFFSET) & 0xFFFF;
                    if (type == NLMSG_ERROR)
                    {
                        final int error = -rx.get(JAVA_INT, at + NLMSG_HEADER_LENGTH + NLMSGERR_ERROR_OFFSET);
                        if (error == ENODEV)
                        {
                            return null;
                        }
                        throw new RtnlException("RTM_GETLINK " + name, error);
                    }
                    if (type == RTM_NEWLINK)
                    {
                        return parseLink(at + NLMSG_HEADER_LENGTH, at + length);
                    }
                }
                at += align(length);
            }
        }
    }

    /**
     * Sets a link up and, when {@code mtu > 0}, its MTU.
     *
     * @param index ifindex.
     * @param mtu   new MTU, or 0 to leave it.
     * @param what  the link's name, for messages.
     * @throws RtnlException when refused.
     */
    public void setUp(final int index, final int mtu, final String what) throws RtnlException
    {
        begin(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        putIfInfo(index, IFF_UP, IFF_UP);
        if (mtu > 0)
        {
            putInt(IFLA_MTU, mtu);
        }
        transact("set " + what + " up" + (mtu > 0 ? " mtu " + mtu : ""));
    }

    /**
     * @param name a link name.
     * @return true when deleted, false when there was no such link.
     * @throws RtnlException on any other failure.
     */
    public boolean deleteLink(final String name) throws RtnlException
    {
        begin(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
        putIfInfo(0, 0, 0);
        putString(IFLA_IFNAME, name);
        try
        {
            transact("delete link " + name);
            return true;
        }
        catch (final RtnlException ex)
        {
            if (ex.errno() == ENODEV)
            {
                return false;
            }
            throw ex;
        }
    }

    /**
     * Adds (or replaces) an address, without duplicate address detection for IPv6.
     *
     * @param index     ifindex.
     * @param address   the address.
     * @param prefixLen its prefix length.
     * @throws RtnlException when refused.
     */
    public void addAddress(final int index, final InetAddress address, final int prefixLen) throws RtnlException
    {
        final boolean v4 = address instanceof Inet4Address;
        begin(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
        final int msg = reserve(IFADDRMSG_LENGTH);
        tx.set(JAVA_BYTE, msg + IFADDRMSG_FAMILY_OFFSET, (byte)(v4 ? AF_INET : AF_INET6));
        tx.set(JAVA_BYTE, msg + IFADDRMSG_PREFIXLEN_OFFSET, (byte)prefixLen);
        tx.set(JAVA_BYTE, msg + IFADDRMSG_FLAGS_OFFSET, (byte)(v4 ? 0 : IFA_F_NODAD));
        tx.set(JAVA_BYTE, msg + IFADDRMSG_SCOPE_OFFSET, (byte)RT_SCOPE_UNIVERSE);
        tx.set(JAVA_INT, msg + IFADDRMSG_INDEX_OFFSET, index);
        putBytes(IFA_LOCAL, address.getAddress());
        putBytes(IFA_ADDRESS, address.getAddress());
        if (!v4)
        {
            putInt(IFA_FLAGS, IFA_F_NODAD);
        }
        transact("add address " + address.getHostAddress() + "/" + prefixLen + " on ifindex " + index);
    }

    /**
     * Adds (or replaces) a route in the main table.
     *
     * @param destination destination network address (all zeros for a default route).
     * @param prefixLen   its prefix length.
     * @param gateway     the gateway, or null for a directly connected route.
     * @param oif         output ifindex.
     * @param scope       {@link RtnlDescriptor#RT_SCOPE_LINK} or {@link RtnlDescriptor#RT_SCOPE_UNIVERSE}.
     * @throws RtnlException when refused.
     */
    public void addRoute(final InetAddress destination, final int prefixLen, final InetAddress gateway,
        final int oif, final int scope) throws RtnlException
    {
        begin(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
        final int msg = reserve(RTMSG_LENGTH);
        tx.set(JAVA_BYTE, msg + RTMSG_FAMILY_OFFSET, (byte)(destination instanceof Inet4Address ? AF_INET : AF_INET6));
        tx.set(JAVA_BYTE, msg + RTMSG_DST_LEN_OFFSET, (byte)prefixLen);
        tx.set(JAVA_BYTE, msg + RTMSG_TABLE_OFFSET, (byte)RT_TABLE_MAIN);
        tx.set(JAVA_BYTE, msg + RTMSG_PROTOCOL_OFFSET, (byte)RTPROT_BOOT);
        tx.set(JAVA_BYTE, msg + RTMSG_SCOPE_OFFSET, (byte)scope);
        tx.set(JAVA_BYTE, msg + RTMSG_TYPE_OFFSET, (byte)RTN_UNICAST);
        if (prefixLen > 0)
        {
            putBytes(RTA_DST, destination.getAddress());
        }
        if (gateway != null)
        {
            putBytes(RTA_GATEWAY, gateway.getAddress());
        }
        putInt(RTA_OIF, oif);
        transact("add route " + destination.getHostAddress() + "/" + prefixLen +
            (gateway == null ? "" : " via " + gateway.getHostAddress()) + " oif " + oif);
    }

    /**
     * Adds (or replaces) a permanent neighbour entry.
     *
     * @param index   ifindex.
     * @param address the neighbour's address.
     * @param mac     its link-layer address.
     * @throws RtnlException when refused.
     */
    public void addPermanentNeighbour(final int index, final InetAddress address, final byte[] mac)
        throws RtnlException
    {
        begin(RTM_NEWNEIGH, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
        final int msg = reserve(NDMSG_LENGTH);
        tx.set(JAVA_BYTE, msg + NDMSG_FAMILY_OFFSET, (byte)(address instanceof Inet4Address ? AF_INET : AF_INET6));
        tx.set(JAVA_INT, msg + NDMSG_IFINDEX_OFFSET, index);
        tx.set(JAVA_SHORT, msg + NDMSG_STATE_OFFSET, (short)NUD_PERMANENT);
        putBytes(NDA_DST, address.getAddress());
        putBytes(NDA_LLADDR, mac);
        transact("add neighbour " + address.getHostAddress() + " lladdr " + Macs.format(mac) + " on ifindex " +
            index);
    }

    /**
     * @return every address of every link (IPv4 and IPv6).
     * @throws RtnlException when the dump fails.
     */
    public List<Address> addresses() throws RtnlException
    {
        begin(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
        final int msg = reserve(IFADDRMSG_LENGTH);
        tx.set(JAVA_BYTE, msg + IFADDRMSG_FAMILY_OFFSET, (byte)AF_UNSPEC);
        final List<Address> out = new ArrayList<>();
        dump("RTM_GETADDR", RTM_NEWADDR, (body, end) ->
        {
            final int index = rx.get(JAVA_INT, body + IFADDRMSG_INDEX_OFFSET);
            final int prefixLen = rx.get(JAVA_BYTE, body + IFADDRMSG_PREFIXLEN_OFFSET) & 0xFF;
            InetAddress local = null;
            InetAddress address = null;
            for (int a = body + IFADDRMSG_LENGTH; end - a >= RTATTR_HEADER_LENGTH; )
            {
                final int length = rx.get(JAVA_SHORT, a + RTATTR_LENGTH_OFFSET) & 0xFFFF;
                if (length < RTATTR_HEADER_LENGTH || length > end - a)
                {
                    break;
                }
                final int type = rx.get(JAVA_SHORT, a + RTATTR_TYPE_OFFSET) & NLA_TYPE_MASK;
                if (type == IFA_LOCAL)
                {
                    local = inet(a + RTATTR_HEADER_LENGTH, length - RTATTR_HEADER_LENGTH);
                }
                else if (type == IFA_ADDRESS)
                {
                    address = inet(a + RTATTR_HEADER_LENGTH, length - RTATTR_HEADER_LENGTH);
                }
                a += align(length);
            }
            final InetAddress chosen = local != null ? local : address;
            if (chosen != null)
            {
                out.add(new Address(index, chosen, prefixLen));
            }
        });
        return out;
    }

    /**
     * @return the unicast routes of the main table (IPv4 and IPv6).
     * @throws RtnlException when the dump fails.
     */
    public List<Route> routes() throws RtnlException
    {
        begin(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
        reserve(RTMSG_LENGTH);
        final List<Route> out = new ArrayList<>();
        dump("RTM_GETROUTE", RTM_NEWROUTE, (body, end) ->
        {
            final int family = rx.get(JAVA_BYTE, body + RTMSG_FAMILY_OFFSET) & 0xFF;
            final int prefixLen = rx.get(JAVA_BYTE, body + RTMSG_DST_LEN_OFFSET) & 0xFF;
            int table = rx.get(JAVA_BYTE, body + RTMSG_TABLE_OFFSET) & 0xFF;
            final int scope = rx.get(JAVA_BYTE, body + RTMSG_SCOPE_OFFSET) & 0xFF;
            final int type = rx.get(JAVA_BYTE, body + RTMSG_TYPE_OFFSET) & 0xFF;
            InetAddress destination = null;
            InetAddress gateway = null;
            int oif = 0;
            for (int a = body + RTMSG_LENGTH; end - a >= RTATTR_HEADER_LENGTH; )
            {
                final int length = rx.get(JAVA_SHORT, a + RTATTR_LENGTH_OFFSET) & 0xFFFF;
                if (length < RTATTR_HEADER_LENGTH || length > end - a)
                {
                    break;
                }
                final int attribute = rx.get(JAVA_SHORT, a + RTATTR_TYPE_OFFSET) & NLA_TYPE_MASK;
                final int data = a + RTATTR_HEADER_LENGTH;
                final int dataLength = length - RTATTR_HEADER_LENGTH;
                switch (attribute)
                {
                    case RTA_DST -> destination = inet(data, dataLength);
                    case RTA_GATEWAY -> gateway = inet(data, dataLength);
                    case RTA_OIF -> oif = rx.get(JAVA_INT, data);
                    case RTA_TABLE -> table = rx.get(JAVA_INT, data);
                    default ->
                    {
                    }
                }
                a += align(length);
            }
            if (table == RT_TABLE_MAIN && type == RTN_UNICAST && (family == AF_INET || family == AF_INET6))
            {
                out.add(new Route(destination != null ? destination : zero(family), prefixLen, gateway, oif, scope));
            }
        });
        return out;
    }

    /**
     * @return every neighbour entry (IPv4 and IPv6).
     * @throws RtnlException when the dump fails.
     */
    public List<Neighbour> neighbours() throws RtnlException
    {
        begin(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP);
        reserve(NDMSG_LENGTH);
        final List<Neighbour> out = new ArrayList<>();
        dump("RTM_GETNEIGH", RTM_NEWNEIGH, (body, end) ->
        {
            final int index = rx.get(JAVA_INT, body + NDMSG_IFINDEX_OFFSET);
            final int state = rx.get(JAVA_SHORT, body + NDMSG_STATE_OFFSET) & 0xFFFF;
            InetAddress address = null;
            byte[] mac = new byte[0];
            for (int a = body + NDMSG_LENGTH; end - a >= RTATTR_HEADER_LENGTH; )
            {
                final int length = rx.get(JAVA_SHORT, a + RTATTR_LENGTH_OFFSET) & 0xFFFF;
                if (length < RTATTR_HEADER_LENGTH || length > end - a)
                {
                    break;
                }
                final int attribute = rx.get(JAVA_SHORT, a + RTATTR_TYPE_OFFSET) & NLA_TYPE_MASK;
                if (attribute == NDA_DST)
                {
                    address = inet(a + RTATTR_HEADER_LENGTH, length - RTATTR_HEADER_LENGTH);
                }
                else if (attribute == NDA_LLADDR)
                {
                    mac = bytes(a + RTATTR_HEADER_LENGTH, length - RTATTR_HEADER_LENGTH);
                }
                a += align(length);
            }
            if (address != null)
            {
                out.add(new Neighbour(index, address, mac, state));
            }
        });
        return out;
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

    @FunctionalInterface
    private interface MessageVisitor
    {
        void visit(int body, int end);
    }

    private Link parseLink(final int body, final int end)
    {
        final int index = rx.get(JAVA_INT, body + IFINFOMSG_INDEX_OFFSET);
        final int flags = rx.get(JAVA_INT, body + IFINFOMSG_FLAGS_OFFSET);
        String name = null;
        byte[] mac = new byte[0];
        int mtu = 0;
        for (int a = body + IFINFOMSG_LENGTH; end - a >= RTATTR_HEADER_LENGTH; )
        {
            final int length = rx.get(JAVA_SHORT, a + RTATTR_LENGTH_OFFSET) & 0xFFFF;
            if (length < RTATTR_HEADER_LENGTH || length > end - a)
            {
                break;
            }
            final int type = rx.get(JAVA_SHORT, a + RTATTR_TYPE_OFFSET) & NLA_TYPE_MASK;
            final int data = a + RTATTR_HEADER_LENGTH;
            switch (type)
            {
                case IFLA_IFNAME -> name = rx.getString(data);
                case IFLA_ADDRESS -> mac = bytes(data, length - RTATTR_HEADER_LENGTH);
                case IFLA_MTU -> mtu = rx.get(JAVA_INT, data);
                default ->
                {
                }
            }
            a += align(length);
        }
        return new Link(index, name, mac, mtu, (flags & IFF_UP) != 0);
    }

    private void dump(final String what, final int messageType, final MessageVisitor visitor) throws RtnlException
    {
        final int seq = send();
        while (true)
        {
            final int n = receive(what);
            for (int at = 0; n - at >= NLMSG_HEADER_LENGTH; )
            {
                final int length = rx.get(JAVA_INT, at + NLMSG_LENGTH_OFFSET);
                if (length < NLMSG_HEADER_LENGTH || length > n - at)
                {
                    break;
                }
                if (rx.get(JAVA_INT, at + NLMSG_SEQ_OFFSET) == seq)
                {
                    final int type = rx.get(JAVA_SHORT, at + NLMSG_TYPE_OFFSET) & 0xFFFF;
                    if (type == NLMSG_DONE)
                    {
                        return;
                    }
                    if (type == NLMSG_ERROR)
                    {
                        final int error = -rx.get(JAVA_INT, at + NLMSG_HEADER_LENGTH + NLMSGERR_ERROR_OFFSET);
                        throw new RtnlException(what, error);
                    }
                    if (type == messageType)
                    {
                        visitor.visit(at + NLMSG_HEADER_LENGTH, at + length);
                    }
                }
                at += align(length);
            }
        }
    }

    private void transact(final String what) throws RtnlException
    {
        final int seq = send();
        while (true)
        {
            final int n = receive(what);
            for (int at = 0; n - at >= NLMSG_HEADER_LENGTH; )
            {
                final int length = rx.get(JAVA_INT, at + NLMSG_LENGTH_OFFSET);
                if (length < NLMSG_HEADER_LENGTH || length > n - at)
                {
                    break;
                }
                if (rx.get(JAVA_INT, at + NLMSG_SEQ_OFFSET) == seq &&
                    (rx.get(JAVA_SHORT, at + NLMSG_TYPE_OFFSET) & 0xFFFF) == NLMSG_ERROR)
                {
                    final int error = -rx.get(JAVA_INT, at + NLMSG_HEADER_LENGTH + NLMSGERR_ERROR_OFFSET);
                    if (error != 0)
                    {
                        throw new RtnlException(what, error);
                    }
                    return;
                }
                at += align(length);
            }
        }
    }

    private int receive(final String what) throws RtnlException
    {
        final int n = socket.receive(rx, RX_LENGTH);
        if (n < 0)
        {
            throw new RtnlException(what + (-n == EAGAIN ? " (no answer within " + RECEIVE_TIMEOUT_MS + " ms)" : ""),
                -n);
        }
        return n;
    }

    private void begin(final int type, final int flags)
    {
        tx.fill((byte)0);
        tx.set(JAVA_SHORT, NLMSG_TYPE_OFFSET, (short)type);
        tx.set(JAVA_SHORT, NLMSG_FLAGS_OFFSET, (short)flags);
        position = NLMSG_HEADER_LENGTH;
    }

    private int send() throws RtnlException
    {
        final int seq = ++sequence;
        tx.set(JAVA_INT, NLMSG_LENGTH_OFFSET, position);
        tx.set(JAVA_INT, NLMSG_SEQ_OFFSET, seq);
        socket.send(tx, position);
        return seq;
    }

    private int reserve(final int length)
    {
        final int at = position;
        position += align(length);
        if (position > TX_LENGTH)
        {
            throw new IllegalStateException("rtnetlink request longer than " + TX_LENGTH + " bytes");
        }
        return at;
    }

    private void putIfInfo(final int index, final int flags, final int change)
    {
        final int msg = reserve(IFINFOMSG_LENGTH);
        tx.set(JAVA_BYTE, msg + IFINFOMSG_FAMILY_OFFSET, (byte)AF_UNSPEC);
        tx.set(JAVA_INT, msg + IFINFOMSG_INDEX_OFFSET, index);
        tx.set(JAVA_INT, msg + IFINFOMSG_FLAGS_OFFSET, flags);
        tx.set(JAVA_INT, msg + IFINFOMSG_CHANGE_OFFSET, change);
    }

    private int beginNest(final int type)
    {
        final int at = reserve(RTATTR_HEADER_LENGTH);
        tx.set(JAVA_SHORT, at + RTATTR_TYPE_OFFSET, (short)(type | NLA_F_NESTED));
        return at;
    }

    private void endNest(final int at)
    {
        tx.set(JAVA_SHORT, at + RTATTR_LENGTH_OFFSET, (short)(position - at));
    }

    private void putBytes(final int type, final byte[] value)
    {
        final int at = reserve(RTATTR_HEADER_LENGTH + value.length);
        tx.set(JAVA_SHORT, at + RTATTR_LENGTH_OFFSET, (short)(RTATTR_HEADER_LENGTH + value.length));
        tx.set(JAVA_SHORT, at + RTATTR_TYPE_OFFSET, (short)type);
        MemorySegment.copy(value, 0, tx, JAVA_BYTE, at + RTATTR_HEADER_LENGTH, value.length);
    }

    private void putString(final int type, final String value)
    {
        final byte[] text = value.getBytes(StandardCharsets.US_ASCII);
        final byte[] terminated = new byte[text.length + 1];
        System.arraycopy(text, 0, terminated, 0, text.length);
        putBytes(type, terminated);
    }

    private void putInt(final int type, final int value)
    {
        final int at = reserve(RTATTR_HEADER_LENGTH + 4);
        tx.set(JAVA_SHORT, at + RTATTR_LENGTH_OFFSET, (short)(RTATTR_HEADER_LENGTH + 4));
        tx.set(JAVA_SHORT, at + RTATTR_TYPE_OFFSET, (short)type);
        tx.set(JAVA_INT, at + RTATTR_HEADER_LENGTH, value);
    }

    private byte[] bytes(final int offset, final int length)
    {
        final byte[] out = new byte[length];
        MemorySegment.copy(rx, JAVA_BYTE, offset, out, 0, length);
        return out;
    }

    private InetAddress inet(final int offset, final int length)
    {
        if (length != 4 && length != 16)
        {
            return null;
        }
        try
        {
            return InetAddress.getByAddress(bytes(offset, length));
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException("address of " + length + " bytes", ex);
        }
    }

    private static InetAddress zero(final int family)
    {
        try
        {
            return InetAddress.getByAddress(new byte[family == AF_INET ? 4 : 16]);
        }
        catch (final UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
