package dev.sluice.control.cni;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;

/**
 * Runs the IPAM plugin named by {@code ipam.type} (found on {@code CNI_PATH}) the way the spec delegates: same
 * environment with {@code CNI_COMMAND} set, the same network configuration on stdin, its result or error object on
 * stdout. A delegate's error is passed on with its own code. {@code IgnoreUnknown=1} is added to a non-empty
 * {@code CNI_ARGS} that lacks it (see {@link #run}).
 */
final class IpamDelegate
{
    private static final long TIMEOUT_SECONDS = 60;

    private final Path executable;
    private final Map<String, String> environment;
    private final byte[] netconf;

    private IpamDelegate(final Path executable, final Map<String, String> environment, final byte[] netconf)
    {
        this.executable = executable;
        this.environment = environment;
        this.netconf = netconf;
    }

    /**
     * @param type        the IPAM plugin's name.
     * @param path        {@code CNI_PATH}.
     * @param environment the plugin's own environment (passed on).
     * @param netconf     the configuration bytes.
     * @return a delegate.
     * @throws CniException {@link CniException#IPAM_FAILURE} when no executable of that name is on the path.
     */
    static IpamDelegate find(final String type, final List<Path> path, final Map<String, String> environment,
        final byte[] netconf) throws CniException
    {
        for (final Path dir : path)
        {
            final Path candidate = dir.resolve(type);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
            {
                return new IpamDelegate(candidate, environment, netconf);
            }
        }
        throw new CniException(CniException.IPAM_FAILURE, "IPAM plugin '" + type + "' not found on CNI_PATH " + path);
    }

    /**
     * @param command ADD, DEL or CHECK.
     * @return the plugin's stdout parsed as JSON (null when it printed nothing, as DEL and CHECK may).
     * @throws CniException the delegate's own error object, or {@link CniException#IPAM_FAILURE}.
     */
    JsonNode run(final String command) throws CniException
    {
        final ProcessBuilder builder = new ProcessBuilder(executable.toString());
        builder.environment().clear();
        builder.environment().putAll(environment);
        builder.environment().put("CNI_COMMAND", command);
        final String args = environment.get("CNI_ARGS");
        if (args != null && !args.isEmpty() && !ignoresUnknown(args))
        {
            // The standard IPAM plugins refuse CNI_ARGS keys they do not know unless told to ignore them; runtimes
            // always say so, hand-made callers often forget. This plugin ignores unknown keys, so its IPAM does too.
            builder.environment().put("CNI_ARGS", "IgnoreUnknown=1;" + args);
        }
        builder.redirectError(ProcessBuilder.Redirect.INHERIT);
        final byte[] out;
        final int exit;
        try
        {
            final Process process = builder.start();
            try (OutputStream stdin = process.getOutputStream())
            {
                stdin.write(netconf);
            }
            out = readAll(process.getInputStream());
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                throw new CniException(CniException.IPAM_FAILURE, executable + " " + command + " did not finish in " +
                    TIMEOUT_SECONDS + " s");
            }
            exit = process.exitValue();
        }
        catch (final IOException ex)
        {
            throw new CniException(CniException.IPAM_FAILURE, "cannot run " + executable + " " + command + ": " +
                ex.getMessage());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new CniException(CniException.IPAM_FAILURE, "interrupted waiting for " + executable);
        }
        final String text = new String(out, StandardCharsets.UTF_8).trim();
        JsonNode json = null;
        if (!text.isEmpty())
        {
            try
            {
                json = NetConf.JSON.readTree(text);
            }
            catch (final RuntimeException ex)
            {
                throw new CniException(CniException.IPAM_FAILURE, executable.getFileName() + " " + command +
                    " printed something that is not JSON (exit " + exit + ")", text);
            }
        }
        if (exit != 0)
        {
            if (json != null && json.path("code").isInt())
            {
                final String details = json.path("details").isString() ? json.path("details").stringValue() : null;
                throw new CniException(json.path("code").intValue(), executable.getFileName() + " " + command + ": " +
                    json.path("msg").asString(""), details);
            }
            throw new CniException(CniException.IPAM_FAILURE, executable.getFileName() + " " + command +
                " exited with " + exit, text.isEmpty() ? null : text);
        }
        return json;
    }

    /** @return whether a {@code CNI_ARGS} value already has {@code IgnoreUnknown} set to 1 or true. */
    static boolean ignoresUnknown(final String args)
    {
        for (final String pair : args.split(";"))
        {
            if (pair.equalsIgnoreCase("IgnoreUnknown=1") || pair.equalsIgnoreCase("IgnoreUnknown=true"))
            {
                return true;
            }
        }
        return false;
    }

    private static byte[] readAll(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
        in.transferTo(buffer);
        return buffer.toByteArray();
    }
}
