package dev.sluice.control.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ClusterStateLoader;

/**
 * The policy sets of the NetworkPolicy conformance suite over the fixture {@code conformance/xyz.yaml}
 * (namespaces x, y, z; pods a, b, c), shared by {@link NetworkPolicyConformanceTest} (truth tables from the
 * engine) and the compiled-table differential test (tables against the engine).
 */
public final class ConformanceCases
{
    /** The fixture: namespaces, nodes and pods, no policies. */
    public static final String BASE = resource("/conformance/xyz.yaml");

    /** No policies at all. */
    public static final String NO_POLICIES = "";

    /** Policies of {@code denyAllIngressInXIsolatesEveryPodOfX}. */
    public static final String DENY_ALL_INGRESS_IN_X_ISOLATES_EVERY_POD_OF_X = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all, namespace: x}
        spec:
          podSelector: {}
        """;

    /** Policies of {@code emptyIngressListIsTheSameAsAbsent}. */
    public static final String EMPTY_INGRESS_LIST_IS_THE_SAME_AS_ABSENT = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Ingress]
          ingress: []
        """;

    /** Policies of {@code ingressWithOneEmptyRuleAllowsAllEvenNextToDenyAll}. */
    public static final String INGRESS_WITH_ONE_EMPTY_RULE_ALLOWS_ALL_EVEN_NEXT_TO_DENY_ALL = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all, namespace: x}
        spec:
          podSelector: {}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: allow-all, namespace: x}
        spec:
          podSelector: {}
          ingress: [{}]
        """;

    /** Policies of {@code allowFromSameNamespaceWithEmptyPodSelectorPeer}. */
    public static final String ALLOW_FROM_SAME_NAMESPACE_WITH_EMPTY_POD_SELECTOR_PEER = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: same-ns, namespace: x}
        spec:
          podSelector: {}
          ingress:
          - from: [{podSelector: {}}]
        """;

    /** Policies of {@code emptyNamespaceSelectorPeerMeansEveryPodOfEveryNamespace}. */
    public static final String EMPTY_NAMESPACE_SELECTOR_PEER_MEANS_EVERY_POD_OF_EVERY_NAMESPACE = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: all-ns, namespace: x}
        spec:
          podSelector: {}
          ingress:
          - from: [{namespaceSelector: {}}]
        """;

    /** Policies of {@code allowFromNamespaceYByNamespaceSelector}. */
    public static final String ALLOW_FROM_NAMESPACE_Y_BY_NAMESPACE_SELECTOR = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-y, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from: [{namespaceSelector: {matchLabels: {ns: y}}}]
        """;

    /** Policies of {@code namespaceAndPodSelectorInOnePeerAreAnded}. */
    public static final String NAMESPACE_AND_POD_SELECTOR_IN_ONE_PEER_ARE_ANDED = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: y-and-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {ns: y}}
              podSelector: {matchLabels: {pod: b}}
        """;

    /** Policies of {@code twoPeersAreOredAndAPodSelectorPeerMeansThePolicyNamespace}. */
    public static final String TWO_PEERS_ARE_ORED_AND_A_POD_SELECTOR_PEER_MEANS_THE_POLICY_NAMESPACE = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: y-or-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - namespaceSelector: {matchLabels: {ns: y}}
            - podSelector: {matchLabels: {pod: b}}
        """;

    /** Policies of {@code matchExpressionsInNotInExistsDoesNotExist}. */
    public static final String MATCH_EXPRESSIONS_IN_NOT_IN_EXISTS_DOES_NOT_EXIST = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: not-x, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - namespaceSelector: {matchExpressions: [{key: ns, operator: NotIn, values: [x]}]}
              podSelector: {matchExpressions: [{key: pod, operator: Exists}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: yz-not-c, namespace: x}
        spec:
          podSelector: {matchExpressions: [{key: pod, operator: In, values: [c]}]}
          ingress:
          - from:
            - namespaceSelector: {matchExpressions: [{key: ns, operator: In, values: [y, z]}]}
              podSelector:
                matchExpressions:
                - {key: ns, operator: DoesNotExist}
                - {key: pod, operator: NotIn, values: [c]}
        """;

    /** Policies of {@code egressDenyAllWithDnsAllowedOnUdp53}. */
    public static final String EGRESS_DENY_ALL_WITH_DNS_ALLOWED_ON_UDP53 = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: egress-dns-only, namespace: x}
        spec:
          podSelector: {}
          policyTypes: [Egress]
          egress:
          - ports: [{protocol: UDP, port: 53}]
        """;

    /** Policies of {@code namedIngressPortResolvesOnEachDestinationPod}. */
    public static final String NAMED_INGRESS_PORT_RESOLVES_ON_EACH_DESTINATION_POD = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web-only, namespace: x}
        spec:
          podSelector: {}
          ingress:
          - ports: [{port: web}]
        """;

    /** Policies of {@code namedEgressPortResolvesOnTheEgressDestinationPod}. */
    public static final String NAMED_EGRESS_PORT_RESOLVES_ON_THE_EGRESS_DESTINATION_POD = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: web-out, namespace: y}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
          egress:
          - ports: [{port: web}]
        """;

    /** Policies of {@code portRangeWithEndPort}. */
    public static final String PORT_RANGE_WITH_END_PORT = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: range, namespace: x}
        spec:
          podSelector: {}
          ingress:
          - ports: [{port: 79, endPort: 80}]
        """;

    /** Policies of {@code aPolicyNamingOnlySctpStillIsolatesForTcp}. */
    public static final String A_POLICY_NAMING_ONLY_SCTP_STILL_ISOLATES_FOR_TCP = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: sctp-only, namespace: x}
        spec:
          podSelector: {}
          ingress:
          - ports: [{protocol: SCTP, port: 80}]
        """;

    /** Policies of {@code policyTypesEgressOnlyWithNoRulesDeniesAllEgressAndLeavesIngressOpen}. */
    public static final String POLICY_TYPES_EGRESS_ONLY_WITH_NO_RULES_DENIES_ALL_EGRESS_AND_LEAVES_INGRESS_OPEN = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: no-egress, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Egress]
        """;

    /** Policies of {@code twoPoliciesSelectingOnePodAreUnioned}. */
    public static final String TWO_POLICIES_SELECTING_ONE_POD_ARE_UNIONED = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-b, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from: [{podSelector: {matchLabels: {pod: b}}}]
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: from-z, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from: [{namespaceSelector: {matchLabels: {ns: z}}}]
        """;

    /** Policies of {@code aPolicySelectingNoPodsHasNoEffect}. */
    public static final String A_POLICY_SELECTING_NO_PODS_HAS_NO_EFFECT = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: selects-nothing, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: nope}}
          policyTypes: [Ingress, Egress]
        """;

    /** Policies of {@code aPolicyOnlySelectsPodsOfItsOwnNamespace}. */
    public static final String A_POLICY_ONLY_SELECTS_PODS_OF_ITS_OWN_NAMESPACE = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all, namespace: y}
        spec:
          podSelector: {}
        """;

    /** Policies of {@code deniedVerdictExplainsWhichDirectionIsolatedAndByWhichPolicy}. */
    public static final String DENIED_VERDICT_EXPLAINS_WHICH_DIRECTION_ISOLATED_AND_BY_WHICH_POLICY = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny-all, namespace: x}
        spec:
          podSelector: {}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: no-egress, namespace: y}
        spec:
          podSelector: {matchLabels: {pod: b}}
          policyTypes: [Egress]
        """;

    /** Policies of {@code ipBlocks}. */
    public static final String IP_BLOCKS = """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: v4-block, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          ingress:
          - from:
            - ipBlock: {cidr: 198.18.0.0/16, except: [198.18.2.2/32, 198.18.3.0/24]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: v6-block, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: b}}
          ingress:
          - from:
            - ipBlock: {cidr: '2001:2::/48', except: ['2001:2:0:3::2/128']}
        """;

    /** Every case, by the name of the conformance test that uses it. */
    public static final List<Case> ALL = List.of(
        new Case("noPolicies", NO_POLICIES),
        new Case("denyAllIngressInXIsolatesEveryPodOfX", DENY_ALL_INGRESS_IN_X_ISOLATES_EVERY_POD_OF_X),
        new Case("emptyIngressListIsTheSameAsAbsent", EMPTY_INGRESS_LIST_IS_THE_SAME_AS_ABSENT),
        new Case("ingressWithOneEmptyRuleAllowsAllEvenNextToDenyAll", INGRESS_WITH_ONE_EMPTY_RULE_ALLOWS_ALL_EVEN_NEXT_TO_DENY_ALL),
        new Case("allowFromSameNamespaceWithEmptyPodSelectorPeer", ALLOW_FROM_SAME_NAMESPACE_WITH_EMPTY_POD_SELECTOR_PEER),
        new Case("emptyNamespaceSelectorPeerMeansEveryPodOfEveryNamespace", EMPTY_NAMESPACE_SELECTOR_PEER_MEANS_EVERY_POD_OF_EVERY_NAMESPACE),
        new Case("allowFromNamespaceYByNamespaceSelector", ALLOW_FROM_NAMESPACE_Y_BY_NAMESPACE_SELECTOR),
        new Case("namespaceAndPodSelectorInOnePeerAreAnded", NAMESPACE_AND_POD_SELECTOR_IN_ONE_PEER_ARE_ANDED),
        new Case("twoPeersAreOredAndAPodSelectorPeerMeansThePolicyNamespace", TWO_PEERS_ARE_ORED_AND_A_POD_SELECTOR_PEER_MEANS_THE_POLICY_NAMESPACE),
        new Case("matchExpressionsInNotInExistsDoesNotExist", MATCH_EXPRESSIONS_IN_NOT_IN_EXISTS_DOES_NOT_EXIST),
        new Case("egressDenyAllWithDnsAllowedOnUdp53", EGRESS_DENY_ALL_WITH_DNS_ALLOWED_ON_UDP53),
        new Case("namedIngressPortResolvesOnEachDestinationPod", NAMED_INGRESS_PORT_RESOLVES_ON_EACH_DESTINATION_POD),
        new Case("namedEgressPortResolvesOnTheEgressDestinationPod", NAMED_EGRESS_PORT_RESOLVES_ON_THE_EGRESS_DESTINATION_POD),
        new Case("portRangeWithEndPort", PORT_RANGE_WITH_END_PORT),
        new Case("aPolicyNamingOnlySctpStillIsolatesForTcp", A_POLICY_NAMING_ONLY_SCTP_STILL_ISOLATES_FOR_TCP),
        new Case("policyTypesEgressOnlyWithNoRulesDeniesAllEgressAndLeavesIngressOpen", POLICY_TYPES_EGRESS_ONLY_WITH_NO_RULES_DENIES_ALL_EGRESS_AND_LEAVES_INGRESS_OPEN),
        new Case("twoPoliciesSelectingOnePodAreUnioned", TWO_POLICIES_SELECTING_ONE_POD_ARE_UNIONED),
        new Case("aPolicySelectingNoPodsHasNoEffect", A_POLICY_SELECTING_NO_PODS_HAS_NO_EFFECT),
        new Case("aPolicyOnlySelectsPodsOfItsOwnNamespace", A_POLICY_ONLY_SELECTS_PODS_OF_ITS_OWN_NAMESPACE),
        new Case("deniedVerdictExplainsWhichDirectionIsolatedAndByWhichPolicy", DENIED_VERDICT_EXPLAINS_WHICH_DIRECTION_ISOLATED_AND_BY_WHICH_POLICY),
        new Case("ipBlocks", IP_BLOCKS));

    private ConformanceCases()
    {
    }

    /**
     * @param policies policy documents (YAML), or empty.
     * @return the fixture with those policies.
     * @throws ClusterStateException when the policies are invalid.
     */
    public static ClusterState load(final String policies) throws ClusterStateException
    {
        return new ClusterStateLoader().parse(BASE + "---\n" + policies, "xyz.yaml+policies");
    }

    /**
     * One case.
     *
     * @param name     the conformance test's name.
     * @param policies the policy documents.
     */
    public record Case(String name, String policies)
    {
        @Override
        public String toString()
        {
            return name;
        }
    }

    private static String resource(final String name)
    {
        try (InputStream in = ConformanceCases.class.getResourceAsStream(name))
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException | NullPointerException ex)
        {
            throw new IllegalStateException("missing test resource " + name, ex);
        }
    }
}
