package dev.sluice.fastpath.event;

import java.util.concurrent.atomic.AtomicLongArray;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.YieldingWaitStrategy;

/**
 * The lock-free ring that carries {@link VerdictEvent}s from the workers (many producers) to the consumers (policy
 * action log, flow stream, metrics): an LMAX Disruptor {@link RingBuffer} of pre-allocated events. A worker never
 * waits: when the ring is full the event is dropped and counted ({@link #COUNTER_DROPPED}), so a slow log sink can
 * never slow the fast path.
 *
 * <p>Use from a worker: {@code long seq = events.tryClaim(); if (seq >= 0) { VerdictEvent e = events.get(seq);
 * ...fill...; events.publish(seq); }} — claim, fill and publish with nothing that can throw in between.
 */
public final class VerdictEvents
{
    public static final int COUNTER_PUBLISHED = 0;
    public static final int COUNTER_DROPPED = 1;

    private final RingBuffer<VerdictEvent> ring;
    private final AtomicLongArray counters = new AtomicLongArray(2);

    /** @param capacity a power of two. */
    public VerdictEvents(final int capacity)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("verdict ring capacity must be a power of two: " + capacity);
        }
        ring = RingBuffer.createMultiProducer(VerdictEvent::new, capacity, new YieldingWaitStrategy());
    }

    /** The Disruptor ring, for consumers (event processors, gating sequences). */
    public RingBuffer<VerdictEvent> ring()
    {
        return ring;
    }

    /** Claims a slot without waiting; returns its sequence, or -1 when the ring is full (counted). */
    public long tryClaim()
    {
        try
        {
            return ring.tryNext();
        }
        catch (final InsufficientCapacityException e)
        {
            // The Disruptor signals "full" with a pre-allocated singleton exception: nothing is allocated here.
            counters.incrementAndGet(COUNTER_DROPPED);
            return -1;
        }
    }

    public VerdictEvent get(final long sequence)
    {
        return ring.get(sequence);
    }

    public void publish(final long sequence)
    {
        ring.publish(sequence);
        counters.incrementAndGet(COUNTER_PUBLISHED);
    }

    /** Published or dropped events so far (any thread). */
    public long counter(final int id)
    {
        return counters.get(id);
    }
}
