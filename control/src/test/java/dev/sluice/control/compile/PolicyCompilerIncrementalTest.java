package dev.sluice.control.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.control.model.BuildResult;
import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateBuilder;
import dev.sluice.control.model.ObjectKey;
import dev.sluice.control.policy.Identities;
import dev.sluice.control.policy.IpBlockMode;
import dev.sluice.fastpath.policy.PolicySnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The incremental compile equals a from-scratch compile: random sequences of changes (pods, policies, services and
 * endpoint slices put, replaced and deleted, namespaces relabelled and deleted, pods moved between namespaces so
 * that two claim one IP) go through one long-lived {@link ClusterStateBuilder}, one long-lived
 * {@link PolicyCompiler} per node and one long-lived {@link ServiceCompiler} per node fed its previous result, as in
 * the agent; after every change the tables (as {@link PolicyTableDump} and {@link ServiceTableDump} text) must
 * equal those of new compilers on the same state, and the snapshot must equal the one a new builder makes from the same history of puts and
 * removes (which pod keeps a contested IP depends on the order of claims, so the history, not just the objects).
 */
class PolicyCompilerIncrementalTest
{
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    private static final List<String> NODES = Arrays.asList("node-1", "node-2", null);

    @Property(tries = 60)
    void incrementalTablesEqualFromScratchTables(@ForAll("changes") final List<Change> changes,
        @ForAll final IpBlockMode mode)
    {
        final ClusterStateBuilder builder = new ClusterStateBuilder();
        final Map<ObjectKey, HasMetadata> live = new LinkedHashMap<>();
        final List<Object> history = new ArrayList<>();
        for (final String doc : List.of(
            "apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n",
            "apiVersion: v1\nkind: Node\nmetadata: {name: node-2}\n",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: n0}\n",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: n1, labels: {team: red}}\n",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: n2, labels: {team: blue}}\n"))
        {
            history.add(put(builder, live, doc));
        }
        final Map<String, PolicyCompiler> compilers = new LinkedHashMap<>();
        NODES.forEach(node -> compilers.put(String.valueOf(node), new PolicyCompiler(mode)));
        final Map<String, ServiceCompiler> serviceCompilers = new LinkedHashMap<>();
        final Map<String, CompiledServices> previousServices = new LinkedHashMap<>();
        long generation = 0;
        for (final Change change : changes)
        {
            if (change.delete() && !live.isEmpty())
            {
                final ObjectKey key = new ArrayList<>(live.keySet()).get(change.pick() % live.size());
                live.remove(key);
                builder.remove(key);
                history.add(key);
            }
            else
            {
                history.add(put(builder, live, change.yaml()));
            }
            generation++;
            final BuildResult result = builder.buildPartial();
            final ClusterState state = result.state();
            assertSameModel(history, result, change);
            for (final String node : NODES)
            {
                final PolicySnapshot incremental = compilers.get(String.valueOf(node)).compile(state, node, generation);
                final PolicySnapshot scratch = new PolicyCompiler(mode).compile(state, node, generation);
                final Identities identities = Identities.of(state);
                assertEquals(PolicyTableDump.dump(scratch, identities), PolicyTableDump.dump(incremental, identities),
                    () -> "node " + node + " after " + change);
                if (node != null && state.nodes().containsKey(node))
                {
                    final CompiledServices services = serviceCompilers
                        .computeIfAbsent(node, n -> new ServiceCompiler())
                        .compile(state, node, previousServices.get(node));
                    previousServices.put(node, services);
                    assertEquals(ServiceTableDump.dump(new ServiceCompiler().compile(state, node)),
                        ServiceTableDump.dump(services), () -> "services of " + node + " after " + change);
                }
            }
        }
    }

