/**
 * The traffic harness behind {@code ./sluice bench}: topologies (Sluice nodes, the kernel with kube-proxy's rule
 * shape, the AF_XDP and XDP ceilings) each wired between a generator and a sink, a {@link
 * dev.sluice.perf.bench.TrafficRunner} that measures throughput and open-loop latency through them, and the report
 * (HdrHistogram percentile files, a JSON summary with ratios, an HTML page with plots).
 */
package dev.sluice.perf.bench;
