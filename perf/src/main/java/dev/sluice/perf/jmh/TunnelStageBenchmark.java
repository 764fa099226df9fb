package dev.sluice.perf.jmh;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.tunnel.DecapStage;
import dev.sluice.fastpath.tunnel.EncapStage;
import dev.sluice.fastpath.tunnel.NextHopResolver;
import dev.sluice.fastpath.tunnel.TunnelConfig;
import dev.sluice.fastpath.tunnel.TunnelTemplates;
import dev.sluice.geneve.GeneveEncap;
import dev.sluice.geneve.GeneveOutcome;
import dev.sluice.geneve.TunnelPeerTable;
import dev.sluice.wire.Addresses;
import dev.sluice.wire.Checksums;
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
 * The tunnel stages over a vector of 64 packets in UMEM-like 2 KiB slots (256 bytes of headroom), ns/packet:
 * <ul>
 *   <li>{@code decapParse}: 64 Geneve frames from the uplink (identity option, inner 64-byte IPv4/TCP frame,
 *       checksums verified) through {@link DecapStage} then {@link ParseStage}, as the pipeline runs them;</li>
 *   <li>{@code parseOnly}: the same inner frames through {@link ParseStage} alone, to tell decap's share;</li>
 *   <li>{@code encap}: 64 parsed inner frames marked "to the tunnel, look the peer up" through
 *       {@link EncapStage} (peer lookup by pod CIDR, MTU check, flow hash, template copy and patch).</li>
 * </ul>
 * Vector refill ({@code reset} + {@code add}) is inside the measurement, as in a worker's duty cycle.
 *
 * <pre>
 * java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -jar perf/target/benchmarks.jar TunnelStage \
 *     -f 1 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TunnelStageBenchmark
{
    private static final int VECTOR = 64;
    private static final int SLOT = 2048;
    private static final int HEADROOM = 256;
    private static final int INNER_LENGTH = 64;
    private static final int UPLINK = 0;
    private static final int POD = 1;

    @Param({"ipv4", "ipv6"})
    public String underlay;

    private final int[] outerOffsets = new int[VECTOR];
    private final int[] outerLengths = new int[VECTOR];
    private UnsafeBuffer rxUmem;
    private UnsafeBuffer innerUmem;
    private UnsafeBuffer txUmem;
    private PacketVector rx;
    private PacketVector inner;
    private PacketVector tx;
    private DecapStage decap;
    private ParseStage parse;
    private EncapStage encap;

    @Setup(Level.Trial)
    public void setUp()
    {
        final boolean ipv6 = "ipv6".equals(underlay);
        final TunnelPeerTable peers = new TunnelPeerTable(List.of(
            new TunnelPeerTable.Node("node-a", "198.19.0.1", List.of("198.18.0.0/24"), "02:00:00:00:00:0a"),
            new TunnelPeerTable.Node("node-a6", "2001:2:0:ff::1", List.of(), "02:00:00:00:00:0a"),
            new TunnelPeerTable.Node("node-b", ipv6 ? "2001:2:0:ff::2" : "198.19.0.2", List.of("198.18.1.0/24"),
                "02:00:00:00:00:0b")));
        final TunnelConfig config = new TunnelConfig.Builder().uplinkPort(UPLINK).localMac("02:00:00:00:00:0a")
            .localIpv4("198.19.0.1").localIpv6("2001:2:0:ff::1").underlayMtu(1500).vni(42).build();
        final TunnelTemplates templates = TunnelTemplates.build(config, peers, NextHopResolver.FROM_PEER_TABLE, 1);
        final Counters drops = new Counters(DropReason.MAX_CODES);
        decap = new DecapStage(UPLINK, peers, drops);
        parse = new ParseStage(SLOT - HEADROOM, drops);
        encap = new EncapStage(templates, SLOT, 0, drops);

        rxUmem = new UnsafeBuffer(BufferUtil.allocateDirectAligned(VECTOR * SLOT, 4096));
        innerUmem = new UnsafeBuffer(BufferUtil.allocateDirectAligned(VECTOR * SLOT, 4096));
        txUmem = new UnsafeBuffer(BufferUtil.allocateDirectAligned(VECTOR * SLOT, 4096));
        rx = new PacketVector(VECTOR);
        inner = new PacketVector(VECTOR);
        tx = new PacketVector(VECTOR);

        // The received frames are built with the template towards node-b, so their outer source is node-a's
        // address, which the table knows as a peer: decap accepts them (the destination address is not checked).
        final GeneveEncap codec = new GeneveEncap();
        for (int i = 0; i < VECTOR; i++)
        {
            final int offset = i * SLOT + HEADROOM;
            writeInnerFrame(innerUmem, offset, i);
            writeInnerFrame(txUmem, offset, i);
            rxUmem.putBytes(offset, innerUmem, offset, INNER_LENGTH);
            if (codec.encap(rxUmem, offset, INNER_LENGTH, HEADROOM, templates.template(2), i * 0x9E37_79B9, 1000 + i) !=
                GeneveOutcome.OK)
            {
                throw new IllegalStateException("encap failed in setup");
            }
            outerOffsets[i] = codec.frameOffset();
            outerLengths[i] = codec.frameLength();
        }
        if (decapParse() != VECTOR * VECTOR)
        {
            throw new IllegalStateException("decap dropped packets in setup");
        }
        tx.reset(txUmem);
        for (int i = 0; i < VECTOR; i++)
        {
            tx.add(i, i * SLOT + HEADROOM, INNER_LENGTH, POD, i);
        }
        parse.process(tx);
        if (encap() != VECTOR * VECTOR)
        {
            throw new IllegalStateException("encap dropped packets in setup");
        }
    }

    /** Ethernet / IPv4 198.18.0.7 -> 198.18.1.x / TCP, 64 bytes, valid IPv4 header checksum. */
    private static void writeInnerFrame(final UnsafeBuffer buffer, final int offset, final int i)
    {
        buffer.setMemory(offset, INNER_LENGTH, (byte)0);
        buffer.putLong(offset, 0x0200_0000_0107_0200L, BIG_ENDIAN);
        buffer.putInt(offset + 8, 0x0000_0007, BIG_ENDIAN);
        buffer.putShort(offset + 12, (short)0x0800, BIG_ENDIAN);
        final int ip = offset + 14;
        buffer.putInt(ip, 0x4500_0000 | (INNER_LENGTH - 14), BIG_ENDIAN);
        buffer.putInt(ip + 4, 0x0000_4000, BIG_ENDIAN);
        buffer.putInt(ip + 8, 0x4006_0000, BIG_ENDIAN);
        buffer.putInt(ip + 12, Addresses.parseIpv4("198.18.0.7"), BIG_ENDIAN);
        buffer.putInt(ip + 16, Addresses.parseIpv4("198.18.1.0") | (i + 1), BIG_ENDIAN);
        buffer.putShort(ip + 10, (short)Checksums.ipv4HeaderChecksum(buffer, ip, 20), BIG_ENDIAN);
        final int tcp = ip + 20;
        buffer.putInt(tcp, (40000 + i) << 16 | 8080, BIG_ENDIAN);
        buffer.putByte(tcp + 12, (byte)0x50);
        buffer.putByte(tcp + 13, (byte)0x10);
    }

    /** Decap then parse 64 Geneve frames (decap only reads the frames, so the same bytes serve every call). */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int decapParse()
    {
        final PacketVector v = rx.reset(rxUmem);
        for (int i = 0; i < VECTOR; i++)
        {
            v.add(i, outerOffsets[i], outerLengths[i], UPLINK, i);
        }
        decap.process(v);
        parse.process(v);
        return v.aliveCount() * VECTOR + v.sourceIdentity[VECTOR - 1] - (1000 + VECTOR - 1);
    }

    /** Parse alone over the same inner frames (the share of decapParse that is not decap). */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int parseOnly()
    {
        final PacketVector v = inner.reset(innerUmem);
        for (int i = 0; i < VECTOR; i++)
        {
            v.add(i, i * SLOT + HEADROOM, INNER_LENGTH, POD, i);
        }
        parse.process(v);
        return v.aliveCount();
    }

    /**
     * Encapsulate 64 parsed frames (the parse columns stay from setup: {@code add} does not clear them; encap
     * writes only the headroom, so the inner frames stay intact).
     */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int encap()
    {
        final PacketVector v = tx.reset(txUmem);
        for (int i = 0; i < VECTOR; i++)
        {
            v.add(i, i * SLOT + HEADROOM, INNER_LENGTH, POD, i);
            v.tunnelPeer[i] = PacketVector.TUNNEL_PEER_LOOKUP;
        }
        encap.process(v);
        return v.aliveCount() * VECTOR + v.length[0] - v.length[VECTOR - 1];
    }
}
