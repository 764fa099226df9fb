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
        return address.getHostAddress() + "/" + prefixLen;
    }
}
