package dev.sluice.control.endpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EndpointServerTest
{
    @TempDir
    Path dir;

    private static EndpointRequest add(final String id)
    {
        return new EndpointRequest(EndpointRequest.VERSION, EndpointCommand.ADD, id, "/var/run/netns/p", "eth0",
            "slabc", "x", "a", List.of("198.18.0.5"), "02:00:00:00:00:05");
    }

    @Test
    void roundTripsARequestThroughTheHandler() throws Exception
    {
        final List<EndpointRequest> seen = new CopyOnWriteArrayList<>();
        final Path socket = dir.resolve("run/agent.sock");
        try (EndpointServer server = EndpointServer.start(socket, request ->
        {
            seen.add(request);
            return EndpointReply.success("02:53:4c:00:00:01", 1450, 7);
        }, Duration.ofSeconds(2)))
        {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            final EndpointReply reply = new EndpointClient(socket, Duration.ofSeconds(5)).call(add("c1"));
            assertTrue(reply.ok());
            assertEquals("02:53:4c:00:00:01", reply.gatewayMac());
            assertEquals(1450, reply.mtu());
            assertEquals(7, reply.generation());
            assertEquals(List.of(add("c1")), seen);
            assertEquals(1, server.requests());
        }
        assertFalse(Files.exists(socket), "the socket file is removed on close");
    }

    @Test
    void handlerFailureBecomesADataplaneErrorReply() throws Exception
    {
        final Path socket = dir.resolve("agent.sock");
        try (EndpointServer server = EndpointServer.start(socket, request ->
        {
            throw new IOException("interface slabc: no such device");
        }, Duration.ofSeconds(2)))
        {
            final EndpointReply reply = new EndpointClient(socket, Duration.ofSeconds(5)).call(add("c1"));
            assertFalse(reply.ok());
            assertEquals(EndpointReply.CODE_DATAPLANE, reply.code());
            assertEquals("interface slabc: no such device", reply.error());
            assertEquals(1, server.failures());
        }
    }

    @Test
    void malformedAndWrongVersionRequestsAreAnsweredNotCrashed() throws Exception
    {
        final Path socket = dir.resolve("agent.sock");
        try (EndpointServer ignored = EndpointServer.start(socket, request -> EndpointReply.success("x", 1, 1),
            Duration.ofSeconds(2)))
        {
            for (final String bad : List.of("{not json", "{\"version\":1,\"command\":\"ADD\",\"containerId\":\"c\"}",
                "{\"version\":2,\"command\":\"DEL\",\"containerId\":\"c\"}",
                "{\"version\":1,\"command\":\"DEL\",\"containerId\":\"c\",\"surprise\":1}"))
            {
                final EndpointReply reply = EndpointCodec.decodeReply(exchange(socket, bad));
                assertFalse(reply.ok(), bad);
                assertEquals(EndpointReply.CODE_INVALID, reply.code(), bad);
            }
            final String missing = EndpointCodec.decodeReply(exchange(socket,
                "{\"version\":1,\"command\":\"ADD\",\"containerId\":\"c\"}")).error();
            assertTrue(missing.contains("hostInterface"), missing);
        }
    }

    @Test
    void slowHandlerDoesNotBlockOtherRequests() throws Exception
    {
        final Path socket = dir.resolve("agent.sock");
        final CountDownLatch release = new CountDownLatch(1);
        try (EndpointServer ignored = EndpointServer.start(socket, request ->
        {
            if (request.containerId().equals("slow"))
            {
                release.await();
            }
            return EndpointReply.success("m", 1450, 1);
        }, Duration.ofSeconds(2)))
        {
            final Thread slow = Thread.ofVirtual().start(() ->
            {
                try
                {
                    new EndpointClient(socket, Duration.ofSeconds(10)).call(add("slow"));
                }
                catch (final IOException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            assertTrue(new EndpointClient(socket, Duration.ofSeconds(5)).call(add("fast")).ok());
            release.countDown();
            slow.join();
        }
    }

    @Test
    void unreachableAgentAndTimeoutNameTheSocket() throws Exception
    {
        final Path missing = dir.resolve("nobody.sock");
        final IOException unreachable = assertThrows(IOException.class,
            () -> new EndpointClient(missing, Duration.ofSeconds(1)).call(add("c")));
        assertTrue(unreachable.getMessage().contains(missing.toString()), unreachable.getMessage());

        final Path socket = dir.resolve("agent.sock");
        final CountDownLatch never = new CountDownLatch(1);
        try (EndpointServer ignored = EndpointServer.start(socket, request ->
        {
            never.await();
            return null;
        }, Duration.ofSeconds(2)))
        {
            final IOException timeout = assertThrows(IOException.class,
                () -> new EndpointClient(socket, Duration.ofMillis(300)).call(add("c")));
            assertTrue(timeout.getMessage().contains("did not answer"), timeout.getMessage());
        }
        finally
        {
            never.countDown();
        }
    }

    private static String exchange(final Path socket, final String line) throws IOException
    {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX))
        {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            final long deadline = System.nanoTime() + 5_000_000_000L;
            LineChannel.writeLine(channel, line, deadline);
            return LineChannel.readLine(channel, EndpointCodec.MAX_LINE, deadline);
        }
    }
}
