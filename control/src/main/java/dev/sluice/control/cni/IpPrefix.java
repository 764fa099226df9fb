package dev.sluice.control.cni;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An address with a prefix length, {@code 198.18.1.5/24} or {@code 2001:2::5/64}.
 *
 * @param address   the address (a literal, never looked up).
 * @param prefixLen 0..32 for IPv4, 0..128 for IPv6.
 */
public record IpPrefix(InetAddress address, int prefixLen)
{
    /** Checks the prefix length against the family. */
    public IpPrefix
    {
        final int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLen < 0 || prefixLen > max)
        {
            throw new IllegalArgumentException("prefix length " + prefixLen + " out of 0.." + max + " for " +
                address.getHostAddress());
        }
    }

    /**
     * @param text {@code ADDRESS/LEN}.
     * @return the prefix.
     * @throws IllegalArgumentException naming the text when it is not one.
     */
    public static IpPrefix parse(final String text)
    {
        final int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0)
        {
            throw new IllegalArgumentException("'" + text + "' is not ADDRESS/PREFIXLEN");
        }
        final int prefixLen;
        try
        {
            prefixLen = Integer.parseInt(text.substring(slash + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("'" + text + "' has no numeric prefix length");
        }
        return new IpPrefix(literal(text.substring(0, slash)), prefixLen);
    }

    /**
     * @param text an IPv4 or IPv6 literal.
     * @return the address (no name lookup).
     * @throws IllegalArgumentException naming the text when it is not a literal.
     */
    public static InetAddress literal(final String text)
    {
        try
        {
            return InetAddress.ofLiteral(text);
        }
        catch (final IllegalArgumentException | NullPointerException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is not an IP address");
        }
    }

    /** @return true for IPv4. */
    public boolean ipv4()
    {
        return address instanceof Inet4Address;
    }

    /** @return the host prefix of the same address ({@code /32} or {@code /128}). */
    public IpPrefix host()
    {
        return new IpPrefix(address, ipv4() ? 32 : 128);
    }

    @Override
    public String toString()
    {
        return format(address) + "/" + prefixLen;
    }

    /**
     * @param address an address.
     * @return IPv4 dotted quad, or IPv6 in the RFC 5952 form ({@code 2001:2::5}, not {@code 2001:2:0:0:0:0:0:5}).
     */
    public static String format(final InetAddress address)
    {
        final byte[] bytes = address.getAddress();
        if (bytes.length == 4)
        {
            return address.getHostAddress();
        }
        final int[] groups = new int[8];
        for (int i = 0; i < 8; i++)
        {
            groups[i] = (bytes[2 * i] & 0xFF) << 8 | bytes[2 * i + 1] & 0xFF;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            int j = i;
            while (j < 8 && groups[j] == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        final StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':')
            {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
