package dev.sluice.control.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import dev.sluice.control.metrics.AgentHttpServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code sluice observe}: prints the flows of an agent's flow stream ({@code /flows}), like {@code hubble observe}.
 * One line per flow:
 * <pre>
 * 2026-11-25T06:20:57.123456789Z client-7d4b9c8f6d-abcde(prod) :40000 -> web-0(prod) :8080 TCP ALLOWED by policy prod/allow-web
 * 2026-11-25T06:20:58.000000001Z 198.19.7.7 :50000 -> web-0(prod) :9090 TCP DENIED
 * </pre>
 * or the flow's JSON line with {@code --output json}.
 */
@Command(name = "observe", mixinStandardHelpOptions = true,
    description = {
        "Print the flows an agent saw: the last ones, then (with --follow) new ones as they happen.",
        "Filters are ANDed; --pod, --namespace and --port match either end of a flow.",
        "Exit status: 0 when done, 1 when the agent cannot be reached or rejects the request."
    })
public final class ObserveCommand implements Callable<Integer>
{
    static final String DEFAULT_SERVER = "http://127.0.0.1:" + AgentHttpServer.DEFAULT_PORT;

    @Option(names = "--server", paramLabel = "URL", defaultValue = DEFAULT_SERVER,
        description = "the agent's HTTP endpoint (default: ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--pod", paramLabel = "[NAMESPACE/]NAME", description = "flows from or to this pod")
    String pod;

    @Option(names = "--namespace", paramLabel = "NAME", description = "flows from or to pods of this namespace")
    String namespace;

    @Option(names = "--verdict", paramLabel = "ALLOWED|DENIED", description = "only flows with this verdict")
    String verdict;

    @Option(names = "--protocol", paramLabel = "PROTO", description = "tcp, udp, sctp, icmp, icmpv6 or a number")
    String protocol;

    @Option(names = "--port", paramLabel = "PORT", description = "flows from or to this port")
    Integer port;

    @Option(names = "--last", paramLabel = "N", defaultValue = "20",
        description = "past flows to print first (default: ${DEFAULT-VALUE})")
    int last;

    @Option(names = { "-f", "--follow" }, description = "keep printing new flows until interrupted")
    boolean follow;

    @Option(names = "--max-flows", paramLabel = "N", defaultValue = "0",
        description = "stop after printing N flows (0: no limit)")
    long maxFlows;

    @Option(names = { "-o", "--output" }, paramLabel = "text|json", defaultValue = "text",
        description = "line format (default: ${DEFAULT-VALUE})")
    String output;

    @Override
    public Integer call()
    {
        final PrintStream out = System.out;
        final boolean json = "json".equalsIgnoreCase(output);
        if (!json && !"text".equalsIgnoreCase(output))
        {
            System.err.println("--output must be text or json, not '" + output + "'");
            return 2;
        }
        final StringBuilder query = new StringBuilder("/flows?last=").append(last);
        param(query, "follow", follow ? "true" : null);
        param(query, "pod", pod);
        param(query, "namespace", namespace);
        param(query, "verdict", verdict);
        param(query, "protocol", protocol);
        param(query, "port", port == null ? null : port.toString());
        final JsonMapper mapper = JsonMapper.builder().build();
        // Not closed with try-with-resources: HttpClient.close() waits for a followed stream that never ends.
        final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
        try
        {
            final HttpResponse<Stream<String>> response = http.send(
                HttpRequest.newBuilder(URI.create(stripSlash(server) + query)).build(),
                HttpResponse.BodyHandlers.ofLines());
            try (Stream<String> lines = response.body())
            {
                if (response.statusCode() != 200)
                {
                    System.err.println(server + " answered " + response.statusCode() + ": "
                        + String.join(" ", lines.toList()).trim());
                    return 1;
                }
                long printed = 0;
                final Iterator<String> it = lines.iterator();
                while ((maxFlows <= 0 || printed < maxFlows) && it.hasNext())
                {
                    final String line = it.next();
                    if (line.isBlank())
                    {
                        continue;
                    }
                    out.println(json ? line : format(mapper.readTree(line)));
                    out.flush();
                    printed++;
                }
            }
            return 0;
        }
        catch (final IOException | IllegalArgumentException e)
        {
            System.err.println("cannot read flows from " + server + ": " + e);
            return 1;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return 1;
        }
        finally
        {
            http.shutdownNow();
        }
    }

    static String stripSlash(final String url)
    {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static void param(final StringBuilder query, final String name, final String value)
    {
        if (value != null && !value.isEmpty())
        {
            query.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }

    /**
     * @param flow a {@code /flows} JSON line.
     * @return the one-line text form.
     */
    static String format(final JsonNode flow)
    {
        final StringBuilder sb = new StringBuilder(160);
        sb.append(flow.path("time").asString()).append(' ');
        endpoint(sb, flow.path("src"), flow.path("src_ip").asString(), flow.path("src_port").asInt());
        sb.append(" -> ");
        endpoint(sb, flow.path("dest"), flow.path("dest_ip").asString(), flow.path("dest_port").asInt());
        sb.append(' ').append(flow.path("protocol").asString().toUpperCase(Locale.ROOT));
        sb.append(' ').append(flow.path("verdict").asString());
        final JsonNode policy = flow.path("policy");
        if (policy.isObject())
        {
            sb.append(" by policy ").append(policy.path("namespace").asString()).append('/')
                .append(policy.path("name").asString());
        }
        final JsonNode reason = flow.path("drop_reason");
        if (reason.isString())
        {
            sb.append(" (").append(reason.asString()).append(')');
        }
        return sb.toString();
    }

    private static void endpoint(final StringBuilder sb, final JsonNode endpoint, final String ip, final int port)
    {
        if (endpoint.hasNonNull("pod_name"))
        {
            sb.append(endpoint.path("pod_name").asString()).append('(').append(endpoint.path("pod_namespace").asString())
                .append(')');
        }
        else
        {
            sb.append(ip);
        }
        sb.append(" :").append(port);
    }
}
