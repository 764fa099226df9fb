package dev.sluice.geneve;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Parsing of textual addresses into the primitive forms the codec uses: IPv4 as an {@code int}, IPv6 as two
 * big-endian {@code long} halves, MAC as the low 48 bits of a {@code long}. Literals only (no name resolution);
 * configuration-time helpers that throw {@link IllegalArgumentException} naming the offending text.
 */
public final class Addresses
{
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

    /** Canonical text of an IPv6 address given as halves. */
    public static String ipv6ToString(final long hi, final long lo)
    {
        final byte[] b = new byte[16];
        for (int i = 0; i < 8; i++)
        {
            b[i] = (byte)(hi >>> (56 - 8 * i));
            b[8 + i] = (byte)(lo >>> (56 - 8 * i));
        }
        try
        {
            return InetAddress.getByAddress(b).getHostAddress();
        }
        catch (final java.net.UnknownHostException e)
        {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] literal(final String text, final boolean ipv6)
    {
        if (text == null || text.isEmpty() || isIpv6(text) != ipv6 ||
            (!ipv6 && text.chars().filter(c -> c == '.').count() != 3))
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
}
