package dev.sluice.fastpath.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import dev.sluice.fastpath.status.DropReason;
import org.junit.jupiter.api.Test;

class PipelineTest
{
    /** Records the order it ran in and what it saw; drops packet 0. */
    private static final class RecordingStage implements Stage
    {
        private final String name;
        private final List<String> log;

        RecordingStage(final String name, final List<String> log)
        {
            this.name = name;
            this.log = log;
        }

        @Override
        public void process(final PacketVector vector)
        {
            log.add(name + ":" + vector.aliveCount());
            vector.drop(0, DropReason.ETHERTYPE_UNSUPPORTED);
        }

        @Override
        public String name()
        {
            return name;
        }
    }

    @Test
    void stagesRunInOrderOverTheSameVectorAndAreAccounted()
    {
        final List<String> log = new ArrayList<>();
        final Pipeline pipeline = new Pipeline(List.of(new RecordingStage("a", log), new RecordingStage("b", log)));
        final FrameBuffer fb = new FrameBuffer(4);
        fb.vector.reset(fb.buffer);
        for (int i = 0; i < 3; i++)
        {
            fb.vector.add(i, i * FrameBuffer.FRAME_SIZE, 60, 0, i);
        }
        pipeline.process(fb.vector);
        pipeline.process(fb.vector);

        assertEquals(List.of("a:3", "b:2", "a:2", "b:2"), log);
        for (int s = 0; s < 2; s++)
        {
            assertEquals(2, pipeline.runtime(s, Pipeline.COUNTER_CALLS));
            assertEquals(6, pipeline.runtime(s, Pipeline.COUNTER_PACKETS));
            assertTrue(pipeline.runtime(s, Pipeline.COUNTER_NANOS) >= 0);
        }
        final String table = pipeline.formatRuntime();
        assertTrue(table.contains("a ") && table.contains("b "), table);
        assertTrue(table.lines().count() == 3, table);
    }

    @Test
    void anEmptyPipelineIsAConstructionError()
    {
        assertThrows(IllegalArgumentException.class, () -> new Pipeline(List.of()));
    }
}
