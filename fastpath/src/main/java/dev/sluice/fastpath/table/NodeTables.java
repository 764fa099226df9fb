package dev.sluice.fastpath.table;

import java.util.Objects;

import dev.sluice.fastpath.policy.PolicySnapshot;
import dev.sluice.fastpath.service.ServiceTable;
import dev.sluice.fastpath.tunnel.TunnelTemplates;

/**
 * Everything a worker's pipeline reads, as one immutable snapshot of one generation: the contract between control
 * (which compiles it off the packet path) and the workers (which swap it in at a duty-cycle boundary and publish the
 * generation they run; see STYLE.md "Publishing tables"). Nothing in a snapshot changes after construction, so a
 * worker may keep reading an old one until it swaps.
 *
 * @param generation strictly increasing per node.
 * @param policy     identities, ipcache, per-endpoint policy tables, local pod address -> endpoint id.
 * @param services   service frontends, backends, Maglev tables, reverse-NAT table.
 * @param tunnel     tunnel peers and their precomputed outer headers (null on a single-node setup: no tunnel).
 * @param endpoints  per local endpoint id: the port its veth is bound to and its MAC.
 */
public record NodeTables(long generation, PolicySnapshot policy, ServiceTable services, TunnelTemplates tunnel,
    LocalEndpoints endpoints)
{
    public NodeTables
    {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(services, "services");
        Objects.requireNonNull(endpoints, "endpoints");
        if (generation < 0)
        {
            throw new IllegalArgumentException("generation must be >= 0: " + generation);
        }
        if (endpoints.count() != policy.endpointCount())
        {
            throw new IllegalArgumentException("endpoints has " + endpoints.count() + " entries but the policy " +
                "snapshot numbers " + policy.endpointCount() + " endpoints");
        }
    }
}
