package dev.sluice.control.endpoint;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** The CNI plugin's side: sends one request to the agent's socket and waits for the reply. */
public final class EndpointClient
{
    /** Where the agent listens unless configured otherwise. */
    public static final String DEFAULT_SOCKET = "/run/sluice/agent.sock";

    private final Path socket;
    private final Duration timeout;

    /**
     * @param socket  the agent's socket path.
     * @param timeout the whole exchange's bound (connect, send, the agent's work, reply).
     */
    public EndpointClient(final Path socket, final Duration timeout)
    {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * @param request the request.
     * @return the agent's reply (which may be a failure).
     * @throws IOException when the agent cannot be reached or does not answer in time (the message names the
     *                     socket).
     */
    public EndpointReply call(final EndpointRequest request) throws IOException
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            try
            {
                channel.connect(UnixDomainSocketAddress.of(socket));
            }
            catch (final IOException ex)
            {
                throw new IOException("cannot reach the sluice agent at " + socket + ": " + ex.getMessage(), ex);
            }
            channel.configureBlocking(false);
            LineChannel.writeLine(channel, EndpointCodec.encode(request), deadlineNs);
            return EndpointCodec.decodeReply(LineChannel.readLine(channel, EndpointCodec.MAX_LINE, deadlineNs));
        }
        catch (final java.net.SocketTimeoutException ex)
        {
            throw new IOException("the sluice agent at " + socket + " did not answer within " + timeout, ex);
        }
    }

    public Path socket()
    {
        return socket;
    }
}
