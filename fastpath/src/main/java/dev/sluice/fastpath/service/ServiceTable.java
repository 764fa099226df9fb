package dev.sluice.fastpath.service;

import dev.sluice.wire.Hashing;

/**
 * The service snapshot the fast path reads: frontends (ClusterIPs, ExternalIPs, LoadBalancer ingress IPs, NodePorts
 * on the node's addresses) to backend sets, Maglev tables and the reverse-NAT table. Immutable once built by
 * {@link ServiceTableBuilder}; every read is a few array loads, no allocation, no boxing, nothing thrown for any
 * packet. One snapshot may be read by many workers at once.
 *
 * <h2>Layout</h2>
 * <pre>
 *   frontend hash (open addressing, linear probing, capacity a power of two, load &lt;= 1/2):
 *     slot s:  keyHi[s] keyLo[s]   128-bit frontend address (IPv4 mapped ::ffff:a.b.c.d)
 *              keyMeta[s]          protocol &lt;&lt; 16 | port; 0 = empty (port 0 is never a frontend)
 *              slotFrontend[s]     frontend index f
 *   frontend f (one per address x protocol x port; NodePorts: one per node address):
 *     serviceId[f] kind[f] flags[f] affinityTimeoutNs[f] group[f]      reverse-NAT id = f + 1
 *     revHi[f] revLo[f] revPort[f]   the frontend itself, for rewriting replies back
 *   backend group g (one per service port x address family; shared by every frontend of that port and family):
 *     clusterStart[g] clusterCount[g] clusterMaglev[g] clusterMaglevSize[g]   the backends any client may use
 *     localStart[g]   localCount[g]   localMaglev[g]   localMaglevSize[g]     the same, only endpoints on this
 *                                                                             node (*TrafficPolicy Local)
 *     (a *Maglev value is the start of an M-entry table in maglev[], -1 when the set is empty; M is the
 *      builder's fixed size, or per set {@link Maglev#sizeFor} its backend count)
 *   backend b (a group's cluster set, then its local set, contiguous):
 *     backendHi[b] backendLo[b] backendPort[b] backendFlags[b]
 *   maglev[]: char, M entries per distinct non-empty set (sets with the same backend keys share one table),
 *             each a backend ordinal within its set
 * </pre>
 *
 * <h2>Choosing a backend</h2>
 * {@link #selectBackend} picks the set: an external frontend (NodePort, ExternalIP, LoadBalancer) with
 * externalTrafficPolicy Local uses the local set for traffic that does not come from a pod of this node (pods of
 * the node reach such services through every endpoint, as kube-proxy does); a ClusterIP with internalTrafficPolicy
 * Local always uses the local set. A frontend whose service has no usable endpoint at all is flagged
 * {@link #FLAG_REJECT} and yields {@link #NO_BACKEND_REJECT} (reject with ICMP unreachable / TCP RST, see
 * {@link RejectBuilder}); an empty local set of a service that has endpoints elsewhere yields
 * {@link #NO_BACKEND_DROP} (kube-proxy drops those).
 *
 * <h2>Hairpin</h2>
 * A backend pod reaching its own service may be given itself; the table treats that like any other choice. The
 * pipeline must then masquerade (SNAT the source to an address of the node or the service, as kube-proxy does with
 * its masquerade mark when the chosen endpoint's address equals the source address): otherwise the pod receives a
 * packet from its own address and replies to itself, never through the reverse NAT. Detect it by comparing the
 * chosen {@link #backendHi}/{@link #backendLo} with the packet's source after {@link #selectBackend}.
 */
public final class ServiceTable
{
    /** {@link #lookup} found nothing. */
    public static final int NOT_FOUND = -1;
    /** {@link #selectBackend}: the service has no usable endpoint; reject the packet. */
    public static final int NO_BACKEND_REJECT = -1;
    /** {@link #selectBackend}: the policy asks for a local endpoint and this node has none; drop. */
    public static final int NO_BACKEND_DROP = -2;

    /** Frontend kinds. */
    public static final int KIND_CLUSTER_IP = 0;
    public static final int KIND_NODE_PORT = 1;
    public static final int KIND_EXTERNAL_IP = 2;
    public static final int KIND_LOAD_BALANCER = 3;

