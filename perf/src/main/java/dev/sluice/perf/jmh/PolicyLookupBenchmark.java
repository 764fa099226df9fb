package dev.sluice.perf.jmh;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.sluice.control.compile.PolicyCompiler;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.PodInfo;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.perf.policy.SyntheticPolicyCluster;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Policy lookups per packet on node-0 of the {@link SyntheticPolicyCluster} (10k pods, 1k policies, 100 nodes):
 * a vector of 64 packets from a random local pod to a random destination (7 in 8 a pod anywhere in the cluster,
 * 1 in 8 an outside address, some inside the policies' ipBlocks), random ports among the ones the policies name.
 * Each packet pays what the policy stage will: two ipcache lookups (source and destination identity), the egress
 * check at the source endpoint and the ingress check at a local destination endpoint. Reported per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PolicyLookupBenchmark
{
    private static final int VECTOR = 64;
    private static final int PACKETS = 1 << 14;

    private PolicySnapshot snapshot;
    private long[] srcHi;
    private long[] srcLo;
    private long[] dstHi;
    private long[] dstLo;
    private int[] srcEndpoint;
    private int[] localDstEndpoint;
    private int[] protocol;
    private int[] port;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp()
    {
        final ClusterState state = SyntheticPolicyCluster.state(100, 100, 10_000, 1_000);
        snapshot = new PolicyCompiler().compile(state, "node-0", 1);
        final List<PodInfo> all = new ArrayList<>(state.pods().values());
        final List<PodInfo> local = all.stream().filter(p -> "node-0".equals(p.nodeName())).toList();
        final Random random = new Random(42);
        srcHi = new long[PACKETS];
        srcLo = new long[PACKETS];
        dstHi = new long[PACKETS];
        dstLo = new long[PACKETS];
        srcEndpoint = new int[PACKETS];
        localDstEndpoint = new int[PACKETS];
        protocol = new int[PACKETS];
        port = new int[PACKETS];
        final int[] ports = { 80, 8080, 443, 9000, 9050, 53, 22 };
        for (int i = 0; i < PACKETS; i++)
        {
            final long[] s = PolicyCompiler.key(local.get(random.nextInt(local.size())).primaryIp());
            final InetAddress dst = random.nextInt(8) == 0
                ? InetAddress.ofLiteral("198.19." + (128 + random.nextInt(128)) + "." + random.nextInt(256))
                : all.get(random.nextInt(all.size())).primaryIp();
            final long[] d = PolicyCompiler.key(dst);
            srcHi[i] = s[0];
            srcLo[i] = s[1];
            dstHi[i] = d[0];
            dstLo[i] = d[1];
            srcEndpoint[i] = snapshot.endpointOf(s[0], s[1]);
            localDstEndpoint[i] = random.nextInt(local.size());
            port[i] = ports[random.nextInt(ports.length)];
            protocol[i] = port[i] == 53 ? IpProtocol.UDP : IpProtocol.TCP;
        }
    }

    /** @return a checksum of the verdicts, so nothing is optimised away. */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int ipcacheEgressIngress()
    {
        final PolicySnapshot snap = snapshot;
        int sum = 0;
        int i = cursor;
        for (int n = 0; n < VECTOR; n++)
        {
            final int dstIdentity = snap.identityOf(dstHi[i], dstLo[i]);
            final int srcIdentity = snap.identityOf(srcHi[i], srcLo[i]);
            sum += snap.checkEgress(srcEndpoint[i], dstIdentity, dstHi[i], dstLo[i], protocol[i], port[i]);
            sum += snap.checkIngress(localDstEndpoint[i], srcIdentity, srcHi[i], srcLo[i], protocol[i], port[i]);
            i = (i + 1) & (PACKETS - 1);
        }
        cursor = i;
        return sum;
    }

    /** @return the identity checksum: the ipcache lookup of the destination alone. */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int ipcacheOnly()
    {
        final PolicySnapshot snap = snapshot;
        int sum = 0;
        int i = cursor;
        for (int n = 0; n < VECTOR; n++)
        {
            sum += snap.identityOf(dstHi[i], dstLo[i]);
            i = (i + 1) & (PACKETS - 1);
        }
        cursor = i;
        return sum;
    }
}
