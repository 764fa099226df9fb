package dev.sluice.perf.xsk;

import java.lang.management.ManagementFactory;
import java.util.HexFormat;
import java.util.List;

import org.agrona.concurrent.BusySpinIdleStrategy;

import dev.sluice.fastpath.stage.ParseStage;
import dev.sluice.fastpath.stage.Pipeline;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.fastpath.status.DropReason;
import dev.sluice.fastpath.xsk.XskConfig;
import dev.sluice.fastpath.xsk.XskForwarder;
import dev.sluice.fastpath.xsk.XskWorkerAgent;

/**
 * The Java DUT of {@code perf/bench/forwarder.sh}: the real worker (parse stage, MAC rewrite) forwarding IN -> OUT
 * over two AF_XDP sockets sharing one UMEM, busy-spinning on one pinned CPU. Prints {@code ready}, then after
 * {@code SECONDS} the packets forwarded and the bytes the worker thread allocated per packet after a warm-up of
 * {@code WARMUP_SECONDS}.
 * <p>
 * Usage: {@code XskForwarderBench IN OUT SECONDS WARMUP_SECONDS CPU DST_MAC SRC_MAC}
 */
public final class XskForwarderBench
{
    private XskForwarderBench()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final double seconds = Double.parseDouble(args[2]);
        final double warmup = Double.parseDouble(args[3]);
        final int cpu = Integer.parseInt(args[4]);
        final byte[] rewrite = HexFormat.of().parseHex((args[5] + args[6]).replace(":", ""));
        final Pipeline pipeline = new Pipeline(List.of(new ParseStage(2048 - 256,
            new Counters(DropReason.MAX_CODES))));
        try (XskForwarder forwarder = XskForwarder.open(List.of(args[0], args[1]), new int[] {1, 0},
            new byte[][] {null, rewrite}, XskConfig.defaults(), 2048, pipeline, 64, new BusySpinIdleStrategy(), cpu))
        {
            forwarder.start();
            System.out.println("ready " + forwarder.ports());
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            final long threadId = forwarder.thread().threadId();
            final XskWorkerAgent worker = forwarder.worker();
            Thread.sleep((long)(warmup * 1000));
            final long tx0 = worker.counter(XskWorkerAgent.COUNTER_TX_PACKETS);
            final long bytes0 = threads.getThreadAllocatedBytes(threadId);
            final long t0 = System.nanoTime();
            Thread.sleep((long)((seconds - warmup) * 1000));
            final long bytes = threads.getThreadAllocatedBytes(threadId) - bytes0;
            final long tx = worker.counter(XskWorkerAgent.COUNTER_TX_PACKETS) - tx0;
            final double elapsed = (System.nanoTime() - t0) / 1e9;
            forwarder.stop();
            System.out.printf("java forwarded %d in %.2f s = %.0f pps; allocated %d bytes = %.4f B/packet; " +
                "tx ring full %d; tx kicks %d; accounting %s%n", tx, elapsed, tx / elapsed, bytes,
                tx == 0 ? 0.0 : (double)bytes / tx, worker.counter(XskWorkerAgent.COUNTER_TX_RING_FULL),
                worker.counter(XskWorkerAgent.COUNTER_TX_WAKEUPS), worker.checkFrameAccounting() == null ? "exact" :
                worker.checkFrameAccounting());
        }
    }
}
