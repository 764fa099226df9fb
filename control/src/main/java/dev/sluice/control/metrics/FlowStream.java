package dev.sluice.control.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;

import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;

import dev.sluice.control.logging.FlowMetadata;
import dev.sluice.fastpath.event.VerdictEvent;
import dev.sluice.fastpath.event.VerdictEvents;
import dev.sluice.fastpath.status.Counters;
import dev.sluice.wire.Addresses;

/**
 * The live flow stream: a second consumer of the {@link VerdictEvents} ring that keeps the last {@code capacity}
 * flows (with metadata resolved) and fans every new flow out to subscribers ({@code /flows}).
 *
 * <p>Nobody waits on a subscriber: a {@link FlowSink} takes a flow or refuses it at once (its connection's
 * buffer is full); refused flows are skipped for that subscriber and counted, and a subscriber that refused
 * {@code maxConsecutiveSkips} flows in a row is closed and dropped. This consumer itself gates the ring like any
 * other: if it falls a ring behind, workers drop events (counted by the ring), they never wait.
 *
 * <p>An Agrona {@link Agent} ({@link #doWork()} polls the ring without blocking); the history and the subscriber
 * list are guarded by this object's lock, taken by the agent once per flow and by HTTP threads to subscribe.
 */
public final class FlowStream implements Agent, EventPoller.Handler<VerdictEvent>, AutoCloseable
{
    /** Events consumed. */
    public static final int COUNTER_EVENTS = 0;
    /** Flows a subscriber refused (skipped for it). */
    public static final int COUNTER_SKIPPED = 1;
    /** Subscribers dropped for being too slow. */
    public static final int COUNTER_SUBSCRIBERS_DROPPED = 2;
    private static final int COUNTER_COUNT = 3;

    private final RingBuffer<VerdictEvent> ring;
    private final EventPoller<VerdictEvent> poller;
    private final String nodeName;
    private final EpochNanoClock wallClock;
    private final int maxConsecutiveSkips;
    private final Flow[] history;
    private final Counters counters = new Counters(COUNTER_COUNT);
    private final List<Subscription> subscriptions = new ArrayList<>();
    private volatile FlowMetadata metadata;
    private long written;

