package dev.sluice.perf.xsk;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import org.agrona.concurrent.BusySpinIdleStrategy;

import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.stage.Pipeline;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.xsk.Port;
import dev.sluice.fastpath.xsk.XskConfig;
import dev.sluice.fastpath.xsk.XskForwarder;
import dev.sluice.fastpath.xsk.XskStatistics;
import dev.sluice.fastpath.xsk.XskWorkerAgent;

/**
 * The Java DUT of {@code perf/bench/forwarder.sh}: the real worker (parse stage, MAC rewrite) forwarding IN -> OUT
 * over two AF_XDP sockets sharing one UMEM, busy-spinning on one pinned CPU. Prints {@code ready}, then runs until
 * its standard input ends. Every line read from standard input prints one {@code mark} line: the worker's counters
 * (packets, ring-full drops, wakeups, duty cycles), the bytes the worker thread has allocated so far and the
 * XDP_STATISTICS of both sockets; the script takes the differences between two marks around a measurement.
 * <p>
 * Usage: {@code XskForwarderBench IN OUT CPU DST_MAC SRC_MAC [BATCH]}
 */
public final class XskForwarderBench
{
    private XskForwarderBench()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final int cpu = Integer.parseInt(args[2]);
        final byte[] rewrite = HexFormat.of().parseHex((args[3] + args[4]).replace(":", ""));
        final int batch = args.length > 5 ? Integer.parseInt(args[5]) : 64;
        final Pipeline pipeline = new Pipeline(List.of(new ParseStage(2048 - 256,
            new Counters(DropReason.MAX_CODES))));
        try (XskForwarder forwarder = XskForwarder.open(List.of(args[0], args[1]), new int[] {1, 0},
            new byte[][] {null, rewrite}, XskConfig.defaults(), 2048, pipeline, batch, new BusySpinIdleStrategy(),
            cpu))
        {
            forwarder.start();
            System.out.println("ready " + forwarder.ports());
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            final long threadId = forwarder.thread().threadId();
            final XskWorkerAgent worker = forwarder.worker();
            final XskStatistics statistics = new XskStatistics();
            final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            while (in.readLine() != null)
            {
                final StringBuilder line = new StringBuilder("mark");
                line.append(" ns=").append(System.nanoTime());
                line.append(" alloc=").append(threads.getThreadAllocatedBytes(threadId));
                line.append(" rx=").append(worker.counter(XskWorkerAgent.COUNTER_RX_PACKETS));
                line.append(" tx=").append(worker.counter(XskWorkerAgent.COUNTER_TX_PACKETS));
                line.append(" txfull=").append(worker.counter(XskWorkerAgent.COUNTER_TX_RING_FULL));
                line.append(" txkicks=").append(worker.counter(XskWorkerAgent.COUNTER_TX_WAKEUPS));
                line.append(" fillkicks=").append(worker.counter(XskWorkerAgent.COUNTER_FILL_WAKEUPS));
                line.append(" cycles=").append(worker.counter(XskWorkerAgent.COUNTER_CYCLES));
                for (final Port port : forwarder.ports())
                {
                    port.socket().readStatistics(statistics);
                    line.append(' ').append(port.interfaceName()).append("_rx_dropped=").append(statistics.rxDropped)
                        .append(' ').append(port.interfaceName()).append("_rx_ring_full=")
                        .append(statistics.rxRingFull)
                        .append(' ').append(port.interfaceName()).append("_fill_empty=")
                        .append(statistics.rxFillRingEmptyDescs);
                }
                System.out.println(line);
            }
            forwarder.stop();
            System.out.println("java stopped; accounting " + (worker.checkFrameAccounting() == null ? "exact" :
                worker.checkFrameAccounting()));
        }
    }
}