    @Test
    void anUnchangedKindKeepsItsMapInstanceAcrossSnapshots()
    {
        final ClusterStateBuilder builder = new ClusterStateBuilder();
        final Map<ObjectKey, HasMetadata> live = new LinkedHashMap<>();
        put(builder, live, "apiVersion: v1\nkind: Namespace\nmetadata: {name: n0}\n");
        put(builder, live, "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: n0}\nspec: {nodeName: node-1}\n"
            + "status: {phase: Running, podIP: 198.18.1.1}\n");
        final ClusterState first = builder.buildPartial().state();
        put(builder, live, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: n0}\n"
            + "spec: {podSelector: {}}\n");
        final ClusterState second = builder.buildPartial().state();
        assertSame(first.pods(), second.pods());
        assertSame(first.namespaces(), second.namespaces());
        assertNotSame(first.policies(), second.policies());
        assertEquals(1, second.policies().size());
    }

    private static HasMetadata put(final ClusterStateBuilder builder, final Map<ObjectKey, HasMetadata> live,
        final String yaml)
    {
        final HasMetadata object = SERIALIZATION.unmarshal(yaml);
        live.put(ObjectKey.of(object), object);
        builder.put(object);
        return object;
    }

    /** The long-lived builder's snapshot equals that of a new builder given the same puts and removes. */
    private static void assertSameModel(final List<Object> history, final BuildResult result, final Change change)
    {
        final ClusterStateBuilder fresh = new ClusterStateBuilder();
        for (final Object step : history)
        {
            if (step instanceof ObjectKey key)
            {
                fresh.remove(key);
            }
            else
            {
                fresh.put((HasMetadata)step);
            }
        }
        final BuildResult expected = fresh.buildPartial();
        final ClusterState a = expected.state();
        final ClusterState b = result.state();
        final String what = "after " + change;
        assertEquals(a.namespaces(), b.namespaces(), what);
        assertEquals(a.nodes(), b.nodes(), what);
        assertEquals(a.pods(), b.pods(), what);
        assertEquals(a.policies(), b.policies(), what);
        assertEquals(a.services(), b.services(), what);
        assertEquals(a.endpointSlices(), b.endpointSlices(), what);
        assertEquals(a.warnings(), b.warnings(), what);
        for (final var pod : a.pods().values())
        {
            for (final var ip : pod.ips())
            {
                assertEquals(pod, b.podByIp(ip), what);
            }
        }
        assertEquals(expected.rejections(), result.rejections(), what);
    }

    /**
     * One change.
     *
     * @param delete delete a live object (chosen by {@code pick}) instead of putting {@code yaml}.
     * @param pick   which live object to delete.
     * @param yaml   the object to put (add or replace).
     */
    record Change(boolean delete, int pick, String yaml)
    {
        @Override
        public String toString()
        {
            return delete ? "delete #" + pick : "put\n" + yaml;
        }
    }

    /** A ClusterIP service svc0..svc2 in n0..n2 selecting app=web, target port by name or number. */
    private static Arbitrary<String> service()
    {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 2),
            Arbitraries.of("http", "8080"), Arbitraries.of("", "  internalTrafficPolicy: Local\n"))
            .as((i, ns, target, local) -> "apiVersion: v1\nkind: Service\nmetadata: {name: svc" + i
                + ", namespace: n" + ns + "}\nspec:\n  clusterIP: 198.19.0." + (i + 1) + "\n  clusterIPs: [198.19.0."
                + (i + 1) + "]\n  selector: {app: web}\n  ports: [{name: http, port: 80, targetPort: " + target
                + ", protocol: TCP}]\n" + local);
    }

    /** An EndpointSlice of svc0..svc2 (in n0..n2) over the pods' addresses, with random conditions and nodes. */
    private static Arbitrary<String> slice()
    {
        final Arbitrary<String> endpoint = Combinators.combine(Arbitraries.integers().between(1, 5),
            Arbitraries.of("{ready: true}", "{ready: false, serving: true, terminating: true}", "{ready: false}"),
            Arbitraries.integers().between(1, 2))
            .as((k, conditions, node) -> "- addresses: ['198.18.1." + k + "']\n  conditions: " + conditions
                + "\n  nodeName: node-" + node + "\n");
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 2),
            Arbitraries.of("ports: [{name: http, port: 8080, protocol: TCP}]\n", "ports: []\n"),
            endpoint.list().ofMaxSize(4))
            .as((i, ns, ports, endpoints) -> "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n"
                + "  name: svc" + i + "-a\n  namespace: n" + ns + "\n  labels: {kubernetes.io/service-name: svc" + i
                + "}\naddressType: IPv4\n" + ports + "endpoints:" + (endpoints.isEmpty() ? " []\n" : "\n")
                + String.join("", endpoints));
    }

    @Provide
    Arbitrary<List<Change>> changes()
    {
        final Arbitrary<String> pod = Combinators.combine(PolicyCompilerPropertyTest.pod(),
            Arbitraries.integers().between(1, 5)).as((doc, i) -> doc.replace("#", Integer.toString(i)));
        final Arbitrary<String> policy = Combinators.combine(PolicyCompilerPropertyTest.policy(),
            Arbitraries.integers().between(0, 4)).as((doc, i) -> doc.replace("#", Integer.toString(i)));
        final Arbitrary<String> namespace = Combinators.combine(Arbitraries.integers().between(0, 2),
            Arbitraries.of("", "team: red", "team: blue", "team: red, env: prod"))
            .as((i, labels) -> "apiVersion: v1\nkind: Namespace\nmetadata: {name: n" + i + ", labels: {" + labels
                + "}}\n");
        final Arbitrary<Change> put = Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, pod), net.jqwik.api.Tuple.of(4, policy), net.jqwik.api.Tuple.of(1, namespace),
            net.jqwik.api.Tuple.of(1, service()), net.jqwik.api.Tuple.of(2, slice()))
            .map(yaml -> new Change(false, 0, yaml));
        final Arbitrary<Change> delete = Arbitraries.integers().between(0, 1000).map(i -> new Change(true, i, null));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, put), net.jqwik.api.Tuple.of(1, delete))
            .list().ofMinSize(5).ofMaxSize(25);
    }
}
