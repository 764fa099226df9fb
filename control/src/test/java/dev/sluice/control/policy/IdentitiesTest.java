package dev.sluice.control.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Map;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.NamespaceInfo;
import dev.sluice.control.model.PodRef;
import org.junit.jupiter.api.Test;

class IdentitiesTest
{
    @Test
    void samePodLabelsInOneNamespaceShareAnIdentityAndIdsAreSortedFromTheFirstPodId() throws Exception
    {
        final ClusterState state = NetworkPolicyConformanceTest.load("""
            apiVersion: v1
            kind: Pod
            metadata: {name: a2, namespace: x, labels: {pod: a}}
            status: {podIP: 198.18.1.50}
            """);
        final Identities ids = Identities.of(state);
        // 9 fixture pods have distinct (namespace, pod) labels; x/a2 shares x/a's.
        assertEquals(9, ids.byId().size());
        assertEquals(ids.of(new PodRef("x", "a")), ids.of(new PodRef("x", "a2")));
        assertNotEquals(ids.of(new PodRef("x", "a")), ids.of(new PodRef("y", "a")));
        // Canonical text order: "kubernetes.io/metadata.name=x,ns=x|pod=a" is the smallest.
        assertEquals(Identities.FIRST_POD_IDENTITY, ids.of(new PodRef("x", "a")));
        assertEquals(Identities.FIRST_POD_IDENTITY + 8, ids.of(new PodRef("z", "c")));
        assertEquals(Map.of("ns", "z", NamespaceInfo.NAME_LABEL, "z"),
            ids.byId().get(Identities.FIRST_POD_IDENTITY + 8).namespaceLabels());
        assertEquals(Identities.UNKNOWN, ids.of(new PodRef("x", "nope")));
    }

    @Test
    void identitiesAreDeterministic() throws Exception
    {
        assertEquals(Identities.of(NetworkPolicyConformanceTest.load("")).byId(),
            Identities.of(NetworkPolicyConformanceTest.load("")).byId());
    }
}
