package dev.sluice.perf.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.DoubleFunction;

/**
 * Small hand-written SVG charts for the bench report (no script, no external resources): line charts on linear
 * or logarithmic axes and horizontal bar charts. Every chart is a complete {@code <svg>} element with its own
 * width, height and {@code viewBox}, so it can be inlined in HTML or saved as a standalone file.
 */
public final class Svg
{
    /** Font used by every chart. */
    static final String FONT = "font-family=\"Helvetica,Arial,sans-serif\"";

    private static final int MARGIN_LEFT = 72;
    private static final int MARGIN_RIGHT = 250;
    private static final int MARGIN_TOP = 36;
    private static final int MARGIN_BOTTOM = 48;
    private static final int MARKER_LIMIT = 12;

    /**
     * A tick on an axis.
     *
     * @param value the data value
     * @param label its label
     */
    public record Tick(double value, String label)
    {
    }

    /**
     * An axis.
     *
     * @param label the axis title
     * @param min   smallest value shown (> 0 on a log axis)
     * @param max   largest value shown
     * @param log   logarithmic (base 10) or linear
     * @param ticks the ticks with labels
     */
    public record Axis(String label, double min, double max, boolean log, List<Tick> ticks)
    {
        /**
         * Checks the range.
         */
        public Axis
        {
            Objects.requireNonNull(label, "label");
            if (!(max > min) || (log && !(min > 0)))
            {
                throw new IllegalArgumentException("bad axis range for '" + label + "': " + min + ".." + max
                    + (log ? " (log)" : ""));
            }
            ticks = List.copyOf(ticks);
        }

