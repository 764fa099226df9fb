package dev.sluice.wire;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * Textual addresses to and from the primitive forms the codecs and the fast path use: IPv4 as an {@code int},
 * IPv6 as two big-endian {@code long} halves, 128-bit addresses with IPv4 mapped into {@code ::ffff:0:0/96} (the
 * fast path's key shape), MAC as the low 48 bits of a {@code long}. Literals only (never name resolution);
 * configuration-time and tool helpers that allocate and throw {@link IllegalArgumentException} naming the text.
 */
public final class Addresses
{
    private static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    private Addresses()
    {
    }

    /** True when {@code text} is an IPv6 literal (contains a colon). */
    public static boolean isIpv6(final String text)
    {
        return text.indexOf(':') >= 0;
    }

    /** Parses a dotted-quad IPv4 literal. */
    public static int parseIpv4(final String text)
    {
        final byte[] b = literal(text, false);
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    /** Parses an IPv6 literal; returns the high 64 bits. */
    public static long parseIpv6Hi(final String text)
    {
        return bytesToLong(literal(text, true), 0);
    }

    /** Parses an IPv6 literal; returns the low 64 bits. */
    public static long parseIpv6Lo(final String text)
    {
        return bytesToLong(literal(text, true), 8);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (or with dashes) into the low 48 bits of a long. */
    public static long parseMac(final String text)
    {
        final String[] parts = text == null ? new String[0] : text.split("[:-]");
        if (parts.length != 6)
        {
            throw new IllegalArgumentException("bad MAC address: " + text);
        }
        long mac = 0;
        for (final String part : parts)
        {
            if (part.length() != 2)
            {
                throw new IllegalArgumentException("bad MAC address: " + text);
            }
            try
            {
                mac = mac << 8 | Integer.parseInt(part, 16);
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("bad MAC address: " + text, e);
            }
        }
        return mac;
    }

    /** Dotted-quad text of an IPv4 address. */
    public static String ipv4ToString(final int address)
    {
        return (address >>> 24) + "." + (address >>> 16 & 0xFF) + "." + (address >>> 8 & 0xFF) + "." + (address & 0xFF);
    }

    /** RFC 5952 text of an IPv6 address given as halves (never shown as IPv4, even when mapped). */
    public static String ipv6ToString(final long hi, final long lo)
    {
        try
        {
            final byte[] bytes = ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
            return compress(Inet6Address.getByAddress(null, bytes, -1).getHostAddress());
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e); // cannot happen for a 16-byte array
        }
    }

    private static byte[] literal(final String text, final boolean ipv6)
    {
        if (text == null || text.isEmpty() || isIpv6(text) != ipv6 ||
            (!ipv6 && !looksLikeIpv4(text)))
        {
            throw new IllegalArgumentException("bad " + (ipv6 ? "IPv6" : "IPv4") + " address: " + text);
        }
        final byte[] bytes;
        try
        {
            bytes = ipv6 ? Inet6Address.ofLiteral(text).getAddress() : Inet4Address.ofLiteral(text).getAddress();
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException("bad " + (ipv6 ? "IPv6" : "IPv4") + " address: " + text, e);
        }
        if (bytes.length != (ipv6 ? 16 : 4))
        {
            // Inet6Address.ofLiteral turns an IPv4-mapped literal (::ffff:a.b.c.d) into an Inet4Address.
            throw new IllegalArgumentException("IPv4-mapped IPv6 address not accepted: " + text);
        }
        return bytes;
    }

    private static long bytesToLong(final byte[] b, final int from)
    {
        long v = 0;
        for (int i = 0; i < 8; i++)
        {
            v = v << 8 | (b[from + i] & 0xFF);
        }
        return v;
    }

    /** Dotted quad for IPv4-mapped addresses, RFC 5952 text for the others. */
    public static String format(final long hi, final long lo)
    {
        if (hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == IPV4_MAPPED_PREFIX)
        {
            return ipv4ToString((int)lo);
        }
        return ipv6ToString(hi, lo);
    }

    /** Parses an IPv4 or IPv6 literal (never a host name) into {hi, lo}; IPv4 becomes IPv4-mapped. */
    public static long[] parse(final String literal)
    {
        if (literal == null || literal.isEmpty() || !(literal.indexOf(':') >= 0 || looksLikeIpv4(literal)))
        {
            throw new IllegalArgumentException("not an IP address literal: '" + literal + "'");
        }
        final InetAddress address;
        try
        {
            address = InetAddress.ofLiteral(literal);
        }
        catch (final IllegalArgumentException e)
        {
            throw new IllegalArgumentException("not an IP address literal: '" + literal + "'", e);
        }
        final ByteBuffer b = ByteBuffer.wrap(address.getAddress());
        if (address instanceof Inet4Address)
        {
            return new long[] { 0, IPV4_MAPPED_PREFIX | (b.getInt() & 0xFFFF_FFFFL) };
        }
        return new long[] { b.getLong(), b.getLong() };
    }

    /** Exactly four dotted decimal parts: the short forms InetAddress also takes ("198.18.1") are not allowed. */
    private static boolean looksLikeIpv4(final String s)
    {
        return IPV4_DOTTED_QUAD.matcher(s).matches();
    }

    private static final java.util.regex.Pattern IPV4_DOTTED_QUAD =
        java.util.regex.Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

    /** Java prints full IPv6 groups ("2001:2:0:0:0:0:0:1"); shorten the longest zero run as RFC 5952 asks. */
    private static String compress(final String full)
    {
        final String[] groups = full.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; )
        {
            if (groups[i].equals("0"))
            {
                int j = i;
                while (j < groups.length && groups[j].equals("0"))
                {
                    j++;
                }
                if (j - i > bestLength)
                {
                    bestStart = i;
                    bestLength = j - i;
                }
                i = j;
            }
            else
            {
                i++;
            }
        }
        if (bestStart < 0)
        {
            return full;
        }
        final String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        final String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }
}
