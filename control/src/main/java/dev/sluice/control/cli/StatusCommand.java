package dev.sluice.control.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import dev.sluice.control.metrics.NodeStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice status}: a one-screen summary of a node from its agent's {@code /status} and {@code /metrics}.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = {
        "Summarise a node: readiness, interfaces and XDP mode, tables and generations, workers, per-stage cost,",
        "drops, conntrack, verdict events, policy logging and apply latency.",
        "Exit status: 0 when the agent is ready, 3 when it answers but is not ready, 1 when it cannot be reached."
    })
public final class StatusCommand implements Callable<Integer>
{
    @Option(names = "--server", paramLabel = "URL", defaultValue = ObserveCommand.DEFAULT_SERVER,
        description = "the agent's HTTP endpoint (default: ${DEFAULT-VALUE})")
    String server;

    @Override
    public Integer call()
    {
        final String base = ObserveCommand.stripSlash(server);
        final String statusJson;
        final String metricsText;
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build())
        {
            statusJson = fetch(http, base + "/status");
            metricsText = fetch(http, base + "/metrics");
        }
        catch (final IOException | IllegalArgumentException e)
        {
            System.err.println("cannot read status from " + server + ": " + e.getMessage());
            return 1;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            return 1;
        }
        final NodeStatus status = NodeStatus.fromJson(statusJson);
        print(System.out, status, Samples.parse(metricsText));
        return status.ready() ? 0 : 3;
    }

    private static String fetch(final HttpClient http, final String url) throws IOException, InterruptedException
    {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200)
        {
            throw new IOException(url + " answered " + response.statusCode() + ": " + response.body().trim());
        }
        return response.body();
    }

    static void print(final PrintStream out, final NodeStatus s, final Samples m)
    {
        out.printf(Locale.ROOT, "Node:           %s (sluice %s, up %s, HTTP on %s)%n", s.nodeName(), s.version(),
            Duration.ofSeconds(s.uptimeSeconds()).toString().substring(2).toLowerCase(Locale.ROOT),
            s.httpTransport() == null ? "?" : s.httpTransport().toLowerCase(Locale.ROOT));
        out.printf(Locale.ROOT, "Ready:          %s%n", s.ready() ? "yes" : "no (" + s.notReadyReason() + ")");
        out.println("Interfaces:");
        out.printf(Locale.ROOT, "  %-16s %-7s %-8s %6s %8s%n", "NAME", "ROLE", "XDP", "QUEUES", "PROG");
        for (final NodeStatus.InterfaceStatus i : s.interfaces())
        {
            out.printf(Locale.ROOT, "  %-16s %-7s %-8s %6d %8d%n", i.name(), i.role(), i.xdpMode(), i.queues(),
                i.programId());
        }
        out.println("Tables:");
        out.printf(Locale.ROOT, "  %-16s %10s %10s %10s%n", "NAME", "GENERATION", "ENTRIES", "CAPACITY");
        for (final NodeStatus.TableStatus t : s.tables())
        {
            out.printf(Locale.ROOT, "  %-16s %10d %10d %10d%n", t.name(), t.generation(), t.entries(), t.capacity());
        }
        out.print("Workers:       ");
        for (final NodeStatus.WorkerStatus w : s.workers())
        {
            out.printf(Locale.ROOT, " #%d(cpu %d, gen %d)", w.id(), w.cpu(), w.installedGeneration());
        }
        out.println();

        final Map<String, long[]> stages = new LinkedHashMap<>();
        for (final Sample sample : m.named("sluice_stage_packets_total"))
        {
            stages.computeIfAbsent(sample.label("stage"), k -> new long[2])[0] += (long)sample.value();
        }
        for (final Sample sample : m.named("sluice_stage_nanoseconds_total"))
        {
            stages.computeIfAbsent(sample.label("stage"), k -> new long[2])[1] += (long)sample.value();
        }
        out.println("Stages (all workers):");
        out.printf(Locale.ROOT, "  %-16s %14s %10s%n", "STAGE", "PACKETS", "NS/PKT");
        stages.forEach((stage, pn) -> out.printf(Locale.ROOT, "  %-16s %14d %10.1f%n", stage, pn[0],
            pn[0] == 0 ? 0.0 : (double)pn[1] / pn[0]));

        final Map<String, Long> drops = new TreeMap<>();
        long dropTotal = 0;
        for (final Sample sample : m.named("sluice_drops_total"))
        {
            if (sample.value() > 0)
            {
                drops.merge(sample.label("reason"), (long)sample.value(), Long::sum);
                dropTotal += (long)sample.value();
            }
        }
        final List<String> dropText = new ArrayList<>();
        drops.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
            .forEach(e -> dropText.add(e.getKey() + " " + e.getValue()));
        out.printf(Locale.ROOT, "Drops:          %d%s%n", dropTotal, dropText.isEmpty() ? "" : " (" +
            String.join(", ", dropText) + ")");
        out.printf(Locale.ROOT, "Conntrack:      %d / %d entries%n", (long)m.sum("sluice_conntrack_entries"),
            (long)m.sum("sluice_conntrack_capacity"));
        out.printf(Locale.ROOT, "Verdict events: %d published, %d dropped (ring full)%n",
            (long)m.sumWhere("sluice_verdict_events_total", "result", "published"),
            (long)m.sumWhere("sluice_verdict_events_total", "result", "dropped"));
        out.printf(Locale.ROOT, "Policy log:     allow %d (suppressed %d), deny %d (suppressed %d), errors %d%n",
            (long)m.sumWhere("sluice_policy_log_records_total", "disposition", "allow"),
            (long)m.sumWhere("sluice_policy_log_suppressed_total", "disposition", "allow"),
            (long)m.sumWhere("sluice_policy_log_records_total", "disposition", "deny"),
            (long)m.sumWhere("sluice_policy_log_suppressed_total", "disposition", "deny"),
            (long)m.sum("sluice_policy_log_write_errors_total"));
        out.printf(Locale.ROOT, "Flow stream:    %d followers, %d flows skipped, %d followers dropped%n",
            (long)m.sum("sluice_flow_stream_subscribers"), (long)m.sum("sluice_flow_stream_skipped_total"),
            (long)m.sum("sluice_flow_stream_dropped_subscribers_total"));
        final long applies = (long)m.sum("sluice_apply_latency_seconds_count");
        out.printf(Locale.ROOT, "Apply latency:  %d applies%s%n", applies, applies == 0 ? ""
            : ", p50 <= " + m.quantileBound("sluice_apply_latency_seconds", 0.5)
            + ", p99 <= " + m.quantileBound("sluice_apply_latency_seconds", 0.99));
        if (!s.counters().isEmpty())
        {
            out.println("Counters:");
            new TreeMap<>(s.counters()).forEach((k, v) -> out.printf(Locale.ROOT, "  %-32s %d%n", k, v));
        }
    }

    /**
     * One sample of the text exposition format.
     *
     * @param name   the sample name.
     * @param labels its labels.
     * @param value  its value.
     */
    record Sample(String name, Map<String, String> labels, double value)
    {
        String label(final String key)
        {
            return labels.getOrDefault(key, "");
        }
    }

    /**
     * The samples of a Prometheus text exposition (format 0.0.4), parsed just enough for the summary.
     *
     * @param samples every sample in order.
     */
    record Samples(List<Sample> samples)
    {
        static Samples parse(final String text)
        {
            final List<Sample> out = new ArrayList<>();
            for (final String line : text.split("\n"))
            {
                if (line.isBlank() || line.startsWith("#"))
                {
                    continue;
                }
                final int space = line.lastIndexOf(' ');
                final String series = line.substring(0, space);
                final double value = switch (line.substring(space + 1))
                {
                    case "+Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    case "NaN" -> Double.NaN;
                    default -> Double.parseDouble(line.substring(space + 1));
                };
                final int brace = series.indexOf('{');
                if (brace < 0)
                {
                    out.add(new Sample(series, Map.of(), value));
                    continue;
                }
                out.add(new Sample(series.substring(0, brace), labels(series.substring(brace + 1, series.length() - 1)),
                    value));
            }
            return new Samples(out);
        }

        private static Map<String, String> labels(final String text)
        {
            final Map<String, String> labels = new LinkedHashMap<>();
            int i = 0;
            while (i < text.length())
            {
                final int eq = text.indexOf('=', i);
                final String name = text.substring(i, eq);
                final StringBuilder value = new StringBuilder();
                int j = eq + 2;
                while (text.charAt(j) != '"')
                {
                    char c = text.charAt(j);
                    if (c == '\\')
                    {
                        j++;
                        c = text.charAt(j) == 'n' ? '\n' : text.charAt(j);
                    }
                    value.append(c);
                    j++;
                }
                labels.put(name, value.toString());
                i = j + 2; // past the closing quote and the comma
            }
            return labels;
        }

        List<Sample> named(final String name)
        {
            return samples.stream().filter(s -> s.name().equals(name)).toList();
        }

        double sum(final String name)
        {
            return named(name).stream().mapToDouble(Sample::value).sum();
        }

        double sumWhere(final String name, final String label, final String value)
        {
            return named(name).stream().filter(s -> value.equals(s.label(label))).mapToDouble(Sample::value).sum();
        }

        /** The smallest bucket bound holding at least the quantile of the observations, as text. */
        String quantileBound(final String histogram, final double q)
        {
            final double count = sum(histogram + "_count");
            for (final Sample bucket : named(histogram + "_bucket"))
            {
                if (bucket.value() >= q * count)
                {
                    final String le = bucket.label("le");
                    if ("+Inf".equals(le))
                    {
                        return "+Inf";
                    }
                    final double seconds = Double.parseDouble(le);
                    return seconds < 1 ? String.format(Locale.ROOT, "%.1f ms", seconds * 1000)
                        : String.format(Locale.ROOT, "%.1f s", seconds);
                }
            }
            return "?";
        }
    }
}
