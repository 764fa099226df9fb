package dev.sluice.fastpath.tunnel;

import static dev.sluice.fastpath.tunnel.NetlinkDescriptor.*;
import static java.nio.ByteOrder.BIG_ENDIAN;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.NativeCallException;
import dev.sluice.fastpath.sys.NetlinkSocket;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The kernel's neighbour table (ARP and NDP), mirrored over rtnetlink: {@link #open()} joins the neighbour
 * multicast group ({@code RTNLGRP_NEIGH}, IPv4 and IPv6) and then dumps every entry ({@code RTM_GETNEIGH},
 * {@code AF_UNSPEC}), so no change between the two is lost; {@link #poll()} applies the changes queued since
 * ({@code RTM_NEWNEIGH} / {@code RTM_DELNEIGH}) without blocking ({@code MSG_DONTWAIT}). If the kernel had to drop
 * notifications ({@code ENOBUFS}) the table is rebuilt from a fresh dump. No JNI, no {@code ip} output parsing:
 * the messages are read with {@link NetlinkDescriptor} offsets.
 *
 * <p>An entry maps (interface index, IP address) to a MAC when its state is one of {@link NetlinkDescriptor#NUD_VALID}
 * (permanent, noarp, reachable, stale, delay, probe) and it carries a 6-byte link-layer address; incomplete and
 * failed entries count as absent. {@link #changeCount()} grows with every added, changed or removed MAC, and the
 * listeners run (once per {@link #poll}) after changes, so that the tunnel templates are rebuilt
 * ({@link TunnelTemplates#build}) and handed to the workers.
 *
 * <p>For the control thread only (not thread-safe, allocates); the workers never see this table, only the
 * templates built from it. The socket belongs to the network namespace of the thread that called {@link #open()}.
 */
public final class NeighbourTable implements AutoCloseable
{
    /** Lookup result when there is no usable entry. */
    public static final long UNRESOLVED = -1;

    private static final int BUFFER_LENGTH = 256 * 1024;
    private static final int DUMP_ATTEMPTS = 5;
    private static final int RECEIVE_TIMEOUT_MS = 5000;

    private record Key(int ifindex, long hi, long lo)
    {
    }

    private final NetlinkSocket socket;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment rxSegment = arena.allocate(BUFFER_LENGTH, 8);
    private final UnsafeBuffer rx = new UnsafeBuffer(rxSegment.address(), BUFFER_LENGTH);
    private final MemorySegment txSegment = arena.allocate(64, 8);
    private final UnsafeBuffer tx = new UnsafeBuffer(txSegment.address(), 64);
    private final Map<Key, Long> entries = new HashMap<>();
    private final List<Runnable> listeners = new ArrayList<>();
    private long changes;
    private long resyncs;
    private int sequence = (int)(System.nanoTime() & 0x3FFF_FFFF);
    private int dumpSequence = -1;
    private boolean dumpDone;
    private boolean dumpInterrupted;
    private int dumpError;

    private NeighbourTable(final NetlinkSocket socket)
    {
        this.socket = socket;
    }

    /**
     * Opens the table in the calling thread's network namespace: subscribes, then dumps.
     *
     * @return the table, filled.
     * @throws NativeCallException if the socket cannot be opened or the dump fails.
     */
    public static NeighbourTable open()
    {
        final NetlinkSocket socket = NetlinkSocket.open(NetlinkSocket.NETLINK_ROUTE, RTMGRP_NEIGH, RECEIVE_TIMEOUT_MS);
        final NeighbourTable table = new NeighbourTable(socket);
        try
        {
            table.dump();
        }
        catch (final RuntimeException e)
        {
            table.close();
            throw e;
        }
        return table;
    }

    /**
     * @param listener run on the polling thread after a {@link #poll} (or resync) that changed the table.
     */
    public void addListener(final Runnable listener)
    {
        listeners.add(listener);
    }

    /**
     * The MAC of an IPv4 neighbour.
     *
     * @param ifindex interface index.
     * @param address IPv4 address (host-order int).
     * @return the MAC in the low 48 bits, or {@link #UNRESOLVED}.
     */
    public long lookupIpv4(final int ifindex, final int address)
    {
        return lookup(ifindex, 0, PacketVector.ipv4Mapped(address));
    }

    /**
     * The MAC of an IPv6 neighbour.
     *
     * @param ifindex interface index.
     * @param hi      high half of the address.
     * @param lo      low half of the address.
     * @return the MAC in the low 48 bits, or {@link #UNRESOLVED}.
     */
    public long lookupIpv6(final int ifindex, final long hi, final long lo)
    {
        return lookup(ifindex, hi, lo);
    }

    private long lookup(final int ifindex, final long hi, final long lo)
    {
        final Long mac = entries.get(new Key(ifindex, hi, lo));
        return mac == null ? UNRESOLVED : mac;
    }

    /** @return number of usable entries. */
    public int size()
    {
        return entries.size();
    }

    /** @return how many MACs were added, changed or removed since {@link #open()} (a resync counts as one). */
    public long changeCount()
    {
        return changes;
    }

    /** @return how many times the table was rebuilt from a dump after lost notifications. */
    public long resyncCount()
    {
        return resyncs;
    }

    /**
     * Applies every change the kernel has queued, without blocking; runs the listeners if anything changed.
     *
     * @return number of entries added, changed or removed.
     * @throws NativeCallException on a socket error other than "nothing queued" and "notifications lost".
     */
    public int poll()
    {
        final long before = changes;
        while (true)
        {
            final int n = socket.receive(rxSegment, BUFFER_LENGTH, true);
            if (n == -Errno.EAGAIN)
            {
                break;
            }
            if (n == -NetlinkSocket.ENOBUFS)
            {
                resync();
                continue;
            }
            if (n < 0)
            {
                throw NativeCallException.of("recv(netlink neighbours)", -n);
            }
            handle(n);
        }
        final int changed = (int)(changes - before);
        if (changed != 0)
        {
            for (final Runnable listener : listeners)
            {
                listener.run();
            }
        }
        return changed;
    }

    /** Forgets every entry and dumps again (after lost notifications). */
    public void resync()
    {
        resyncs++;
        entries.clear();
        changes++;
        dump();
    }

    private void dump()
    {
        for (int attempt = 1; attempt <= DUMP_ATTEMPTS; attempt++)
        {
            dumpSequence = ++sequence;
            dumpDone = false;
            dumpInterrupted = false;
            dumpError = 0;
            tx.setMemory(0, NLMSG_HEADER_LENGTH + NDMSG_LENGTH, (byte)0);
            tx.putInt(NLMSG_LENGTH_OFFSET, NLMSG_HEADER_LENGTH + NDMSG_LENGTH);
            tx.putShort(NLMSG_TYPE_OFFSET, (short)RTM_GETNEIGH);
            tx.putShort(NLMSG_FLAGS_OFFSET, (short)(NLM_F_REQUEST | NLM_F_DUMP));
            tx.putInt(NLMSG_SEQ_OFFSET, dumpSequence);
            tx.putByte(NLMSG_HEADER_LENGTH + NDMSG_FAMILY_OFFSET, (byte)AF_UNSPEC);
            socket.send(txSegment, NLMSG_HEADER_LENGTH + NDMSG_LENGTH);
            boolean lost = false;
            while (!dumpDone)
            {
                final int n = socket.receive(rxSegment, BUFFER_LENGTH, false);
                if (n == -NetlinkSocket.ENOBUFS)
                {
                    lost = true;
                    continue;
                }
                if (n < 0)
                {
                    throw NativeCallException.of("recv(netlink neighbour dump)", -n,
                        n == -Errno.EAGAIN ? "no answer to RTM_GETNEIGH within " + RECEIVE_TIMEOUT_MS + " ms" : "");
                }
                handle(n);
            }
            if (dumpError != 0)
            {
                throw NativeCallException.of("RTM_GETNEIGH dump", dumpError);
            }
            if (!dumpInterrupted && !lost)
            {
                dumpSequence = -1;
                return;
            }
            entries.clear();
        }
        throw new IllegalStateException("neighbour dump interrupted " + DUMP_ATTEMPTS + " times in a row");
    }

    private void handle(final int length)
    {
        int at = 0;
        while (length - at >= NLMSG_HEADER_LENGTH)
        {
            final int messageLength = rx.getInt(at + NLMSG_LENGTH_OFFSET);
            if (messageLength < NLMSG_HEADER_LENGTH || messageLength > length - at)
            {
                return; // truncated or corrupt: nothing after it can be framed
            }
            final int type = rx.getShort(at + NLMSG_TYPE_OFFSET) & 0xFFFF;
            final int flags = rx.getShort(at + NLMSG_FLAGS_OFFSET) & 0xFFFF;
            final int seq = rx.getInt(at + NLMSG_SEQ_OFFSET);
            final boolean ofDump = dumpSequence != -1 && seq == dumpSequence;
            if (ofDump && (flags & NLM_F_DUMP_INTR) != 0)
            {
                dumpInterrupted = true;
            }
            if (type == NLMSG_DONE && ofDump)
            {
                dumpDone = true;
            }
            else if (type == NLMSG_ERROR && ofDump)
            {
                final int error = messageLength >= NLMSG_HEADER_LENGTH + 4 ? rx.getInt(at + NLMSG_HEADER_LENGTH) : 0;
                dumpError = -error;
                dumpDone = true;
            }
            else if ((type == RTM_NEWNEIGH || type == RTM_DELNEIGH) &&
                messageLength >= NLMSG_HEADER_LENGTH + NDMSG_LENGTH)
            {
                onNeighbour(type, at + NLMSG_HEADER_LENGTH, at + messageLength);
            }
            at += align(messageLength);
        }
    }

    private void onNeighbour(final int type, final int ndmsg, final int end)
    {
        final int family = rx.getByte(ndmsg + NDMSG_FAMILY_OFFSET) & 0xFF;
        if (family != AF_INET && family != AF_INET6)
        {
            return;
        }
        final int ifindex = rx.getInt(ndmsg + NDMSG_IFINDEX_OFFSET);
        final int state = rx.getShort(ndmsg + NDMSG_STATE_OFFSET) & 0xFFFF;
        long hi = 0;
        long lo = 0;
        boolean haveDestination = false;
        long mac = UNRESOLVED;
        int attribute = ndmsg + NDMSG_LENGTH;
        while (end - attribute >= RTATTR_HEADER_LENGTH)
        {
            final int attributeLength = rx.getShort(attribute + RTATTR_LENGTH_OFFSET) & 0xFFFF;
            if (attributeLength < RTATTR_HEADER_LENGTH || attributeLength > end - attribute)
            {
                break;
            }
            final int attributeType = rx.getShort(attribute + RTATTR_TYPE_OFFSET) & 0x3FFF;
            final int data = attribute + RTATTR_HEADER_LENGTH;
            final int dataLength = attributeLength - RTATTR_HEADER_LENGTH;
            if (attributeType == NDA_DST)
            {
                if (family == AF_INET && dataLength == 4)
                {
                    lo = PacketVector.ipv4Mapped(rx.getInt(data, BIG_ENDIAN));
                    haveDestination = true;
                }
                else if (family == AF_INET6 && dataLength == 16)
                {
                    hi = rx.getLong(data, BIG_ENDIAN);
                    lo = rx.getLong(data + 8, BIG_ENDIAN);
                    haveDestination = true;
                }
            }
            else if (attributeType == NDA_LLADDR && dataLength == 6)
            {
                mac = (rx.getInt(data, BIG_ENDIAN) & 0xFFFF_FFFFL) << 16 | (rx.getShort(data + 4, BIG_ENDIAN) & 0xFFFF);
            }
            attribute += align(attributeLength);
        }
        if (!haveDestination)
        {
            return;
        }
        final Key key = new Key(ifindex, hi, lo);
        if (type == RTM_DELNEIGH || (state & NUD_VALID) == 0 || mac == UNRESOLVED)
        {
            if (entries.remove(key) != null)
            {
                changes++;
            }
        }
        else
        {
            final Long old = entries.put(key, mac);
            if (old == null || old != mac)
            {
                changes++;
            }
        }
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
