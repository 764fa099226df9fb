package dev.sluice.control.logging;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import dev.sluice.fastpath.event.VerdictEvent;

/**
 * Text forms shared by the policy action log, the flow stream and the CLI: JSON string escaping, RFC 3339
 * timestamps with nanoseconds, protocol and direction names.
 */
public final class FlowText
{
    private static final DateTimeFormatter RFC3339_NANOS =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private FlowText()
    {
    }

    /**
     * Appends {@code value} as a JSON string (RFC 8259 section 7): quotes, backslash and control characters are
     * escaped; {@code null} becomes {@code null}.
     *
     * @param out   where to append.
     * @param value the string, or null.
     * @return {@code out}.
     */
    public static StringBuilder appendJsonString(final StringBuilder out, final String value)
    {
        if (value == null)
        {
            return out.append("null");
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default ->
                {
                    if (c < 0x20)
                    {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"');
    }

    /**
     * @param epochNs nanoseconds since the Unix epoch.
     * @return RFC 3339 UTC with nine fraction digits, e.g. {@code 2026-11-25T06:20:57.123456789Z}.
     */
    public static String rfc3339(final long epochNs)
    {
        return RFC3339_NANOS.format(Instant.ofEpochSecond(Math.floorDiv(epochNs, 1_000_000_000L),
            Math.floorMod(epochNs, 1_000_000_000L)));
    }

    /**
     * @param text an RFC 3339 timestamp.
     * @return nanoseconds since the Unix epoch.
     */
    public static long parseRfc3339(final String text)
    {
        final Instant instant = Instant.parse(text);
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    /**
     * @param protocol an IANA protocol number.
     * @return {@code tcp}, {@code udp}, {@code sctp}, {@code icmp}, {@code icmpv6}, or the number as text.
     */
    public static String protocolName(final int protocol)
    {
        return switch (protocol)
        {
            case 6 -> "tcp";
            case 17 -> "udp";
            case 132 -> "sctp";
            case 1 -> "icmp";
            case 58 -> "icmpv6";
            default -> Integer.toString(protocol);
        };
    }

    /**
     * @param name a protocol name (any case) or number.
     * @return the IANA number, or -1 when unknown.
     */
    public static int protocolNumber(final String name)
    {
        return switch (name.toLowerCase(java.util.Locale.ROOT))
        {
            case "tcp" -> 6;
            case "udp" -> 17;
            case "sctp" -> 132;
            case "icmp" -> 1;
            case "icmpv6" -> 58;
            default ->
            {
                try
                {
                    final int n = Integer.parseInt(name);
                    yield n >= 0 && n <= 255 ? n : -1;
                }
                catch (final NumberFormatException e)
                {
                    yield -1;
                }
            }
        };
    }

    /**
     * @param direction {@link VerdictEvent#DIRECTION_INGRESS} or {@link VerdictEvent#DIRECTION_EGRESS}.
     * @return {@code ingress}, {@code egress} or {@code unknown}.
     */
    public static String directionName(final int direction)
    {
        return switch (direction)
        {
            case VerdictEvent.DIRECTION_INGRESS -> "ingress";
            case VerdictEvent.DIRECTION_EGRESS -> "egress";
            default -> "unknown";
        };
    }
}
