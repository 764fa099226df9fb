package dev.sluice.fastpath.packet;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * 128-bit addresses as the fast path stores them (two big-endian 64-bit halves, IPv4 mapped into
 * {@code ::ffff:0:0/96}), to and from text. For tools and the control plane; allocates, not for the packet path.
 */
public final class Addresses
{
    private static final long IPV4_MAPPED_PREFIX = 0x0000_FFFF_0000_0000L;

    private Addresses()
    {
    }

    /** Dotted quad for IPv4-mapped addresses, RFC 5952 text for the others. */
    public static String format(final long hi, final long lo)
    {
        try
        {
            if (hi == 0 && (lo & 0xFFFF_FFFF_0000_0000L) == IPV4_MAPPED_PREFIX)
            {
                return InetAddress.getByAddress(ByteBuffer.allocate(4).putInt((int)lo).array()).getHostAddress();
            }
            final byte[] bytes = ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
            return compress(Inet6Address.getByAddress(null, bytes, -1).getHostAddress());
        }
        catch (final UnknownHostException e)
        {
            throw new IllegalStateException(e); // cannot happen for 4- and 16-byte arrays
        }
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
