package dev.sluice.fastpath.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.sluice.fastpath.sys.Errno;
import dev.sluice.fastpath.sys.Libc;
import dev.sluice.fastpath.sys.NativeCallException;
import dev.sluice.testkit.ExternalTools;
import dev.sluice.testkit.KernelTest;

/**
 * The verdicts of the real XDP program in the running kernel, through BPF_PROG_TEST_RUN called over FFM, for
 * frames built by scapy.
 */
@KernelTest
class XdpProgramVerdictTest
{
    private static final String NODE4 = "198.18.0.1";
    private static final String NODE6 = "2001:2::1";
    private static final String OTHER4 = "198.18.0.2";
    private static final String OTHER6 = "2001:2::2";
    private static final String PEER4 = "198.19.0.1";
    private static final String PEER6 = "2001:2:0:1::1";
    /** Explicit MACs: without them scapy would resolve the destination through this host's ARP. */
    private static final String ETHER = "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')";
    private static final String INNER = "/GENEVE(vni=7)/Ether(src='02:00:00:00:01:01', dst='02:00:00:00:01:02')" +
        "/IP(src='198.18.1.1', dst='198.18.1.2')/ICMP()";

    /** Frames an uplink must hand to the socket (Geneve to the node). */
    private static final Map<String, byte[]> GENEVE_TO_NODE = new LinkedHashMap<>();
    /** Frames an uplink must pass to the kernel, all parseable. */
    private static final Map<String, byte[]> NOT_FOR_SOCKET = new LinkedHashMap<>();
    /** Frames an uplink must pass to the kernel because they end inside a header it must read. */
    private static final Map<String, byte[]> TRUNCATED = new LinkedHashMap<>();
    private static byte[] geneveToNodeOnPort7000;

