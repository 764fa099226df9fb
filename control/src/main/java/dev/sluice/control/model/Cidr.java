package dev.sluice.control.model;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 prefix, {@code address/prefixLength}, with the host bits cleared.
 * <p>
 * Parsing follows what the Kubernetes API server accepts for {@code ipBlock.cidr}: an address literal and a
 * mandatory prefix length. Host bits that are set ({@code 198.18.0.1/24}) are accepted and cleared, as Go's
 * {@code net.ParseCIDR} does.
 *
 * @param network      the network address (host bits zero).
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6.
 */
public record Cidr(InetAddress network, int prefixLength)
{
    /**
     * @param network      the network address; host bits are cleared.
     * @param prefixLength the prefix length, within the family's bit width.
     */
    public Cidr
    {
        final int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits)
        {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + bits);
        }
        network = mask(network, prefixLength);
    }

    /**
     * Parse {@code address/length}.
     *
     * @param text the CIDR text.
     * @return the prefix.
     * @throws IllegalArgumentException with the offending text when it is not a CIDR.
     */
    public static Cidr parse(final String text)
    {
        if (text == null)
        {
            throw new IllegalArgumentException("missing CIDR");
        }
        final int slash = text.indexOf('/');
        if (slash < 0)
        {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR (no /prefix length)");
        }
        final InetAddress address;
        try
        {
            address = InetAddress.ofLiteral(text.substring(0, slash));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR (bad address)");
        }
        final String lengthText = text.substring(slash + 1);
        final int bits = address.getAddress().length * 8;
        if (lengthText.isEmpty() || lengthText.length() > 3 || !lengthText.chars().allMatch(Character::isDigit))
        {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR (bad prefix length)");
        }
        final int length = Integer.parseInt(lengthText);
        if (length > bits)
        {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR (prefix length > " + bits + ")");
        }
        return new Cidr(address, length);
    }

    /**
     * @return true for an IPv4 prefix.
     */
    public boolean isIpv4()
    {
        return network instanceof Inet4Address;
    }

    /**
     * @param address an address of either family.
     * @return true when the address is of this prefix's family and inside it.
     */
    public boolean contains(final InetAddress address)
    {
        final byte[] a = address.getAddress();
        final byte[] n = network.getAddress();
        if (a.length != n.length)
        {
            return false;
        }
        return Arrays.equals(mask(a, prefixLength), n);
    }

    /**
     * @param other another prefix.
     * @return true when every address of {@code other} is inside this prefix.
     */
    public boolean contains(final Cidr other)
    {
        return other.prefixLength >= prefixLength && contains(other.network);
    }

    @Override
    public String toString()
    {
        return network.getHostAddress() + "/" + prefixLength;
    }

    private static InetAddress mask(final InetAddress address, final int prefixLength)
    {
        try
        {
            return InetAddress.getByAddress(mask(address.getAddress(), prefixLength));
        }
        catch (final java.net.UnknownHostException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static byte[] mask(final byte[] bytes, final int prefixLength)
    {
        final byte[] out = bytes.clone();
        for (int i = 0; i < out.length; i++)
        {
            final int keep = Math.max(0, Math.min(8, prefixLength - i * 8));
            out[i] = (byte)(out[i] & (0xFF << (8 - keep)));
        }
        return out;
    }
}
