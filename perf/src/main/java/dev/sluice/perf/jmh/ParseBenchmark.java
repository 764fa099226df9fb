package dev.sluice.perf.jmh;

import dev.sluice.fastpath.stage.PacketVector;
import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.agrona.BufferUtil;
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

/**
 * Cost of {@link ParseStage} in ns/packet at vector sizes 1, 16, 64 and 256.
 *
 * <p>One JMH operation is one packet: every invocation parses {@link #PACKETS_PER_INVOCATION} packets as
 * {@code 256 / size} vectors of {@code size} packets, and {@link OperationsPerInvocation} divides by 256, so the
 * score of every size is directly ns/packet and includes the per-vector overhead amortised over the vector (that is
 * what a smaller vector costs). Vectors are filled before measuring; parsing does not consume them (no frame here is
 * dropped), so each invocation re-parses pre-filled vectors and the measurement is the parse alone, not the
 * producer's {@link PacketVector#add}.
 *
 * <p>Frames sit off-heap in a UMEM-like buffer ({@link #SLOTS} slots of {@link #SLOT_SIZE} bytes, 256 bytes of
 * headroom), one copy per slot, and invocations rotate through the slots, so the parser reads 2 MiB of frames rather
 * than one hot cache line. Traffic:
 * <ul>
 * <li>{@code IPV4_TCP}: 64-byte Ethernet/IPv4/TCP ACK frames with 10 bytes of payload;</li>
 * <li>{@code IPV6_EXT_UDP}: 118-byte Ethernet/IPv6 + hop-by-hop + destination options + fragment header (first
 * fragment) / UDP frames: the longest common extension walk.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class ParseBenchmark
{
    public static final int PACKETS_PER_INVOCATION = 256;
    static final int SLOT_SIZE = 2048;
    static final int HEADROOM = 256;
    static final int SLOTS = 1024;
    static final int GROUPS = SLOTS / PACKETS_PER_INVOCATION;

    /** Ethernet / IPv4 (DF) 198.18.0.1 -> 198.19.0.2 / TCP 40000 -> 80 ACK / 10 bytes: 64 bytes (no FCS). */
    static final String IPV4_TCP_64_HEX =
        "020000000002020000000001080045000032000140004006ae9cc6120001c61300029c40005000000000000000005010" +
        "20006207000030313233343536373839";

    /** Ethernet / IPv6 2001:2::1 -> 2001:2:0:1::2 / hop-by-hop / destination options / fragment (offset 0, M) / UDP. */
    static final String IPV6_EXT_UDP_HEX =
        "02000000000202000000000186dd60000000004000402001000200000000000000000000000120010002000000010000" +
        "0000000000023c000104000000002c0001040000000011000001000012340fa00fa1057843ac75757575757575757575" +
        "75757575757575757575757575757575757575757575";

    public enum Traffic
    {
        IPV4_TCP(IPV4_TCP_64_HEX, PacketVector.FLAG_IPV4 | PacketVector.FLAG_PORTS),
        IPV6_EXT_UDP(IPV6_EXT_UDP_HEX,
            PacketVector.FLAG_IPV6 | PacketVector.FLAG_PORTS | PacketVector.FLAG_IPV6_EXTENSIONS |
            PacketVector.FLAG_FIRST_FRAGMENT);

        final String hex;
        final int requiredFlags;

        Traffic(final String hex, final int requiredFlags)
        {
            this.hex = hex;
            this.requiredFlags = requiredFlags;
        }
    }

    @Param({"1", "16", "64", "256"})
    public int size;

    @Param({"IPV4_TCP", "IPV6_EXT_UDP"})
    public Traffic traffic;

    private ParseStage stage;
    /** [group][vector]: each group holds 256 packets of distinct slots. */
    private PacketVector[][] vectors;
    private int group;

    @Setup(Level.Trial)
    public void setUp()
    {
        if (PACKETS_PER_INVOCATION % size != 0)
        {
            throw new IllegalArgumentException("size must divide " + PACKETS_PER_INVOCATION + ": " + size);
        }
        final byte[] frame = HexFormat.of().parseHex(traffic.hex);
        final UnsafeBuffer umem = new UnsafeBuffer(BufferUtil.allocateDirectAligned(SLOTS * SLOT_SIZE, 4096));
        for (int slot = 0; slot < SLOTS; slot++)
        {
            umem.putBytes(slot * SLOT_SIZE + HEADROOM, frame);
        }
        stage = new ParseStage(SLOT_SIZE - HEADROOM, new Counters(DropReason.MAX_CODES));
        final int perGroup = PACKETS_PER_INVOCATION / size;
        vectors = new PacketVector[GROUPS][perGroup];
        int slot = 0;
        for (int g = 0; g < GROUPS; g++)
        {
            for (int j = 0; j < perGroup; j++)
            {
                final PacketVector v = new PacketVector(size).reset(umem);
                for (int k = 0; k < size; k++, slot++)
                {
                    v.add((long)slot * SLOT_SIZE, slot * SLOT_SIZE + HEADROOM, frame.length, 0, slot);
                }
                vectors[g][j] = v;
            }
        }
        // The benchmark measures the intended path only if every frame parses alive with the expected metadata.
        parseAll();
        for (final PacketVector[] vs : vectors)
        {
            for (final PacketVector v : vs)
            {
                for (int i = 0; i < v.size(); i++)
                {
                    if (v.dropReason[i] != 0 || (v.flags[i] & traffic.requiredFlags) != traffic.requiredFlags)
                    {
                        throw new IllegalStateException(traffic + " frame parsed as drop " +
                            DropReason.ofCode(v.dropReason[i]) + ", flags 0x" + Integer.toHexString(v.flags[i]));
                    }
                }
            }
        }
    }

    private void parseAll()
    {
        for (int g = 0; g < GROUPS; g++)
        {
            for (final PacketVector v : vectors[g])
            {
                stage.process(v);
            }
        }
    }

    /** Parses 256 packets (one group of vectors); the score is ns per packet. */
    @Benchmark
    @OperationsPerInvocation(PACKETS_PER_INVOCATION)
    public int parse()
    {
        final PacketVector[] group = vectors[this.group];
        this.group = (this.group + 1) & (GROUPS - 1);
        for (final PacketVector v : group)
        {
            stage.process(v);
        }
        return group[0].flags[0];
    }
}