    @BeforeAll
    static void buildFrames()
    {
        final Map<String, String> geneve = new LinkedHashMap<>();
        geneve.put("geneve ipv4 to node", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "')" +
            "/UDP(sport=40000, dport=6081)" + INNER);
        geneve.put("geneve ipv6 to node", ETHER + "/IPv6(src='" + PEER6 + "', dst='" + NODE6 + "')" +
            "/UDP(sport=40000, dport=6081)" + INNER);
        geneve.put("geneve ipv4 in 802.1Q", ETHER + "/Dot1Q(vlan=100)/IP(src='" + PEER4 + "', dst='" + NODE4 +
            "')/UDP(sport=40000, dport=6081)" + INNER);
        geneve.put("geneve ipv6 in 802.1Q", ETHER + "/Dot1Q(vlan=100)/IPv6(src='" + PEER6 + "', dst='" + NODE6 +
            "')/UDP(sport=40000, dport=6081)" + INNER);
        geneve.put("geneve ipv4 with IP options", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "', " +
            "options=[IPOption_NOP(), IPOption_NOP(), IPOption_NOP(), IPOption_EOL()])" +
            "/UDP(sport=40000, dport=6081)" + INNER);

        final Map<String, String> other = new LinkedHashMap<>();
        other.put("geneve ipv4 to another address", ETHER + "/IP(src='" + PEER4 + "', dst='" + OTHER4 + "')" +
            "/UDP(sport=40000, dport=6081)" + INNER);
        other.put("geneve ipv6 to another address", ETHER + "/IPv6(src='" + PEER6 + "', dst='" + OTHER6 + "')" +
            "/UDP(sport=40000, dport=6081)" + INNER);
        other.put("other udp ipv4 to node (dns)", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "')" +
            "/UDP(sport=40000, dport=53)/DNS(qd=DNSQR(qname='sluice.test'))");
        other.put("other udp ipv6 to node", ETHER + "/IPv6(src='" + PEER6 + "', dst='" + NODE6 + "')" +
            "/UDP(sport=6081, dport=4789)/Raw(b'x' * 20)");
        other.put("tcp ssh ipv4 to node", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "')" +
            "/TCP(sport=40000, dport=22, flags='S')");
        other.put("tcp to port 6081 ipv6", ETHER + "/IPv6(src='" + PEER6 + "', dst='" + NODE6 + "')" +
            "/TCP(sport=40000, dport=6081, flags='S')");
        other.put("arp request for node", "Ether(src='02:00:00:00:00:01', dst='ff:ff:ff:ff:ff:ff')" +
            "/ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='" + PEER4 + "', pdst='" + NODE4 + "')");
        other.put("ipv6 neighbour solicitation", "Ether(src='02:00:00:00:00:01', dst='33:33:ff:00:00:01')" +
            "/IPv6(src='" + PEER6 + "', dst='ff02::1:ff00:1')/ICMPv6ND_NS(tgt='" + NODE6 + "')" +
            "/ICMPv6NDOptSrcLLAddr(lladdr='02:00:00:00:00:01')");
        other.put("icmp echo to node", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "')/ICMP()");
        other.put("ipv4 fragment of geneve to node", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "', " +
            "flags='MF', id=1)/UDP(sport=40000, dport=6081)" + INNER);
        other.put("ipv6 with extension header before udp", ETHER + "/IPv6(src='" + PEER6 + "', dst='" + NODE6 +
            "')/IPv6ExtHdrDestOpt()/UDP(sport=40000, dport=6081)" + INNER);
        other.put("802.1Q ARP", "Ether(src='02:00:00:00:00:01', dst='ff:ff:ff:ff:ff:ff')/Dot1Q(vlan=100)" +
            "/ARP(op=1, psrc='" + PEER4 + "', pdst='" + NODE4 + "')");

        final List<String> expressions = new ArrayList<>(geneve.values());
        expressions.addAll(other.values());
        expressions.add(ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "')/UDP(sport=40000, dport=7000)" +
            INNER);
        expressions.add(ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "')/UDP(sport=40000, dport=6081)" +
            INNER);
        expressions.add(ETHER + "/IPv6(src='" + PEER6 + "', dst='" + NODE6 + "')/UDP(sport=40000, dport=6081)" +
            INNER);
        expressions.add(ETHER + "/Dot1Q(vlan=100)/IP(src='" + PEER4 + "', dst='" + NODE4 + "')" +
            "/UDP(sport=40000, dport=6081)" + INNER);
        final List<byte[]> frames = ExternalTools.scapyFrames(expressions);

        int i = 0;
        for (final String name : geneve.keySet())
        {
            GENEVE_TO_NODE.put(name, frames.get(i++));
        }
        for (final String name : other.keySet())
        {
            NOT_FOR_SOCKET.put(name, frames.get(i++));
        }
        geneveToNodeOnPort7000 = frames.get(i++);
        final byte[] geneve4 = frames.get(i++);
        final byte[] geneve6 = frames.get(i++);
        final byte[] vlanGeneve4 = frames.get(i);

        TRUNCATED.put("14 bytes: ethernet header only (IPv4 ethertype)", Arrays.copyOf(geneve4, 14));
        TRUNCATED.put("14 bytes: ethernet header only (IPv6 ethertype)", Arrays.copyOf(geneve6, 14));
        TRUNCATED.put("half an IPv4 header", Arrays.copyOf(geneve4, 14 + 10));
        TRUNCATED.put("half an IPv6 header", Arrays.copyOf(geneve6, 14 + 20));
        TRUNCATED.put("half a UDP header after IPv4", Arrays.copyOf(geneve4, 14 + 20 + 4));
        TRUNCATED.put("half a UDP header after IPv6", Arrays.copyOf(geneve6, 14 + 40 + 4));
        TRUNCATED.put("half an 802.1Q tag", Arrays.copyOf(vlanGeneve4, 14 + 2));
    }

