package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.sluice.control.endpoint.EndpointClient;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * deploy/cni/10-sluice.conflist, filled in as the DaemonSet's init container does, is a configuration the plugin
 * accepts.
 */
class ConflistTemplateTest
{
    @Test
    void theDeployTemplateFilledInParses() throws Exception
    {
        final Path template = Path.of("..", "deploy", "cni", "10-sluice.conflist");
        final String filled = Files.readString(template).replace("@POD_CIDR@", "198.18.3.0/24")
            .replace("@POD_GATEWAY@", "198.18.3.1");
        assertFalse(filled.contains("@"), "every placeholder is named in the test: " + filled);
        final JsonNode list = NetConf.JSON.readTree(filled);
        final List<JsonNode> plugins = list.get("plugins").valueStream().toList();
        assertEquals(1, plugins.size());
        // What a runtime does with a list: the list's cniVersion and name go into each plugin's configuration.
        final ObjectNode plugin = (ObjectNode)plugins.getFirst();
        plugin.set("cniVersion", list.get("cniVersion"));
        plugin.set("name", list.get("name"));
        final NetConf conf = NetConf.parse(plugin.toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(CniInstall.BINARY, conf.type());
        assertEquals(Path.of(EndpointClient.DEFAULT_SOCKET), conf.agentSocket());
        assertEquals("host-local", conf.ipamType());
        assertEquals("198.18.3.1", plugin.at("/ipam/ranges/0/0/gateway").stringValue());
    }
}
