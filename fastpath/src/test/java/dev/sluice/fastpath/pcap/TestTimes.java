package dev.sluice.fastpath.pcap;

import java.math.BigDecimal;

final class TestTimes
{
    private TestTimes()
    {
    }

    /** Decimal seconds since the epoch (as tshark prints frame.time_epoch) to nanoseconds. */
    static long epochNs(final String seconds)
    {
        return new BigDecimal(seconds).movePointRight(9).longValueExact();
    }
}
