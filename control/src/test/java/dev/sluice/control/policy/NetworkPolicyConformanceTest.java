package dev.sluice.control.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import dev.sluice.control.model.ClusterState;
import dev.sluice.control.model.ClusterStateException;
import dev.sluice.control.model.ObjectRef;
import dev.sluice.control.model.PodRef;
import dev.sluice.control.model.Protocol;
import org.junit.jupiter.api.Test;

/**
 * NetworkPolicy semantics as truth tables, in the style of the upstream Kubernetes netpol e2e suite: namespaces
 * x, y, z and pods a, b, c in each (fixture {@code conformance/xyz.yaml}); each case is a policy set (in {@link ConformanceCases}, shared with the
 * compiled-table differential test) and the
 * expected 9x9 table (rows = sources, columns = destinations, '.' allowed, 'X' denied). The tables are written
 * with spaces for readability and compared with the tab-separated output. A pod reaching itself is always
 * allowed (the diagonal).
 */
class NetworkPolicyConformanceTest
{
    @Test
    void noPoliciesAllowsEverything() throws Exception
    {
        assertMatrix(ConformanceCases.NO_POLICIES, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void denyAllIngressInXIsolatesEveryPodOfX() throws Exception
    {
        final String policies = ConformanceCases.DENY_ALL_INGRESS_IN_X_ISOLATES_EVERY_POD_OF_X;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
        assertMatrix(policies, 81, Protocol.UDP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void emptyIngressListIsTheSameAsAbsent() throws Exception
    {
        assertMatrix(ConformanceCases.EMPTY_INGRESS_LIST_IS_THE_SAME_AS_ABSENT, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void ingressWithOneEmptyRuleAllowsAllEvenNextToDenyAll() throws Exception
    {
        assertMatrix(ConformanceCases.INGRESS_WITH_ONE_EMPTY_RULE_ALLOWS_ALL_EVEN_NEXT_TO_DENY_ALL, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void allowFromSameNamespaceWithEmptyPodSelectorPeer() throws Exception
    {
        assertMatrix(ConformanceCases.ALLOW_FROM_SAME_NAMESPACE_WITH_EMPTY_POD_SELECTOR_PEER, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void emptyNamespaceSelectorPeerMeansEveryPodOfEveryNamespace() throws Exception
    {
        assertMatrix(ConformanceCases.EMPTY_NAMESPACE_SELECTOR_PEER_MEANS_EVERY_POD_OF_EVERY_NAMESPACE, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void allowFromNamespaceYByNamespaceSelector() throws Exception
    {
        assertMatrix(ConformanceCases.ALLOW_FROM_NAMESPACE_Y_BY_NAMESPACE_SELECTOR, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b X   .   .   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a X   .   .   .   .   .   .   .   .
            z/b X   .   .   .   .   .   .   .   .
            z/c X   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void namespaceAndPodSelectorInOnePeerAreAnded() throws Exception
    {
        assertMatrix(ConformanceCases.NAMESPACE_AND_POD_SELECTOR_IN_ONE_PEER_ARE_ANDED, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b X   .   .   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a X   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c X   .   .   .   .   .   .   .   .
            z/a X   .   .   .   .   .   .   .   .
            z/b X   .   .   .   .   .   .   .   .
            z/c X   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void twoPeersAreOredAndAPodSelectorPeerMeansThePolicyNamespace() throws Exception
    {
        assertMatrix(ConformanceCases.TWO_PEERS_ARE_ORED_AND_A_POD_SELECTOR_PEER_MEANS_THE_POLICY_NAMESPACE, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a X   .   .   .   .   .   .   .   .
            z/b X   .   .   .   .   .   .   .   .
            z/c X   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void matchExpressionsInNotInExistsDoesNotExist() throws Exception
    {
        assertMatrix(ConformanceCases.MATCH_EXPRESSIONS_IN_NOT_IN_EXISTS_DOES_NOT_EXIST, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   X   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   X   .   .   .   .   .   .
            """);
    }

    @Test
    void egressDenyAllWithDnsAllowedOnUdp53() throws Exception
    {
        final String policies = ConformanceCases.EGRESS_DENY_ALL_WITH_DNS_ALLOWED_ON_UDP53;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   X   X   X   X   X   X
            x/b X   .   X   X   X   X   X   X   X
            x/c X   X   .   X   X   X   X   X   X
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        assertMatrix(policies, 53, Protocol.UDP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        assertMatrix(policies, 53, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   X   X   X   X   X   X
            x/b X   .   X   X   X   X   X   X   X
            x/c X   X   .   X   X   X   X   X   X
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void namedIngressPortResolvesOnEachDestinationPod() throws Exception
    {
        final String policies = ConformanceCases.NAMED_INGRESS_PORT_RESOLVES_ON_EACH_DESTINATION_POD;
        // 'web' is 80 on a, 81 on b, 82 on c.
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b .   .   X   .   .   .   .   .   .
            x/c .   X   .   .   .   .   .   .   .
            y/a .   X   X   .   .   .   .   .   .
            y/b .   X   X   .   .   .   .   .   .
            y/c .   X   X   .   .   .   .   .   .
            z/a .   X   X   .   .   .   .   .   .
            z/b .   X   X   .   .   .   .   .   .
            z/c .   X   X   .   .   .   .   .   .
            """);
        assertMatrix(policies, 81, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a X   .   X   .   .   .   .   .   .
            y/b X   .   X   .   .   .   .   .   .
            y/c X   .   X   .   .   .   .   .   .
            z/a X   .   X   .   .   .   .   .   .
            z/b X   .   X   .   .   .   .   .   .
            z/c X   .   X   .   .   .   .   .   .
            """);
        // The name is per protocol: 'web' is only declared on TCP.
        assertMatrix(policies, 80, Protocol.UDP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void namedEgressPortResolvesOnTheEgressDestinationPod() throws Exception
    {
        assertMatrix(ConformanceCases.NAMED_EGRESS_PORT_RESOLVES_ON_THE_EGRESS_DESTINATION_POD, 81, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a X   .   X   .   .   X   X   .   X
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void portRangeWithEndPort() throws Exception
    {
        final String policies = ConformanceCases.PORT_RANGE_WITH_END_PORT;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        assertMatrix(policies, 79, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        assertMatrix(policies, 81, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
    }

    @Test
    void aPolicyNamingOnlySctpStillIsolatesForTcp() throws Exception
    {
        final String policies = ConformanceCases.A_POLICY_NAMING_ONLY_SCTP_STILL_ISOLATES_FOR_TCP;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   .   .   .   .   .   .
            x/b X   .   X   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   X   .   .   .   .   .   .
            y/b X   X   X   .   .   .   .   .   .
            y/c X   X   X   .   .   .   .   .   .
            z/a X   X   X   .   .   .   .   .   .
            z/b X   X   X   .   .   .   .   .   .
            z/c X   X   X   .   .   .   .   .   .
            """);
        assertMatrix(policies, 80, Protocol.SCTP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void ipBlockWithExceptOverPodIpsWhenIpBlockMatchesPods() throws Exception
    {
        // 198.18.2.2 is y/b; z is IPv6-only, so z -> x/a uses IPv6 and misses the IPv4 block;
        // x/b is reached over IPv6 only from z, and 2001:2:0:3::2 is z/b.
        assertMatrix(ConformanceCases.IP_BLOCKS, 80, Protocol.TCP, IpBlockMode.ANY_ADDRESS, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   X   .   .   .   .   .   .   .
            y/a .   X   .   .   .   .   .   .   .
            y/b X   X   .   .   .   .   .   .   .
            y/c .   X   .   .   .   .   .   .   .
            z/a X   .   .   .   .   .   .   .   .
            z/b X   X   .   .   .   .   .   .   .
            z/c X   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void ipBlockDoesNotMatchPodIpsByDefault() throws Exception
    {
        assertMatrix(ConformanceCases.IP_BLOCKS, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   .   .   .   .   .   .   .
            x/b X   .   .   .   .   .   .   .   .
            x/c X   X   .   .   .   .   .   .   .
            y/a X   X   .   .   .   .   .   .   .
            y/b X   X   .   .   .   .   .   .   .
            y/c X   X   .   .   .   .   .   .   .
            z/a X   X   .   .   .   .   .   .   .
            z/b X   X   .   .   .   .   .   .   .
            z/c X   X   .   .   .   .   .   .   .
            """);
    }

    @Test
    void ipBlockWithExceptOverExternalAddressesIpv4AndIpv6() throws Exception
    {
        for (final IpBlockMode mode : IpBlockMode.values())
        {
            final PolicyEngine engine = new PolicyEngine(load(ConformanceCases.IP_BLOCKS), mode);
            final PeerAddress xa = engine.address(PodRef.parse("x/a"));
            final PeerAddress xb = engine.address(new PodRef("x", "b"));
            final PeerAddress xbV6 = new PeerAddress(InetAddress.ofLiteral("2001:2:0:1::2"), new PodRef("x", "b"));
            assertTrue(engine.evaluate(ip(engine, "198.18.200.1"), xa, 80, Protocol.TCP).allowed(), mode.name());
            assertFalse(engine.evaluate(ip(engine, "198.18.3.5"), xa, 80, Protocol.TCP).allowed(), mode.name());
            assertFalse(engine.evaluate(ip(engine, "198.19.0.1"), xa, 80, Protocol.TCP).allowed(), mode.name());
            assertTrue(engine.evaluate(ip(engine, "2001:2:0:9::1"), xbV6, 80, Protocol.TCP).allowed(), mode.name());
            assertFalse(engine.evaluate(ip(engine, "2001:2:1::1"), xbV6, 80, Protocol.TCP).allowed(), mode.name());
            // An IPv6 block never matches an IPv4 source.
            assertFalse(engine.evaluate(ip(engine, "198.18.200.1"), xb, 80, Protocol.TCP).allowed(), mode.name());
        }
    }

    @Test
    void policyTypesEgressOnlyWithNoRulesDeniesAllEgressAndLeavesIngressOpen() throws Exception
    {
        assertMatrix(ConformanceCases.POLICY_TYPES_EGRESS_ONLY_WITH_NO_RULES_DENIES_ALL_EGRESS_AND_LEAVES_INGRESS_OPEN, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   X   X   X   X   X   X   X   X
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void twoPoliciesSelectingOnePodAreUnioned() throws Exception
    {
        final String policies = ConformanceCases.TWO_POLICIES_SELECTING_ONE_POD_ARE_UNIONED;
        assertMatrix(policies, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c X   .   .   .   .   .   .   .   .
            y/a X   .   .   .   .   .   .   .   .
            y/b X   .   .   .   .   .   .   .   .
            y/c X   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
        final PolicyEngine engine = new PolicyEngine(load(policies));
        final Verdict v = engine.evaluate(PodRef.parse("z/c"), engine.address(PodRef.parse("x/a")), 80, Protocol.TCP);
        assertEquals(List.of(new ObjectRef("x", "from-b"), new ObjectRef("x", "from-z")), v.ingress().isolatedBy());
        assertEquals(List.of(new ObjectRef("x", "from-z")), v.ingress().allowedBy());
        assertEquals("allowed: z/c egress not isolated; x/a ingress allowed by policy 'from-z'", v.explain());
    }

    @Test
    void aPolicySelectingNoPodsHasNoEffect() throws Exception
    {
        assertMatrix(ConformanceCases.A_POLICY_SELECTING_NO_PODS_HAS_NO_EFFECT, 80, Protocol.TCP, """
            -   x/a x/b x/c y/a y/b y/c z/a z/b z/c
            x/a .   .   .   .   .   .   .   .   .
            x/b .   .   .   .   .   .   .   .   .
            x/c .   .   .   .   .   .   .   .   .
            y/a .   .   .   .   .   .   .   .   .
            y/b .   .   .   .   .   .   .   .   .
            y/c .   .   .   .   .   .   .   .   .
            z/a .   .   .   .   .   .   .   .   .
            z/b .   .   .   .   .   .   .   .   .
            z/c .   .   .   .   .   .   .   .   .
            """);
    }

    @Test
    void aPolicyOnlySelectsPodsOfItsOwnNamespace() throws Exception
    {
        // Same selector, policy in y: x is untouched, y is isolated.
        final ClusterState state = load(ConformanceCases.A_POLICY_ONLY_SELECTS_PODS_OF_ITS_OWN_NAMESPACE);
        final PolicyEngine engine = new PolicyEngine(state);
        assertTrue(engine.isolatingPolicies(PodRef.parse("x/a"), Direction.INGRESS).isEmpty());
        assertEquals(List.of(new ObjectRef("y", "deny-all")),
            engine.isolatingPolicies(PodRef.parse("y/a"), Direction.INGRESS));
        assertTrue(engine.isolatingPolicies(PodRef.parse("y/a"), Direction.EGRESS).isEmpty());
    }

    @Test
    void deniedVerdictExplainsWhichDirectionIsolatedAndByWhichPolicy() throws Exception
    {
        final PolicyEngine engine = new PolicyEngine(load(ConformanceCases.DENIED_VERDICT_EXPLAINS_WHICH_DIRECTION_ISOLATED_AND_BY_WHICH_POLICY));
        final Verdict v = engine.evaluate(PodRef.parse("y/c"), engine.address(PodRef.parse("x/a")), 80, Protocol.TCP);
        assertFalse(v.allowed());
        assertEquals("denied by: x/a ingress isolated by policy 'deny-all'; no rule allows y/c on TCP/80", v.explain());
        final Verdict both = engine.evaluate(PodRef.parse("y/b"), engine.address(PodRef.parse("x/a")), 80,
            Protocol.TCP);
        assertEquals("denied by: y/b egress isolated by policy 'no-egress'; no rule allows x/a on TCP/80; "
            + "x/a ingress isolated by policy 'deny-all'; no rule allows y/b on TCP/80", both.explain());
        assertEquals(DirectionVerdict.Outcome.DENIED, both.egress().outcome());
        // Pod to an outside address: only the pod's egress is consulted.
        final Verdict out = engine.evaluate(PodRef.parse("y/b"), engine.address(InetAddress.ofLiteral("198.18.250.1")),
            443, Protocol.TCP);
        assertEquals(DirectionVerdict.Outcome.NOT_A_POD, out.ingress().outcome());
        assertEquals("denied by: y/b egress isolated by policy 'no-egress'; no rule allows 198.18.250.1 on TCP/443",
            out.explain());
    }

    private static PeerAddress ip(final PolicyEngine engine, final String literal)
    {
        return engine.address(InetAddress.ofLiteral(literal));
    }

    private static void assertMatrix(final String policies, final int port, final Protocol protocol,
        final String expected) throws ClusterStateException
    {
        assertMatrix(policies, port, protocol, IpBlockMode.EXTERNAL_ONLY, expected);
    }

    private static void assertMatrix(final String policies, final int port, final Protocol protocol,
        final IpBlockMode mode, final String expected) throws ClusterStateException
    {
        final PolicyMatrix matrix = PolicyMatrix.compute(new PolicyEngine(load(policies), mode), port, protocol);
        assertEquals(tabs(expected), matrix.toTable(), protocol + "/" + port + " " + mode);
    }

    /** The expected tables are written with spaces; the contract separates fields with one tab. */
    private static String tabs(final String spaced)
    {
        return spaced.lines()
            .map(line -> Arrays.stream(line.trim().split(" +")).collect(Collectors.joining("\t")))
            .collect(Collectors.joining("\n", "", "\n"));
    }

    static ClusterState load(final String policies) throws ClusterStateException
    {
        return ConformanceCases.load(policies);
    }
}
