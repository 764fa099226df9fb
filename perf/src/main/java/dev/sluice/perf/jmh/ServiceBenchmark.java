package dev.sluice.perf.jmh;

import static java.nio.ByteOrder.BIG_ENDIAN;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.service.NatRewriter;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.service.ServiceTableBuilder;
import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.wire.Checksums;
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
 * Service NAT per packet: frontend lookup, flow hash, Maglev backend choice and the DNAT rewrite (IPv4 TCP,
 * incremental IP and TCP checksums), over vectors of 64 parsed packets, at 100, 1k and 10k ClusterIP services of
 * 10 backends each, with Maglev M = 16381 (the default: 327 MB of tables at 10k services) and M = 1021. The flows
 * (4096: 64 vectors of 64, each packet to a random service from a random client port) cycle, so the working set is
 * the tables' lines for those flows: at 10k services with M = 16381 every Maglev read is a cache and TLB miss.
 * After each packet's DNAT the benchmark puts back the four rewritten header fields (a few stores) so the next
 * round sees the original packet; that restore is included in the figure.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED"})
public class ServiceBenchmark
{
    private static final int VECTOR = 64;
    private static final int VECTORS = 64;
    private static final int FRAME = 128;
    private static final int BACKENDS = 10;

    @Param({"100", "1000", "10000"})
    public int services;

    /** Maglev M: the default, and a small table (about 100 x the backend count) that keeps the tables cache-sized. */
    @Param({"16381", "1021"})
    public int maglevSize;

    private ServiceTable table;
    private final NatRewriter nat = new NatRewriter(1500);
    private final PacketVector[] vectors = new PacketVector[VECTORS];
    private final int[][] savedChecksums = new int[VECTORS][VECTOR * 2];
    private int next;

    @Setup(Level.Trial)
    public void setUp()
    {
        final ServiceTableBuilder b = new ServiceTableBuilder(maglevSize);
        for (int s = 0; s < services; s++)
        {
            final int g = b.addGroup();
            for (int k = 0; k < BACKENDS; k++)
            {
                // 198.18.0.0/15 holds all 100k backends of the largest case
                b.addEndpoint(g, 0, PacketVector.ipv4Mapped(0xC612_0000 + s * BACKENDS + k), 8080, true, true, false,
                    false);
            }
            b.addFrontend(s + 1, ServiceTable.KIND_CLUSTER_IP, IpProtocol.TCP, 0, frontend(s), 80, 0, 0, g);
        }
        table = b.build();

        final UnsafeBuffer frames = new UnsafeBuffer(ByteBuffer.allocateDirect(VECTORS * VECTOR * FRAME));
        final ParseStage parse = new ParseStage(FRAME, new Counters(DropReason.MAX_CODES));
        final SplittableRandom r = new SplittableRandom(42);
        for (int v = 0; v < VECTORS; v++)
        {
            vectors[v] = new PacketVector(VECTOR).reset(frames);
            for (int i = 0; i < VECTOR; i++)
            {
                final int offset = (v * VECTOR + i) * FRAME;
                final int length = writeTcpSyn(frames, offset, 0xC612_0100 + r.nextInt(200),
                    (int)frontend(r.nextInt(services)), 1024 + r.nextInt(60_000));
                vectors[v].add(v * VECTOR + i, offset, length, 0, i);
            }
            parse.process(vectors[v]);
            for (int i = 0; i < VECTOR; i++)
            {
                if (vectors[v].dropReason[i] != 0)
                {
                    throw new IllegalStateException("benchmark packet did not parse: " + vectors[v].dropReason[i]);
                }
            }
        }
    }

    private static long frontend(final int service)
    {
        return PacketVector.ipv4Mapped(0xC613_8000 + service);
    }

    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public int lookupSelectDnat()
    {
        final PacketVector v = vectors[next];
        final int[] saved = savedChecksums[next];
        next = (next + 1) & (VECTORS - 1);
        final UnsafeBuffer buffer = (UnsafeBuffer)v.buffer();
        int work = 0;
        for (int i = 0; i < VECTOR; i++)
        {
            final long dstHi = v.dstHi[i];
            final long dstLo = v.dstLo[i];
            final int dstPort = v.dstPort[i];
            final int f = table.lookup(v.protocol[i], dstHi, dstLo, dstPort);
            final long hash = ServiceTable.flowHash(v.protocol[i], v.srcHi[i], v.srcLo[i], v.srcPort[i], dstHi, dstLo,
                dstPort);
            final int backend = table.selectBackend(f, hash, false);
            final int l3 = v.offset[i] + v.l3Offset[i];
            final int l4 = v.offset[i] + v.l4Offset[i];
            saved[2 * i] = buffer.getShort(l3 + 10, BIG_ENDIAN);
            saved[2 * i + 1] = buffer.getShort(l4 + 16, BIG_ENDIAN);
            work += nat.dnat(v, i, table.backendHi(backend), table.backendLo(backend), table.backendPort(backend));
            // Put the packet back as it was (header fields and columns) for the next round.
            buffer.putShort(l3 + 10, (short)saved[2 * i], BIG_ENDIAN);
            buffer.putShort(l4 + 16, (short)saved[2 * i + 1], BIG_ENDIAN);
            buffer.putInt(l3 + 16, (int)dstLo, BIG_ENDIAN);
            buffer.putShort(l4 + 2, (short)dstPort, BIG_ENDIAN);
            v.dstLo[i] = dstLo;
            v.dstPort[i] = dstPort;
            work += backend;
        }
        return work;
    }

    /** An Ethernet/IPv4/TCP SYN with correct checksums; returns its length. */
    private static int writeTcpSyn(final UnsafeBuffer b, final int at, final int src, final int dst, final int sport)
    {
        b.setMemory(at, FRAME, (byte)0);
        b.putShort(at + 12, (short)0x0800, BIG_ENDIAN);
        final int l3 = at + 14;
        b.putByte(l3, (byte)0x45);
        b.putShort(l3 + 2, (short)40, BIG_ENDIAN);
        b.putByte(l3 + 8, (byte)64);
        b.putByte(l3 + 9, (byte)IpProtocol.TCP);
        b.putInt(l3 + 12, src, BIG_ENDIAN);
        b.putInt(l3 + 16, dst, BIG_ENDIAN);
        b.putShort(l3 + 10, (short)Checksums.ipv4HeaderChecksum(b, l3, 20), BIG_ENDIAN);
        final int l4 = l3 + 20;
        b.putShort(l4, (short)sport, BIG_ENDIAN);
        b.putShort(l4 + 2, (short)80, BIG_ENDIAN);
        b.putInt(l4 + 4, 12345, BIG_ENDIAN);
        b.putByte(l4 + 12, (byte)0x50);
        b.putByte(l4 + 13, (byte)0x02);
        b.putShort(l4 + 14, (short)64240, BIG_ENDIAN);
        b.putShort(l4 + 16, (short)Checksums.l4Checksum(
            Checksums.ipv4PseudoHeaderSum(src, dst, IpProtocol.TCP, 20), b, l4, 20, l4 + 16), BIG_ENDIAN);
        return 14 + 40;
    }
}
