/**
 * Compilers from the cluster model to fast-path tables, deterministic (same state, same tables), each with a
 * canonical text dump for golden tests: {@link dev.sluice.control.compile.ServiceCompiler} and
 * {@link dev.sluice.control.compile.ServiceTableDump}.
 */
package dev.sluice.control.compile;
