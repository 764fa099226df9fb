package dev.sluice.control.cni;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import dev.sluice.control.endpoint.EndpointClient;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The network configuration on stdin. Fields other than these are ignored ({@code args}, {@code runtimeConfig},
 * {@code capabilities}, {@code dns} are the runtime's or passed through), except {@code ipMasq: true}, which this
 * plugin does not do (the fast path does all NAT).
 *
 * <pre>
 * {"cniVersion":"1.0.0","name":"sluice","type":"sluice-cni","agentSocket":"/run/sluice/agent.sock","mtu":1450,
 *  "ipam":{"type":"host-local",...},"prevResult":{...}}
 * </pre>
 *
 * @param cniVersion  the spec version the runtime speaks.
 * @param name        the network name.
 * @param type        the plugin type ({@code sluice-cni}).
 * @param agentSocket the agent's endpoint socket.
 * @param mtu         an upper bound on the pod MTU (0: the agent's value).
 * @param ipamType    the IPAM plugin's executable name.
 * @param prevResult  the previous result (CHECK, DEL, or a chained ADD), or null.
 * @param raw         the configuration bytes as received (passed on to the IPAM plugin).
 */
public record NetConf(String cniVersion, String name, String type, Path agentSocket, int mtu, String ipamType,
    JsonNode prevResult, byte[] raw)
{
    /** The spec versions this plugin implements. */
    public static final List<String> SUPPORTED_VERSIONS = List.of("1.0.0");

    static final ObjectMapper JSON = JsonMapper.builder().build();

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");
    private static final Pattern PLUGIN = Pattern.compile("[^/\\\\\\x00]+");

    /**
     * @param raw the bytes on stdin.
     * @return the parsed JSON object.
     * @throws CniException {@link CniException#DECODE_FAILURE} when it is not a JSON object.
     */
    public static JsonNode decode(final byte[] raw) throws CniException
    {
        final JsonNode root;
        try
        {
            root = JSON.readTree(raw);
        }
        catch (final JacksonException ex)
        {
            throw new CniException(CniException.DECODE_FAILURE, "network configuration on stdin is not JSON",
                ex.getOriginalMessage());
        }
        if (root == null || !root.isObject())
        {
            throw new CniException(CniException.DECODE_FAILURE, "network configuration on stdin is not a JSON object" +
                (raw.length == 0 ? " (stdin was empty)" : ""));
        }
        return root;
    }

    /**
     * @param root the decoded configuration.
     * @return its {@code cniVersion}.
     * @throws CniException {@link CniException#INVALID_NETCONF} when missing or not a string.
     */
    public static String version(final JsonNode root) throws CniException
    {
        final JsonNode version = root.get("cniVersion");
        if (version == null || !version.isString() || version.stringValue().isEmpty())
        {
            throw new CniException(CniException.INVALID_NETCONF, "network configuration has no cniVersion string");
        }
        return version.stringValue();
    }

    /**
     * @param version a {@code cniVersion}.
     * @throws CniException {@link CniException#INCOMPATIBLE_VERSION} when this plugin does not implement it.
     */
    public static void requireSupported(final String version) throws CniException
    {
        if (!SUPPORTED_VERSIONS.contains(version))
        {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, "incompatible CNI version " + version,
                "sluice-cni supports " + String.join(", ", SUPPORTED_VERSIONS));
        }
    }

    /**
     * Parses and checks a configuration for ADD, DEL or CHECK.
     *
     * @param raw the bytes on stdin.
     * @return the configuration.
     * @throws CniException code 6 (not JSON), 1 (version), 7 (a field missing or of the wrong type), 2 (ipMasq).
     */
    public static NetConf parse(final byte[] raw) throws CniException
    {
        final JsonNode root = decode(raw);
        final String version = version(root);
        requireSupported(version);
        final String name = requiredString(root, "name", "name");
        if (!NAME.matcher(name).matches())
        {
            throw invalid("network name '" + name + "' must be alphanumeric (then alphanumerics, '_', '.', '-')");
        }
        final String type = requiredString(root, "type", "type");
        final String socketText = optionalString(root, "agentSocket", EndpointClient.DEFAULT_SOCKET);
        final Path socket;
        try
        {
            socket = Path.of(socketText);
        }
        catch (final InvalidPathException ex)
        {
            throw invalid("agentSocket '" + socketText.replace("\0", "\\0") + "' is not a path: " + ex.getReason());
        }
        if (!socket.isAbsolute())
        {
            throw invalid("agentSocket '" + socket + "' is not an absolute path");
        }
        int mtu = 0;
        final JsonNode mtuNode = root.get("mtu");
        if (mtuNode != null && !mtuNode.isNull())
        {
            if (!mtuNode.isInt() || mtuNode.intValue() < 576 || mtuNode.intValue() > 65535)
            {
                throw invalid("mtu " + mtuNode + " is not an integer in 576..65535");
            }
            mtu = mtuNode.intValue();
        }
        final JsonNode masq = root.get("ipMasq");
        if (masq != null && masq.isBoolean() && masq.booleanValue())
        {
            throw new CniException(CniException.UNSUPPORTED_FIELD, "ipMasq is not supported",
                "sluice does every NAT in its fast path; remove ipMasq from the configuration");
        }
        final JsonNode ipam = root.get("ipam");
        if (ipam == null || !ipam.isObject())
        {
            throw invalid("network configuration has no ipam object");
        }
        final String ipamType = requiredString(ipam, "type", "ipam.type");
        if (!PLUGIN.matcher(ipamType).matches() || ".".equals(ipamType) || "..".equals(ipamType))
        {
            throw invalid("ipam.type '" + ipamType + "' is not a plugin file name");
        }
        final JsonNode prev = root.get("prevResult");
        if (prev != null && !prev.isNull() && !prev.isObject())
        {
            throw invalid("prevResult is not an object");
        }
        return new NetConf(version, name, type, socket, mtu, ipamType, prev == null || prev.isNull() ? null : prev,
            raw.clone());
    }

    private static String requiredString(final JsonNode node, final String field, final String label)
        throws CniException
    {
        final JsonNode value = node.get(field);
        if (value == null || !value.isString() || value.stringValue().isEmpty())
        {
            throw invalid("network configuration: " + label + " is missing or not a string");
        }
        return value.stringValue();
    }

    private static String optionalString(final JsonNode node, final String field, final String otherwise)
        throws CniException
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return otherwise;
        }
        if (!value.isString() || value.stringValue().isEmpty())
        {
            throw invalid(field + " is not a non-empty string");
        }
        return value.stringValue();
    }

    private static CniException invalid(final String message)
    {
        return new CniException(CniException.INVALID_NETCONF, message);
    }
}