    /**
     * @param events              the verdict ring; the stream gates it from the ring's current position.
     * @param capacity            flows kept for late subscribers, at least 1.
     * @param maxConsecutiveSkips refused flows in a row before a subscriber is dropped, at least 1.
     * @param nodeName            the node name put in every flow.
     * @param metadata            the initial metadata resolver.
     * @param wallClock           wall time for flow timestamps.
     */
    public FlowStream(final VerdictEvents events, final int capacity, final int maxConsecutiveSkips,
        final String nodeName, final FlowMetadata metadata, final EpochNanoClock wallClock)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("flow history capacity must be positive: " + capacity);
        }
        if (maxConsecutiveSkips < 1)
        {
            throw new IllegalArgumentException("max consecutive skips must be positive: " + maxConsecutiveSkips);
        }
        this.history = new Flow[capacity];
        this.maxConsecutiveSkips = maxConsecutiveSkips;
        this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.wallClock = wallClock;
        this.ring = events.ring();
        this.poller = ring.newPoller();
        ring.addGatingSequences(poller.getSequence());
    }

    /**
     * Swap the metadata resolver (any thread).
     *
     * @param metadata the resolver for the new cluster state.
     */
    public void metadata(final FlowMetadata metadata)
    {
        this.metadata = Objects.requireNonNull(metadata, "metadata");
    }

    /**
     * @param id a {@code COUNTER_*} id.
     * @return its value (any thread).
     */
    public long counter(final int id)
    {
        return counters.getAcquire(id);
    }

    /**
     * @return the number of subscribers (any thread).
     */
    public synchronized int subscriberCount()
    {
        return subscriptions.size();
    }

    @Override
    public int doWork() throws Exception
    {
        final long before = counters.getAcquire(COUNTER_EVENTS);
        poller.poll(this);
        final int work = (int)(counters.getAcquire(COUNTER_EVENTS) - before);
        if (work > 0)
        {
            synchronized (this)
            {
                for (final Subscription s : subscriptions)
                {
                    s.sink.flush();
                }
            }
        }
        return work;
    }

    @Override
    public boolean onEvent(final VerdictEvent e, final long sequence, final boolean endOfBatch)
    {
        counters.incrementRelease(COUNTER_EVENTS);
        final FlowMetadata md = metadata;
        final Flow flow = Flow.of(wallClock.nanoTime(), nodeName, e.verdict, e.dropReason, e.direction, e.flags,
            e.protocol, Addresses.format(e.srcHi, e.srcLo), e.srcPort, Addresses.format(e.dstHi, e.dstLo), e.dstPort,
            md.endpoint(e.srcHi, e.srcLo), md.endpoint(e.dstHi, e.dstLo), md.policy(e.ruleId), e.packets, e.bytes);
        publish(flow);
        return true;
    }

    private synchronized void publish(final Flow flow)
    {
        history[(int)(written % history.length)] = flow;
        written++;
        for (int i = subscriptions.size() - 1; i >= 0; i--)
        {
            final Subscription s = subscriptions.get(i);
            if (!s.sink.isOpen())
            {
                subscriptions.remove(i);
                continue;
            }
            if (!s.filter.matches(flow))
            {
                continue;
            }
            if (s.sink.offer(flow))
            {
                s.consecutiveSkips = 0;
            }
            else
            {
                counters.incrementRelease(COUNTER_SKIPPED);
                if (++s.consecutiveSkips >= maxConsecutiveSkips)
                {
                    subscriptions.remove(i);
                    counters.incrementRelease(COUNTER_SUBSCRIBERS_DROPPED);
                    s.sink.close();
                }
            }
        }
    }

    /**
     * @param filter which flows.
     * @param max    at most this many, the newest.
     * @return the matching flows of the history, oldest first.
     */
    public synchronized List<Flow> recent(final FlowFilter filter, final int max)
    {
        final List<Flow> out = new ArrayList<>();
        final long oldest = Math.max(0, written - history.length);
        for (long i = written - 1; i >= oldest && out.size() < max; i--)
        {
            final Flow flow = history[(int)(i % history.length)];
            if (filter.matches(flow))
            {
                out.add(flow);
            }
        }
        return out.reversed();
    }

    /**
     * Subscribe: the last {@code last} matching flows of the history are offered first, then every new matching
     * flow, with nothing lost or repeated in between.
     *
     * @param filter which flows.
     * @param last   how many past flows to replay first (0 for none).
     * @param sink   where the flows go.
     */
    public synchronized void subscribe(final FlowFilter filter, final int last, final FlowSink sink)
    {
        for (final Flow flow : recent(filter, last))
        {
            sink.offer(flow);
        }
        sink.flush();
        subscriptions.add(new Subscription(filter, sink));
    }

    /**
     * @param sink a subscribed sink.
     */
    public synchronized void unsubscribe(final FlowSink sink)
    {
        subscriptions.removeIf(s -> s.sink == sink);
    }

    @Override
    public void close()
    {
        ring.removeGatingSequence(poller.getSequence());
        final List<Subscription> all;
        synchronized (this)
        {
            all = new ArrayList<>(subscriptions);
            subscriptions.clear();
        }
        all.forEach(s -> s.sink.close());
    }

    @Override
    public void onClose()
    {
        close();
    }

    @Override
    public String roleName()
    {
        return "flow-stream";
    }

    /**
     * Where a subscriber's flows go. Every method must return at once (no waiting on I/O).
     */
    public interface FlowSink
    {
        /**
         * @param flow a flow that matched the subscriber's filter.
         * @return false when the sink cannot take it now (the flow is skipped for this subscriber).
         */
        boolean offer(Flow flow);

        /**
         * End of a batch of offers: push what was taken.
         */
        void flush();

        /**
         * @return false once the subscriber went away.
         */
        boolean isOpen();

        /**
         * Close the subscriber (dropped for being slow, or the stream shuts down).
         */
        void close();
    }

    private static final class Subscription
    {
        final FlowFilter filter;
        final FlowSink sink;
        int consecutiveSkips;

        Subscription(final FlowFilter filter, final FlowSink sink)
        {
            this.filter = filter;
            this.sink = sink;
        }
    }
}
