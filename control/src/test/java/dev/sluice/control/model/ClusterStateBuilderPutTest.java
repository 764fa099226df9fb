package dev.sluice.control.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;

class ClusterStateBuilderPutTest
{
    private static Pod pod(final String name, final String ip, final String version)
    {
        return new PodBuilder().withNewMetadata().withNamespace("x").withName(name).withResourceVersion(version)
            .withLabels(Map.of("v", version)).endMetadata().withNewStatus().withPodIP(ip).endStatus().build();
    }

    @Test
    void putReplacesRemoveDeletesAndTheSameResourceVersionIsNoChange()
    {
        final ClusterStateBuilder builder = new ClusterStateBuilder();
        assertTrue(builder.put(new NamespaceBuilder().withNewMetadata().withName("x").endMetadata().build()));
        assertTrue(builder.put(pod("a", "198.18.1.1", "1")));
        assertFalse(builder.put(pod("a", "198.18.1.1", "1")), "a resync of the same version");
        assertTrue(builder.put(pod("a", "198.18.1.9", "2")));
        final ClusterState state = builder.buildPartial().state();
        assertEquals("2", state.pod(new PodRef("x", "a")).labels().get("v"));
        assertTrue(builder.remove(new ObjectKey("Pod", "x", "a")));
        assertFalse(builder.remove(new ObjectKey("Pod", "x", "a")));
        assertTrue(builder.buildPartial().state().pods().isEmpty());
    }

    @Test
    void aBrokenUpdateKeepsTheLastGoodVersionUntilAGoodOneArrives()
    {
        final ClusterStateBuilder builder = new ClusterStateBuilder();
        builder.put(new NamespaceBuilder().withNewMetadata().withName("x").endMetadata().build());
        builder.put(pod("a", "198.18.1.1", "1"));
        builder.put(pod("a", "not-an-ip", "2"));
        BuildResult result = builder.buildPartial();
        assertEquals("1", result.state().pod(new PodRef("x", "a")).labels().get("v"));
        assertEquals(1, result.rejections().size());
        final Rejection rejection = result.rejections().getFirst();
        assertTrue(rejection.previousKept());
        assertEquals(List.of("Pod x/a: status.podIP: 'not-an-ip' is not an IP address"), rejection.errors());
        builder.put(pod("a", "198.18.1.3", "3"));
        result = builder.buildPartial();
        assertTrue(result.rejections().isEmpty());
        assertEquals("3", result.state().pod(new PodRef("x", "a")).labels().get("v"));
    }

    @Test
    void theLaterClaimantOfAnIpIsLeftOutUntilTheFirstGoesAway()
    {
        final ClusterStateBuilder builder = new ClusterStateBuilder();
        builder.put(new NamespaceBuilder().withNewMetadata().withName("x").endMetadata().build());
        builder.put(pod("b", "198.18.1.1", "1"));
        builder.put(pod("a", "198.18.1.1", "2"));
        BuildResult result = builder.buildPartial();
        assertEquals(List.of(new PodRef("x", "b")), List.copyOf(result.state().pods().keySet()));
        assertEquals(new ObjectKey("Pod", "x", "a"), result.rejections().getFirst().object());
        builder.remove(new ObjectKey("Pod", "x", "b"));
        result = builder.buildPartial();
        assertEquals(List.of(new PodRef("x", "a")), List.copyOf(result.state().pods().keySet()));
        assertTrue(result.rejections().isEmpty());
    }

    @Test
    void objectsOfAMissingNamespaceAreLeftOut()
    {
        final ClusterStateBuilder builder = new ClusterStateBuilder();
        builder.put(pod("a", "198.18.1.1", "1"));
        final BuildResult result = builder.buildPartial();
        assertTrue(result.state().pods().isEmpty());
        assertEquals(List.of("Pod x/a: metadata.namespace: namespace 'x' has no Namespace object in the state"),
            result.rejections().getFirst().errors());
    }
}
