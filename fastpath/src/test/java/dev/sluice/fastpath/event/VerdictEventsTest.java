package dev.sluice.fastpath.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import com.lmax.disruptor.Sequence;
import dev.sluice.testkit.Allocations;
import org.junit.jupiter.api.Test;

class VerdictEventsTest
{
    private static void fill(final VerdictEvents events, final int port)
    {
        final long seq = events.tryClaim();
        if (seq >= 0)
        {
            final VerdictEvent e = events.get(seq);
            e.verdict = VerdictEvent.VERDICT_ALLOW;
            e.dstPort = port;
            events.publish(seq);
        }
    }

    @Test
    void aFullRingDropsAndCountsInsteadOfWaiting()
    {
        final VerdictEvents events = new VerdictEvents(8);
        final Sequence consumer = new Sequence(-1);
        events.ring().addGatingSequences(consumer);
        for (int i = 0; i < 11; i++)
        {
            fill(events, 1000 + i);
        }
        assertEquals(8, events.counter(VerdictEvents.COUNTER_PUBLISHED));
        assertEquals(3, events.counter(VerdictEvents.COUNTER_DROPPED));

        // The consumer reads the first eight in order; after it moves on, there is room again.
        final List<Integer> seen = new ArrayList<>();
        for (long s = 0; s <= events.ring().getCursor(); s++)
        {
            seen.add(events.get(s).dstPort);
        }
        assertEquals(List.of(1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007), seen);
        consumer.set(events.ring().getCursor());
        fill(events, 2000);
        assertEquals(9, events.counter(VerdictEvents.COUNTER_PUBLISHED));
        assertEquals(2000, events.get(events.ring().getCursor()).dstPort);
    }

    @Test
    void claimingAndDroppingAllocateNothing()
    {
        final VerdictEvents events = new VerdictEvents(1024);
        final Sequence consumer = new Sequence(-1);
        events.ring().addGatingSequences(consumer);
        final Runnable claims = () ->
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                fill(events, i);
                if ((i & 2047) == 0)
                {
                    consumer.set(events.ring().getCursor() - 256); // a consumer that lags: some claims fail
                }
            }
        };
        claims.run(); // warm-up
        final long allocated = Allocations.bytesAllocatedBy(claims);
        assertTrue(allocated < 10_000, "allocated " + allocated + " bytes over 1M claims");
        assertTrue(events.counter(VerdictEvents.COUNTER_DROPPED) > 0, "the lagging consumer must cause drops");
    }

    @Test
    void capacityMustBeAPowerOfTwo()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VerdictEvents(1000));
        assertTrue(e.getMessage().contains("1000"));
    }
}