    /** sessionAffinity ClientIP: keep an {@link AffinityTable} entry for (group, client). */
    public static final int FLAG_AFFINITY = 1;
    /** internalTrafficPolicy Local. */
    public static final int FLAG_INTERNAL_LOCAL = 1 << 1;
    /** externalTrafficPolicy Local. */
    public static final int FLAG_EXTERNAL_LOCAL = 1 << 2;
    /** No usable endpoint for this frontend's service port and family: reject. */
    public static final int FLAG_REJECT = 1 << 3;

    /** Backend flags: the endpoint runs on this node. */
    public static final int BACKEND_LOCAL = 1;
    /** The endpoint is terminating (used only because no ready endpoint is left, KEP-1669). */
    public static final int BACKEND_TERMINATING = 1 << 1;

    final int mask;
    final long[] keyHi;
    final long[] keyLo;
    final int[] keyMeta;
    final int[] slotFrontend;

    final int frontendCount;
    final int[] serviceId;
    final int[] kind;
    final int[] flags;
    final long[] affinityTimeoutNs;
    final int[] group;
    final int[] frontendProtocol;
    final long[] revHi;
    final long[] revLo;
    final int[] revPort;

    final int groupCount;
    final int[] clusterStart;
    final int[] clusterCount;
    final int[] clusterMaglev;
    final int[] clusterMaglevSize;
    final int[] localStart;
    final int[] localCount;
    final int[] localMaglev;
    final int[] localMaglevSize;

    final int backendCount;
    final long[] backendHi;
    final long[] backendLo;
    final int[] backendPort;
    final int[] backendFlags;

    final int maglevSize;
    final char[] maglev;
    /** Per distinct table: where it starts in {@link #maglev} and its size M. */
    private final int[] tableStart;
    private final int[] tableSize;

    /** Distinct backend key lists to their table number, kept so a later build can reuse unchanged tables. */
    private final java.util.Map<KeyList, Integer> tableOfKeys;

