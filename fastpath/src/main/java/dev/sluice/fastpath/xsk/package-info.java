/**
 * The AF_XDP socket layer: {@link dev.sluice.fastpath.xsk.Umem} (page-aligned frames + the
 * {@link dev.sluice.fastpath.xsk.FramePool} that knows where every frame is), {@link dev.sluice.fastpath.xsk.XskSocket}
 * (one socket per interface queue, its four rings mapped), the rings themselves
 * ({@link dev.sluice.fastpath.xsk.XskProducerRing}, {@link dev.sluice.fastpath.xsk.XskConsumerRing}),
 * {@link dev.sluice.fastpath.xsk.Port} (interface + XDP program + socket), the ring work of one port
 * ({@link dev.sluice.fastpath.xsk.PortIo}) shared by both workers: the static-output
 * {@link dev.sluice.fastpath.xsk.XskWorkerAgent} (with {@link dev.sluice.fastpath.xsk.XskForwarder} which assembles
 * it) and the node's {@link dev.sluice.fastpath.xsk.NodeWorkerAgent} (the whole NodePipeline, per-packet egress,
 * ports added and removed while it runs).
 * <p>
 * Why raw system calls and not libxdp: libxdp's {@code xsk_umem__create}/{@code xsk_socket__create_shared} hide
 * the same six calls ({@code socket}, {@code setsockopt(XDP_UMEM_REG, XDP_*_RING)},
 * {@code getsockopt(XDP_MMAP_OFFSETS)}, {@code mmap}, {@code bind}) behind structs whose layout changes between
 * libxdp versions (a wrong offset is a JVM crash, not an exception), and its ring helpers are static inline so the
 * rings have to be written in Java anyway. Calling the kernel ABI directly ({@link dev.sluice.fastpath.xsk.XskDescriptor},
 * checked against {@code linux/if_xdp.h} by {@code XskAbiTest}) needs no libxdp at run time, lets every failure
 * carry its own errno and hint, and keeps the whole native surface in {@code dev.sluice.fastpath.sys.Libc}. We load
 * our own XDP program anyway, which libxdp would have to be told not to do.
 * <p>
 * Kernel rules this package relies on (Linux 5.10+): a socket sharing a UMEM on another (interface, queue) brings its
 * own fill and completion rings and binds with {@code XDP_SHARED_UMEM} and no other flag (it inherits copy/zero-copy
 * and need_wakeup); the rings are mmap'd before bind; a closed socket's queue is released asynchronously, so a rebind
 * right after a close can answer EBUSY for a moment ({@link dev.sluice.fastpath.xsk.XskSocket#open} retries for up to
 * 2 s). veth binds in copy mode only; copy mode keeps {@code XDP_RING_NEED_WAKEUP} set on TX and sends at most 32
 * descriptors per {@code sendto}; an invalid TX descriptor is counted in {@code tx_invalid_descs} and still handed
 * back on the completion ring (6.18). Received data starts at frame + 256 ({@code XDP_PACKET_HEADROOM}) + UMEM
 * headroom: room for a Geneve header without copying.
 * <p>
 * Checksums: frames sent by a local socket through a veth with TX offload on carry a partial checksum that this path
 * does not finish; the tests turn TX offload off on the sending veths ({@code ethtool -K dev tx off}), and the live
 * agent does it on each pod interface at CNI ADD and on sluice_host. Finishing CHECKSUM_PARTIAL in the fast path is
 * not done.
 */
package dev.sluice.fastpath.xsk;
