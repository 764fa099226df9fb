package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The process contract without root: exit status, JSON on stdout, the spec's error object. */
class CniMainTest
{
    private record Outcome(int exit, String stdout)
    {
        JsonNode json()
        {
            return NetConf.JSON.readTree(stdout);
        }
    }

    private static Outcome run(final Map<String, String> env, final String stdin)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int exit = CniMain.run(env, stdin.getBytes(StandardCharsets.UTF_8),
            new PrintStream(out, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8));
    }

    private static Map<String, String> add()
    {
        final Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", "ADD");
        env.put("CNI_CONTAINERID", "c1");
        env.put("CNI_NETNS", "/var/run/netns/sl-cni-unit-does-not-exist");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", "/usr/lib/cni");
        return env;
    }

    @Test
    void versionListsWhatIsImplemented()
    {
        final Outcome version = run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}");
        assertEquals(0, version.exit());
        assertEquals("{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"1.0.0\"]}", version.stdout().trim());
        assertEquals(version.stdout(), run(Map.of("CNI_COMMAND", "VERSION"), "").stdout(),
            "VERSION answers even without a configuration");
    }

    @Test
    void errorsAreTheSpecsObjectWithANonZeroExit()
    {
        final Outcome garbage = run(add(), "{\"cniVersion\":");
        assertEquals(1, garbage.exit());
        assertEquals("1.0.0", garbage.json().get("cniVersion").stringValue());
        assertEquals(CniException.DECODE_FAILURE, garbage.json().get("code").intValue());
        assertTrue(garbage.json().get("msg").stringValue().contains("not JSON"), garbage.stdout());
        assertTrue(garbage.json().has("details"));

        final Outcome noEnv = run(Map.of(), NetConfTest.CONF);
        assertEquals(CniException.INVALID_ENVIRONMENT, noEnv.json().get("code").intValue());
        assertEquals(3, noEnv.json().size(), "no details when there are none: " + noEnv.stdout());

        final Outcome version = run(add(), NetConfTest.CONF.replace("1.0.0", "0.3.1"));
        assertEquals(CniException.INCOMPATIBLE_VERSION, version.json().get("code").intValue());
        assertEquals("1.0.0", version.json().get("cniVersion").stringValue());
    }

    @Test
    void addIntoAMissingNamespaceIsUnknownContainerBeforeAnyAllocation()
    {
        final Outcome missing = run(add(), NetConfTest.CONF);
        assertEquals(1, missing.exit());
        assertEquals(CniException.UNKNOWN_CONTAINER, missing.json().get("code").intValue(), missing.stdout());
        assertTrue(missing.json().get("msg").stringValue().contains("sl-cni-unit-does-not-exist"));
    }

    @Test
    void checkWithoutPrevResultIsInvalidConfiguration()
    {
        final Map<String, String> env = add();
        env.put("CNI_COMMAND", "CHECK");
        final Outcome check = run(env, NetConfTest.CONF);
        assertEquals(CniException.INVALID_NETCONF, check.json().get("code").intValue());
        assertTrue(check.json().get("msg").stringValue().contains("prevResult"));
    }

    @Test
    void chainedAddIsRefusedAsUnsupported()
    {
        final Outcome chained = run(add(), NetConfTest.CONF.replace("\"mtu\"", "\"prevResult\":{},\"mtu\""));
        assertEquals(CniException.UNSUPPORTED_FIELD, chained.json().get("code").intValue());
    }

    /** Found by {@code CniInputFuzzTest}: the runtime saw "internal error" (code 5) instead of the spec's code 7. */
    @Test
    void aNulInTheAgentSocketIsInvalidNetconfNotAnInternalError()
    {
        final Outcome nul = run(add(), NetConfTest.CONF.replace("/run/sluice/node-1/agent.sock", "/run/\\u0000"));
        assertEquals(1, nul.exit());
        assertEquals(CniException.INVALID_NETCONF, nul.json().get("code").intValue(), nul.stdout());
    }
}