    ServiceTable(final ServiceTableBuilder b, final ServiceTable previous)
    {
        int capacity = 16;
        while (capacity < b.frontendCount * 2)
        {
            capacity <<= 1;
        }
        mask = capacity - 1;
        keyHi = new long[capacity];
        keyLo = new long[capacity];
        keyMeta = new int[capacity];
        slotFrontend = new int[capacity];

        frontendCount = b.frontendCount;
        serviceId = java.util.Arrays.copyOf(b.fServiceId, frontendCount);
        kind = java.util.Arrays.copyOf(b.fKind, frontendCount);
        flags = java.util.Arrays.copyOf(b.fFlags, frontendCount);
        affinityTimeoutNs = java.util.Arrays.copyOf(b.fAffinityTimeoutNs, frontendCount);
        group = java.util.Arrays.copyOf(b.fGroup, frontendCount);
        frontendProtocol = java.util.Arrays.copyOf(b.fProtocol, frontendCount);
        revHi = java.util.Arrays.copyOf(b.fHi, frontendCount);
        revLo = java.util.Arrays.copyOf(b.fLo, frontendCount);
        revPort = java.util.Arrays.copyOf(b.fPort, frontendCount);

        groupCount = b.groupCount;
        clusterStart = new int[groupCount];
        clusterCount = new int[groupCount];
        clusterMaglev = new int[groupCount];
        clusterMaglevSize = new int[groupCount];
        localStart = new int[groupCount];
        localCount = new int[groupCount];
        localMaglev = new int[groupCount];
        localMaglevSize = new int[groupCount];
        maglevSize = b.maglevSize;

        // Sets with the same backend keys (e.g. a local set equal to its cluster set, or services sharing their
        // endpoints) share one Maglev table: same keys, same table.
        tableOfKeys = new java.util.HashMap<>();
        final java.util.List<long[]> distinct = new java.util.ArrayList<>();
        final int[][] setTable = new int[2][groupCount];
        int backends = 0;
        for (int set = 0; set < 2; set++)
        {
            for (int g = 0; g < groupCount; g++)
            {
                final java.util.List<ServiceTableBuilder.Member> members = b.groupMembers(g, set == 1);
                backends += members.size();
                setTable[set][g] = -1;
                if (!members.isEmpty())
                {
                    final long[] keys = new long[members.size()];
                    for (int m = 0; m < keys.length; m++)
                    {
                        final ServiceTableBuilder.Member member = members.get(m);
                        keys[m] = Maglev.backendKey(member.hi(), member.lo(), member.port());
                    }
                    setTable[set][g] = tableOfKeys.computeIfAbsent(new KeyList(keys), k ->
                    {
                        distinct.add(k.keys());
                        return distinct.size() - 1;
                    });
                }
            }
        }
        backendCount = backends;
        backendHi = new long[backends];
        backendLo = new long[backends];
        backendPort = new int[backends];
        backendFlags = new int[backends];
        tableStart = new int[distinct.size()];
        tableSize = new int[distinct.size()];
        long total = 0;
        for (int k = 0; k < distinct.size(); k++)
        {
            tableSize[k] = maglevSize == 0 ? Maglev.sizeFor(distinct.get(k).length) : maglevSize;
            tableStart[k] = Math.toIntExact(total);
            total += tableSize[k];
        }
        maglev = new char[Math.toIntExact(total)];
        for (int k = 0; k < distinct.size(); k++)
        {
            // A table depends only on its keys and M: copy it from the previous snapshot when it had the same set
            // at the same size (about M ln M probes saved per set; most sets do not change between two snapshots).
            final Integer old = previous == null ? null : previous.tableOfKeys.get(new KeyList(distinct.get(k)));
            if (old != null && previous.tableSize[old] == tableSize[k])
            {
                System.arraycopy(previous.maglev, previous.tableStart[old], maglev, tableStart[k], tableSize[k]);
            }
            else
            {
                Maglev.populate(distinct.get(k), distinct.get(k).length, tableSize[k], maglev, tableStart[k]);
            }
        }

        int nextBackend = 0;
        for (int g = 0; g < groupCount; g++)
        {
            for (int set = 0; set < 2; set++)
            {
                final boolean localSet = set == 1;
                final java.util.List<ServiceTableBuilder.Member> members = b.groupMembers(g, localSet);
                final int start = nextBackend;
                for (final ServiceTableBuilder.Member member : members)
                {
                    backendHi[nextBackend] = member.hi();
                    backendLo[nextBackend] = member.lo();
                    backendPort[nextBackend] = member.port();
                    backendFlags[nextBackend] = member.flags();
                    nextBackend++;
                }
                final int table = setTable[set][g] < 0 ? -1 : tableStart[setTable[set][g]];
                final int size = setTable[set][g] < 0 ? 0 : tableSize[setTable[set][g]];
                if (localSet)
                {
                    localStart[g] = start;
                    localCount[g] = members.size();
                    localMaglev[g] = table;
                    localMaglevSize[g] = size;
                }
                else
                {
                    clusterStart[g] = start;
                    clusterCount[g] = members.size();
                    clusterMaglev[g] = table;
                    clusterMaglevSize[g] = size;
                }
            }
        }

        for (int f = 0; f < frontendCount; f++)
        {
            if (clusterCount[group[f]] == 0)
            {
                flags[f] |= FLAG_REJECT;
            }
            final int meta = meta(frontendProtocol[f], revPort[f]);
            int s = hashSlot(meta, revHi[f], revLo[f]);
            while (keyMeta[s] != 0)
            {
                if (keyMeta[s] == meta && keyHi[s] == revHi[f] && keyLo[s] == revLo[f])
                {
                    throw new IllegalArgumentException("duplicate frontend: protocol " + frontendProtocol[f] +
                        " port " + revPort[f] + " address " + Long.toHexString(revHi[f]) + ":" +
                        Long.toHexString(revLo[f]));
                }
                s = (s + 1) & mask;
            }
            keyMeta[s] = meta;
            keyHi[s] = revHi[f];
            keyLo[s] = revLo[f];
            slotFrontend[s] = f;
        }
    }

    /** A backend key list with value equality (build time only). */
    private record KeyList(long[] keys)
    {
        @Override
        public boolean equals(final Object other)
        {
            return other instanceof KeyList k && java.util.Arrays.equals(keys, k.keys);
        }

        @Override
        public int hashCode()
        {
            return java.util.Arrays.hashCode(keys);
        }
    }

