package dev.sluice.control.logging;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Appends lines to a file and rotates it by size: before a line would take the file past {@code maxBytes}, the
 * file becomes {@code FILE.1}, the old {@code FILE.1} becomes {@code FILE.2} and so on up to {@code FILE.N}
 * ({@code N = maxBackups}); the oldest is deleted. A line is never split across files (a line longer than
 * {@code maxBytes} gets a file of its own). Single-threaded; {@link #flush()} at the end of each batch.
 */
public final class RotatingFileSink implements AutoCloseable
{
    private final Path file;
    private final long maxBytes;
    private final int maxBackups;
    private OutputStream out;
    private long size;

    /**
     * @param file       the log file; its directory is created when missing.
     * @param maxBytes   the largest size of one file, at least 1.
     * @param maxBackups rotated files kept ({@code FILE.1 .. FILE.N}), at least 0 (0 = truncate on rotation).
     * @throws IOException when the file cannot be opened.
     */
    public RotatingFileSink(final Path file, final long maxBytes, final int maxBackups) throws IOException
    {
        if (maxBytes < 1)
        {
            throw new IllegalArgumentException("max file size must be positive: " + maxBytes);
        }
        if (maxBackups < 0)
        {
            throw new IllegalArgumentException("max backups must not be negative: " + maxBackups);
        }
        this.file = file;
        this.maxBytes = maxBytes;
        this.maxBackups = maxBackups;
        final Path dir = file.toAbsolutePath().getParent();
        if (dir != null)
        {
            Files.createDirectories(dir);
        }
        open();
    }

    /**
     * @param line one line without its terminator; a newline is appended.
     * @throws IOException on a write or rotation failure.
     */
    public void writeLine(final String line) throws IOException
    {
        final byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        if (size > 0 && size + bytes.length > maxBytes)
        {
            rotate();
        }
        out.write(bytes);
        size += bytes.length;
    }

    /**
     * @throws IOException on a write failure.
     */
    public void flush() throws IOException
    {
        out.flush();
    }

    /**
     * @return the bytes in the current file.
     */
    public long size()
    {
        return size;
    }

    /**
     * @param index 1 .. maxBackups.
     * @return the path of rotated file {@code index}.
     */
    public Path backup(final int index)
    {
        return file.resolveSibling(file.getFileName() + "." + index);
    }

    private void rotate() throws IOException
    {
        out.close();
        if (maxBackups == 0)
        {
            Files.delete(file);
        }
        else
        {
            Files.deleteIfExists(backup(maxBackups));
            for (int i = maxBackups - 1; i >= 1; i--)
            {
                if (Files.exists(backup(i)))
                {
                    Files.move(backup(i), backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, backup(1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    private void open() throws IOException
    {
        out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
            StandardOpenOption.APPEND, StandardOpenOption.WRITE), 64 * 1024);
        size = Files.size(file);
    }

    @Override
    public void close() throws IOException
    {
        out.close();
    }
}
