package dev.sluice.control.logging;

/**
 * A token bucket in integer nanoseconds of credit: each token costs {@code 1e9 / rate} ns, the bucket holds at
 * most {@code burst} tokens' worth and refills with elapsed time. The caller passes the time, so tests drive it
 * with their own clock. Single-threaded.
 */
public final class TokenBucket
{
    private final long costNs;
    private final long capacityNs;
    private long creditNs;
    private long lastNs;

    /**
     * @param ratePerSecond tokens per second, 1 .. 1e9.
     * @param burst         tokens the bucket holds (and starts with), at least 1.
     * @param nowNs         the current time.
     */
    public TokenBucket(final long ratePerSecond, final long burst, final long nowNs)
    {
        if (ratePerSecond < 1 || ratePerSecond > 1_000_000_000L)
        {
            throw new IllegalArgumentException("rate must be 1..1e9 per second: " + ratePerSecond);
        }
        if (burst < 1)
        {
            throw new IllegalArgumentException("burst must be at least 1: " + burst);
        }
        this.costNs = 1_000_000_000L / ratePerSecond;
        this.capacityNs = Math.multiplyExact(burst, costNs);
        this.creditNs = capacityNs;
        this.lastNs = nowNs;
    }

    /**
     * @param nowNs the current time (monotonic).
     * @return true when a token was taken.
     */
    public boolean tryAcquire(final long nowNs)
    {
        if (nowNs > lastNs)
        {
            creditNs = Math.min(capacityNs, creditNs + (nowNs - lastNs));
            lastNs = nowNs;
        }
        if (creditNs >= costNs)
        {
            creditNs -= costNs;
            return true;
        }
        return false;
    }
}
