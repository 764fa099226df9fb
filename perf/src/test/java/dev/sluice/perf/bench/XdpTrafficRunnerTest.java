package dev.sluice.perf.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XdpTrafficRunnerTest
{
    @Test
    void parsesTheToolsKeyValueLines() throws IOException
    {
        final Map<String, Long> fields =
            XdpTrafficRunner.fields("stopped ns=21364582358456 seen=1122176 matched=1122170 received=1122153 early=0");
        assertEquals(21364582358456L, fields.get("ns"));
        assertEquals(1122176L, fields.get("seen"));
        assertEquals(1122170L, fields.get("matched"));
        assertEquals(1122153L, fields.get("received"));
        assertEquals(0L, fields.get("early"));
        assertEquals(5, fields.size());
    }

    @Test
    void aValueThatIsNotANumberIsAnError()
    {
        assertTrue(assertThrows(IOException.class, () -> XdpTrafficRunner.fields("mark seq=12x"))
            .getMessage().contains("seq=12x"));
    }

    @Test
    void constructionRejectsBadSettingsWithTheValue()
    {
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> new XdpTrafficRunner(Duration.ofSeconds(-1), 0, 8)).getMessage().contains("PT-1S"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> new XdpTrafficRunner(Duration.ZERO, 4096, 8)).getMessage().contains("4096"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> new XdpTrafficRunner(Duration.ZERO, 0, 17)).getMessage().contains("17"));
    }
}
