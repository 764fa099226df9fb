package dev.sluice.fastpath.service;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Builds a {@link ServiceTable} off the packet path (control's compiler, tests, benchmarks). Not thread safe; one
 * builder makes one snapshot.
 *
 * <p>A group is one service port in one address family: its endpoints, with their EndpointSlice conditions, and the
 * target port resolved for each endpoint. The builder chooses the usable backends the way kube-proxy does
 * (KEP-1669, "proxy terminating endpoints"): the cluster set is the ready endpoints, or, when none is ready, the
 * serving terminating ones; the local set is the same rule applied to the endpoints on this node alone. Each set is
 * sorted by (address, port), duplicates removed, so the snapshot and its Maglev tables depend on the endpoints,
 * not on the order they were added in.
 */
public final class ServiceTableBuilder
{
    /** A backend as the builder keeps it. */
    record Member(long hi, long lo, int port, int flags)
    {
    }

    private record Endpoint(long hi, long lo, int port, boolean ready, boolean serving, boolean terminating,
        boolean local)
    {
    }

    private static final Comparator<Member> MEMBER_ORDER = Comparator
        .comparingLong((Member m) -> m.hi() ^ Long.MIN_VALUE)
        .thenComparingLong(m -> m.lo() ^ Long.MIN_VALUE)
        .thenComparingInt(Member::port);

    /** The fixed size of every table, or 0 when each set's size adapts to its backend count. */
    final int maglevSize;

    int frontendCount;
    int[] fServiceId = new int[16];
    int[] fKind = new int[16];
    int[] fFlags = new int[16];
    long[] fAffinityTimeoutNs = new long[16];
    int[] fGroup = new int[16];
    int[] fProtocol = new int[16];
    long[] fHi = new long[16];
    long[] fLo = new long[16];
    int[] fPort = new int[16];

    int groupCount;
    private final List<List<Endpoint>> endpoints = new ArrayList<>();
    private List<List<Member>> clusterSets;
    private List<List<Member>> localSets;

    /**
     * A builder whose backend sets each get a Maglev table sized for their backend count
     * ({@link Maglev#sizeFor}).
     *
     * @return the builder.
     */
    public static ServiceTableBuilder adaptive()
    {
        return new ServiceTableBuilder(0, true);
    }

    /**
     * @param maglevSize the Maglev table size M for every backend set (a prime, see {@link Maglev#validateSize}).
     */
    public ServiceTableBuilder(final int maglevSize)
    {
        this(maglevSize, false);
    }

    private ServiceTableBuilder(final int maglevSize, final boolean adaptive)
    {
        if (!adaptive)
        {
            Maglev.validateSize(maglevSize);
        }
        this.maglevSize = maglevSize;
    }

    /**
     * @return a new, empty backend group (service port x family).
     */
    public int addGroup()
    {
        endpoints.add(new ArrayList<>());
        return groupCount++;
    }

    /**
     * Adds an endpoint to a group.
     *
     * @param group       the group.
     * @param hi          address, high half.
     * @param lo          address, low half (IPv4 mapped).
     * @param port        target port on this endpoint, 1..65535.
     * @param ready       EndpointSlice condition ready.
     * @param serving     condition serving.
     * @param terminating condition terminating.
     * @param local       the endpoint runs on this node.
     */
    public void addEndpoint(final int group, final long hi, final long lo, final int port, final boolean ready,
        final boolean serving, final boolean terminating, final boolean local)
    {
        checkGroup(group);
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("endpoint port must be in 1..65535: " + port);
        }
        endpoints.get(group).add(new Endpoint(hi, lo, port, ready, serving, terminating, local));
    }

    /**
     * Adds a frontend.
     *
     * @param serviceId         the service's id (for logs and the dump).
     * @param kind              {@link ServiceTable#KIND_CLUSTER_IP} etc.
     * @param protocol          IANA protocol (6, 17, 132).
     * @param hi                frontend address, high half.
     * @param lo                frontend address, low half (IPv4 mapped).
     * @param port              frontend port (the service port, or the node port), 1..65535.
     * @param flags             {@link ServiceTable#FLAG_AFFINITY}, {@link ServiceTable#FLAG_INTERNAL_LOCAL},
     *                          {@link ServiceTable#FLAG_EXTERNAL_LOCAL}.
     * @param affinityTimeoutNs the ClientIP affinity timeout (0 without affinity).
     * @param group             the backend group it balances over.
     * @return the frontend index (its reverse-NAT id is this plus one).
     */
    public int addFrontend(final int serviceId, final int kind, final int protocol, final long hi, final long lo,
        final int port, final int flags, final long affinityTimeoutNs, final int group)
    {
        checkGroup(group);
        if (port < 1 || port > 65535)
        {
            throw new IllegalArgumentException("frontend port must be in 1..65535: " + port);
        }
        if (protocol < 1 || protocol > 255)
        {
            throw new IllegalArgumentException("protocol must be in 1..255: " + protocol);
        }
        if (kind < ServiceTable.KIND_CLUSTER_IP || kind > ServiceTable.KIND_LOAD_BALANCER)
        {
            throw new IllegalArgumentException("unknown frontend kind: " + kind);
        }
        final int allowed = ServiceTable.FLAG_AFFINITY | ServiceTable.FLAG_INTERNAL_LOCAL |
            ServiceTable.FLAG_EXTERNAL_LOCAL;
        if ((flags & ~allowed) != 0)
        {
            throw new IllegalArgumentException("frontend flags not settable: " + Integer.toHexString(flags));
        }
        final int f = frontendCount;
        if (f == fServiceId.length)
        {
            final int n = f * 2;
            fServiceId = Arrays.copyOf(fServiceId, n);
            fKind = Arrays.copyOf(fKind, n);
            fFlags = Arrays.copyOf(fFlags, n);
            fAffinityTimeoutNs = Arrays.copyOf(fAffinityTimeoutNs, n);
            fGroup = Arrays.copyOf(fGroup, n);
            fProtocol = Arrays.copyOf(fProtocol, n);
            fHi = Arrays.copyOf(fHi, n);
            fLo = Arrays.copyOf(fLo, n);
            fPort = Arrays.copyOf(fPort, n);
        }
        fServiceId[f] = serviceId;
        fKind[f] = kind;
        fFlags[f] = flags;
        fAffinityTimeoutNs[f] = affinityTimeoutNs;
        fGroup[f] = group;
        fProtocol[f] = protocol;
        fHi[f] = hi;
        fLo[f] = lo;
        fPort[f] = port;
        frontendCount++;
        return f;
    }

    /**
     * @return the snapshot.
     * @throws IllegalArgumentException on two frontends with the same (protocol, address, port).
     */
    public ServiceTable build()
    {
        return build(null);
    }

    /**
     * Builds, copying the Maglev table of every backend set that {@code previous} already had (same backend keys,
     * same M) instead of computing it again: the result is identical to {@link #build()}, only cheaper when few
     * sets changed.
     *
     * @param previous the snapshot this one replaces, or null.
     * @return the snapshot.
     * @throws IllegalArgumentException on two frontends with the same (protocol, address, port).
     */
    public ServiceTable build(final ServiceTable previous)
    {
        clusterSets = new ArrayList<>(groupCount);
        localSets = new ArrayList<>(groupCount);
        for (int g = 0; g < groupCount; g++)
        {
            clusterSets.add(usable(endpoints.get(g), false));
            localSets.add(usable(endpoints.get(g), true));
        }
        return new ServiceTable(this, previous);
    }

    List<Member> groupMembers(final int group, final boolean local)
    {
        return local ? localSets.get(group) : clusterSets.get(group);
    }

    private static List<Member> usable(final List<Endpoint> all, final boolean localOnly)
    {
        final List<Member> ready = new ArrayList<>();
        final List<Member> terminating = new ArrayList<>();
        for (final Endpoint e : all)
        {
            if (localOnly && !e.local())
            {
                continue;
            }
            final int flags = e.local() ? ServiceTable.BACKEND_LOCAL : 0;
            if (e.ready())
            {
                ready.add(new Member(e.hi(), e.lo(), e.port(), flags));
            }
            else if (e.serving() && e.terminating())
            {
                terminating.add(new Member(e.hi(), e.lo(), e.port(), flags | ServiceTable.BACKEND_TERMINATING));
            }
        }
        final List<Member> chosen = ready.isEmpty() ? terminating : ready;
        chosen.sort(MEMBER_ORDER);
        final List<Member> distinct = new ArrayList<>(chosen.size());
        for (final Member m : chosen)
        {
            final Member last = distinct.isEmpty() ? null : distinct.getLast();
            if (last == null || last.hi() != m.hi() || last.lo() != m.lo() || last.port() != m.port())
            {
                distinct.add(m);
            }
        }
        if (distinct.size() > Maglev.MAX_BACKENDS || distinct.size() >= Integer.MAX_VALUE / 2)
        {
            throw new IllegalArgumentException("too many backends in one set: " + distinct.size());
        }
        return distinct;
    }

    private void checkGroup(final int group)
    {
        if (group < 0 || group >= groupCount)
        {
            throw new IllegalArgumentException("no such group: " + group);
        }
    }
}
