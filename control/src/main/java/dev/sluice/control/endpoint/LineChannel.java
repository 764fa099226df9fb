package dev.sluice.control.endpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/** Reads and writes one newline-terminated UTF-8 line on a non-blocking socket channel, with a deadline. */
final class LineChannel
{
    private LineChannel()
    {
    }

    static void writeLine(final SocketChannel channel, final String line, final long deadlineNs) throws IOException
    {
        final ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        try (Selector selector = Selector.open())
        {
            channel.register(selector, SelectionKey.OP_WRITE);
            while (out.hasRemaining())
            {
                if (channel.write(out) == 0)
                {
                    await(selector, deadlineNs, "writing");
                }
            }
        }
    }

    static String readLine(final SocketChannel channel, final int maxBytes, final long deadlineNs)
        throws IOException
    {
        final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        final ByteBuffer in = ByteBuffer.allocate(4096);
        try (Selector selector = Selector.open())
        {
            channel.register(selector, SelectionKey.OP_READ);
            while (true)
            {
                in.clear();
                final int read = channel.read(in);
                if (read < 0)
                {
                    throw new IOException("connection closed before a complete line (" + line.size() + " bytes)");
                }
                if (read == 0)
                {
                    await(selector, deadlineNs, "reading");
                    continue;
                }
                in.flip();
                while (in.hasRemaining())
                {
                    final byte b = in.get();
                    if (b == '\n')
                    {
                        return line.toString(StandardCharsets.UTF_8);
                    }
                    if (line.size() >= maxBytes)
                    {
                        throw new IOException("line longer than " + maxBytes + " bytes");
                    }
                    line.write(b);
                }
            }
        }
    }

    private static void await(final Selector selector, final long deadlineNs, final String what) throws IOException
    {
        final long leftMs = (deadlineNs - System.nanoTime()) / 1_000_000;
        if (leftMs <= 0)
        {
            throw new SocketTimeoutException("timed out " + what);
        }
        selector.select(leftMs);
        selector.selectedKeys().clear();
    }
}
