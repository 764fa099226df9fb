package dev.sluice.fastpath.xsk;

/**
 * Ring sizes and bind options of one {@link XskSocket}.
 *
 * @param rxSize         RX ring entries (power of two).
 * @param txSize         TX ring entries (power of two).
 * @param fillSize       fill ring entries (power of two); the socket's own, even when sharing a UMEM.
 * @param completionSize completion ring entries (power of two).
 * @param mode           copy, zero-copy, or zero-copy with a fall back to copy. Sockets sharing a UMEM inherit
 *                       the mode of the first (the kernel refuses flags on {@code XDP_SHARED_UMEM} binds).
 * @param needWakeup     bind with {@code XDP_USE_NEED_WAKEUP}: the kernel says when it needs a syscall, so a busy
 *                       worker makes none (without it every duty cycle must kick TX).
 */
public record XskConfig(int rxSize, int txSize, int fillSize, int completionSize, XskBindMode mode,
    boolean needWakeup)
{
    /** Default ring size: 2048 entries each. */
    public static final int DEFAULT_RING_SIZE = 2048;

    public XskConfig
    {
        check("rx", rxSize);
        check("tx", txSize);
        check("fill", fillSize);
        check("completion", completionSize);
        if (mode == null)
        {
            throw new IllegalArgumentException("bind mode must not be null");
        }
    }

    /** @return 2048-entry rings, zero-copy with copy fall back, need_wakeup. */
    public static XskConfig defaults()
    {
        return new XskConfig(DEFAULT_RING_SIZE, DEFAULT_RING_SIZE, DEFAULT_RING_SIZE, DEFAULT_RING_SIZE,
            XskBindMode.AUTO, true);
    }

    /**
     * @param newMode bind mode.
     * @return a copy with that mode.
     */
    public XskConfig withMode(final XskBindMode newMode)
    {
        return new XskConfig(rxSize, txSize, fillSize, completionSize, newMode, needWakeup);
    }

    /**
     * @param size entries for all four rings.
     * @return a copy with those ring sizes.
     */
    public XskConfig withRingSize(final int size)
    {
        return new XskConfig(size, size, size, size, mode, needWakeup);
    }

    /**
     * @param enabled whether to bind with XDP_USE_NEED_WAKEUP.
     * @return a copy with that option.
     */
    public XskConfig withNeedWakeup(final boolean enabled)
    {
        return new XskConfig(rxSize, txSize, fillSize, completionSize, mode, enabled);
    }

    private static void check(final String ring, final int size)
    {
        if (size < 1 || size > 1 << 16 || Integer.bitCount(size) != 1)
        {
            throw new IllegalArgumentException(ring + " ring size must be a power of two in 1..65536: " + size);
        }
    }
}
