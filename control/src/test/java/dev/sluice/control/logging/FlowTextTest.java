package dev.sluice.control.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

/**
 * JSON escaping and RFC 3339 timestamps, checked against Jackson's parser.
 */
class FlowTextTest
{
    @Test
    void escapedStringsParseBackToTheOriginal()
    {
        final String nasty = "q\"b\\s/\n\r\t\b\f\u0000\u001f\u007f é ✓ \uD83D\uDE00";
        final String json = FlowText.appendJsonString(new StringBuilder(), nasty).toString();
        assertEquals("\"q\\\"b\\\\s/\\n\\r\\t\\b\\f\\u0000\\u001f\u007f é ✓ \uD83D\uDE00\"", json);
        assertEquals(nasty, JsonMapper.builder().build().readTree(json).asString());
        assertEquals("null", FlowText.appendJsonString(new StringBuilder(), null).toString());
    }

    @Test
    void timestampsHaveNineFractionDigitsAndRoundTrip()
    {
        assertEquals("1970-01-01T00:00:00.000000000Z", FlowText.rfc3339(0));
        assertEquals("2026-11-25T06:20:57.000000001Z", FlowText.rfc3339(1_795_587_657_000_000_001L));
        assertEquals(1_795_587_657_000_000_001L, FlowText.parseRfc3339("2026-11-25T06:20:57.000000001Z"));
    }

    @Test
    void protocolNamesBothWays()
    {
        assertEquals("tcp", FlowText.protocolName(6));
        assertEquals("47", FlowText.protocolName(47));
        assertEquals(17, FlowText.protocolNumber("UDP"));
        assertEquals(132, FlowText.protocolNumber("sctp"));
        assertEquals(47, FlowText.protocolNumber("47"));
        assertEquals(-1, FlowText.protocolNumber("gre"));
        assertEquals(-1, FlowText.protocolNumber("300"));
    }
}