    /**
     * Finds the frontend a packet is addressed to.
     *
     * @param protocol the IANA protocol number (6, 17, 132).
     * @param dstHi    destination address, high half.
     * @param dstLo    destination address, low half (IPv4 mapped).
     * @param dstPort  destination port.
     * @return the frontend index, or {@link #NOT_FOUND}.
     */
    public int lookup(final int protocol, final long dstHi, final long dstLo, final int dstPort)
    {
        final int meta = meta(protocol, dstPort);
        int s = hashSlot(meta, dstHi, dstLo);
        int m;
        while ((m = keyMeta[s]) != 0)
        {
            if (m == meta && keyLo[s] == dstLo && keyHi[s] == dstHi)
            {
                return slotFrontend[s];
            }
            s = (s + 1) & mask;
        }
        return NOT_FOUND;
    }

    /**
     * Chooses the backend for a flow to frontend {@code f}.
     *
     * @param f            a frontend index from {@link #lookup}.
     * @param flowHash     the flow's hash ({@link #flowHash}).
     * @param fromLocalPod whether the packet comes from a pod on this node (decides externalTrafficPolicy).
     * @return the backend index, or {@link #NO_BACKEND_REJECT} / {@link #NO_BACKEND_DROP}.
     */
    public int selectBackend(final int f, final long flowHash, final boolean fromLocalPod)
    {
        final int g = group[f];
        final int table;
        final int size;
        final int start;
        if (usesLocalSet(f, fromLocalPod))
        {
            if (localCount[g] == 0)
            {
                return clusterCount[g] == 0 ? NO_BACKEND_REJECT : NO_BACKEND_DROP;
            }
            table = localMaglev[g];
            size = localMaglevSize[g];
            start = localStart[g];
        }
        else
        {
            if (clusterCount[g] == 0)
            {
                return NO_BACKEND_REJECT;
            }
            table = clusterMaglev[g];
            size = clusterMaglevSize[g];
            start = clusterStart[g];
        }
        return start + maglev[table + Maglev.slot(flowHash, size)];
    }

    /**
     * Whether a remembered backend (an {@link AffinityTable} hit) is still one {@link #selectBackend} could give
     * for this frontend and source in this snapshot.
     *
     * @param f            the frontend.
     * @param backend      the remembered backend index.
     * @param fromLocalPod as for {@link #selectBackend}.
     * @return true when the backend is in the set the flow would use.
     */
    public boolean backendUsable(final int f, final int backend, final boolean fromLocalPod)
    {
        final int g = group[f];
        if (usesLocalSet(f, fromLocalPod))
        {
            return backend >= localStart[g] && backend < localStart[g] + localCount[g];
        }
        return backend >= clusterStart[g] && backend < clusterStart[g] + clusterCount[g];
    }

    private boolean usesLocalSet(final int f, final boolean fromLocalPod)
    {
        final int fl = flags[f];
        if (kind[f] == KIND_CLUSTER_IP)
        {
            return (fl & FLAG_INTERNAL_LOCAL) != 0;
        }
        return (fl & FLAG_EXTERNAL_LOCAL) != 0 && !fromLocalPod;
    }

    /**
     * A 64-bit hash of a flow's 5-tuple, for Maglev; the same for every packet of the flow in one direction.
     */
    public static long flowHash(final int protocol, final long srcHi, final long srcLo, final int srcPort,
        final long dstHi, final long dstLo, final int dstPort)
    {
        long h = Hashing.mix64(srcHi ^ 0x2545_F491_4F6C_DD1DL);
        h = Hashing.mix64(h ^ srcLo);
        h = Hashing.mix64(h ^ dstHi ^ Long.rotateLeft(dstLo, 29));
        return Hashing.mix64(h ^ ((long)protocol << 32 | (long)(srcPort & 0xFFFF) << 16 | (dstPort & 0xFFFF)) ^ dstLo);
    }

    private int hashSlot(final int meta, final long hi, final long lo)
    {
        return (int)Hashing.mix64(lo * 31 + hi ^ ((long)meta << 1)) & mask;
    }

    private static int meta(final int protocol, final int port)
    {
        return (protocol & 0xFF) << 16 | (port & 0xFFFF);
    }

