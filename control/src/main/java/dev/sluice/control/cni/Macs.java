package dev.sluice.control.cni;

/** MAC address text ({@code aa:bb:cc:dd:ee:ff}, lower case) to bytes and back. */
final class Macs
{
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Macs()
    {
    }

    static String format(final byte[] mac)
    {
        final StringBuilder text = new StringBuilder(mac.length * 3);
        for (int i = 0; i < mac.length; i++)
        {
            if (i > 0)
            {
                text.append(':');
            }
            text.append(HEX[(mac[i] >> 4) & 0xF]).append(HEX[mac[i] & 0xF]);
        }
        return text.toString();
    }

    /**
     * @param text {@code aa:bb:cc:dd:ee:ff}.
     * @return the six bytes.
     * @throws IllegalArgumentException when it is not a MAC, naming the text.
     */
    static byte[] parse(final String text)
    {
        if (text == null || text.length() != 17)
        {
            throw new IllegalArgumentException("not a MAC address: '" + text + "'");
        }
        final byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            final int hi = Character.digit(text.charAt(i * 3), 16);
            final int lo = Character.digit(text.charAt(i * 3 + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && text.charAt(i * 3 + 2) != ':'))
            {
                throw new IllegalArgumentException("not a MAC address: '" + text + "'");
            }
            mac[i] = (byte)(hi << 4 | lo);
        }
        return mac;
    }
}
