package dev.sluice.control.metrics;

import java.util.Locale;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

/**
 * The Netty transport of the agent's HTTP endpoint: io_uring (Netty 4.2's graduated
 * {@code io.netty.channel.uring} transport) when the kernel allows it, else epoll, else NIO. The system property
 * {@value #PROPERTY} ({@code auto}, {@code io_uring}, {@code epoll}, {@code nio}) picks a starting point; an
 * unavailable choice falls back down the same order.
 */
public enum HttpTransport
{
    /** {@code io_uring(7)}. */
    IO_URING,
    /** {@code epoll(7)}. */
    EPOLL,
    /** Java NIO selectors (always available). */
    NIO;

    /** The system property that forces a transport (or a fallback). */
    public static final String PROPERTY = "sluice.http.transport";

    /**
     * @return true when this transport's native part loaded and the kernel supports it.
     */
    public boolean isAvailable()
    {
        return switch (this)
        {
            case IO_URING -> IoUring.isAvailable();
            case EPOLL -> Epoll.isAvailable();
            case NIO -> true;
        };
    }

    /**
     * @return why this transport is not available, or null.
     */
    public String unavailabilityCause()
    {
        final Throwable cause = switch (this)
        {
            case IO_URING -> IoUring.unavailabilityCause();
            case EPOLL -> Epoll.unavailabilityCause();
            case NIO -> null;
        };
        return cause == null ? null : String.valueOf(cause);
    }

    IoHandlerFactory ioHandlerFactory()
    {
        return switch (this)
        {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannelClass()
    {
        return switch (this)
        {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    /**
     * @param preference {@code auto} (or null/empty), {@code io_uring}, {@code epoll} or {@code nio}.
     * @return the first available transport at or after the preferred one.
     * @throws IllegalArgumentException on an unknown preference.
     */
    public static HttpTransport select(final String preference)
    {
        return select(preference, IO_URING.isAvailable(), EPOLL.isAvailable());
    }

    /**
     * The selection rule with availability given (testable without the kernel).
     *
     * @param preference      as for {@link #select(String)}.
     * @param ioUringAvailable whether io_uring can be used.
     * @param epollAvailable  whether epoll can be used.
     * @return the transport.
     */
    public static HttpTransport select(final String preference, final boolean ioUringAvailable,
        final boolean epollAvailable)
    {
        final String p = preference == null ? "auto" : preference.trim().toLowerCase(Locale.ROOT);
        final HttpTransport start = switch (p)
        {
            case "", "auto", "io_uring", "iouring", "io-uring" -> IO_URING;
            case "epoll" -> EPOLL;
            case "nio" -> NIO;
            default -> throw new IllegalArgumentException(PROPERTY + " must be auto, io_uring, epoll or nio, not '"
                + preference + "'");
        };
        if (start == IO_URING && ioUringAvailable)
        {
            return IO_URING;
        }
        if (start != NIO && epollAvailable)
        {
            return EPOLL;
        }
        return NIO;
    }
}
