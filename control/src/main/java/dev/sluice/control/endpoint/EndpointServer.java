package dev.sluice.control.endpoint;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's listener: accepts connections on a Unix socket (mode 0600, a stale file from a dead agent is
 * replaced), reads one request per connection, hands it to the {@link EndpointHandler} on a virtual thread and
 * writes the reply. A malformed request gets an {@link EndpointReply#CODE_INVALID} reply, never an exception.
 */
public final class EndpointServer implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger("dev.sluice.control.endpoint");

    private final Path path;
    private final ServerSocketChannel server;
    private final EndpointHandler handler;
    private final Duration ioTimeout;
    private final Thread acceptor;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean closed;

    private EndpointServer(final Path path, final ServerSocketChannel server, final EndpointHandler handler,
        final Duration ioTimeout)
    {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.ioTimeout = ioTimeout;
        this.acceptor = Thread.ofPlatform().daemon().name("sluice-endpoints").unstarted(this::acceptLoop);
    }

    /**
     * @param path      the socket path (parent directories are created).
     * @param handler   answers requests.
     * @param ioTimeout bound on reading a request and writing a reply (not on the handler's work).
     * @return the started server.
     * @throws IOException when the socket cannot be bound.
     */
    public static EndpointServer start(final Path path, final EndpointHandler handler, final Duration ioTimeout)
        throws IOException
    {
        Objects.requireNonNull(handler, "handler");
        final Path parent = path.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        Files.deleteIfExists(path);
        final ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try
        {
            channel.bind(UnixDomainSocketAddress.of(path));
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        }
        catch (final IOException ex)
        {
            channel.close();
            throw new IOException("cannot listen on " + path + ": " + ex.getMessage(), ex);
        }
        final EndpointServer server = new EndpointServer(path, channel, handler, ioTimeout);
        server.acceptor.start();
        return server;
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            final SocketChannel connection;
            try
            {
                connection = server.accept();
            }
            catch (final ClosedChannelException ex)
            {
                return;
            }
            catch (final IOException ex)
            {
                if (!closed)
                {
                    LOG.log(System.Logger.Level.WARNING, "endpoint socket accept failed: " + ex.getMessage());
                }
                continue;
            }
            Thread.ofVirtual().name("sluice-endpoint-request").start(() -> serve(connection));
        }
    }

    private void serve(final SocketChannel connection)
    {
        try (connection)
        {
            connection.configureBlocking(false);
            final long readDeadline = System.nanoTime() + ioTimeout.toNanos();
            final String line = LineChannel.readLine(connection, EndpointCodec.MAX_LINE, readDeadline);
            requests.incrementAndGet();
            EndpointReply reply = null;
            EndpointRequest request = null;
            try
            {
                request = EndpointCodec.decodeRequest(line);
            }
            catch (final IOException ex)
            {
                reply = EndpointReply.failure(EndpointReply.CODE_INVALID, ex.getMessage());
            }
            if (request != null)
            {
                try
                {
                    reply = handler.handle(request);
                    if (reply == null)
                    {
                        reply = EndpointReply.failure(EndpointReply.CODE_DATAPLANE, "the agent gave no answer");
                    }
                }
                catch (final Exception ex)
                {
                    LOG.log(System.Logger.Level.WARNING, "endpoint " + describe(request) + " failed", ex);
                    reply = EndpointReply.failure(EndpointReply.CODE_DATAPLANE,
                        ex.getMessage() == null ? ex.toString() : ex.getMessage());
                }
            }
            if (!reply.ok())
            {
                failures.incrementAndGet();
            }
            LineChannel.writeLine(connection, EndpointCodec.encode(reply), System.nanoTime() + ioTimeout.toNanos());
        }
        catch (final IOException ex)
        {
            failures.incrementAndGet();
            LOG.log(System.Logger.Level.WARNING, "endpoint connection failed: " + ex.getMessage());
        }
    }

    private static String describe(final EndpointRequest request)
    {
        return request == null ? "request" : request.command() + " " + request.containerId() + " (" +
            request.podNamespace() + "/" + request.podName() + ")";
    }

    /** @return requests read so far. */
    public long requests()
    {
        return requests.get();
    }

    /** @return requests answered with a failure, or whose connection broke. */
    public long failures()
    {
        return failures.get();
    }

    public Path path()
    {
        return path;
    }

    @Override
    public void close() throws IOException
    {
        closed = true;
        server.close();
        try
        {
            acceptor.join(2_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        Files.deleteIfExists(path);
    }
}
