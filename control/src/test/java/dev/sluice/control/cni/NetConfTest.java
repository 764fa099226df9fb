package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.sluice.control.endpoint.EndpointClient;
import org.junit.jupiter.api.Test;

class NetConfTest
{
    static final String CONF = "{\"cniVersion\":\"1.0.0\",\"name\":\"sluice\",\"type\":\"sluice-cni\"," +
        "\"agentSocket\":\"/run/sluice/node-1/agent.sock\",\"mtu\":1450,\"args\":{\"labels\":{}}," +
        "\"runtimeConfig\":{},\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"198.18.1.0/24\"," +
        "\"gateway\":\"198.18.1.1\"}]],\"dataDir\":\"/run/sluice/node-1/ipam\"}}";

    private static NetConf parse(final String text) throws CniException
    {
        return NetConf.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    private static CniException error(final String text)
    {
        return assertThrows(CniException.class, () -> parse(text));
    }

    @Test
    void readsTheSluiceConfigurationAndIgnoresTheRuntimesFields() throws CniException
    {
        final NetConf conf = parse(CONF);
        assertEquals("1.0.0", conf.cniVersion());
        assertEquals("sluice", conf.name());
        assertEquals("sluice-cni", conf.type());
        assertEquals(Path.of("/run/sluice/node-1/agent.sock"), conf.agentSocket());
        assertEquals(1450, conf.mtu());
        assertEquals("host-local", conf.ipamType());
        assertNull(conf.prevResult());
        assertEquals(CONF, new String(conf.raw(), StandardCharsets.UTF_8), "IPAM gets the bytes as received");
    }

    @Test
    void defaultsAreTheAgentsSocketAndItsMtu() throws CniException
    {
        final NetConf conf = parse("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"sluice-cni\"," +
            "\"ipam\":{\"type\":\"host-local\"}}");
        assertEquals(Path.of(EndpointClient.DEFAULT_SOCKET), conf.agentSocket());
        assertEquals(0, conf.mtu());
    }

    @Test
    void undecodableInputIsErrorSix()
    {
        assertEquals(CniException.DECODE_FAILURE, error("{not json").code());
        assertEquals(CniException.DECODE_FAILURE, error("[1,2]").code());
        final CniException empty = error("");
        assertEquals(CniException.DECODE_FAILURE, empty.code());
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    @Test
    void invalidConfigurationIsErrorSevenNamingTheField()
    {
        assertEquals(CniException.INVALID_NETCONF, error("{\"name\":\"n\"}").code());
        final CniException noName = error(CONF.replace("\"name\":\"sluice\",", ""));
        assertEquals(CniException.INVALID_NETCONF, noName.code());
        assertTrue(noName.getMessage().contains("name"), noName.getMessage());
        assertEquals(CniException.INVALID_NETCONF, error(CONF.replace("\"name\":\"sluice\"", "\"name\":\"-x\""))
            .code());
        final CniException noIpamType = error(CONF.replace("\"type\":\"host-local\",", ""));
        assertTrue(noIpamType.getMessage().contains("ipam.type"), noIpamType.getMessage());
        assertEquals(CniException.INVALID_NETCONF, error(CONF.replace("\"host-local\"", "\"../x\"")).code());
        assertEquals(CniException.INVALID_NETCONF, error(CONF.replace("1450", "12")).code());
        assertEquals(CniException.INVALID_NETCONF, error(CONF.replace("1450", "\"big\"")).code());
        assertEquals(CniException.INVALID_NETCONF, error(CONF.replace("/run/sluice/node-1/agent.sock", "a.sock"))
            .code());
        assertEquals(CniException.INVALID_NETCONF, error(CONF.replace("\"mtu\"", "\"prevResult\":3,\"mtu\""))
            .code());
        assertEquals(CniException.INVALID_NETCONF, error(CONF.replace(",\"ipam\"", ",\"x\"")).code());
    }

    @Test
    void anotherSpecVersionIsErrorOneAndIpMasqIsErrorTwo()
    {
        final CniException old = error(CONF.replace("1.0.0", "0.4.0"));
        assertEquals(CniException.INCOMPATIBLE_VERSION, old.code());
        assertTrue(old.getMessage().contains("0.4.0"), old.getMessage());
        assertTrue(old.details().contains("1.0.0"), old.details());
        final CniException masq = error(CONF.replace("\"mtu\"", "\"ipMasq\":true,\"mtu\""));
        assertEquals(CniException.UNSUPPORTED_FIELD, masq.code());
        assertTrue(masq.getMessage().contains("ipMasq"), masq.getMessage());
    }

    /** Found by {@code CniInputFuzzTest}: a NUL in a path made {@link java.nio.file.Path#of} throw out of parse. */
    @Test
    void aNulCharacterInAPathIsAnInvalidConfiguration()
    {
        final CniException socket = error(CONF.replace("/run/sluice/node-1/agent.sock", "/run/\\u0000.sock"));
        assertEquals(CniException.INVALID_NETCONF, socket.code());
        assertTrue(socket.getMessage().contains("agentSocket '/run/\\0.sock' is not a path"), socket.getMessage());
        final CniException ipam = error(CONF.replace("host-local", "host\\u0000local"));
        assertEquals(CniException.INVALID_NETCONF, ipam.code());
        assertTrue(ipam.getMessage().contains("is not a plugin file name"), ipam.getMessage());
    }
}
