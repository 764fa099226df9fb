package dev.sluice.fastpath.service;

import static dev.sluice.fastpath.service.ServiceTable.*;
import static dev.sluice.fastpath.service.TestPackets.v4;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import dev.sluice.fastpath.packet.IpProtocol;
import org.junit.jupiter.api.Test;

/**
 * Lookup of every frontend kind, backend set choice (ready, terminating fallback, Local policies), rejects and
 * reverse NAT, over snapshots built with {@link ServiceTableBuilder}.
 */
class ServiceTableTest
{
    private static final int TCP = IpProtocol.TCP;
    private static final int UDP = IpProtocol.UDP;
    private static final long V6_HI = 0x2001_0002_0000_0000L;
    private static final int M = 251;

    private static final long CLUSTER_IP = v4(198, 18, 100, 10);
    private static final long NODE_IP = v4(198, 19, 0, 1);
    private static final long EXTERNAL_IP = v4(198, 19, 200, 1);
    private static final long LB_IP = v4(198, 19, 201, 1);
    private static final long POD_A = v4(198, 18, 1, 1);
    private static final long POD_B = v4(198, 18, 1, 2);
    private static final long POD_REMOTE = v4(198, 18, 129, 1);

    @Test
    void findsEveryFrontendKindAndNothingElse()
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        final int g = b.addGroup();
        b.addEndpoint(g, 0, POD_A, 8080, true, true, false, true);
        final int g6 = b.addGroup();
        b.addEndpoint(g6, V6_HI, 0x0101, 8080, true, true, false, true);
        final int clusterIp = b.addFrontend(1, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 80, 0, 0, g);
        final int clusterIp6 = b.addFrontend(1, KIND_CLUSTER_IP, TCP, V6_HI, 0x100_0010, 80, 0, 0, g6);
        final int nodePort = b.addFrontend(1, KIND_NODE_PORT, TCP, 0, NODE_IP, 30080, 0, 0, g);
        final int external = b.addFrontend(1, KIND_EXTERNAL_IP, TCP, 0, EXTERNAL_IP, 80, 0, 0, g);
        final int lb = b.addFrontend(1, KIND_LOAD_BALANCER, TCP, 0, LB_IP, 80, 0, 0, g);
        final ServiceTable t = b.build();

        assertEquals(clusterIp, t.lookup(TCP, 0, CLUSTER_IP, 80));
        assertEquals(clusterIp6, t.lookup(TCP, V6_HI, 0x100_0010, 80));
        assertEquals(nodePort, t.lookup(TCP, 0, NODE_IP, 30080));
        assertEquals(external, t.lookup(TCP, 0, EXTERNAL_IP, 80));
        assertEquals(lb, t.lookup(TCP, 0, LB_IP, 80));
        assertEquals(NOT_FOUND, t.lookup(UDP, 0, CLUSTER_IP, 80), "other protocol");
        assertEquals(NOT_FOUND, t.lookup(TCP, 0, CLUSTER_IP, 81), "other port");
        assertEquals(NOT_FOUND, t.lookup(TCP, 0, NODE_IP, 80), "node address, not a node port");
        assertEquals(NOT_FOUND, t.lookup(TCP, 1, CLUSTER_IP, 80), "same low half, other family/prefix");

        assertEquals(KIND_NODE_PORT, t.kind(nodePort));
        final int b6 = t.selectBackend(clusterIp6, 12345, false);
        assertEquals(V6_HI, t.backendHi(b6));
        assertEquals(0x0101, t.backendLo(b6));
        final int b4 = t.selectBackend(lb, 12345, false);
        assertEquals(POD_A, t.backendLo(b4));
        assertEquals(8080, t.backendPort(b4));

