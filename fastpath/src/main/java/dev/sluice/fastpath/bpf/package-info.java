/**
 * Loading, configuring, attaching and testing the Sluice XDP program ({@code xdp-redirect-bpf}, resource
 * {@code /bpf/sluice_xdp.o}) through libbpf and {@code java.lang.foreign}. All native access to libbpf lives
 * in {@code LibBpf}; {@link dev.sluice.fastpath.bpf.XdpProgram} is the public face.
 */
package dev.sluice.fastpath.bpf;
