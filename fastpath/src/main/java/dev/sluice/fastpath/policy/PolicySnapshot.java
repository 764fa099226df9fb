package dev.sluice.fastpath.policy;

import java.util.List;
import java.util.Objects;

import dev.sluice.wire.Lpm128;

/**
 * Everything the policy stage of one node needs, immutable and generation-numbered, so a worker swaps it with one
 * reference store between vectors: the {@link IpCache} (address to identity), the local endpoints (pod IP to
 * endpoint id), the {@link PolicyTable}, and the rule names for verdict events. Lookups allocate nothing.
 *
 * <p>A packet from local pod S to address D on protocol P, port N is checked as
 * {@code checkEgress(endpointOf(S), identityOf(D), D, P, N)}, and a packet from address S to local pod D as
 * {@code checkIngress(endpointOf(D), identityOf(S), S, P, N)}.
 */
public final class PolicySnapshot
{
    /** {@link #endpointOf} of an address that is no local endpoint. */
    public static final int NO_ENDPOINT = -1;

    private final long generation;
    private final IpCache ipCache;
    private final Lpm128 endpoints;
    private final PolicyTable table;
    private final String[] endpointNames;
    private final String[] rulePolicies;
    private final String[] ruleLabels;

    /**
     * @param generation    the generation number (increasing per node).
     * @param ipCache       the ipcache.
     * @param endpoints     local pod IPs as {@code /128} prefixes to endpoint ids (missing value {@link #NO_ENDPOINT}).
     * @param table         the policy table, with as many endpoints as {@code endpointNames}.
     * @param endpointNames endpoint id to {@code namespace/pod}.
     * @param rulePolicies  rule id to {@code namespace/policy}.
     * @param ruleLabels    rule id to a longer label, {@code namespace/policy ingress[0]}.
     */
    public PolicySnapshot(final long generation, final IpCache ipCache, final Lpm128 endpoints, final PolicyTable table,
        final List<String> endpointNames, final List<String> rulePolicies, final List<String> ruleLabels)
    {
        this.generation = generation;
        this.ipCache = Objects.requireNonNull(ipCache, "ipCache");
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.table = Objects.requireNonNull(table, "table");
        this.endpointNames = endpointNames.toArray(String[]::new);
        this.rulePolicies = rulePolicies.toArray(String[]::new);
        this.ruleLabels = ruleLabels.toArray(String[]::new);
        if (endpoints.missingValue() != NO_ENDPOINT)
        {
            throw new IllegalArgumentException("endpoint map must miss with " + NO_ENDPOINT + ", not "
                + endpoints.missingValue());
        }
        if (table.endpointCount() != this.endpointNames.length)
        {
            throw new IllegalArgumentException("table has " + table.endpointCount() + " endpoints, names "
                + this.endpointNames.length);
        }
        if (this.rulePolicies.length != this.ruleLabels.length)
        {
            throw new IllegalArgumentException(this.rulePolicies.length + " rule policies but "
                + this.ruleLabels.length + " rule labels");
        }
    }

    /**
     * @return the generation.
     */
    public long generation()
    {
        return generation;
    }

    /**
     * @return the ipcache.
     */
    public IpCache ipCache()
    {
        return ipCache;
    }

    /**
     * @return the policy table.
     */
    public PolicyTable table()
    {
        return table;
    }

    /**
     * @return the endpoint map (pod IP {@code /128} to endpoint id).
     */
    public Lpm128 endpoints()
    {
        return endpoints;
    }

    /**
     * @param hi high 64 bits of an address.
     * @param lo low 64 bits.
     * @return the endpoint id of the local pod with that IP, or {@link #NO_ENDPOINT}.
     */
    public int endpointOf(final long hi, final long lo)
    {
        return endpoints.lookup(hi, lo);
    }

    /**
     * @param hi high 64 bits of an address.
     * @param lo low 64 bits.
     * @return its identity (see {@link IpCache#identityOf}).
     */
    public int identityOf(final long hi, final long lo)
    {
        return ipCache.identityOf(hi, lo);
    }

    /**
     * @see PolicyTable#checkEgress
     */
    public int checkEgress(final int endpointId, final int remoteIdentity, final long dstHi, final long dstLo,
        final int protocol, final int port)
    {
        return table.checkEgress(endpointId, remoteIdentity, dstHi, dstLo, protocol, port);
    }

    /**
     * @see PolicyTable#checkIngress
     */
    public int checkIngress(final int endpointId, final int remoteIdentity, final long srcHi, final long srcLo,
        final int protocol, final int port)
    {
        return table.checkIngress(endpointId, remoteIdentity, srcHi, srcLo, protocol, port);
    }

    /**
     * @return the number of endpoints.
     */
    public int endpointCount()
    {
        return endpointNames.length;
    }

    /**
     * @param endpointId an endpoint id.
     * @return its {@code namespace/pod}.
     */
    public String endpointName(final int endpointId)
    {
        return endpointNames[endpointId];
    }

    /**
     * @return the number of rules.
     */
    public int ruleCount()
    {
        return rulePolicies.length;
    }

    /**
     * @param ruleId a rule id from a lookup.
     * @return the {@code namespace/name} of the policy the rule belongs to.
     */
    public String ruleName(final int ruleId)
    {
        return rulePolicies[ruleId];
    }

    /**
     * @param ruleId a rule id.
     * @return {@code namespace/name direction[index]}.
     */
    public String ruleLabel(final int ruleId)
    {
        return ruleLabels[ruleId];
    }
}
