package dev.sluice.control.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CniEnvironmentTest
{
    private static Map<String, String> kubelet(final String command)
    {
        final Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", "3f2a9c");
        env.put("CNI_NETNS", "/var/run/netns/sl-node-1-team-a-web-0");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0;K8S_POD_UID=u;;");
        env.put("CNI_PATH", "/opt/cni/bin:/usr/lib/cni");
        env.put("PATH", "/usr/bin");
        return env;
    }

    private static int code(final Map<String, String> env)
    {
        return assertThrows(CniException.class, () -> CniEnvironment.from(env)).code();
    }

    @Test
    void readsWhatAKubeletPasses() throws CniException
    {
        final CniEnvironment env = CniEnvironment.from(kubelet("ADD"));
        assertEquals("ADD", env.command());
        assertEquals("3f2a9c", env.containerId());
        assertEquals(Path.of("/var/run/netns/sl-node-1-team-a-web-0"), env.netns());
        assertEquals("eth0", env.ifName());
        assertEquals("team-a", env.podNamespace());
        assertEquals("web-0", env.podName());
        assertEquals("u", env.args().get("K8S_POD_UID"), "unknown keys are kept, not refused");
        assertEquals(List.of(Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni")), env.path());
    }

    @Test
    void missingOrInvalidVariablesAreErrorFour()
    {
        final Map<String, String> none = new HashMap<>();
        assertEquals(CniException.INVALID_ENVIRONMENT, code(none));
        assertEquals(CniException.INVALID_ENVIRONMENT, code(kubelet("UPDATE")));
        for (final String variable : List.of("CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS", "CNI_PATH"))
        {
            final Map<String, String> env = kubelet("ADD");
            env.remove(variable);
            final CniException ex = assertThrows(CniException.class, () -> CniEnvironment.from(env));
            assertEquals(CniException.INVALID_ENVIRONMENT, ex.code());
            assertTrue(ex.getMessage().contains(variable), ex.getMessage());
        }
        final Map<String, String> badId = kubelet("ADD");
        badId.put("CNI_CONTAINERID", "../etc");
        assertEquals(CniException.INVALID_ENVIRONMENT, code(badId));
        final Map<String, String> longName = kubelet("ADD");
        longName.put("CNI_IFNAME", "a-very-long-interface");
        assertEquals(CniException.INVALID_ENVIRONMENT, code(longName));
        final Map<String, String> relative = kubelet("ADD");
        relative.put("CNI_NETNS", "netns/x");
        assertEquals(CniException.INVALID_ENVIRONMENT, code(relative));
        final Map<String, String> badArgs = kubelet("ADD");
        badArgs.put("CNI_ARGS", "K8S_POD_NAME");
        assertEquals(CniException.INVALID_ENVIRONMENT, code(badArgs));
    }

    @Test
    void delNeedsNoNetnsAndVersionNeedsNothingElse() throws CniException
    {
        final Map<String, String> del = kubelet("DEL");
        del.remove("CNI_NETNS");
        assertNull(CniEnvironment.from(del).netns());
        assertEquals("VERSION", CniEnvironment.from(Map.of("CNI_COMMAND", "VERSION")).command());
    }

    @Test
    void argsWithoutPodKeysGiveNulls() throws CniException
    {
        final Map<String, String> env = kubelet("ADD");
        env.put("CNI_ARGS", "");
        assertNull(CniEnvironment.from(env).podName());
        assertNull(CniEnvironment.from(env).podNamespace());
        assertEquals(Map.of("A", "b=c"), CniEnvironment.parseArgs("A=b=c"));
    }

    /** Found by {@code CniInputFuzzTest}: a NUL in a path variable made {@link java.nio.file.Path#of} throw. */
    @Test
    void aNulCharacterInAPathVariableIsAnInvalidEnvironment()
    {
        final Map<String, String> netns = kubelet("ADD");
        netns.put("CNI_NETNS", "/var/run/netns/a\0b");
        assertEquals(CniException.INVALID_ENVIRONMENT, code(netns));
        final Map<String, String> path = kubelet("DEL");
        path.put("CNI_PATH", "/opt/cni/bin:/usr/\0lib");
        final CniException ex = assertThrows(CniException.class, () -> CniEnvironment.from(path));
        assertEquals(CniException.INVALID_ENVIRONMENT, ex.code());
        assertTrue(ex.getMessage().startsWith("CNI_PATH '/usr/\\0lib' is not a path"), ex.getMessage());
    }
}