        // Reverse NAT: the id names the frontend the client used.
        final int rev = t.revNatId(nodePort);
        assertTrue(t.validRevNatId(rev));
        assertEquals(NODE_IP, t.revNatLo(rev));
        assertEquals(30080, t.revNatPort(rev));
        assertNotEquals(t.revNatId(clusterIp), rev);
        assertFalse(t.validRevNatId(0));
        assertFalse(t.validRevNatId(t.frontendCount() + 1));
    }

    @Test
    void aServiceWithoutEndpointsIsFlaggedAndRejects()
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        final int g = b.addGroup();
        b.addEndpoint(g, 0, POD_A, 80, false, false, false, true); // not ready, not serving: unusable
        final int f = b.addFrontend(1, KIND_CLUSTER_IP, UDP, 0, CLUSTER_IP, 53, 0, 0, g);
        final ServiceTable t = b.build();
        assertTrue((t.flags(f) & FLAG_REJECT) != 0);
        assertEquals(NO_BACKEND_REJECT, t.selectBackend(f, 1, true));
        assertEquals(NO_BACKEND_REJECT, t.selectBackend(f, 1, false));
    }

    @Test
    void terminatingEndpointsServeOnlyWhenNoReadyOneIsLeft()
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        final int mixed = b.addGroup();
        b.addEndpoint(mixed, 0, POD_A, 80, true, true, false, false);
        b.addEndpoint(mixed, 0, POD_B, 80, false, true, true, false);
        final int onlyTerminating = b.addGroup();
        b.addEndpoint(onlyTerminating, 0, POD_A, 80, false, true, true, false);
        b.addEndpoint(onlyTerminating, 0, POD_B, 80, false, false, true, false); // terminating, not serving
        final int fMixed = b.addFrontend(1, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 80, 0, 0, mixed);
        final int fTerm = b.addFrontend(2, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 81, 0, 0, onlyTerminating);
        final ServiceTable t = b.build();

        assertEquals(1, t.clusterCount(mixed));
        assertEquals(1, t.clusterCount(onlyTerminating));
        final SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < 1000; k++)
        {
            final long h = r.nextLong();
            assertEquals(POD_A, t.backendLo(t.selectBackend(fMixed, h, false)));
            final int term = t.selectBackend(fTerm, h, false);
            assertEquals(POD_A, t.backendLo(term));
            assertEquals(BACKEND_TERMINATING, t.backendFlags(term) & BACKEND_TERMINATING);
        }
        assertEquals(0, t.flags(fTerm) & FLAG_REJECT);
    }

    @Test
    void localPoliciesUseOnlyThisNodesEndpoints()
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        final int g = b.addGroup();
        b.addEndpoint(g, 0, POD_A, 80, true, true, false, true);
        b.addEndpoint(g, 0, POD_REMOTE, 80, true, true, false, false);
        final int remoteOnly = b.addGroup();
        b.addEndpoint(remoteOnly, 0, POD_REMOTE, 80, true, true, false, false);
        final int itp = b.addFrontend(1, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 80, FLAG_INTERNAL_LOCAL, 0, g);
        final int etp = b.addFrontend(1, KIND_NODE_PORT, TCP, 0, NODE_IP, 30080, FLAG_EXTERNAL_LOCAL, 0, g);
        final int cluster = b.addFrontend(1, KIND_LOAD_BALANCER, TCP, 0, LB_IP, 80, 0, 0, g);
        final int etpNone = b.addFrontend(2, KIND_NODE_PORT, TCP, 0, NODE_IP, 30081, FLAG_EXTERNAL_LOCAL, 0,
            remoteOnly);
        final int itpNone = b.addFrontend(2, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 81, FLAG_INTERNAL_LOCAL, 0,
            remoteOnly);
        final ServiceTable t = b.build();

        final Set<Long> itpSeen = new HashSet<>();
        final Set<Long> etpExternal = new HashSet<>();
        final Set<Long> etpFromPod = new HashSet<>();
        final Set<Long> clusterSeen = new HashSet<>();
        final SplittableRandom r = new SplittableRandom(5);
        for (int k = 0; k < 2000; k++)
        {
            final long h = r.nextLong();
            itpSeen.add(t.backendLo(t.selectBackend(itp, h, true)));
            etpExternal.add(t.backendLo(t.selectBackend(etp, h, false)));
            etpFromPod.add(t.backendLo(t.selectBackend(etp, h, true)));
            clusterSeen.add(t.backendLo(t.selectBackend(cluster, h, false)));
        }
        assertEquals(Set.of(POD_A), itpSeen, "internalTrafficPolicy Local: local endpoints only");
        assertEquals(Set.of(POD_A), etpExternal, "externalTrafficPolicy Local, external client");
        assertEquals(Set.of(POD_A, POD_REMOTE), etpFromPod, "a local pod reaches every endpoint");
        assertEquals(Set.of(POD_A, POD_REMOTE), clusterSeen);
        assertEquals(NO_BACKEND_DROP, t.selectBackend(etpNone, 1, false), "no local endpoint: drop, not reject");
        assertTrue(t.selectBackend(etpNone, 1, true) >= 0);
        assertEquals(NO_BACKEND_DROP, t.selectBackend(itpNone, 1, true));

        final int local = t.selectBackend(itp, 9, true);
        assertTrue(t.backendUsable(itp, local, true));
        final int remote = t.localStart(remoteOnly) == t.clusterStart(remoteOnly) ? -1 :
            t.clusterStart(remoteOnly);
        assertFalse(t.backendUsable(itp, remote, true));
    }

    @Test
    void aBackendPodReachingItsOwnServiceMayGetItself()
    {
        // Hairpin: the table does not exclude the client; the pipeline masquerades when backend == source.
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        final int g = b.addGroup();
        b.addEndpoint(g, 0, POD_A, 8080, true, true, false, true);
        final int f = b.addFrontend(1, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 80, 0, 0, g);
        final ServiceTable t = b.build();
        final long h = ServiceTable.flowHash(TCP, 0, POD_A, 40000, 0, CLUSTER_IP, 80);
        final int backend = t.selectBackend(f, h, true);
        assertEquals(POD_A, t.backendLo(backend));
    }

    @Test
    void theSnapshotDependsOnTheEndpointsNotTheirOrder()
    {
        final SplittableRandom r = new SplittableRandom(11);
        final long[] addresses = new long[40];
        for (int k = 0; k < addresses.length; k++)
        {
            addresses[k] = v4(198, 18, 2 + r.nextInt(50), r.nextInt(256));
        }
        final ServiceTable a = tableOf(addresses, false);
        final ServiceTable b = tableOf(addresses, true);
        assertEquals(a.clusterCount(0), b.clusterCount(0));
        for (int k = 0; k < a.clusterCount(0); k++)
        {
            assertEquals(a.backendLo(k), b.backendLo(k));
        }
        for (int s = 0; s < a.maglevSize(); s++)
        {
            assertEquals(a.maglevEntry(0, false, s), b.maglevEntry(0, false, s));
        }
    }

    private static ServiceTable tableOf(final long[] addresses, final boolean reversed)
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        final int g = b.addGroup();
        for (int k = 0; k < addresses.length; k++)
        {
            final long a = addresses[reversed ? addresses.length - 1 - k : k];
            b.addEndpoint(g, 0, a, 80, true, true, false, false);
        }
        b.addFrontend(1, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 80, 0, 0, g);
        return b.build();
    }

    @Test
    void aBuildReusingThePreviousSnapshotGivesTheSameTables()
    {
        final long[] addresses = new long[30];
        for (int k = 0; k < addresses.length; k++)
        {
            addresses[k] = v4(198, 18, 3, k);
        }
        final ServiceTable previous = groupsOf(addresses, null);
        addresses[4] = v4(198, 18, 4, 99); // one set changes, the others stay
        final ServiceTable fresh = groupsOf(addresses, null);
        final ServiceTable reused = groupsOf(addresses, previous);
        for (int g = 0; g < fresh.groupCount(); g++)
        {
            for (int s = 0; s < fresh.maglevSize(); s++)
            {
                assertEquals(fresh.maglevEntry(g, false, s), reused.maglevEntry(g, false, s), "group " + g);
                assertEquals(fresh.maglevEntry(g, true, s), reused.maglevEntry(g, true, s), "group " + g);
            }
        }
    }

    @Test
    void adaptiveTablesSizeEachSetForItsBackendsAndChooseWithinIt()
    {
        final ServiceTableBuilder b = ServiceTableBuilder.adaptive();
        final int[] sizes = { 1, 10, 11, 25 };
        for (int g = 0; g < sizes.length; g++)
        {
            assertEquals(g, b.addGroup());
            for (int k = 0; k < sizes[g]; k++)
            {
                b.addEndpoint(g, 0, v4(198, 18, 10 + g, k + 1), 80, true, true, false, k == 0);
            }
            b.addFrontend(g + 1, KIND_CLUSTER_IP, TCP, 0, v4(198, 19, 0, g + 1), 80, 0, 0, g);
        }
        final ServiceTable t = b.build();
        assertEquals(0, t.maglevSize());
        final SplittableRandom r = new SplittableRandom(5);
        for (int g = 0; g < sizes.length; g++)
        {
            assertEquals(Maglev.sizeFor(sizes[g]), t.maglevSize(g, false));
            assertEquals(Maglev.sizeFor(1), t.maglevSize(g, true), "one local endpoint");
            final int f = t.lookup(TCP, 0, v4(198, 19, 0, g + 1), 80);
            final Set<Integer> chosen = new java.util.HashSet<>();
            for (int k = 0; k < 20_000; k++)
            {
                final int backend = t.selectBackend(f, r.nextLong(), false);
                assertTrue(t.backendUsable(f, backend, false));
                chosen.add(backend);
            }
            assertEquals(sizes[g], chosen.size(), "every backend of group " + g + " is chosen");
        }
        // One table per distinct set: cluster sets of 1, 10, 11 and 25 backends (1021, 1021, 2039, 4093 slots) and
        // the one-endpoint local sets of groups 1-3 (1021 each); group 0's local set is its cluster set.
        assertEquals(5 * 1_021 + 2_039 + 4_093, t.maglevSlots());
    }

    @Test
    void anAdaptiveBuildReusingThePreviousSnapshotGivesTheSameTables()
    {
        final ServiceTable previous = adaptiveGroups(10, null);
        final ServiceTable fresh = adaptiveGroups(11, null);
        final ServiceTable reused = adaptiveGroups(11, previous);
        assertEquals(fresh.groupCount(), reused.groupCount());
        for (int g = 0; g < fresh.groupCount(); g++)
        {
            for (final boolean local : new boolean[] { false, true })
            {
                assertEquals(fresh.maglevSize(g, local), reused.maglevSize(g, local));
                for (int s = 0; s < fresh.maglevSize(g, local); s++)
                {
                    assertEquals(fresh.maglevEntry(g, local, s), reused.maglevEntry(g, local, s), "group " + g);
                }
            }
        }
    }

    /** Group g has g + 1 backends; the last group has {@code last} (so it crosses a size step from 10 to 11). */
    private static ServiceTable adaptiveGroups(final int last, final ServiceTable previous)
    {
        final ServiceTableBuilder b = ServiceTableBuilder.adaptive();
        for (int g = 0; g < 10; g++)
        {
            b.addGroup();
            final int count = g == 9 ? last : g + 1;
            for (int k = 0; k < count; k++)
            {
                b.addEndpoint(g, 0, v4(198, 18, 20 + g, k + 1), 80, true, true, false, k < 2);
            }
            b.addFrontend(g + 1, KIND_CLUSTER_IP, TCP, 0, v4(198, 19, 1, g + 1), 80, 0, 0, g);
        }
        return b.build(previous);
    }

    /** Groups of five backends each over consecutive addresses; the first two of each are local. */
    private static ServiceTable groupsOf(final long[] addresses, final ServiceTable previous)
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        for (int g = 0; g < addresses.length / 5; g++)
        {
            final int group = b.addGroup();
            for (int k = 0; k < 5; k++)
            {
                b.addEndpoint(group, 0, addresses[g * 5 + k], 80, true, true, false, k < 2);
            }
            b.addFrontend(g, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP + g, 80, 0, 0, group);
        }
        return b.build(previous);
    }

    @Test
    void tenThousandFrontendsAreAllFound()
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        final int g = b.addGroup();
        b.addEndpoint(g, 0, POD_A, 80, true, true, false, false);
        final int n = 10_000;
        for (int k = 0; k < n; k++)
        {
            b.addFrontend(k, KIND_CLUSTER_IP, k % 2 == 0 ? TCP : UDP, 0, v4(198, 18, 100 + k / 5000, k % 256),
                1 + k / 256 % 20, 0, 0, g);
        }
        final ServiceTable t = b.build();
        for (int k = 0; k < n; k++)
        {
            assertEquals(k, t.lookup(k % 2 == 0 ? TCP : UDP, 0, v4(198, 18, 100 + k / 5000, k % 256),
                1 + k / 256 % 20));
        }
    }

    @Test
    void buildErrorsNameTheOffendingValue()
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(M);
        final int g = b.addGroup();
        b.addFrontend(1, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 80, 0, 0, g);
        b.addFrontend(2, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 80, 0, 0, g);
        assertTrue(assertThrows(IllegalArgumentException.class, b::build).getMessage().contains("port 80"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> b.addEndpoint(g, 0, POD_A, 70_000, true, true, false, false)).getMessage().contains("70000"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> b.addFrontend(1, KIND_CLUSTER_IP, TCP, 0, CLUSTER_IP, 80, 0, 0, 7)).getMessage().contains("7"));
        assertThrows(IllegalArgumentException.class, () -> new ServiceTableBuilder(16_384));
    }
}
