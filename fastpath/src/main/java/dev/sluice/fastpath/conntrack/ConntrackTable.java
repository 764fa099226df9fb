package dev.sluice.fastpath.conntrack;

import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.BACKEND_ID_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.CREATED_NS_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.DST_HI_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.DST_LO_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.EGRESS_RULE_ID_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.ENTRY_LENGTH;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.ENTRY_SHIFT;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.EXPIRY_NS_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAGS_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_ASSURED;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_FIN_ORIGINAL;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_FIN_REPLY;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_LAST_FIN_REPLY;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_LOGGED;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_NAT;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_PICKED_UP;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_SEEN_REPLY;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.FLAG_USED;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.INGRESS_RULE_ID_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.LAST_SEEN_NS_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.NAT_ADDRESS_HI_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.NAT_ADDRESS_LO_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.NAT_PORT_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.ORIGINAL_BYTES_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.ORIGINAL_PACKETS_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.PROTOCOL_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.REPLY_BYTES_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.REPLY_PACKETS_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.REV_NAT_ID_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.SRC_HI_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.SRC_LO_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.SRC_PORT_OFFSET;
import static dev.sluice.fastpath.conntrack.ConntrackDescriptor.TCP_STATE_OFFSET;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_ACK;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_FIN;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_RST;
import static dev.sluice.fastpath.conntrack.TcpState.TCP_SYN;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.wire.Hashing;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The connection tracking table of one worker: an open-addressing hash table over one off-heap region of
 * {@link ConntrackDescriptor} entries, with no per-entry objects. Single writer: only the owning worker calls it
 * (counters may be read from any thread through {@link #counter(int)}).
 *
 * <h2>Keying: one entry per flow, found from both directions</h2>
 * An entry stores the flow's original-direction tuple, and its slot is chosen by a <em>symmetric</em> hash (the
 * sum of the two endpoint hashes, so {@code (a -> b)} and {@code (b -> a)} share a home slot). A lookup compares
 * each candidate with the tuple as given and reversed, and the handle says which matched. Compared with two index
 * entries per flow this halves the slots, keeps one copy of the state (nothing to keep consistent) and costs one
 * extra comparison per probed slot; compared with a sorted canonical key it keeps the stored tuple readable as
 * "who started it" for dumps and logs.
 *
 * <h2>Linear probing with backward-shift deletion</h2>
 * Linear probing keeps a probe run in consecutive 128-byte slots (hardware prefetch friendly) and, with the load
 * bounded by {@link ConntrackConfig#maxEntries()} (3/4 by default), runs stay short. Deletion shifts later entries
 * of the run back into the hole (Knuth 6.4, Algorithm R), so there are no tombstones: lookups never slow down with
 * churn and nothing ever needs a rehash. Robin-hood probing would bound probe-length variance, but moves entries on
 * insert, which would invalidate handles in the middle of a vector.
 *
 * <h2>Handles</h2>
 * Lookups return a handle: the slot in the low 32 bits, {@link #HANDLE_REPLY} when the tuple matched the reply
 * direction, {@link #HANDLE_NEW} when this call created the entry; or a negative code ({@link #NOT_FOUND},
 * {@link #FULL}, {@link #INVALID}). The packet-path methods ({@code track*}, {@link #lookup}, {@link #create},
 * {@link #lookupRelated}) never move an existing entry, so handles stay valid across a whole vector; only
 * {@link #delete}, {@link #expire} and {@link #clear} move or remove entries and invalidate handles. The duty cycle
 * runs expiry after the vector, so the pipeline never holds a stale handle.
 *
 * <h2>Expiry and a full table</h2>
 * Every update sets the entry's expiry to {@code nowNs + timeout(state)}. {@link #expire} removes expired entries
 * within a slot budget, resuming from a cursor. A packet that meets its own flow's expired entry before the sweep
 * does re-creates the flow in place. A new flow that finds the table at {@code maxEntries} is refused
 * ({@link #FULL}, counted): the pipeline drops it, and established flows are never evicted. With
 * {@link ConntrackConfig#earlyDrop()} the new flow may instead take over the slot of an expired or unassured entry
 * on its own probe run (in place, so no handle moves) — a SYN flood then recycles its own half-open entries.
 *
 * <p>All time comes from the caller's {@code nowNs}; the table never reads a clock. Nothing here allocates or
 * throws on the packet path. Handles passed to accessors must be valid (non-negative, from this table, not
 * invalidated); they are not checked.
 */
public final class ConntrackTable implements AutoCloseable
{
    /** No entry matches. */
    public static final long NOT_FOUND = -1;
    /** A new flow could not be created: the table is at {@code maxEntries} and nothing could be early-dropped. */
    public static final long FULL = -2;
    /** The packet may not create an entry (TCP without SYN when loose pickup is off, RST, echo reply, ...). */
    public static final long INVALID = -3;

    /** Handle bit: the tuple matched the entry's reply direction. */
    public static final long HANDLE_REPLY = 1L << 32;
    /** Handle bit: the entry was created (or re-created over an expired one) by this call. */
    public static final long HANDLE_NEW = 1L << 33;
    private static final long SLOT_MASK = 0xFFFF_FFFFL;

    public static final int COUNTER_LOOKUPS = 0;
    public static final int COUNTER_HITS = 1;
    public static final int COUNTER_CREATES = 2;
    public static final int COUNTER_CREATE_FAILURES_FULL = 3;
    /** Entries removed or re-created because their expiry passed. */
    public static final int COUNTER_EXPIRATIONS = 4;
    /** Entries removed by {@link #delete} (not expiry, not {@link #clear}). */
    public static final int COUNTER_DELETIONS = 5;
    /** Unexpired unassured entries overwritten by a new flow in a full table. */
    public static final int COUNTER_EARLY_DROPS = 6;
    /** Packets refused an entry ({@link #INVALID}). */
    public static final int COUNTER_INVALID = 7;
    /** Live entries (a gauge). */
    public static final int COUNTER_OCCUPANCY = 8;
    public static final int COUNTER_COUNT = 9;

    private static final long K_LO = 0x9E37_79B9_7F4A_7C15L;
    private static final long K_HI = 0xC2B2_AE3D_27D4_EB4FL;
    private static final long K_PORT = 0x1656_67B1_9E37_79F9L;
    private static final long K_PROTO = 0xD6E8_FEB8_6659_FD93L;

    private static final long HUGE_PAGE_BYTES = 2L << 20;
    private static final int MADV_HUGEPAGE = 14; // linux/mman-common.h

    private static final int PROT_READ_WRITE = 0x3;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x22;

    private final Arena arena;
    private final MemorySegment region;
    private final boolean hugePagesAdvised;
    private final UnsafeBuffer buffer;
    private final int capacity;
    private final int mask;
    private final int maxEntries;
    private final ConntrackTimeouts timeouts;
    private final boolean tcpLoosePickup;
    private final boolean earlyDrop;
    private final long hashSeed;
    private final Counters counters = new Counters(COUNTER_COUNT);

    private int size;
    private int expiryCursor;
    /** Set by {@link #probe} on a miss: the empty slot that ended the run (where an insert goes). */
    private int probeEmptySlot;
    /** Set by {@link #probe}: the home slot of the probed tuple. */
    private int probeHomeSlot;
    private boolean closed;

    public ConntrackTable(final ConntrackConfig config)
    {
        capacity = config.capacity();
        mask = capacity - 1;
        maxEntries = config.maxEntries();
        timeouts = config.timeouts();
        tcpLoosePickup = config.tcpLoosePickup();
        earlyDrop = config.earlyDrop();
        hashSeed = config.hashSeed();
        // Anonymous mmap: zero pages on first touch, so a huge-page advice given before any write takes effect
        // (an Arena would zero the region first, faulting it in as 4 KiB pages). Random probes into a 256 MiB
        // table would otherwise miss the TLB on nearly every packet. Falls back to an Arena where mmap is missing.
        final long regionBytes = (long)capacity * ENTRY_LENGTH;
        MemorySegment region = mmap(regionBytes);
        if (region == null)
        {
            arena = Arena.ofShared();
            region = arena.allocate(regionBytes, ENTRY_LENGTH);
            hugePagesAdvised = false;
        }
        else
        {
            arena = null;
            hugePagesAdvised = regionBytes >= HUGE_PAGE_BYTES && madvise(region, MADV_HUGEPAGE);
        }
        this.region = region;
        buffer = new UnsafeBuffer(region.address(), capacity * ENTRY_LENGTH);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Packet path: track a packet, creating and updating entries.

    /**
     * Tracks a TCP segment: finds its flow (either direction), advances the TCP state machine, refreshes the expiry
     * and counts the segment; or creates the flow when the segment may start one (SYN; with loose pickup also any
     * segment but RST). An expired entry of the same tuple is treated as absent.
     *
     * @return a handle ({@link #HANDLE_NEW} set when created), {@link #FULL} or {@link #INVALID}
     */
    public long trackTcp(
        final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort, final int dstPort,
        final int tcpFlags, final int bytes, final long nowNs)
    {
        return trackTcp(homeSlot(IpProtocol.TCP, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort), srcHi, srcLo, dstHi,
            dstLo, srcPort, dstPort, tcpFlags, bytes, nowNs);
    }

    /**
     * {@link #trackTcp(long, long, long, long, int, int, int, int, long)} with the tuple's home slot computed
     * beforehand, for a stage that computed every home slot of its vector in a first pass (see {@link #homeSlot}).
     *
     * @param homeSlot {@code homeSlot(IpProtocol.TCP, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort)}: any other
     *                 value makes the lookup miss (and a create misplace the entry).
     * @return a handle ({@link #HANDLE_NEW} set when created), {@link #FULL} or {@link #INVALID}
     */
    public long trackTcp(
        final int homeSlot, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int tcpFlags, final int bytes, final long nowNs)
    {
        counters.incrementRelease(COUNTER_LOOKUPS);
        final int proto = IpProtocol.TCP;
        final long found = probe(homeSlot, proto, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
        final boolean synOnly = (tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;
        final boolean mayCreate = synOnly || (tcpLoosePickup && (tcpFlags & TCP_RST) == 0);
        if (found >= 0)
        {
            final int slot = (int)found;
            final int at = slot << ENTRY_SHIFT;
            final int state = buffer.getByte(at + TCP_STATE_OFFSET);
            final boolean expired = buffer.getLong(at + EXPIRY_NS_OFFSET) <= nowNs;
            if (!expired && !(synOnly && (state == TcpState.TIME_WAIT || state == TcpState.CLOSED)))
            {
                counters.incrementRelease(COUNTER_HITS);
                updateTcp(at, (found & HANDLE_REPLY) != 0, tcpFlags, state, bytes, nowNs);
                return found;
            }
            if (!mayCreate)
            {
                counters.incrementRelease(COUNTER_INVALID);
                return INVALID;
            }
            // An expired entry, or a SYN opening a new connection over a TIME_WAIT/CLOSED one: the new flow takes
            // the slot in place (same tuple, same home slot, so nothing moves).
            counters.incrementRelease(expired ? COUNTER_EXPIRATIONS : COUNTER_DELETIONS);
            return createTcpAt(slot, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, tcpFlags, bytes, nowNs);
        }
        if (!mayCreate)
        {
            counters.incrementRelease(COUNTER_INVALID);
            return INVALID;
        }
        final int slot = claimSlot(nowNs);
        if (slot < 0)
        {
            return FULL;
        }
        return createTcpAt(slot, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, tcpFlags, bytes, nowNs);
    }

    /**
     * Tracks a datagram of a protocol without a state machine (UDP, SCTP, anything but TCP and ICMP echo): finds or
     * creates its flow; a packet in the reply direction makes the flow assured (longer timeout).
     *
     * @return a handle ({@link #HANDLE_NEW} set when created) or {@link #FULL}
     */
    public long trackDatagram(
        final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int bytes, final long nowNs)
    {
        return trackDatagram(homeSlot(protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort), protocol, srcHi,
            srcLo, dstHi, dstLo, srcPort, dstPort, bytes, nowNs);
    }

    /**
     * {@link #trackDatagram(int, long, long, long, long, int, int, int, long)} with the tuple's home slot computed
     * beforehand ({@link #homeSlot} of the same tuple).
     *
     * @return a handle ({@link #HANDLE_NEW} set when created) or {@link #FULL}
     */
    public long trackDatagram(
        final int homeSlot, final int protocol, final long srcHi, final long srcLo, final long dstHi,
        final long dstLo, final int srcPort, final int dstPort, final int bytes, final long nowNs)
    {
        return trackStateless(homeSlot, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, true, bytes, nowNs,
            timeouts.udpNs(), timeouts.udpAssuredNs());
    }

    /**
     * Tracks an ICMP or ICMPv6 echo request or reply; the echo id is the flow's port on both sides. Only a request
     * creates a flow; an unmatched reply is {@link #INVALID}.
     *
     * @param protocol {@link IpProtocol#ICMP} or {@link IpProtocol#ICMPV6}
     * @param request  true for an echo request
     * @return a handle ({@link #HANDLE_NEW} set when created), {@link #FULL} or {@link #INVALID}
     */
    public long trackIcmpEcho(
        final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int echoId,
        final boolean request, final int bytes, final long nowNs)
    {
        return trackStateless(homeSlot(protocol, srcHi, srcLo, dstHi, dstLo, echoId, echoId), protocol, srcHi,
            srcLo, dstHi, dstLo, echoId, echoId, request, bytes, nowNs, timeouts.icmpEchoNs(), timeouts.icmpEchoNs());
    }

    /**
     * Finds the flow an ICMP error refers to, from the tuple of the packet embedded in the error (as it was sent,
     * i.e. {@code PacketVector.inner*} as parsed). The embedded packet travelled the opposite way to the error, so
     * the returned handle's {@link #HANDLE_REPLY} bit is the error's own direction: an error about an
     * original-direction packet travels in the reply direction and must be reverse-NATed like a reply. The entry is
     * not changed (the error is RELATED: no state change, no refresh, no accounting).
     *
     * @return a handle (never {@link #HANDLE_NEW}) or {@link #NOT_FOUND} (also for an expired entry)
     */
    public long lookupRelated(
        final int innerProtocol, final long innerSrcHi, final long innerSrcLo, final long innerDstHi,
        final long innerDstLo, final int innerSrcPort, final int innerDstPort, final long nowNs)
    {
        return lookupRelated(homeSlot(innerProtocol, innerSrcHi, innerSrcLo, innerDstHi, innerDstLo, innerSrcPort,
            innerDstPort), innerProtocol, innerSrcHi, innerSrcLo, innerDstHi, innerDstLo, innerSrcPort, innerDstPort,
            nowNs);
    }

    /**
     * {@link #lookupRelated(int, long, long, long, long, int, int, long)} with the inner tuple's home slot computed
     * beforehand ({@link #homeSlot} of the same tuple).
     *
     * @return a handle (never {@link #HANDLE_NEW}) or {@link #NOT_FOUND} (also for an expired entry)
     */
    public long lookupRelated(
        final int homeSlot, final int innerProtocol, final long innerSrcHi, final long innerSrcLo,
        final long innerDstHi, final long innerDstLo, final int innerSrcPort, final int innerDstPort, final long nowNs)
    {
        counters.incrementRelease(COUNTER_LOOKUPS);
        final long found = probe(homeSlot, innerProtocol, innerSrcHi, innerSrcLo, innerDstHi, innerDstLo,
            innerSrcPort, innerDstPort);
        if (found < 0 || buffer.getLong((((int)found) << ENTRY_SHIFT) + EXPIRY_NS_OFFSET) <= nowNs)
        {
            return NOT_FOUND;
        }
        counters.incrementRelease(COUNTER_HITS);
        return found ^ HANDLE_REPLY;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Primitive operations (tests, dumps, control commands).

    /**
     * Finds the entry of a tuple in either direction, expired or not, without changing it.
     *
     * @return a handle or {@link #NOT_FOUND}
     */
    public long lookup(
        final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort)
    {
        return lookup(homeSlot(protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort), protocol, srcHi, srcLo, dstHi,
            dstLo, srcPort, dstPort);
    }

    /**
     * {@link #lookup(int, long, long, long, long, int, int)} with the tuple's home slot computed beforehand
     * ({@link #homeSlot} of the same tuple).
     *
     * @return a handle or {@link #NOT_FOUND}
     */
    public long lookup(
        final int homeSlot, final int protocol, final long srcHi, final long srcLo, final long dstHi,
        final long dstLo, final int srcPort, final int dstPort)
    {
        counters.incrementRelease(COUNTER_LOOKUPS);
        final long found = probe(homeSlot, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
        if (found >= 0)
        {
            counters.incrementRelease(COUNTER_HITS);
        }
        return found;
    }

    /**
     * Creates an entry for a tuple (as the original direction) without accounting a packet: TCP starts in
     * SYN_SENT, other protocols in {@link TcpState#NONE}, with the matching timeout. An existing unexpired entry of
     * the tuple (either direction) is returned as is; an expired one is re-created in place.
     *
     * @return a handle ({@link #HANDLE_NEW} set when created) or {@link #FULL}
     */
    public long create(
        final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final long nowNs)
    {
        return create(homeSlot(protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort), protocol, srcHi, srcLo, dstHi,
            dstLo, srcPort, dstPort, nowNs);
    }

    /**
     * {@link #create(int, long, long, long, long, int, int, long)} with the tuple's home slot computed beforehand
     * ({@link #homeSlot} of the same tuple).
     *
     * @return a handle ({@link #HANDLE_NEW} set when created) or {@link #FULL}
     */
    public long create(
        final int homeSlot, final int protocol, final long srcHi, final long srcLo, final long dstHi,
        final long dstLo, final int srcPort, final int dstPort, final long nowNs)
    {
        final long found = probe(homeSlot, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
        final int slot;
        if (found >= 0)
        {
            slot = (int)found;
            if (buffer.getLong((slot << ENTRY_SHIFT) + EXPIRY_NS_OFFSET) > nowNs)
            {
                return found;
            }
            counters.incrementRelease(COUNTER_EXPIRATIONS);
        }
        else
        {
            slot = claimSlot(nowNs);
            if (slot < 0)
            {
                return FULL;
            }
        }
        final boolean tcp = protocol == IpProtocol.TCP;
        final int state = tcp ? TcpState.SYN_SENT : TcpState.NONE;
        final long timeoutNs = tcp ? timeouts.tcpSynNs() :
            isIcmp(protocol) ? timeouts.icmpEchoNs() : timeouts.udpNs();
        initEntry(slot << ENTRY_SHIFT, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, state, 0,
            nowNs + timeoutNs, nowNs);
        counters.incrementRelease(COUNTER_CREATES);
        return slot | HANDLE_NEW;
    }

    /**
     * Removes the entry of {@code handle}. Invalidates every handle (later entries of the probe run move back).
     *
     * @return true when an entry was removed, false when the slot was empty
     */
    public boolean delete(final long handle)
    {
        final int slot = (int)(handle & SLOT_MASK);
        if (!isUsed(slot << ENTRY_SHIFT))
        {
            return false;
        }
        removeSlot(slot);
        counters.incrementRelease(COUNTER_DELETIONS);
        return true;
    }

    /**
     * Scans at most {@code maxSlotsToScan} slots from where the previous call stopped, removing entries whose
     * expiry is at or before {@code nowNs}. Each slot examined counts against the budget, including a slot examined
     * again after a removal shifted a later entry into it. Invalidates handles.
     *
     * @return the number of entries removed
     */
    public int expire(final long nowNs, final int maxSlotsToScan)
    {
        if (size == 0)
        {
            return 0;
        }
        int removed = 0;
        int cursor = expiryCursor;
        for (int n = 0; n < maxSlotsToScan; n++)
        {
            final int at = cursor << ENTRY_SHIFT;
            if (isUsed(at) && buffer.getLong(at + EXPIRY_NS_OFFSET) <= nowNs)
            {
                // Stay on this slot: the backward shift may have moved a later entry of the run into it.
                removeSlot(cursor);
                removed++;
            }
            else
            {
                cursor = (cursor + 1) & mask;
            }
        }
        expiryCursor = cursor;
        if (removed > 0)
        {
            counters.addRelease(COUNTER_EXPIRATIONS, removed);
        }
        return removed;
    }

    /** Removes every entry (a flush command). Invalidates handles. */
    public void clear()
    {
        buffer.setMemory(0, buffer.capacity(), (byte)0);
        counters.addRelease(COUNTER_OCCUPANCY, -size);
        size = 0;
        expiryCursor = 0;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Entry accessors by handle.

    /** The handle of the entry in {@code slot} (original direction), or {@link #NOT_FOUND} if it is empty; for
     * dumps that walk slots {@code 0 .. capacity() - 1}. */
    public long handleAtSlot(final int slot)
    {
        return isUsed(slot << ENTRY_SHIFT) ? slot : NOT_FOUND;
    }

    public static int slot(final long handle)
    {
        return (int)(handle & SLOT_MASK);
    }

    public static boolean isReply(final long handle)
    {
        return (handle & HANDLE_REPLY) != 0;
    }

    public static boolean isNew(final long handle)
    {
        return (handle & HANDLE_NEW) != 0;
    }

    public int protocol(final long handle)
    {
        return buffer.getByte(at(handle) + PROTOCOL_OFFSET) & 0xFF;
    }

    public long srcHi(final long handle)
    {
        return buffer.getLong(at(handle) + SRC_HI_OFFSET);
    }

    public long srcLo(final long handle)
    {
        return buffer.getLong(at(handle) + SRC_LO_OFFSET);
    }

    public long dstHi(final long handle)
    {
        return buffer.getLong(at(handle) + DST_HI_OFFSET);
    }

    public long dstLo(final long handle)
    {
        return buffer.getLong(at(handle) + DST_LO_OFFSET);
    }

    /** Original-direction source port (echo id for ICMP). */
    public int srcPort(final long handle)
    {
        return buffer.getInt(at(handle) + SRC_PORT_OFFSET) & 0xFFFF;
    }

    /** Original-direction destination port (echo id for ICMP). */
    public int dstPort(final long handle)
    {
        return buffer.getInt(at(handle) + SRC_PORT_OFFSET) >>> 16;
    }

    /** A {@link TcpState} value ({@link TcpState#NONE} for other protocols). */
    public int tcpState(final long handle)
    {
        return buffer.getByte(at(handle) + TCP_STATE_OFFSET);
    }

    /** The entry's {@code ConntrackDescriptor.FLAG_*} bits. */
    public int flags(final long handle)
    {
        return buffer.getShort(at(handle) + FLAGS_OFFSET) & 0xFFFF;
    }

    public boolean isAssured(final long handle)
    {
        return (flags(handle) & FLAG_ASSURED) != 0;
    }

    public long expiryNs(final long handle)
    {
        return buffer.getLong(at(handle) + EXPIRY_NS_OFFSET);
    }

    public long createdNs(final long handle)
    {
        return buffer.getLong(at(handle) + CREATED_NS_OFFSET);
    }

    public long lastSeenNs(final long handle)
    {
        return buffer.getLong(at(handle) + LAST_SEEN_NS_OFFSET);
    }

    public long packets(final long handle, final boolean reply)
    {
        return buffer.getLong(at(handle) + (reply ? REPLY_PACKETS_OFFSET : ORIGINAL_PACKETS_OFFSET));
    }

    public long bytes(final long handle, final boolean reply)
    {
        return buffer.getLong(at(handle) + (reply ? REPLY_BYTES_OFFSET : ORIGINAL_BYTES_OFFSET));
    }

    /**
     * Records the DNAT of this flow: the service frontend the client addressed (what replies are rewritten back
     * to), the reverse-NAT id and the chosen backend.
     */
    public void nat(
        final long handle, final long originalDstHi, final long originalDstLo, final int originalDstPort,
        final int revNatId, final int backendId)
    {
        final int at = at(handle);
        buffer.putLong(at + NAT_ADDRESS_HI_OFFSET, originalDstHi);
        buffer.putLong(at + NAT_ADDRESS_LO_OFFSET, originalDstLo);
        buffer.putShort(at + NAT_PORT_OFFSET, (short)originalDstPort);
        buffer.putShort(at + REV_NAT_ID_OFFSET, (short)revNatId);
        buffer.putInt(at + BACKEND_ID_OFFSET, backendId);
        orFlags(at, FLAG_NAT);
    }

    public boolean isNat(final long handle)
    {
        return (flags(handle) & FLAG_NAT) != 0;
    }

    public long natAddressHi(final long handle)
    {
        return buffer.getLong(at(handle) + NAT_ADDRESS_HI_OFFSET);
    }

    public long natAddressLo(final long handle)
    {
        return buffer.getLong(at(handle) + NAT_ADDRESS_LO_OFFSET);
    }

    public int natPort(final long handle)
    {
        return buffer.getShort(at(handle) + NAT_PORT_OFFSET) & 0xFFFF;
    }

    /** Reverse-NAT id: 16 bits, as Cilium's rev_nat_index. */
    public int revNatId(final long handle)
    {
        return buffer.getShort(at(handle) + REV_NAT_ID_OFFSET) & 0xFFFF;
    }

    public int backendId(final long handle)
    {
        return buffer.getInt(at(handle) + BACKEND_ID_OFFSET);
    }

    /**
     * Makes the entry expire at {@code nowNs}: the pipeline's way to forget a flow in the middle of a vector (a new
     * flow that policy denied) without moving any entry, so every handle of the vector stays valid. The next packet
     * of the tuple re-creates the flow in place; the expiry sweep removes it after the vector.
     */
    public void expireNow(final long handle, final long nowNs)
    {
        final int at = at(handle);
        if (buffer.getLong(at + EXPIRY_NS_OFFSET) > nowNs)
        {
            buffer.putLong(at + EXPIRY_NS_OFFSET, nowNs);
        }
    }

    /**
     * Moves the entry's expiry to {@code expiryNs} when that is later (never earlier): keeps a companion entry (the
     * pre-NAT service entry) alive as long as the flow it belongs to.
     */
    public void extendExpiry(final long handle, final long expiryNs)
    {
        final int at = at(handle);
        if (buffer.getLong(at + EXPIRY_NS_OFFSET) < expiryNs)
        {
            buffer.putLong(at + EXPIRY_NS_OFFSET, expiryNs);
        }
    }

    /** Records which policy rules allowed the flow (ids for the flow log). */
    public void verdict(final long handle, final int egressRuleId, final int ingressRuleId)
    {
        final int at = at(handle);
        buffer.putInt(at + EGRESS_RULE_ID_OFFSET, egressRuleId);
        buffer.putInt(at + INGRESS_RULE_ID_OFFSET, ingressRuleId);
    }

    public int egressRuleId(final long handle)
    {
        return buffer.getInt(at(handle) + EGRESS_RULE_ID_OFFSET);
    }

    public int ingressRuleId(final long handle)
    {
        return buffer.getInt(at(handle) + INGRESS_RULE_ID_OFFSET);
    }

    public void markLogged(final long handle)
    {
        orFlags(at(handle), FLAG_LOGGED);
    }

    public boolean isLogged(final long handle)
    {
        return (flags(handle) & FLAG_LOGGED) != 0;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Sizes and counters.

    public int capacity()
    {
        return capacity;
    }

    public int maxEntries()
    {
        return maxEntries;
    }

    /** Live entries (writer thread; other threads read {@link #COUNTER_OCCUPANCY}). */
    public int size()
    {
        return size;
    }

    /** Bytes of the off-heap region: {@code capacity() * ConntrackDescriptor.ENTRY_LENGTH}. */
    public long regionBytes()
    {
        return buffer.capacity();
    }

    /** True when the region was advised as transparent huge pages ({@code madvise(MADV_HUGEPAGE)} succeeded). */
    public boolean hugePagesAdvised()
    {
        return hugePagesAdvised;
    }

    /** A {@code COUNTER_*} value, from any thread. */
    public long counter(final int id)
    {
        return counters.getAcquire(id);
    }

    /** Frees the region; the table must not be used afterwards (its memory is gone: a use would crash the JVM). */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            if (arena != null)
            {
                arena.close();
            }
            else
            {
                munmap(region);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Internals.

    private static MethodHandle libc(final String name, final FunctionDescriptor descriptor)
    {
        final Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(), descriptor);
    }

    /** {@code mmap(NULL, bytes, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)}, or null on failure. */
    private static MemorySegment mmap(final long bytes)
    {
        try
        {
            final MethodHandle mmap = libc("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG));
            final MemorySegment address = (MemorySegment)mmap.invokeExact(MemorySegment.NULL, bytes,
                PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
            return address.address() == -1L ? null : address.reinterpret(bytes);
        }
        catch (final Throwable ex)
        {
            return null;
        }
    }

    /** Best effort {@code madvise}; false where it is unavailable or refused. */
    private static boolean madvise(final MemorySegment region, final int advice)
    {
        try
        {
            final MethodHandle madvise = libc("madvise", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            return (int)madvise.invokeExact(region, region.byteSize(), advice) == 0;
        }
        catch (final Throwable ex)
        {
            return false;
        }
    }

    private static void munmap(final MemorySegment region)
    {
        try
        {
            final MethodHandle munmap = libc("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            final int result = (int)munmap.invokeExact(region, region.byteSize());
            if (result != 0)
            {
                throw new IllegalStateException("munmap of the conntrack region failed: " + result);
            }
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("munmap of the conntrack region failed", ex);
        }
    }

    /**
     * Reads the first word of a tuple's home slot and returns it, changing nothing. A stage calls this for every
     * packet of a vector before it tracks any of them: the loads are independent, so the CPU overlaps their cache
     * and TLB misses (memory-level parallelism) instead of paying them one after the other inside the probes.
     * Callers must consume the result (e.g. xor it into a field) or the JIT may drop the load.
     */
    public long touch(
        final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort)
    {
        return touchSlot(homeSlot(protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort));
    }

    /**
     * Reads one word of each of the two cache lines of {@code slot} (a lookup reads the key in the first, a
     * packet's accounting and the NAT fields are in the second) and returns their xor, changing nothing. For a
     * touch pass that runs after the home slots of the whole vector were computed: a loop of nothing but these
     * loads keeps many more misses in flight than one that also hashes (the hashing fills the CPU's reorder window).
     *
     * @param slot a slot, {@code 0 .. capacity() - 1} (e.g. from {@link #homeSlot}).
     * @return the xor of the two words (meaningless; consume it so the loads stay).
     */
    public long touchSlot(final int slot)
    {
        final int at = slot << ENTRY_SHIFT;
        return buffer.getLong(at) ^ buffer.getLong(at + ORIGINAL_PACKETS_OFFSET);
    }

    /**
     * The home slot of a tuple: where its probe starts, identical for a tuple and its reverse. A stage may compute
     * it once per packet and pass it to the {@code track*}, {@link #lookup}, {@link #create} and
     * {@link #lookupRelated} overloads that take it.
     *
     * @return a slot, {@code 0 .. capacity() - 1}.
     */
    public int homeSlot(
        final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort)
    {
        final long a = endpointHash(srcHi, srcLo, srcPort);
        final long b = endpointHash(dstHi, dstLo, dstPort);
        return (int)Hashing.mix64(a + b + protocol * K_PROTO + hashSeed) & mask;
    }

    private static long endpointHash(final long hi, final long lo, final int port)
    {
        return Hashing.mix64(lo * K_LO + hi * K_HI + port * K_PORT);
    }

    private long probe(
        final int home, final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort)
    {
        final int forwardPorts = srcPort | dstPort << 16;
        final int reversePorts = dstPort | srcPort << 16;
        probeHomeSlot = home;
        int slot = home;
        // Terminates: maxEntries < capacity, so every run ends at an empty slot.
        while (true)
        {
            final int at = slot << ENTRY_SHIFT;
            if (!isUsed(at))
            {
                probeEmptySlot = slot;
                return NOT_FOUND;
            }
            if ((buffer.getByte(at + PROTOCOL_OFFSET) & 0xFF) == protocol)
            {
                final long keySrcLo = buffer.getLong(at + SRC_LO_OFFSET);
                final long keyDstLo = buffer.getLong(at + DST_LO_OFFSET);
                final int keyPorts = buffer.getInt(at + SRC_PORT_OFFSET);
                if (keySrcLo == srcLo && keyDstLo == dstLo && keyPorts == forwardPorts &&
                    buffer.getLong(at + SRC_HI_OFFSET) == srcHi && buffer.getLong(at + DST_HI_OFFSET) == dstHi)
                {
                    return slot;
                }
                if (keySrcLo == dstLo && keyDstLo == srcLo && keyPorts == reversePorts &&
                    buffer.getLong(at + SRC_HI_OFFSET) == dstHi && buffer.getLong(at + DST_HI_OFFSET) == srcHi)
                {
                    return slot | HANDLE_REPLY;
                }
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * After a missed {@link #probe}: the slot a new entry goes to, or -1 (counted) when the table is full and
     * early drop finds no victim on the run. Does not initialise the entry; raises the size when it takes an
     * empty slot.
     */
    private int claimSlot(final long nowNs)
    {
        if (size < maxEntries)
        {
            size++;
            counters.incrementRelease(COUNTER_OCCUPANCY);
            return probeEmptySlot;
        }
        if (earlyDrop)
        {
            // The run from the home slot to the empty slot is all occupied: overwriting one of its entries in
            // place keeps every other key's run intact and puts the new key where its own probe will reach it.
            int unassured = -1;
            for (int slot = probeHomeSlot; slot != probeEmptySlot; slot = (slot + 1) & mask)
            {
                final int at = slot << ENTRY_SHIFT;
                if (buffer.getLong(at + EXPIRY_NS_OFFSET) <= nowNs)
                {
                    counters.incrementRelease(COUNTER_EXPIRATIONS);
                    return slot;
                }
                if (unassured < 0 && (buffer.getShort(at + FLAGS_OFFSET) & FLAG_ASSURED) == 0)
                {
                    unassured = slot;
                }
            }
            if (unassured >= 0)
            {
                counters.incrementRelease(COUNTER_EARLY_DROPS);
                return unassured;
            }
        }
        counters.incrementRelease(COUNTER_CREATE_FAILURES_FULL);
        return -1;
    }

    private long createTcpAt(
        final int slot, final long srcHi, final long srcLo, final long dstHi, final long dstLo, final int srcPort,
        final int dstPort, final int tcpFlags, final int bytes, final long nowNs)
    {
        final int at = slot << ENTRY_SHIFT;
        final int proto = IpProtocol.TCP;
        final boolean syn = (tcpFlags & TCP_SYN) != 0;
        final boolean ack = (tcpFlags & TCP_ACK) != 0;
        final long reply;
        if (syn && !ack)
        {
            initEntry(at, proto, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, TcpState.SYN_SENT, 0,
                nowNs + timeouts.tcpSynNs(), nowNs);
            reply = 0;
        }
        else if (syn)
        {
            // Pickup of a SYN+ACK: its sender is the responder, so the original direction is the reverse.
            initEntry(at, proto, dstHi, dstLo, srcHi, srcLo, dstPort, srcPort, TcpState.SYN_RECV,
                FLAG_PICKED_UP | FLAG_SEEN_REPLY, nowNs + timeouts.tcpSynNs(), nowNs);
            reply = HANDLE_REPLY;
        }
        else if ((tcpFlags & TCP_FIN) != 0)
        {
            initEntry(at, proto, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, TcpState.FIN_WAIT,
                FLAG_PICKED_UP | FLAG_FIN_ORIGINAL, nowNs + timeouts.tcpFinNs(), nowNs);
            reply = 0;
        }
        else
        {
            initEntry(at, proto, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, TcpState.ESTABLISHED,
                FLAG_PICKED_UP, nowNs + timeouts.tcpUnassuredNs(), nowNs);
            reply = 0;
        }
        account(at, reply != 0, bytes);
        counters.incrementRelease(COUNTER_CREATES);
        return slot | reply | HANDLE_NEW;
    }

    private void updateTcp(
        final int at, final boolean reply, final int tcpFlags, final int state, final int bytes, final long nowNs)
    {
        int flags = buffer.getShort(at + FLAGS_OFFSET) & 0xFFFF;
        int next = state;
        if (reply)
        {
            flags |= FLAG_SEEN_REPLY;
        }
        if ((tcpFlags & TCP_RST) != 0)
        {
            next = TcpState.CLOSED;
        }
        else if ((tcpFlags & TCP_SYN) != 0)
        {
            // SYN+ACK from the responder, or a simultaneous open (SYN from the reply side); anything else is a
            // retransmission or a stray SYN that leaves the state alone.
            if (state == TcpState.SYN_SENT && reply)
            {
                next = TcpState.SYN_RECV;
            }
        }
        else if ((tcpFlags & TCP_FIN) != 0)
        {
            final int finBit = reply ? FLAG_FIN_REPLY : FLAG_FIN_ORIGINAL;
            if (state == TcpState.SYN_RECV || state == TcpState.ESTABLISHED)
            {
                next = TcpState.FIN_WAIT;
                flags |= finBit;
            }
            else if (state == TcpState.FIN_WAIT && (flags & finBit) == 0)
            {
                next = TcpState.LAST_ACK;
                flags |= finBit | (reply ? FLAG_LAST_FIN_REPLY : 0);
            }
        }
        else if ((tcpFlags & TCP_ACK) != 0)
        {
            if (state == TcpState.SYN_RECV && !reply && (flags & FLAG_SEEN_REPLY) != 0)
            {
                next = TcpState.ESTABLISHED;
                flags |= FLAG_ASSURED;
            }
            else if (state == TcpState.LAST_ACK && reply != ((flags & FLAG_LAST_FIN_REPLY) != 0))
            {
                // The final ACK comes from the side that closed first, acknowledging the other side's FIN.
                next = TcpState.TIME_WAIT;
            }
        }
        if (reply && (flags & FLAG_PICKED_UP) != 0 && next == TcpState.ESTABLISHED)
        {
            // A picked-up flow that the other side answers is a real connection.
            flags |= FLAG_ASSURED;
        }
        buffer.putByte(at + TCP_STATE_OFFSET, (byte)next);
        buffer.putShort(at + FLAGS_OFFSET, (short)flags);
        buffer.putLong(at + EXPIRY_NS_OFFSET, nowNs + timeouts.tcpTimeoutNs(next, (flags & FLAG_ASSURED) != 0));
        buffer.putLong(at + LAST_SEEN_NS_OFFSET, nowNs);
        account(at, reply, bytes);
    }

    private long trackStateless(
        final int homeSlot, final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final boolean mayCreate, final int bytes, final long nowNs,
        final long timeoutNs, final long assuredTimeoutNs)
    {
        counters.incrementRelease(COUNTER_LOOKUPS);
        final long found = probe(homeSlot, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort);
        final int slot;
        if (found >= 0)
        {
            slot = (int)found;
            final int at = slot << ENTRY_SHIFT;
            if (buffer.getLong(at + EXPIRY_NS_OFFSET) > nowNs)
            {
                counters.incrementRelease(COUNTER_HITS);
                final boolean reply = (found & HANDLE_REPLY) != 0;
                int flags = buffer.getShort(at + FLAGS_OFFSET) & 0xFFFF;
                if (reply)
                {
                    flags |= FLAG_SEEN_REPLY | FLAG_ASSURED;
                    buffer.putShort(at + FLAGS_OFFSET, (short)flags);
                }
                buffer.putLong(at + EXPIRY_NS_OFFSET,
                    nowNs + ((flags & FLAG_ASSURED) != 0 ? assuredTimeoutNs : timeoutNs));
                buffer.putLong(at + LAST_SEEN_NS_OFFSET, nowNs);
                account(at, reply, bytes);
                return found;
            }
            if (!mayCreate)
            {
                counters.incrementRelease(COUNTER_INVALID);
                return INVALID;
            }
            counters.incrementRelease(COUNTER_EXPIRATIONS);
        }
        else
        {
            if (!mayCreate)
            {
                counters.incrementRelease(COUNTER_INVALID);
                return INVALID;
            }
            slot = claimSlot(nowNs);
            if (slot < 0)
            {
                return FULL;
            }
        }
        final int at = slot << ENTRY_SHIFT;
        initEntry(at, protocol, srcHi, srcLo, dstHi, dstLo, srcPort, dstPort, TcpState.NONE, 0, nowNs + timeoutNs,
            nowNs);
        account(at, false, bytes);
        counters.incrementRelease(COUNTER_CREATES);
        return slot | HANDLE_NEW;
    }

    private void initEntry(
        final int at, final int protocol, final long srcHi, final long srcLo, final long dstHi, final long dstLo,
        final int srcPort, final int dstPort, final int tcpState, final int flags, final long expiryNs,
        final long nowNs)
    {
        buffer.putLong(at + SRC_HI_OFFSET, srcHi);
        buffer.putLong(at + SRC_LO_OFFSET, srcLo);
        buffer.putLong(at + DST_HI_OFFSET, dstHi);
        buffer.putLong(at + DST_LO_OFFSET, dstLo);
        buffer.putInt(at + SRC_PORT_OFFSET, (srcPort & 0xFFFF) | dstPort << 16);
        buffer.putByte(at + PROTOCOL_OFFSET, (byte)protocol);
        buffer.putByte(at + TCP_STATE_OFFSET, (byte)tcpState);
        buffer.putShort(at + FLAGS_OFFSET, (short)(flags | FLAG_USED));
        buffer.putLong(at + EXPIRY_NS_OFFSET, expiryNs);
        buffer.putLong(at + CREATED_NS_OFFSET, nowNs);
        buffer.putLong(at + LAST_SEEN_NS_OFFSET, nowNs);
        // Second cache line: counters, NAT, verdict all start at zero (an overwritten entry leaves nothing behind).
        for (int offset = ORIGINAL_PACKETS_OFFSET; offset < ENTRY_LENGTH; offset += Long.BYTES)
        {
            buffer.putLong(at + offset, 0L);
        }
    }

    private void account(final int at, final boolean reply, final int bytes)
    {
        final int packetsAt = at + (reply ? REPLY_PACKETS_OFFSET : ORIGINAL_PACKETS_OFFSET);
        final int bytesAt = at + (reply ? REPLY_BYTES_OFFSET : ORIGINAL_BYTES_OFFSET);
        buffer.putLong(packetsAt, buffer.getLong(packetsAt) + 1);
        buffer.putLong(bytesAt, buffer.getLong(bytesAt) + bytes);
    }

    /** Empties {@code hole}, shifting later entries of its run back so that every run stays unbroken. */
    private void removeSlot(final int slot)
    {
        int hole = slot;
        int next = slot;
        while (true)
        {
            next = (next + 1) & mask;
            final int at = next << ENTRY_SHIFT;
            if (!isUsed(at))
            {
                break;
            }
            final int home = homeSlot(buffer.getByte(at + PROTOCOL_OFFSET) & 0xFF,
                buffer.getLong(at + SRC_HI_OFFSET), buffer.getLong(at + SRC_LO_OFFSET),
                buffer.getLong(at + DST_HI_OFFSET), buffer.getLong(at + DST_LO_OFFSET),
                buffer.getInt(at + SRC_PORT_OFFSET) & 0xFFFF, buffer.getInt(at + SRC_PORT_OFFSET) >>> 16);
            // The entry may fill the hole unless its home lies cyclically in (hole, next]: then the hole is
            // before its home and moving it there would put it where its own probe never looks.
            final boolean homeAfterHole = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (!homeAfterHole)
            {
                buffer.putBytes(hole << ENTRY_SHIFT, buffer, at, ENTRY_LENGTH);
                hole = next;
            }
        }
        buffer.setMemory(hole << ENTRY_SHIFT, ENTRY_LENGTH, (byte)0);
        size--;
        counters.addRelease(COUNTER_OCCUPANCY, -1);
    }

    private boolean isUsed(final int at)
    {
        return (buffer.getShort(at + FLAGS_OFFSET) & FLAG_USED) != 0;
    }

    private void orFlags(final int at, final int bits)
    {
        buffer.putShort(at + FLAGS_OFFSET, (short)(buffer.getShort(at + FLAGS_OFFSET) | bits));
    }

    private static int at(final long handle)
    {
        return ((int)(handle & SLOT_MASK)) << ENTRY_SHIFT;
    }

    private static boolean isIcmp(final int protocol)
    {
        return protocol == IpProtocol.ICMP || protocol == IpProtocol.ICMPV6;
    }
}
