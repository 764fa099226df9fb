/**
 * Services without kube-proxy: the per-node service snapshot ({@link dev.sluice.fastpath.service.ServiceTable},
 * built by {@link dev.sluice.fastpath.service.ServiceTableBuilder} from control's compiler), Maglev consistent
 * hashing ({@link dev.sluice.fastpath.service.Maglev}), ClientIP affinity
 * ({@link dev.sluice.fastpath.service.AffinityTable}), the in-place NAT rewrite
 * ({@link dev.sluice.fastpath.service.NatRewriter}) and rejects for services without endpoints
 * ({@link dev.sluice.fastpath.service.RejectBuilder}).
 *
 * <p>How the pipeline is meant to use them, per new flow (conntrack miss): {@code f = table.lookup(proto, dst,
 * dport)}; on a hit, with affinity ({@code FLAG_AFFINITY}) try {@code affinity.get(table.group(f), src, nowNs)} and
 * keep it if {@code table.backendUsable(f, b, fromLocalPod)}, else {@code b = table.selectBackend(f,
 * ServiceTable.flowHash(...), fromLocalPod)} (and {@code affinity.put}); {@code NO_BACKEND_REJECT} -&gt;
 * {@code RejectBuilder.reject} and TX back out of the ingress port; {@code NO_BACKEND_DROP} -&gt; drop; else
 * {@code NatRewriter.dnat} to {@code backendHi/Lo/Port(b)} and store {@code table.revNatId(f)} in the conntrack
 * entry. Replies (conntrack hit in the reply direction) get {@code NatRewriter.snat} to
 * {@code revNatHi/Lo/Port(id)}; ICMP errors matched to a NAT'ed flow get {@code reverseNatIcmpError} (towards the
 * client) or {@code dnatIcmpError} (towards the backend). Hairpin: when the chosen backend is the client itself,
 * also SNAT the source (see {@link dev.sluice.fastpath.service.ServiceTable}).
 */
package dev.sluice.fastpath.service;
