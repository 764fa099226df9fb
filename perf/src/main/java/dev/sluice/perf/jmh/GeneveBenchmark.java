package dev.sluice.perf.jmh;

import dev.sluice.wire.Addresses;
import dev.sluice.geneve.GeneveDecap;
import dev.sluice.geneve.GeneveEncap;
import dev.sluice.geneve.GeneveOutcome;
import dev.sluice.geneve.OuterHeaderTemplate;
import dev.sluice.geneve.TunnelPeerTable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Geneve encap and decap cost per packet over a vector of 64 frames, each in its own 2 KiB slot of one direct
 * buffer (the UMEM layout) with 256 bytes of headroom. The score is ns/packet ({@code OperationsPerInvocation(64)}).
 * IPv4 underlay: UDP checksum 0, so neither side touches the payload; IPv6 underlay: encap computes and decap
 * verifies the UDP checksum over the whole payload, so its cost grows with {@code innerLength}.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar perf/target/benchmarks.jar Geneve \
 *     -f 1 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GeneveBenchmark
{
    private static final int VECTOR = 64;
    private static final int SLOT = 2048;
    private static final int HEADROOM = 256;

    @Param({"ipv4", "ipv6"})
    public String underlay;

    @Param({"64", "1400"})
    public int innerLength;

    private final int[] flowHashes = new int[VECTOR];
    private final int[] encappedOffsets = new int[VECTOR];
    private final int[] encappedLengths = new int[VECTOR];
    private UnsafeBuffer umem;
    private UnsafeBuffer rxUmem;
    private OuterHeaderTemplate template;
    private GeneveEncap encap;
    private GeneveDecap decap;

    @Setup(Level.Trial)
    public void setUp()
    {
        final boolean ipv6 = "ipv6".equals(underlay);
        final String local = ipv6 ? "2001:2:0:ff::1" : "198.19.0.1";
        final TunnelPeerTable senderView = new TunnelPeerTable(List.of(
            new TunnelPeerTable.Node("node-b", ipv6 ? "2001:2:0:ff::2" : "198.19.0.2",
                List.of("198.18.1.0/24"), "02:00:00:00:00:0b")));
        final TunnelPeerTable receiverView = new TunnelPeerTable(List.of(
            new TunnelPeerTable.Node("node-a", local, List.of("198.18.0.0/24"), "02:00:00:00:00:0a")));
        final OuterHeaderTemplate.Builder builder = new OuterHeaderTemplate.Builder()
            .localMac(Addresses.parseMac("02:00:00:00:00:0a"))
            .peer(senderView, 0)
            .vni(42);
        if (ipv6)
        {
            builder.localIpv6(Addresses.parseIpv6Hi(local), Addresses.parseIpv6Lo(local));
        }
        else
        {
            builder.localIpv4(Addresses.parseIpv4(local));
        }
        template = builder.build();
        encap = new GeneveEncap();
        decap = new GeneveDecap(receiverView);

        umem = new UnsafeBuffer(BufferUtil.allocateDirectAligned(VECTOR * SLOT, 64));
        rxUmem = new UnsafeBuffer(BufferUtil.allocateDirectAligned(VECTOR * SLOT, 64));
        for (int i = 0; i < VECTOR; i++)
        {
            final int offset = i * SLOT + HEADROOM;
            for (int b = 0; b < innerLength; b++)
            {
                umem.putByte(offset + b, (byte)(i * 31 + b));
            }
            flowHashes[i] = i * 0x9E37_79B9;
            if (encap.encap(umem, offset, innerLength, HEADROOM, template, flowHashes[i], 1000 + i) != GeneveOutcome.OK)
            {
                throw new IllegalStateException("encap failed in setup");
            }
            rxUmem.putBytes(encap.frameOffset(), umem, encap.frameOffset(), encap.frameLength());
            encappedOffsets[i] = encap.frameOffset();
            encappedLengths[i] = encap.frameLength();
            if (decap.decap(rxUmem, encappedOffsets[i], encappedLengths[i]) != GeneveOutcome.OK)
            {
                throw new IllegalStateException("decap failed in setup");
            }
        }
    }

    /** Encapsulates 64 inner frames in place (the outer headers overwrite the same headroom each time). */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int encap()
    {
        int acc = 0;
        for (int i = 0; i < VECTOR; i++)
        {
            acc += encap.encap(umem, i * SLOT + HEADROOM, innerLength, HEADROOM, template, flowHashes[i], 1000 + i);
            acc += encap.frameLength();
        }
        return acc;
    }

    /** Validates and strips 64 encapsulated frames (decap only reads, so the vector is reused unchanged). */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int decap()
    {
        int acc = 0;
        for (int i = 0; i < VECTOR; i++)
        {
            acc += decap.decap(rxUmem, encappedOffsets[i], encappedLengths[i]);
            acc += decap.innerOffset() + decap.sourceIdentity() + decap.vni();
        }
        return acc;
    }
}
