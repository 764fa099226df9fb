package dev.sluice.control.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.sluice.control.logging.LoggingFixtures;
import dev.sluice.control.metrics.AgentHttpServer;
import dev.sluice.control.metrics.FlowStream;
import dev.sluice.control.metrics.MetricsRegistry;
import dev.sluice.control.metrics.NodeStatus;
import dev.sluice.control.metrics.Readiness;
import dev.sluice.fastpath.event.VerdictEvents;

/**
 * An in-process agent endpoint for the CLI tests: a verdict ring, a flow stream the test drives, a registry and
 * readiness, served on 127.0.0.1 with an ephemeral port.
 */
final class AgentFixture implements AutoCloseable
{
    final VerdictEvents events = new VerdictEvents(256);
    final LoggingFixtures.ManualClock clock = new LoggingFixtures.ManualClock();
    final MetricsRegistry registry = new MetricsRegistry();
    final Readiness readiness = new Readiness();
    final FlowStream flows;
    final AgentHttpServer server;

    AgentFixture() throws Exception
    {
        flows = new FlowStream(events, 1024, 100, "node-a", LoggingFixtures.metadata(),
            () -> 1_795_000_000_000_000_000L + clock.nanoTime());
        server = AgentHttpServer.start(new InetSocketAddress("127.0.0.1", 0), 1, registry, readiness, flows,
            AgentFixture::status);
    }

    static NodeStatus status()
    {
        return new NodeStatus("node-a", "0.1.0", false, null, 3723, null,
            List.of(new NodeStatus.InterfaceStatus("eth0", "uplink", "native", 2, 42),
                new NodeStatus.InterfaceStatus("lxc1a2b3c", "pod", "generic", 1, 42)),
            List.of(new NodeStatus.TableStatus("policy", 17, 1234, 65536),
                new NodeStatus.TableStatus("services", 17, 40, 4096)),
            List.of(new NodeStatus.WorkerStatus(0, 2, 17), new NodeStatus.WorkerStatus(1, 3, 17)),
            Map.of("rx_frames", 123456L, "tx_frames", 120001L));
    }

    String url()
    {
        return "http://127.0.0.1:" + server.port();
    }

    @Override
    public void close()
    {
        server.close();
        flows.close();
    }

    record Run(int exitCode, String stdout, String stderr)
    {
    }

    static Run run(final String... args)
    {
        final PrintStream oldOut = System.out;
        final PrintStream oldErr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        try
        {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            final int code = SluiceCli.commandLine().execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