    /** @return the number of frontends (reverse-NAT ids are 1..this). */
    public int frontendCount()
    {
        return frontendCount;
    }

    /** @return the service id of frontend {@code f} (assigned by the compiler, 1-based). */
    public int serviceId(final int f)
    {
        return serviceId[f];
    }

    /** @return the frontend kind ({@link #KIND_CLUSTER_IP}...). */
    public int kind(final int f)
    {
        return kind[f];
    }

    /** @return the frontend's flags ({@link #FLAG_AFFINITY}...). */
    public int flags(final int f)
    {
        return flags[f];
    }

    /** @return the ClientIP affinity timeout, 0 without affinity. */
    public long affinityTimeoutNs(final int f)
    {
        return affinityTimeoutNs[f];
    }

    /**
     * @return the backend group (service port x family) of the frontend: the key to use in {@link AffinityTable},
     *     because every frontend of one service port shares the endpoints (kube-proxy keeps affinity per service
     *     port).
     */
    public int group(final int f)
    {
        return group[f];
    }

    /** @return the IANA protocol of frontend {@code f}. */
    public int protocol(final int f)
    {
        return frontendProtocol[f];
    }

    /** @return the reverse-NAT id of frontend {@code f} (stored in conntrack; 0 is never used). */
    public int revNatId(final int f)
    {
        return f + 1;
    }

    /** @return whether {@code id} is a reverse-NAT id of this snapshot. */
    public boolean validRevNatId(final int id)
    {
        return id >= 1 && id <= frontendCount;
    }

    /** @return the frontend address (high half) a reply of reverse-NAT id {@code id} must come from. */
    public long revNatHi(final int id)
    {
        return revHi[id - 1];
    }

    /** @return the frontend address (low half) for reverse-NAT id {@code id}. */
    public long revNatLo(final int id)
    {
        return revLo[id - 1];
    }

    /** @return the frontend port for reverse-NAT id {@code id}. */
    public int revNatPort(final int id)
    {
        return revPort[id - 1];
    }

    /** @return the number of backend groups. */
    public int groupCount()
    {
        return groupCount;
    }

    /** @return first backend index of the group's cluster-wide set. */
    public int clusterStart(final int g)
    {
        return clusterStart[g];
    }

    /** @return size of the group's cluster-wide set. */
    public int clusterCount(final int g)
    {
        return clusterCount[g];
    }

    /** @return first backend index of the group's node-local set. */
    public int localStart(final int g)
    {
        return localStart[g];
    }

    /** @return size of the group's node-local set. */
    public int localCount(final int g)
    {
        return localCount[g];
    }

    /**
     * @param g     a group.
     * @param local which set.
     * @param slot  0..M-1 (M = {@link #maglevSize(int, boolean)}).
     * @return the backend ordinal (within the set) in that Maglev slot, or -1 when the set is empty.
     */
    public int maglevEntry(final int g, final boolean local, final int slot)
    {
        final int table = local ? localMaglev[g] : clusterMaglev[g];
        return table < 0 ? -1 : maglev[table + slot];
    }

    /** @return the Maglev table size M of every set, or 0 when each set's size adapts to its backend count. */
    public int maglevSize()
    {
        return maglevSize;
    }

    /**
     * @param g     a group.
     * @param local which set.
     * @return the size M of that set's Maglev table, 0 when the set is empty.
     */
    public int maglevSize(final int g, final boolean local)
    {
        return local ? localMaglevSize[g] : clusterMaglevSize[g];
    }

    /** @return the entries of every distinct Maglev table together (each a 2-byte slot). */
    public int maglevSlots()
    {
        return maglev.length;
    }

    /** @return the number of backend slots (all sets). */
    public int backendCount()
    {
        return backendCount;
    }

    /** @return backend address, high half. */
    public long backendHi(final int b)
    {
        return backendHi[b];
    }

    /** @return backend address, low half (IPv4 mapped). */
    public long backendLo(final int b)
    {
        return backendLo[b];
    }

    /** @return the backend's target port (resolved per endpoint). */
    public int backendPort(final int b)
    {
        return backendPort[b];
    }

    /** @return {@link #BACKEND_LOCAL} / {@link #BACKEND_TERMINATING} bits. */
    public int backendFlags(final int b)
    {
        return backendFlags[b];
    }
}
