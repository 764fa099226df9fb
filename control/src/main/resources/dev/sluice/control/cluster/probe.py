# Client-side probes run inside a pod's netns (stdlib only, /usr/bin/python3).
#   probe.py udp HOST PORT TIMEOUT_S       one datagram; prints the answer; exit 0 on an answer, 1 on none
#   probe.py rtt HOST PORT COUNT           COUNT 64-byte round trips over one TCP connection (an echo server);
#                                          prints "rtt_us p50 P50 p90 P90 p99 P99 max MAX n N"
import socket
import sys
import time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

if mode == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(float(sys.argv[4]))
    s.sendto(b"probe", (host, port))
    try:
        data, _ = s.recvfrom(65536)
    except OSError as e:
        print("no answer: %s" % e, file=sys.stderr)
        sys.exit(1)
    print(data.decode(errors="replace"))
elif mode == "rtt":
    count = int(sys.argv[4])
    s = socket.create_connection((host, port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    payload = b"x" * 64
    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        s.sendall(payload)
        got = 0
        while got < len(payload):
            chunk = s.recv(65536)
            if not chunk:
                sys.exit("echo server closed the connection")
            got += len(chunk)
        samples.append((time.perf_counter_ns() - start) / 1000.0)
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    print("rtt_us p50 %.0f p90 %.0f p99 %.0f max %.0f n %d" % (pick(0.5), pick(0.9), pick(0.99), samples[-1],
                                                              len(samples)))
else:
    sys.exit("unknown mode " + mode)
