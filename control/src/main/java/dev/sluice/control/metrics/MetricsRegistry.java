package dev.sluice.control.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Where components register their metrics by name and labels, and what {@code /metrics} renders in the Prometheus
 * text exposition format 0.0.4. A series is a supplier that reads a value the component already keeps (a
 * single-writer counter read with acquire, a table's occupancy); nothing is looked up reflectively per scrape, and
 * each series' label text is rendered once at registration.
 *
 * <p>Families print in registration order with their {@code # HELP} and {@code # TYPE}; series within a family in
 * registration order. A supplier that throws is left out of that scrape and counted in
 * {@code sluice_metrics_scrape_errors_total}. Thread-safe: registration from the control thread, scrapes from the
 * HTTP threads.
 */
public final class MetricsRegistry
{
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private final Map<String, Family> families = new LinkedHashMap<>();
    private final AtomicLong scrapeErrors = new AtomicLong();

    /**
     * Creates a registry holding its own {@code sluice_metrics_scrape_errors_total}.
     */
    public MetricsRegistry()
    {
        counter("sluice_metrics_scrape_errors_total", "Series left out of a scrape because reading them failed.",
            Labels.NONE, scrapeErrors::get);
    }

    /**
     * Register a counter series (monotonic).
     *
     * @param name   the family name, ending in {@code _total} by convention.
     * @param help   the help text.
     * @param labels the series labels.
     * @param value  reads the current value.
     * @return this registry.
     */
    public MetricsRegistry counter(final String name, final String help, final Labels labels, final LongSupplier value)
    {
        return add(name, help, "counter", labels, new LongSeries(labels.text(), value));
    }

    /**
     * Register an integer gauge series.
     *
     * @param name   the family name.
     * @param help   the help text.
     * @param labels the series labels.
     * @param value  reads the current value.
     * @return this registry.
     */
    public MetricsRegistry gauge(final String name, final String help, final Labels labels, final LongSupplier value)
    {
        return add(name, help, "gauge", labels, new LongSeries(labels.text(), value));
    }

    /**
     * Register a floating-point gauge series.
     *
     * @param name   the family name.
     * @param help   the help text.
     * @param labels the series labels.
     * @param value  reads the current value.
     * @return this registry.
     */
    public MetricsRegistry gaugeDouble(final String name, final String help, final Labels labels,
        final DoubleSupplier value)
    {
        return add(name, help, "gauge", labels, new DoubleSeries(labels.text(), value));
    }

    /**
     * Register a histogram series ({@code _bucket}, {@code _sum}, {@code _count}).
     *
     * @param name      the family name, ending in the unit ({@code _seconds}).
     * @param help      the help text.
     * @param labels    the series labels.
     * @param histogram the histogram.
     * @return this registry.
     */
    public MetricsRegistry histogram(final String name, final String help, final Labels labels,
        final LatencyHistogram histogram)
    {
        return add(name, help, "histogram", labels, new HistogramSeries(name, labels, histogram));
    }

    /**
     * Remove every series of a family that has exactly these labels (e.g. a worker that stopped).
     *
     * @param name   the family name.
     * @param labels the labels.
     * @return true when a series was removed.
     */
    public synchronized boolean remove(final String name, final Labels labels)
    {
        final Family family = families.get(name);
        return family != null && family.series.remove(labels) != null;
    }

    private synchronized MetricsRegistry add(final String name, final String help, final String type,
        final Labels labels, final Series series)
    {
        if (name == null || !NAME.matcher(name).matches())
        {
            throw new IllegalArgumentException("bad metric name: " + name);
        }
        final Family family = families.computeIfAbsent(name, n -> new Family(n, help, type));
        if (!family.type.equals(type))
        {
            throw new IllegalArgumentException("metric " + name + " is a " + family.type + ", not a " + type);
        }
        if (family.series.putIfAbsent(labels, series) != null)
        {
            throw new IllegalArgumentException("metric " + name + labels.text() + " is already registered");
        }
        return this;
    }

    /**
     * Render every family in the text exposition format 0.0.4.
     *
     * @param out where to append.
     */
    public void writeText(final StringBuilder out)
    {
        final List<Family> snapshot;
        synchronized (this)
        {
            snapshot = new ArrayList<>(families.size());
            for (final Family f : families.values())
            {
                snapshot.add(f.copy());
            }
        }
        for (final Family family : snapshot)
        {
            if (family.series.isEmpty())
            {
                continue;
            }
            out.append("# HELP ").append(family.name).append(' ');
            escapeHelp(out, family.help);
            out.append('\n');
            out.append("# TYPE ").append(family.name).append(' ').append(family.type).append('\n');
            for (final Series series : family.series.values())
            {
                final int mark = out.length();
                try
                {
                    series.write(family.name, out);
                }
                catch (final RuntimeException e)
                {
                    out.setLength(mark);
                    scrapeErrors.incrementAndGet();
                }
            }
        }
    }

    /**
     * @return the whole exposition as text.
     */
    public String scrape()
    {
        final StringBuilder out = new StringBuilder(8192);
        writeText(out);
        return out.toString();
    }

    private static void escapeHelp(final StringBuilder out, final String help)
    {
        for (int i = 0; i < help.length(); i++)
        {
            final char c = help.charAt(i);
            switch (c)
            {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    static void appendDouble(final StringBuilder out, final double value)
    {
        if (Double.isNaN(value))
        {
            out.append("NaN");
        }
        else if (Double.isInfinite(value))
        {
            out.append(value > 0 ? "+Inf" : "-Inf");
        }
        else if (value == Math.rint(value) && Math.abs(value) < 1e15)
        {
            out.append((long)value);
        }
        else
        {
            out.append(java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString());
        }
    }

    private static final class Family
    {
        final String name;
        final String help;
        final String type;
        final Map<Labels, Series> series = new LinkedHashMap<>();

        Family(final String name, final String help, final String type)
        {
            this.name = name;
            this.help = help;
            this.type = type;
        }

        Family copy()
        {
            final Family f = new Family(name, help, type);
            f.series.putAll(series);
            return f;
        }
    }

    private interface Series
    {
        void write(String name, StringBuilder out);
    }

    private record LongSeries(String labels, LongSupplier value) implements Series
    {
        @Override
        public void write(final String name, final StringBuilder out)
        {
            final long v = value.getAsLong();
            out.append(name).append(labels).append(' ').append(v).append('\n');
        }
    }

    private record DoubleSeries(String labels, DoubleSupplier value) implements Series
    {
        @Override
        public void write(final String name, final StringBuilder out)
        {
            final double v = value.getAsDouble();
            out.append(name).append(labels).append(' ');
            appendDouble(out, v);
            out.append('\n');
        }
    }

    private static final class HistogramSeries implements Series
    {
        private final LatencyHistogram histogram;
        private final String[] bucketLabels;
        private final String labels;

        HistogramSeries(final String name, final Labels labels, final LatencyHistogram histogram)
        {
            this.histogram = histogram;
            this.labels = labels.text();
            final double[] bounds = histogram.boundsSeconds();
            this.bucketLabels = new String[bounds.length + 1];
            for (int i = 0; i < bounds.length; i++)
            {
                final StringBuilder le = new StringBuilder();
                appendDouble(le, bounds[i]);
                bucketLabels[i] = labels.renderWith("le", le.toString());
            }
            bucketLabels[bounds.length] = labels.renderWith("le", "+Inf");
        }

        @Override
        public void write(final String name, final StringBuilder out)
        {
            final LatencyHistogram.Snapshot s = histogram.snapshot();
            for (int i = 0; i < s.cumulative().length; i++)
            {
                out.append(name).append("_bucket").append(bucketLabels[i]).append(' ').append(s.cumulative()[i])
                    .append('\n');
            }
            out.append(name).append("_bucket").append(bucketLabels[s.cumulative().length]).append(' ')
                .append(s.count()).append('\n');
            out.append(name).append("_sum").append(labels).append(' ');
            appendDouble(out, s.sumSeconds());
            out.append('\n');
            out.append(name).append("_count").append(labels).append(' ').append(s.count()).append('\n');
        }
    }
}
