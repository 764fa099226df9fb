package dev.sluice.perf.jmh;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateLoader;
import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.conntrack.ConntrackTimeouts;
import dev.sluice.fastpath.conntrack.TcpState;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.pipeline.NodePipeline;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.service.ServiceTableBuilder;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.table.LocalEndpoints;
import dev.sluice.fastpath.table.NodeTables;
import dev.sluice.perf.policy.SyntheticPolicyCluster;
import dev.sluice.wire.Checksums;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The whole {@link NodePipeline} (decap, parse, endpoint, service, conntrack, policy, forward, encap) at cluster
 * scale, 64-packet vectors, reported per packet:
 * <ul>
 *   <li>state: the {@link SyntheticPolicyCluster} with 10k pods on 7 nodes and 1k policies, compiled for node-0
 *       (1429 local endpoints); {@code services} ClusterIP services (10k by default; 100 and 1000 show how the cost
 *       grows with their number) in 198.19.0.0/18 with 10 backends each among node-0's pods
 *       (Maglev M=1021); conntrack sized for and pre-filled with 1M established flows (2^21 slots, 256 MiB);</li>
 *   <li>{@code established}: ACKs of {@code flows} allowed connections, both directions: half from clients
 *       outside the pod network (in the policies' ingress ipBlocks, arriving on the host port) to a service (DNAT
 *       to a local pod on the way in, reverse NAT on replies, the pre-NAT entry kept fresh), half from a local pod
 *       to an address in the policies' egress ipBlocks (out of the host port). Pod-to-pod connections are not in
 *       the mix because the synthetic policies deny nearly all of them (egress peers are same-namespace pods with
 *       labels that the ingress rules never admit);</li>
 *   <li>{@code newFlows}: SYNs of the same connections with a fresh source port each, so every packet
 *       creates its flow (and, for services, its pre-NAT entry), chooses a backend and is judged by policy (egress and
 *       ingress) with an allow event on the verdict ring. SYN entries time out after 1 s of the benchmark's clock
 *       (1 ms a vector) and the expiry sweep runs after every vector, as in the worker's duty cycle.</li>
 * </ul>
 * Each invocation first copies the 64 frames into their slots (54-byte frames; included in the numbers). Traffic
 * is node-local (no tunnel): encap/decap costs are in {@link TunnelStageBenchmark}. On a shared machine,
 * {@link PipelineCpuTimeMain} times the same operations by the thread's CPU time (see perf/README.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PipelineBenchmark
{
    private static final int VECTOR = 64;
    private static final int SLOT = 4096;
    private static final int HEADROOM = 256;
    private static final int FRAME = 54;
    private static final int BACKENDS = 10;
    private static final long SECOND = 1_000_000_000L;
    /** 7 nodes: node-0's pods then cover every app label and namespace of the synthetic cluster. */
    private static final int NODES = 7;
    private static final int HOST_PORT = 1;

    @Param({ "1000000" })
    public int liveEntries;

    @Param({ "8192" })
    public int flows;

    /** ClusterIP services (10 backends each): the cost should not grow with their number. */
    @Param({ "10000" })
    public int services;

    private NodePipeline pipeline;
    private ConntrackTable conntrack;
    private UnsafeBuffer slots;
    private PacketVector vector;
    private UnsafeBuffer established;
    private int[] establishedPorts;
    private int establishedCount;
    private UnsafeBuffer syns;
    private int[] synPorts;
    private int synCount;
    private int cursor;
    private int sourcePort = 1024;
    private long nowNs = 10 * SECOND;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        final ClusterState state = new ClusterStateLoader().parse(
            SyntheticPolicyCluster.yaml(NODES, 100, 10_000, 1_000), "synthetic");
        final PolicySnapshot policy = new PolicyCompiler().compile(state, "node-0", 1);
        final int endpoints = policy.endpointCount();
        final int[] ports = new int[endpoints];
        final long[] macs = new long[endpoints];
        for (int e = 0; e < endpoints; e++)
        {
            ports[e] = e + 2;
            macs[e] = 0x0200_0000_0000L | (e + 1);
        }
        // node-0's pods are pod-0, pod-7, ... at 198.18.0.0 + p + 1.
        final int[] local = new int[endpoints];
        for (int k = 0; k < endpoints; k++)
        {
            local[k] = 0xC612_0000 + k * NODES + 1;
        }
        // Local pods by namespace (pod p is in ns-(p % 100)).
        final List<List<Integer>> byNamespace = new ArrayList<>();
        for (int n = 0; n < 100; n++)
        {
            byNamespace.add(new ArrayList<>());
        }
        for (int k = 0; k < endpoints; k++)
        {
            byNamespace.get(k * NODES % 100).add(local[k]);
        }
        final Random random = new Random(42);
        final ServiceTableBuilder serviceTable = new ServiceTableBuilder(1021);
        for (int s = 0; s < services; s++)
        {
            // A service's backends share its namespace (s % 100), so one client ipBlock admits them all.
            final List<Integer> pods = byNamespace.get(s % 100);
            final int group = serviceTable.addGroup();
            for (int b = 0; b < BACKENDS; b++)
            {
                serviceTable.addEndpoint(group, 0, PacketVector.ipv4Mapped(pods.get(random.nextInt(pods.size()))), 80,
                    true, true, false, true);
            }
            serviceTable.addFrontend(s + 1, ServiceTable.KIND_CLUSTER_IP, IpProtocol.TCP, 0,
                PacketVector.ipv4Mapped(frontend(s)), 80, 0, 0, group);
        }
        final NodeTables tables = new NodeTables(1, policy, serviceTable.build(), null, new LocalEndpoints(ports, macs));

        final ConntrackTimeouts d = ConntrackTimeouts.DEFAULTS;
        final ConntrackTimeouts timeouts = new ConntrackTimeouts(SECOND, 1_000_000 * SECOND, SECOND,
            d.tcpFinNs(), d.tcpTimeWaitNs(), d.tcpClosedNs(), d.udpNs(), d.udpAssuredNs(), d.icmpEchoNs());
        conntrack = new ConntrackTable(ConntrackConfig.forEntries(liveEntries).withTimeouts(timeouts));
        for (int i = 0; i < liveEntries; i++)
        {
            // Established IPv6 flows that share nothing with the measured traffic.
            final long client = 0x0001_0000_0000L + i;
            conntrack.trackTcp(0x2001_0002_0000_0000L, client, 0x2001_0002_0000_0000L, 1, 40000, 443,
                TcpState.TCP_SYN, 60, nowNs);
            conntrack.trackTcp(0x2001_0002_0000_0000L, 1, 0x2001_0002_0000_0000L, client, 443, 40000,
                TcpState.TCP_SYN | TcpState.TCP_ACK, 60, nowNs);
            conntrack.trackTcp(0x2001_0002_0000_0000L, client, 0x2001_0002_0000_0000L, 1, 40000, 443,
                TcpState.TCP_ACK, 60, nowNs);
        }
        pipeline = new NodePipeline(tables, conntrack, new VerdictEvents(1 << 16),
            NodePipeline.Config.of(0, 0x0200_0000_FFFEL).withHostPort(HOST_PORT).withFrames(SLOT, HEADROOM));
        slots = new UnsafeBuffer(ByteBuffer.allocateDirect(VECTOR * SLOT));
        vector = new PacketVector(VECTOR);

        // Candidate connections. The synthetic policies isolate every pod both ways and allow pod-to-pod traffic
        // almost never, but allow ingress from ipBlocks in 198.19.128.0/18 and egress to 198.19.192.0/18: so half
        // the connections come from such clients (through the host port) to a service, DNAT'ed to a pod, and half
        // go from a pod to such an address (out of the host port). Keep those policy allows.
        final List<int[]> allowed = new ArrayList<>();
        final UnsafeBuffer one = new UnsafeBuffer(ByteBuffer.allocateDirect(FRAME));
        int sport = 0;
        int attempts = 0;
        while (allowed.size() < flows)
        {
            if (++attempts > 1000 * flows)
            {
                throw new IllegalStateException("policy allows only " + allowed.size() + " of " + attempts +
                    " candidate connections; drops:" + drops());
            }
            final boolean viaService = allowed.size() % 2 == 0;
            final int service = random.nextInt(services);
            final int namespace = service % 100;
            // ns-n's pods admit 198.19.(128 + n % 64).0/24 but its .n (policy pol-n's ipBlock and its hole).
            final int client = 0xC613_0000 | (128 + namespace % 64) << 8 | 101 + random.nextInt(150);
            final int src = viaService ? client : local[random.nextInt(endpoints)];
            final int dst = viaService ? frontend(service) :
                0xC613_0000 | 192 + random.nextInt(64) << 8 | 1 + random.nextInt(250);
            final int port = 1024 + sport++ % 64000;
            writeTcp(one, 0, src, dst, port, 80, TcpState.TCP_SYN);
            final int ingress = viaService ? HOST_PORT : policy.endpointOf(0, PacketVector.ipv4Mapped(src)) + 2;
            if (runOne(one, ingress))
            {
                // The backend the pipeline chose (for the reply), from the DNAT'ed destination.
                allowed.add(new int[] { src, dst, port, (int)vector.dstLo[0], ingress, vector.egressPort[0] });
            }
        }
        established = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * flows * FRAME));
        establishedPorts = new int[2 * flows];
        syns = new UnsafeBuffer(ByteBuffer.allocateDirect(flows * FRAME));
        synPorts = new int[flows];
        for (int f = 0; f < flows; f++)
        {
            final int[] c = allowed.get(f);
            // Complete the handshake so the flows are established.
            writeTcp(one, 0, c[3], c[0], 80, c[2], TcpState.TCP_SYN | TcpState.TCP_ACK);
            runOne(one, c[5]);
            writeTcp(one, 0, c[0], c[1], c[2], 80, TcpState.TCP_ACK);
            runOne(one, c[4]);
            writeTcp(established, 2 * f * FRAME, c[0], c[1], c[2], 80, TcpState.TCP_ACK);
            establishedPorts[2 * f] = c[4];
            writeTcp(established, (2 * f + 1) * FRAME, c[3], c[0], 80, c[2], TcpState.TCP_ACK);
            establishedPorts[2 * f + 1] = c[5];
            writeTcp(syns, f * FRAME, c[0], c[1], 1, 80, TcpState.TCP_SYN);
            synPorts[f] = c[4];
        }
        establishedCount = 2 * flows;
        synCount = flows;
        pipeline.drops().count();
    }

    private static int frontend(final int service)
    {
        return 0xC613_0000 + service + 1;
    }

    private boolean runOne(final UnsafeBuffer frame, final int ingressPort)
    {
        slots.putBytes(HEADROOM, frame, 0, FRAME);
        vector.reset(slots);
        vector.add(0, HEADROOM, FRAME, ingressPort, 0);
        pipeline.process(vector, nowNs);
        return !vector.isDropped(0);
    }

    private static void writeTcp(final UnsafeBuffer b, final int at, final int src, final int dst, final int sport,
        final int dport, final int flags)
    {
        b.putLong(at, 0x0200_0000_0001_0200L, BIG_ENDIAN);
        b.putInt(at + 8, 0x0000_FFFE, BIG_ENDIAN);
        b.putShort(at + 12, (short)0x0800, BIG_ENDIAN);
        final int l3 = at + 14;
        b.putInt(l3, 0x4500_0028, BIG_ENDIAN);
        b.putInt(l3 + 4, 0x0001_4000, BIG_ENDIAN);
        b.putInt(l3 + 8, 0x4006_0000, BIG_ENDIAN);
        b.putInt(l3 + 12, src, BIG_ENDIAN);
        b.putInt(l3 + 16, dst, BIG_ENDIAN);
        b.putShort(l3 + 10, (short)Checksums.ipv4HeaderChecksum(b, l3, 20), BIG_ENDIAN);
        final int l4 = l3 + 20;
        b.putShort(l4, (short)sport, BIG_ENDIAN);
        b.putShort(l4 + 2, (short)dport, BIG_ENDIAN);
        b.putInt(l4 + 4, 1000, BIG_ENDIAN);
        b.putInt(l4 + 8, (flags & TcpState.TCP_ACK) != 0 ? 2000 : 0, BIG_ENDIAN);
        b.putShort(l4 + 12, (short)(0x5000 | flags), BIG_ENDIAN);
        b.putShort(l4 + 14, (short)65535, BIG_ENDIAN);
        b.putInt(l4 + 16, 0);
    }

    /** One vector of established packets (both directions, half through services). */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int established()
    {
        final PacketVector v = vector.reset(slots);
        int c = cursor;
        for (int i = 0; i < VECTOR; i++)
        {
            final int offset = i * SLOT + HEADROOM;
            slots.putBytes(offset, established, c * FRAME, FRAME);
            v.add(i, offset, FRAME, establishedPorts[c], i);
            c = c + 1 == establishedCount ? 0 : c + 1;
        }
        cursor = c;
        nowNs += 1000;
        pipeline.process(v, nowNs);
        return v.egressPort[VECTOR - 1];
    }

    /** One vector of new connections (SYNs with fresh source ports), then the duty cycle's expiry slice. */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int newFlows()
    {
        final PacketVector v = vector.reset(slots);
        int c = cursor;
        int sport = sourcePort;
        for (int i = 0; i < VECTOR; i++)
        {
            final int offset = i * SLOT + HEADROOM;
            slots.putBytes(offset, syns, (c % synCount) * FRAME, FRAME);
            sport = sport == 65535 ? 1024 : sport + 1;
            slots.putShort(offset + 34, (short)sport, BIG_ENDIAN);
            v.add(i, offset, FRAME, synPorts[c % synCount], i);
            c = c + 1 == synCount ? 0 : c + 1;
        }
        cursor = c;
        sourcePort = sport;
        nowNs += 1_000_000;
        pipeline.process(v, nowNs);
        pipeline.expire(nowNs, 2048);
        return v.egressPort[VECTOR - 1];
    }

    private String drops()
    {
        final StringBuilder drops = new StringBuilder();
        for (final DropReason reason : DropReason.values())
        {
            final long n = pipeline.drops().getAcquire(reason.code());
            if (n != 0)
            {
                drops.append(' ').append(reason.name()).append('=').append(n);
            }
        }
        return drops.length() == 0 ? " none" : drops.toString();
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        System.out.printf("%nconntrack entries %d, drops:%s%n%s", conntrack.size(), drops(),
            pipeline.pipeline().formatRuntime());
        conntrack.close();
    }
}
