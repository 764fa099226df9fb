package dev.sluice.perf.jmh;

import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.sluice.fastpath.conntrack.ConntrackConfig;
import dev.sluice.fastpath.conntrack.ConntrackTable;
import dev.sluice.fastpath.conntrack.TcpState;
import dev.sluice.fastpath.packet.IpProtocol;
import dev.sluice.fastpath.stage.PacketVector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The conntrack table with {@code liveEntries} established TCP flows (1M by default: a 2^21-slot, 256 MiB table at
 * ~48% load), accessed in a random order so that each operation pays its cache and TLB misses, as a busy worker
 * would. One operation per invocation.
 * <ul>
 *   <li>{@code lookupHit}: find an existing flow (either direction);</li>
 *   <li>{@code trackEstablished}: the per-packet path of an established flow (lookup, state machine, expiry,
 *       accounting);</li>
 *   <li>{@code lookupMiss}: probe for a flow that is not there (what every new flow pays first);</li>
 *   <li>{@code createDelete}: create a new flow (SYN) and delete it again.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConntrackBenchmark
{
    private static final long SERVER = PacketVector.ipv4Mapped(0xC613_0001); // 198.19.0.1
    private static final int ORDER_LENGTH = 1 << 20;

    @Param({ "1000000" })
    public int liveEntries;

    private ConntrackTable table;
    private int[] order;
    private int cursor;
    private long nowNs;

    /** Flow {@code i}: 198.18.(i >> 16) : (i & 0xFFFF) -> 198.19.0.1 : 443 (i below 2^24). */
    private static long client(final int i)
    {
        return PacketVector.ipv4Mapped(0xC612_0000 | (i >>> 16));
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        table = new ConntrackTable(ConntrackConfig.forEntries(liveEntries));
        nowNs = 1_000_000_000L;
        for (int i = 0; i < liveEntries; i++)
        {
            table.trackTcp(0, client(i), 0, SERVER, i & 0xFFFF, 443, TcpState.TCP_SYN, 60, nowNs);
            table.trackTcp(0, SERVER, 0, client(i), 443, i & 0xFFFF, TcpState.TCP_SYN | TcpState.TCP_ACK, 60, nowNs);
            table.trackTcp(0, client(i), 0, SERVER, i & 0xFFFF, 443, TcpState.TCP_ACK, 60, nowNs);
        }
        if (table.size() != liveEntries)
        {
            throw new IllegalStateException("expected " + liveEntries + " entries, have " + table.size());
        }
        order = new int[ORDER_LENGTH];
        final Random random = new Random(7);
        for (int i = 0; i < ORDER_LENGTH; i++)
        {
            order[i] = random.nextInt(liveEntries);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        table.close();
    }

    private int next()
    {
        return order[cursor++ & (ORDER_LENGTH - 1)];
    }

    @Benchmark
    public long lookupHit()
    {
        final int i = next();
        // Alternate directions so both comparisons are exercised.
        return (i & 1) == 0 ?
            table.lookup(IpProtocol.TCP, 0, client(i), 0, SERVER, i & 0xFFFF, 443) :
            table.lookup(IpProtocol.TCP, 0, SERVER, 0, client(i), 443, i & 0xFFFF);
    }

    @Benchmark
    public long trackEstablished()
    {
        final int i = next();
        return (i & 1) == 0 ?
            table.trackTcp(0, client(i), 0, SERVER, i & 0xFFFF, 443, TcpState.TCP_ACK, 1500, nowNs) :
            table.trackTcp(0, SERVER, 0, client(i), 443, i & 0xFFFF, TcpState.TCP_ACK, 64, nowNs);
    }

    @Benchmark
    public long lookupMiss()
    {
        final int i = next();
        // Same clients, other server port: never present.
        return table.lookup(IpProtocol.TCP, 0, client(i), 0, SERVER, i & 0xFFFF, 8443);
    }

    @Benchmark
    public boolean createDelete()
    {
        final int i = next();
        final long h = table.trackTcp(0, client(i), 0, SERVER, i & 0xFFFF, 8443, TcpState.TCP_SYN, 60, nowNs);
        return table.delete(h);
    }

    private static final int VECTOR = 64;
    private final int[] batch = new int[VECTOR];
    private long sink;

    /** Established packets a vector at a time, tracked one after the other (each probe pays its own misses). */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public long trackEstablishedVector()
    {
        long result = 0;
        for (int k = 0; k < VECTOR; k++)
        {
            final int i = next();
            result += table.trackTcp(0, client(i), 0, SERVER, i & 0xFFFF, 443, TcpState.TCP_ACK, 1500, nowNs);
        }
        return result;
    }

    /** The same vector, with a first pass that touches every home slot so the misses overlap. */
    @Benchmark
    @OperationsPerInvocation(VECTOR)
    public long trackEstablishedVectorTouched()
    {
        long touched = 0;
        for (int k = 0; k < VECTOR; k++)
        {
            final int i = next();
            batch[k] = i;
            touched ^= table.touch(IpProtocol.TCP, 0, client(i), 0, SERVER, i & 0xFFFF, 443);
        }
        sink ^= touched;
        long result = 0;
        for (int k = 0; k < VECTOR; k++)
        {
            final int i = batch[k];
            result += table.trackTcp(0, client(i), 0, SERVER, i & 0xFFFF, 443, TcpState.TCP_ACK, 1500, nowNs);
        }
        return result;
    }
}
