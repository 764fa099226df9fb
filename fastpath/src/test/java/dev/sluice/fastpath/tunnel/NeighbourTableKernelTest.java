package dev.sluice.fastpath.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import dev.sluice.fastpath.bpf.TestNetns;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.geneve.OuterHeaderTemplate;
import dev.sluice.geneve.TunnelPeerTable;
import dev.sluice.testkit.KernelTest;
import dev.sluice.wire.Addresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The neighbour table and route lookups against the real kernel, in a namespace made by the test: entries added
 * with {@code ip neigh} appear in the dump, changes and deletions arrive as events through {@link
 * NeighbourTable#poll()}, IPv4 and IPv6; {@code RTM_GETROUTE} finds on-link peers and gateways; the templates get
 * the next-hop MAC the kernel has.
 */
@KernelTest
class NeighbourTableKernelTest
{
    private static final long DEADLINE_NS = 5_000_000_000L;
    private static final String DEV = "sl-nb0";

    private TestNetns netns;
    private int ifindex;

    @BeforeEach
    void createNamespace()
    {
        netns = TestNetns.create();
        netns.ip("link", "add", DEV, "type", "veth", "peer", "name", "sl-nb1");
        netns.ip("link", "set", DEV, "up");
        netns.ip("link", "set", "sl-nb1", "up");
        netns.ip("addr", "add", "198.19.0.1/24", "dev", DEV);
        netns.ip("-6", "addr", "add", "2001:2::1/64", "dev", DEV, "nodad");
        ifindex = netns.call(() -> Libc.ifNameToIndex(DEV));
    }

    @AfterEach
    void deleteNamespace()
    {
        if (netns != null)
        {
            netns.close();
        }
    }

    /** Polls until {@code value} returns {@code expected} or the deadline passes (events are asynchronous). */
    private static long pollUntil(final NeighbourTable table, final LongSupplier value, final long expected)
    {
        final long deadline = System.nanoTime() + DEADLINE_NS;
        long seen = value.getAsLong();
        while (seen != expected && System.nanoTime() < deadline)
        {
            table.poll();
            seen = value.getAsLong();
            Thread.onSpinWait();
        }
        return seen;
    }

    @Test
    void dumpSeesExistingEntriesAndEventsFollowChangesAndDeletes()
    {
        netns.ip("neigh", "add", "198.19.0.2", "lladdr", "02:00:00:00:00:02", "dev", DEV, "nud", "permanent");
        netns.ip("-6", "neigh", "add", "2001:2::2", "lladdr", "02:00:00:00:06:02", "dev", DEV, "nud", "permanent");
        final int v4 = Addresses.parseIpv4("198.19.0.2");
        final long v6Hi = Addresses.parseIpv6Hi("2001:2::2");
        final long v6Lo = Addresses.parseIpv6Lo("2001:2::2");

        try (NeighbourTable table = netns.call(NeighbourTable::open))
        {
            final AtomicInteger notified = new AtomicInteger();
            table.addListener(notified::incrementAndGet);
            assertEquals(Addresses.parseMac("02:00:00:00:00:02"), table.lookupIpv4(ifindex, v4), "IPv4 in the dump");
            assertEquals(Addresses.parseMac("02:00:00:00:06:02"), table.lookupIpv6(ifindex, v6Hi, v6Lo),
                "IPv6 in the dump");
            assertEquals(NeighbourTable.UNRESOLVED, table.lookupIpv4(ifindex + 100, v4), "keyed by interface too");
            assertEquals(0, table.poll(), "nothing changed yet");
            final long changesAfterDump = table.changeCount();

            netns.ip("neigh", "change", "198.19.0.2", "lladdr", "02:00:00:00:00:03", "dev", DEV, "nud", "permanent");
            final long changed = Addresses.parseMac("02:00:00:00:00:03");
            assertEquals(changed, pollUntil(table, () -> table.lookupIpv4(ifindex, v4), changed));
            assertTrue(table.changeCount() > changesAfterDump);
            assertTrue(notified.get() >= 1, "listeners run after a change");

            netns.ip("-6", "neigh", "change", "2001:2::2", "lladdr", "02:00:00:00:06:03", "dev", DEV,
                "nud", "permanent");
            final long changed6 = Addresses.parseMac("02:00:00:00:06:03");
            assertEquals(changed6, pollUntil(table, () -> table.lookupIpv6(ifindex, v6Hi, v6Lo), changed6));

            netns.ip("neigh", "del", "198.19.0.2", "dev", DEV);
            assertEquals(NeighbourTable.UNRESOLVED,
                pollUntil(table, () -> table.lookupIpv4(ifindex, v4), NeighbourTable.UNRESOLVED));
            netns.ip("-6", "neigh", "del", "2001:2::2", "dev", DEV);
            assertEquals(NeighbourTable.UNRESOLVED,
                pollUntil(table, () -> table.lookupIpv6(ifindex, v6Hi, v6Lo), NeighbourTable.UNRESOLVED));

            // An entry the kernel could not resolve (no lladdr, state incomplete/failed) is not a usable next hop.
            netns.ip("neigh", "add", "198.19.0.9", "dev", DEV, "nud", "incomplete");
            netns.ip("neigh", "add", "198.19.0.10", "lladdr", "02:00:00:00:00:0a", "dev", DEV, "nud", "stale");
            final int stale = Addresses.parseIpv4("198.19.0.10");
            assertEquals(Addresses.parseMac("02:00:00:00:00:0a"),
                pollUntil(table, () -> table.lookupIpv4(ifindex, stale), Addresses.parseMac("02:00:00:00:00:0a")));
            assertEquals(NeighbourTable.UNRESOLVED, table.lookupIpv4(ifindex, Addresses.parseIpv4("198.19.0.9")));

            final long before = table.changeCount();
            table.resync();
            assertTrue(table.changeCount() > before);
            assertEquals(Addresses.parseMac("02:00:00:00:00:0a"), table.lookupIpv4(ifindex, stale),
                "a resync rebuilds the same table");
        }
    }

    @Test
    void routeLookupFindsOnLinkPeersAndGateways()
    {
        netns.ip("route", "add", "198.19.5.0/24", "via", "198.19.0.254", "dev", DEV);
        netns.ip("-6", "route", "add", "2001:2:5::/64", "via", "2001:2::fe", "dev", DEV);
        try (UnderlayRoutes routes = netns.call(UnderlayRoutes::open))
        {
            final UnderlayRoutes.Route onLink = routes.lookupIpv4(Addresses.parseIpv4("198.19.0.2"));
            assertNotNull(onLink);
            assertEquals(ifindex, onLink.ifindex());
            assertFalse(onLink.viaGateway());
            assertEquals(PacketVector.ipv4Mapped(Addresses.parseIpv4("198.19.0.2")), onLink.nextHopLo());

            final UnderlayRoutes.Route routed = routes.lookupIpv4(Addresses.parseIpv4("198.19.5.9"));
            assertNotNull(routed);
            assertTrue(routed.viaGateway());
            assertEquals(PacketVector.ipv4Mapped(Addresses.parseIpv4("198.19.0.254")), routed.nextHopLo());

            final UnderlayRoutes.Route routed6 = routes.lookupIpv6(Addresses.parseIpv6Hi("2001:2:5::9"),
                Addresses.parseIpv6Lo("2001:2:5::9"));
            assertNotNull(routed6);
            assertEquals(ifindex, routed6.ifindex());
            assertEquals(Addresses.parseIpv6Lo("2001:2::fe"), routed6.nextHopLo());

            assertNull(routes.lookupIpv4(Addresses.parseIpv4("198.18.77.1")), "no default route: unreachable");
        }
    }

    @Test
    void templatesCarryTheKernelsNextHopMacAndFollowItsChanges()
    {
        netns.ip("route", "add", "198.19.5.0/24", "via", "198.19.0.254", "dev", DEV);
        netns.ip("neigh", "add", "198.19.0.2", "lladdr", "02:00:00:00:00:02", "dev", DEV, "nud", "permanent");
        final TunnelPeerTable peers = new TunnelPeerTable(List.of(
            new TunnelPeerTable.Node("node-a", "198.19.0.1", List.of("198.18.0.0/24"), "00:00:00:00:00:00"),
            new TunnelPeerTable.Node("node-b", "198.19.0.2", List.of("198.18.1.0/24"), "00:00:00:00:00:00"),
            new TunnelPeerTable.Node("node-far", "198.19.5.9", List.of("198.18.5.0/24"), "00:00:00:00:00:00")));
        final TunnelConfig config = new TunnelConfig.Builder().uplinkPort(0).localMac("02:00:00:00:00:01")
            .localIpv4("198.19.0.1").underlayMtu(1500).build();
        try (NeighbourTable neighbours = netns.call(NeighbourTable::open);
            UnderlayRoutes routes = netns.call(UnderlayRoutes::open))
        {
            final NeighbourNextHops nextHops = new NeighbourNextHops(neighbours, routes);
            final long[] generation = {1};
            final TunnelTemplates[] current = {TunnelTemplates.build(config, peers, nextHops, generation[0])};
            neighbours.addListener(() -> current[0] = TunnelTemplates.build(config, peers, nextHops, ++generation[0]));

            assertTrue(current[0].isSelf(0));
            final OuterHeaderTemplate toB = current[0].template(1);
            assertNotNull(toB, "on-link peer with a neighbour entry");
            assertEquals(Addresses.parseMac("02:00:00:00:00:02"), macAt(toB, 0));
            assertNull(current[0].template(2), "the gateway 198.19.0.254 has no neighbour entry yet");
            assertEquals(1, current[0].unresolvedCount());

            netns.ip("neigh", "add", "198.19.0.254", "lladdr", "02:00:00:00:00:fe", "dev", DEV, "nud", "reachable");
            final long deadline = System.nanoTime() + DEADLINE_NS;
            while (current[0].template(2) == null && System.nanoTime() < deadline)
            {
                neighbours.poll();
                Thread.onSpinWait();
            }
            assertNotNull(current[0].template(2), "rebuilt when the gateway's MAC appeared");
            assertEquals(Addresses.parseMac("02:00:00:00:00:fe"), macAt(current[0].template(2), 0));
            assertTrue(current[0].generation() > 1);
        }
    }

    private static long macAt(final OuterHeaderTemplate template, final int offset)
    {
        return (template.bytes().getInt(offset, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF_FFFFL) << 16 |
            (template.bytes().getShort(offset + 4, java.nio.ByteOrder.BIG_ENDIAN) & 0xFFFF);
    }
}