        /**
         * Position of a value in [0, 1] along the axis (clamped).
         *
         * @param value the value
         * @return the fraction.
         */
        double fraction(final double value)
        {
            final double f = log
                ? (Math.log10(Math.max(value, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
                : (value - min) / (max - min);
            return Math.max(0, Math.min(1, f));
        }
    }

    /**
     * A point of a line.
     *
     * @param x x value
     * @param y y value
     */
    public record Point(double x, double y)
    {
    }

    /**
     * One line of a line chart.
     *
     * @param name   legend text
     * @param color  CSS color
     * @param dashed drawn dashed
     * @param points the points, in x order
     */
    public record Series(String name, String color, boolean dashed, List<Point> points)
    {
        /**
         * Copies the points.
         */
        public Series
        {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(color, "color");
            points = List.copyOf(points);
        }
    }

    /**
     * One bar of a bar chart.
     *
     * @param label     the category (left of the bar)
     * @param value     the bar length (0 for a failed measurement)
     * @param valueText the text after the bar (value, loss, or the error)
     * @param color     CSS color
     * @param error     whether the text reports an error (drawn in red)
     */
    public record Bar(String label, double value, String valueText, String color, boolean error)
    {
    }

    private Svg()
    {
    }

    /**
     * A line chart with a legend on the right.
     *
     * @param title  chart title
     * @param x      x axis
     * @param y      y axis
     * @param series the lines
     * @param width  total width in pixels
     * @param height total height in pixels
     * @return the {@code <svg>} element.
     */
    public static String lineChart(
        final String title, final Axis x, final Axis y, final List<Series> series, final int width, final int height)
    {
        final StringBuilder svg = open(width, height, title);
        final int plotW = width - MARGIN_LEFT - MARGIN_RIGHT;
        final int plotH = height - MARGIN_TOP - MARGIN_BOTTOM;
        svg.append(String.format(Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" stroke=\"#999\"/>\n",
            MARGIN_LEFT, MARGIN_TOP, plotW, plotH));
        for (final Tick tick : x.ticks())
        {
            final double px = MARGIN_LEFT + x.fraction(tick.value()) * plotW;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" %s>%s</text>\n",
                px, MARGIN_TOP, px, MARGIN_TOP + plotH, px, MARGIN_TOP + plotH + 15, FONT, escape(tick.label())));
        }
        for (final Tick tick : y.ticks())
        {
            final double py = MARGIN_TOP + (1 - y.fraction(tick.value())) * plotH;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                + "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" %s>%s</text>\n",
                MARGIN_LEFT, py, MARGIN_LEFT + plotW, py, MARGIN_LEFT - 6, py + 4, FONT, escape(tick.label())));
        }
        svg.append(String.format(Locale.ROOT,
            "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" %s>%s</text>\n",
            MARGIN_LEFT + plotW / 2.0, height - 10, FONT, escape(x.label())));
        svg.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 14 %.1f)\" %s>%s</text>\n", MARGIN_TOP + plotH / 2.0, MARGIN_TOP + plotH / 2.0,
            FONT, escape(y.label())));
        if (series.stream().allMatch(s -> s.points().isEmpty()))
        {
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" fill=\"#999\" "
                + "text-anchor=\"middle\" %s>no data in this run</text>\n", MARGIN_LEFT + plotW / 2.0,
                MARGIN_TOP + plotH / 2.0, FONT));
        }
        int legendRow = 0;
        for (final Series s : series)
        {
            if (s.points().isEmpty())
            {
                continue;
            }
            final StringBuilder path = new StringBuilder();
            for (final Point p : s.points())
            {
                path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f,%.1f",
                    MARGIN_LEFT + x.fraction(p.x()) * plotW, MARGIN_TOP + (1 - y.fraction(p.y())) * plotH));
            }
            svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s>"
                + "<title>%s</title></path>\n", path, s.color(), s.dashed() ? " stroke-dasharray=\"6 4\"" : "",
                escape(s.name())));
            if (s.points().size() <= MARKER_LIMIT)
            {
                // Few points (cost against Services): mark each, so a single measured point is visible too.
                for (final Point p : s.points())
                {
                    svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
                        MARGIN_LEFT + x.fraction(p.x()) * plotW, MARGIN_TOP + (1 - y.fraction(p.y())) * plotH,
                        s.color()));
                }
            }
            final int ly = MARGIN_TOP + 8 + legendRow * 18;
            final int lx = MARGIN_LEFT + plotW + 12;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                + "stroke-width=\"2\"%s/><text x=\"%d\" y=\"%d\" font-size=\"11\" %s>%s</text>\n", lx, ly, lx + 22, ly,
                s.color(), s.dashed() ? " stroke-dasharray=\"6 4\"" : "", lx + 28, ly + 4, FONT, escape(s.name())));
            legendRow++;
        }
        return svg.append("</svg>\n").toString();
    }

    /**
     * A horizontal bar chart (one row per bar, the value and notes after each bar).
     *
     * @param title chart title
     * @param bars  the bars, top to bottom
     * @param width total width in pixels
     * @return the {@code <svg>} element.
     */
    public static String barChart(final String title, final List<Bar> bars, final int width)
    {
        final int labelW = 230;
        final int textW = 250;
        final int row = 22;
        final int height = MARGIN_TOP + Math.max(1, bars.size()) * row + 16;
        final StringBuilder svg = open(width, height, title);
        final int barW = width - labelW - textW - 20;
        final double max = bars.stream().mapToDouble(Bar::value).filter(Double::isFinite).max().orElse(0);
        if (bars.isEmpty())
        {
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#999\" %s>"
                + "no data in this run</text>\n", labelW, MARGIN_TOP + 14, FONT));
        }
        for (int i = 0; i < bars.size(); i++)
        {
            final Bar bar = bars.get(i);
            final int y = MARGIN_TOP + i * row;
            final double length = max > 0 && Double.isFinite(bar.value()) ? Math.max(0, bar.value()) / max * barW : 0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\" %s>"
                + "%s</text>\n", labelW - 8, y + 15, FONT, escape(bar.label())));
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                + "<title>%s: %s</title></rect>\n", labelW, y + 3, length, row - 6, bar.color(),
                escape(bar.label()), escape(bar.valueText())));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" fill=\"%s\" %s>%s"
                + "</text>\n", labelW + length + 6, y + 15, bar.error() ? "#c00" : "#333", FONT,
                escape(bar.valueText())));
        }
        return svg.append("</svg>\n").toString();
    }

    /**
     * Ticks at 1, 2 and 5 times the powers of ten inside [min, max] (only the powers when the range spans more
     * than three decades).
     *
     * @param min    smallest value (> 0)
     * @param max    largest value
     * @param format the label of a value
     * @return the ticks.
     */
    public static List<Tick> logTicks(final double min, final double max, final DoubleFunction<String> format)
    {
        final List<Tick> ticks = new ArrayList<>();
        final boolean wide = Math.log10(max / min) > 3;
        for (int exponent = (int)Math.floor(Math.log10(min)); exponent <= (int)Math.ceil(Math.log10(max)); exponent++)
        {
            for (final int m : wide ? new int[] {1} : new int[] {1, 2, 5})
            {
                final double value = m * Math.pow(10, exponent);
                if (value >= min * 0.999 && value <= max * 1.001)
                {
                    ticks.add(new Tick(value, format.apply(value)));
                }
            }
        }
        return ticks;
    }

    /**
     * The smallest power of ten at or below a value, and the largest at or above another: a log axis range.
     *
     * @param min smallest data value (> 0)
     * @param max largest data value
     * @return {min, max} rounded out to powers of ten.
     */
    public static double[] decades(final double min, final double max)
    {
        final double lo = Math.pow(10, Math.floor(Math.log10(min)));
        double hi = Math.pow(10, Math.ceil(Math.log10(max)));
        if (hi <= lo)
        {
            hi = lo * 10;
        }
        return new double[] {lo, hi};
    }

    /**
     * A compact number: 950, 1.5k, 12k, 3.2M.
     *
     * @param value the value
     * @return the text.
     */
    public static String si(final double value)
    {
        final double a = Math.abs(value);
        if (a >= 1e9)
        {
            return trim(value / 1e9) + "G";
        }
        if (a >= 1e6)
        {
            return trim(value / 1e6) + "M";
        }
        if (a >= 1e3)
        {
            return trim(value / 1e3) + "k";
        }
        return trim(value);
    }

    private static String trim(final double value)
    {
        if (value == Math.rint(value))
        {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        return Math.abs(value) >= 10 ? String.format(Locale.ROOT, "%.0f", value)
            : String.format(Locale.ROOT, "%.2g", value).replaceAll("\\.?0+$", "");
    }

    /**
     * Escapes text for XML content and attributes.
     *
     * @param text the text
     * @return the escaped text.
     */
    public static String escape(final String text)
    {
        final StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return out.toString();
    }

    private static StringBuilder open(final int width, final int height, final String title)
    {
        final StringBuilder svg = new StringBuilder(8192);
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "viewBox=\"0 0 %d %d\" role=\"img\">\n<title>%s</title>\n<rect width=\"100%%\" height=\"100%%\" "
            + "fill=\"#fff\"/>\n<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\" %s>%s</text>\n",
            width, height, width, height, escape(title), MARGIN_LEFT, FONT, escape(title)));
        return svg;
    }
}
