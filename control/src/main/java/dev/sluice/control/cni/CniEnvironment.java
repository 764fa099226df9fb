package dev.sluice.control.cni;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The CNI parameters a runtime passes in the environment.
 *
 * @param command     {@code CNI_COMMAND}: ADD, DEL, CHECK or VERSION.
 * @param containerId {@code CNI_CONTAINERID}.
 * @param netns       {@code CNI_NETNS} (null when absent, which only DEL and VERSION allow).
 * @param ifName      {@code CNI_IFNAME}.
 * @param args        {@code CNI_ARGS} as key/value pairs, in order (unknown keys kept, never acted on).
 * @param path        {@code CNI_PATH}: where to look for the IPAM plugin.
 */
public record CniEnvironment(String command, String containerId, Path netns, String ifName, Map<String, String> args,
    List<Path> path)
{
    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

    /** Copies the collections. */
    public CniEnvironment
    {
        args = Collections.unmodifiableMap(new LinkedHashMap<>(args));
        path = List.copyOf(path);
    }

    /**
     * Reads and checks the variables the command needs.
     *
     * @param env the process environment.
     * @return the parameters.
     * @throws CniException {@link CniException#INVALID_ENVIRONMENT} naming the missing or invalid variable.
     */
    public static CniEnvironment from(final Map<String, String> env) throws CniException
    {
        final String command = env.get("CNI_COMMAND");
        if (command == null || command.isEmpty())
        {
            throw invalid("CNI_COMMAND is not set");
        }
        if (!List.of("ADD", "DEL", "CHECK", "VERSION").contains(command))
        {
            throw invalid("CNI_COMMAND '" + command + "' is not one of ADD, DEL, CHECK, VERSION");
        }
        final String cniPath = env.getOrDefault("CNI_PATH", "");
        final List<Path> path = new ArrayList<>();
        for (final String dir : cniPath.split(":"))
        {
            if (!dir.isEmpty())
            {
                path.add(path("CNI_PATH", dir));
            }
        }
        if ("VERSION".equals(command))
        {
            return new CniEnvironment(command, null, null, null, Map.of(), path);
        }
        final String containerId = env.get("CNI_CONTAINERID");
        if (containerId == null || containerId.isEmpty())
        {
            throw invalid("CNI_CONTAINERID is not set");
        }
        if (!CONTAINER_ID.matcher(containerId).matches())
        {
            throw invalid("CNI_CONTAINERID '" + containerId +
                "' is not alphanumeric (then alphanumerics, '_', '.', '-')");
        }
        final String ifName = env.get("CNI_IFNAME");
        if (ifName == null || ifName.isEmpty())
        {
            throw invalid("CNI_IFNAME is not set");
        }
        if (ifName.length() > 15 || ".".equals(ifName) || "..".equals(ifName) || !ifName.chars().allMatch(
            c -> c > ' ' && c < 127 && c != '/' && c != ':'))
        {
            throw invalid("CNI_IFNAME '" + ifName + "' is not a valid interface name (1..15 characters, no '/', " +
                "':' or white space)");
        }
        final String netns = env.get("CNI_NETNS");
        if ((netns == null || netns.isEmpty()) && !"DEL".equals(command))
        {
            throw invalid("CNI_NETNS is not set (" + command + " needs it)");
        }
        if (netns != null && !netns.isEmpty() && !netns.startsWith("/"))
        {
            throw invalid("CNI_NETNS '" + netns + "' is not an absolute path");
        }
        if (path.isEmpty())
        {
            throw invalid("CNI_PATH is not set (needed to find the IPAM plugin)");
        }
        return new CniEnvironment(command, containerId, netns == null || netns.isEmpty() ? null : path("CNI_NETNS", netns),
            ifName, parseArgs(env.getOrDefault("CNI_ARGS", "")), path);
    }

    private static Path path(final String variable, final String text) throws CniException
    {
        try
        {
            return Path.of(text);
        }
        catch (final InvalidPathException ex)
        {
            throw invalid(variable + " '" + text.replace("\0", "\\0") + "' is not a path: " + ex.getReason());
        }
    }

    /**
     * {@code CNI_ARGS}: {@code KEY=VALUE} pairs separated by {@code ;}. Empty pairs are skipped.
     *
     * @param text the variable's value.
     * @return the pairs in order.
     * @throws CniException {@link CniException#INVALID_ENVIRONMENT} for a pair without {@code =} or an empty key.
     */
    public static Map<String, String> parseArgs(final String text) throws CniException
    {
        final Map<String, String> args = new LinkedHashMap<>();
        for (final String pair : text.split(";"))
        {
            if (pair.isEmpty())
            {
                continue;
            }
            final int eq = pair.indexOf('=');
            if (eq <= 0)
            {
                throw invalid("CNI_ARGS pair '" + pair + "' is not KEY=VALUE");
            }
            args.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return args;
    }

    /** @return {@code K8S_POD_NAMESPACE}, or null. */
    public String podNamespace()
    {
        return args.get("K8S_POD_NAMESPACE");
    }

    /** @return {@code K8S_POD_NAME}, or null. */
    public String podName()
    {
        return args.get("K8S_POD_NAME");
    }

    private static CniException invalid(final String message)
    {
        return new CniException(CniException.INVALID_ENVIRONMENT, message);
    }
}
