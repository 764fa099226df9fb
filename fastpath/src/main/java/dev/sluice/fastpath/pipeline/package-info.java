/**
 * The node pipeline: the stages that join parse, tunnel, services, conntrack and policy into one chain over a
 * {@link dev.sluice.fastpath.stage.PacketVector}, assembled by {@link dev.sluice.fastpath.pipeline.NodePipeline}
 * (decap, parse, endpoint, service, conntrack, policy, forward, encap). The same chain runs in the worker, in
 * {@code sluice trace} and in the benchmarks. Stages read the {@link dev.sluice.fastpath.table.NodeTables} of a
 * {@link dev.sluice.fastpath.pipeline.TablesHolder} and talk to each other through the
 * {@link dev.sluice.fastpath.pipeline.PipelineContext} columns; nothing is allocated per packet.
 */
package dev.sluice.fastpath.pipeline;
