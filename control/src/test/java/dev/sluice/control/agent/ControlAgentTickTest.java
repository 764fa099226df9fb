package dev.sluice.control.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;

class ControlAgentTickTest
{
    private static final long TICK_NS = 50_000_000L;

    private long nowNs = 1_000_000_000L;

    private static HasMetadata namespace(final String name)
    {
        return new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
    }

    @Test
    void aChangeAfterAQuietTickIsBuiltAtOnceAndChangesWithinATickShareTheNextSnapshot()
    {
        final RecordingTableSink sink = new RecordingTableSink();
        final ControlAgent control = new ControlAgent(new AgentConfig("node-1", null, 1, List.of(), TICK_NS, 1_000),
            sink, ControlMetrics.NONE, RejectionReporter.NONE, () -> nowNs, 64, () -> List.of(namespace("a")),
            () -> true);
        control.doWork();
        assertEquals(1, control.generation(), "the initial snapshot");
        assertEquals(1, control.applyLatency().getTotalCount(), "the relist at sync is one change");

        nowNs += 2 * TICK_NS;
        control.offer(new ObjectEvent(ObjectEvent.Type.UPSERT, namespace("b"), nowNs));
        control.doWork();
        assertEquals(2, control.generation(), "a lone change waits for no tick");
        assertEquals(2, control.applyLatency().getTotalCount(), "and is installed in the same cycle");
        assertEquals(0, control.applyLatency().getMaxValue());

        nowNs += 1_000_000L;
        control.offer(new ObjectEvent(ObjectEvent.Type.UPSERT, namespace("c"), nowNs));
        control.doWork();
        nowNs += 1_000_000L;
        control.offer(new ObjectEvent(ObjectEvent.Type.UPSERT, namespace("d"), nowNs));
        control.doWork();
        assertEquals(2, control.generation(), "within a tick of the last snapshot: collected");

        nowNs += TICK_NS - 2_000_000L;
        control.doWork();
        assertEquals(3, control.generation(), "one snapshot for both changes, a tick after the last");
        assertEquals(List.of("a", "b", "c", "d"), List.copyOf(sink.last().namespaces().keySet()));
        assertEquals(4, control.applyLatency().getTotalCount());
        assertEquals(TICK_NS - 1_000_000L, control.applyLatency().getMaxValue(), 0.001 * TICK_NS,
            "the first change of the batch waited the rest of the tick");
    }
}