    @Test
    void uplinkWithoutSocketAppliesFallbackToGeneveToNodeAndPassesEverythingElse()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.uplink(ipv4(NODE4), ipv6(NODE6)).withFallback(XdpFallback.DROP));

            GENEVE_TO_NODE.forEach((name, frame) -> assertAction(XdpAction.DROP, program, frame, name));
            NOT_FOR_SOCKET.forEach((name, frame) -> assertAction(XdpAction.PASS, program, frame, name));
            TRUNCATED.forEach((name, frame) -> assertAction(XdpAction.PASS, program, frame, name));

            assertCounters(program, Map.of(
                XdpCounter.FALLBACK_DROP, (long)GENEVE_TO_NODE.size(),
                XdpCounter.PASS_OTHER, (long)(NOT_FOR_SOCKET.size() + TRUNCATED.size()),
                XdpCounter.TRUNCATED, (long)TRUNCATED.size()));
        }
    }

    @Test
    void uplinkDefaultFallbackIsPass()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            final XdpPortConfig uplink = XdpPortConfig.uplink(ipv4(NODE4), ipv6(NODE6));
            assertEquals(XdpFallback.PASS, uplink.fallback());
            program.configure(uplink);

            GENEVE_TO_NODE.forEach((name, frame) -> assertAction(XdpAction.PASS, program, frame, name));

            assertCounters(program, Map.of(XdpCounter.FALLBACK_PASS, (long)GENEVE_TO_NODE.size()));
        }
    }

    @Test
    void uplinkHonoursConfiguredGenevePort()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.uplink(ipv4(NODE4), null).withGenevePort(7000)
                .withFallback(XdpFallback.DROP));

            assertAction(XdpAction.DROP, program, geneveToNodeOnPort7000, "geneve on port 7000");
            assertAction(XdpAction.PASS, program, GENEVE_TO_NODE.get("geneve ipv4 to node"), "geneve on 6081");

            assertCounters(program, Map.of(XdpCounter.FALLBACK_DROP, 1L, XdpCounter.PASS_OTHER, 1L));
        }
    }

    @Test
    void uplinkWithOnlyIpv4AddressPassesGeneveOverIpv6()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.uplink(ipv4(NODE4), null).withFallback(XdpFallback.DROP));

            assertAction(XdpAction.DROP, program, GENEVE_TO_NODE.get("geneve ipv4 to node"), "ipv4");
            assertAction(XdpAction.PASS, program, GENEVE_TO_NODE.get("geneve ipv6 to node"), "ipv6");

            assertCounters(program, Map.of(XdpCounter.FALLBACK_DROP, 1L, XdpCounter.PASS_OTHER, 1L));
        }
    }

    @Test
    void podPortWithoutSocketDropsEveryFrameByDefault()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            final XdpPortConfig pod = XdpPortConfig.pod();
            assertEquals(XdpFallback.DROP, pod.fallback());
            program.configure(pod);

            final Map<String, byte[]> all = allFrames();
            all.forEach((name, frame) -> assertAction(XdpAction.DROP, program, frame, name));

            assertCounters(program, Map.of(XdpCounter.FALLBACK_DROP, (long)all.size()));
        }
    }

    @Test
    void podPortWithPassFallbackPassesEveryFrame()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.pod().withFallback(XdpFallback.PASS));

            final Map<String, byte[]> all = allFrames();
            all.forEach((name, frame) -> assertAction(XdpAction.PASS, program, frame, name));

            assertCounters(program, Map.of(XdpCounter.FALLBACK_PASS, (long)all.size()));
        }
    }

    @Test
    void unconfiguredProgramPassesAndCounts()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            assertAction(XdpAction.PASS, program, GENEVE_TO_NODE.get("geneve ipv4 to node"), "unconfigured");

            assertCounters(program, Map.of(XdpCounter.UNCONFIGURED, 1L));
        }
    }

    @Test
    void socketInXskMapTurnsFallbackIntoRedirectOnItsQueueOnly()
    {
        final int xsk = Libc.socket(Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.uplink(ipv4(NODE4), ipv6(NODE6)).withFallback(XdpFallback.DROP));
            final byte[] geneve4 = GENEVE_TO_NODE.get("geneve ipv4 to node");
            final byte[] ssh = NOT_FOR_SOCKET.get("tcp ssh ipv4 to node");

            // test runs arrive on rx queue 0: a socket on queue 1 does not catch them
            program.registerSocket(1, xsk);
            assertAction(XdpAction.DROP, program, geneve4, "socket on queue 1 only");

            program.registerSocket(0, xsk);
            GENEVE_TO_NODE.forEach((name, frame) -> assertAction(XdpAction.REDIRECT, program, frame, name));
            assertAction(XdpAction.PASS, program, ssh, "ssh with a socket bound");

            program.unregisterSocket(0);
            program.unregisterSocket(0); // idempotent
            assertAction(XdpAction.DROP, program, geneve4, "socket removed");

            assertCounters(program, Map.of(
                XdpCounter.REDIRECTED, (long)GENEVE_TO_NODE.size(),
                XdpCounter.FALLBACK_DROP, 2L,
                XdpCounter.PASS_OTHER, 1L));

            program.configure(XdpPortConfig.pod());
            program.registerSocket(0, xsk);
            assertAction(XdpAction.REDIRECT, program, NOT_FOR_SOCKET.get("arp request for node"), "pod arp");
            assertEquals(GENEVE_TO_NODE.size() + 1L, program.counter(XdpCounter.REDIRECTED));
        }
        finally
        {
            Libc.close(xsk);
        }
    }

    @Test
    void uplinkHandsNodePortsOfTheNodeToTheSocketAndPassesTheRest()
    {
        final Map<String, String> toSocket = new LinkedHashMap<>();
        toSocket.put("tcp syn to node ipv4 nodePort 30080", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 +
            "')/TCP(sport=40000, dport=30080, flags='S')");
        toSocket.put("udp to node ipv4 first nodePort", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 +
            "')/UDP(sport=40000, dport=30000)/Raw(b'q')");
        toSocket.put("tcp to node ipv6 last nodePort", ETHER + "/IPv6(src='" + PEER6 + "', dst='" + NODE6 +
            "')/TCP(sport=40000, dport=32767, flags='S')");
        toSocket.put("sctp to node ipv4 nodePort", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 +
            "')/SCTP(sport=40000, dport=31000)/SCTPChunkInit()");
        toSocket.put("tcp to node ipv4 nodePort in 802.1Q", ETHER + "/Dot1Q(vlan=100)/IP(src='" + PEER4 +
            "', dst='" + NODE4 + "')/TCP(sport=40000, dport=30080, flags='S')");
        toSocket.put("geneve still", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "')" +
            "/UDP(sport=40000, dport=6081)" + INNER);
        final Map<String, String> toKernel = new LinkedHashMap<>();
        toKernel.put("tcp ssh to node", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 +
            "')/TCP(sport=40000, dport=22, flags='S')");
        toKernel.put("udp to nodePort of another address", ETHER + "/IP(src='" + PEER4 + "', dst='" + OTHER4 +
            "')/UDP(sport=40000, dport=30080)/Raw(b'q')");
        toKernel.put("tcp to nodePort of another ipv6 address", ETHER + "/IPv6(src='" + PEER6 + "', dst='" +
            OTHER6 + "')/TCP(sport=40000, dport=30080, flags='S')");
        toKernel.put("tcp to node one above the range", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 +
            "')/TCP(sport=40000, dport=32768, flags='S')");
        toKernel.put("tcp to node one below the range", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 +
            "')/TCP(sport=40000, dport=29999, flags='S')");
        toKernel.put("icmp to node", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 + "')/ICMP()");
        toKernel.put("fragment of tcp to nodePort", ETHER + "/IP(src='" + PEER4 + "', dst='" + NODE4 +
            "', flags='MF', id=7)/TCP(sport=40000, dport=30080, flags='S')");
        final List<String> expressions = new ArrayList<>(toSocket.values());
        expressions.addAll(toKernel.values());
        final List<byte[]> frames = ExternalTools.scapyFrames(expressions);
        final byte[] nodePortSyn = frames.get(0);
        final byte[] truncatedNodePort = Arrays.copyOf(nodePortSyn, 14 + 20 + 2);

        final int xsk = Libc.socket(Libc.AF_XDP, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.uplink(ipv4(NODE4), ipv6(NODE6)).withNodePorts(30000, 32767));
            program.registerSocket(0, xsk);
            int i = 0;
            for (final String name : toSocket.keySet())
            {
                assertAction(XdpAction.REDIRECT, program, frames.get(i++), name);
            }
            for (final String name : toKernel.keySet())
            {
                assertAction(XdpAction.PASS, program, frames.get(i++), name);
            }
            assertAction(XdpAction.PASS, program, truncatedNodePort, "tcp to nodePort cut inside the ports");
            assertCounters(program, Map.of(
                XdpCounter.REDIRECTED, (long)toSocket.size(),
                XdpCounter.PASS_OTHER, toKernel.size() + 1L,
                XdpCounter.TRUNCATED, 1L));

            // range off (the default): a NodePort SYN is the kernel's, Geneve is still the socket's
            program.configure(XdpPortConfig.uplink(ipv4(NODE4), ipv6(NODE6)));
            assertAction(XdpAction.PASS, program, nodePortSyn, "nodePort syn with the range off");
            assertAction(XdpAction.REDIRECT, program, frames.get(toSocket.size() - 1), "geneve with the range off");
        }
        finally
        {
            Libc.close(xsk);
        }
    }

    @Test
    void registeringSomethingElseThanAnXdpSocketIsRefused()
    {
        final int udp = Libc.socket(2 /* AF_INET */, 2 /* SOCK_DGRAM */ | Libc.SOCK_CLOEXEC, 0);
        try (XdpProgram program = XdpProgram.load())
        {
            final NativeCallException e = assertThrows(NativeCallException.class,
                () -> program.registerSocket(0, udp));
            assertEquals(Errno.EOPNOTSUPP, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("bpf_map_update_elem(sluice_xsks, queue=0"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> program.registerSocket(XdpConfigDescriptor.MAX_QUEUES,
                udp));
        }
        finally
        {
            Libc.close(udp);
        }
    }

    @Test
    void framesShorterThanEthernetAreRefusedByTheKernel()
    {
        try (XdpProgram program = XdpProgram.load())
        {
            program.configure(XdpPortConfig.pod());
            final NativeCallException e = assertThrows(NativeCallException.class,
                () -> program.testRun(new byte[13]));
            assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
            assertEquals(0L, program.counter(XdpCounter.FALLBACK_DROP));
        }
    }

    private static Map<String, byte[]> allFrames()
    {
        final Map<String, byte[]> all = new LinkedHashMap<>(GENEVE_TO_NODE);
        all.putAll(NOT_FOR_SOCKET);
        all.putAll(TRUNCATED);
        return all;
    }

    private static void assertAction(final int expected, final XdpProgram program, final byte[] frame,
        final String name)
    {
        final int actual = program.testRun(frame);
        assertEquals(XdpAction.name(expected), XdpAction.name(actual), name + " (" + frame.length + " bytes)");
    }

    private static void assertCounters(final XdpProgram program, final Map<XdpCounter, Long> expectedNonZero)
    {
        final Map<XdpCounter, Long> expected = new EnumMap<>(XdpCounter.class);
        final Map<XdpCounter, Long> actual = new EnumMap<>(XdpCounter.class);
        for (final XdpCounter counter : XdpCounter.values())
        {
            expected.put(counter, expectedNonZero.getOrDefault(counter, 0L));
            actual.put(counter, program.counter(counter));
        }
        assertEquals(expected, actual);
    }

    static Inet4Address ipv4(final String address)
    {
        return (Inet4Address)parse(address);
    }

    static Inet6Address ipv6(final String address)
    {
        return (Inet6Address)parse(address);
    }

    private static InetAddress parse(final String literal)
    {
        return InetAddress.ofLiteral(literal);
    }
}
