#!/usr/bin/env bash
# Forwarder benchmark: gen -> DUT -> sink over veths in three namespaces, 64-byte UDP frames.
#   ./perf/bench/forwarder.sh [RUNS=3] [SECONDS=6]
# Generator: BPF_PROG_RUN + BPF_F_TEST_XDP_LIVE_FRAMES (XDP_TX on gen's veth, header rewritten on every frame).
# Sink: XDP program counting and dropping on the sink's veth; pps measured there, after 1 s of warm-up.
# DUTs: the Java worker (XskForwarderBench) and a C libxdp forwarder (c/xsk_fwd.c), both two AF_XDP sockets
# sharing one UMEM in copy mode, rewriting MACs. Placement: DUT app pinned to CPU 1; generator, veth NAPI threads
# (threaded NAPI, re-pinned after every XDP attach) and sink on CPU 0.
set -euo pipefail
RUNS=${1:-3}
SECONDS_PER_RUN=${2:-6}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(mktemp -d /tmp/sluice-bench.XXXXXX)
NS="sluice-bench-$$"
PIDS=()
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}

cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  for n in gen dut sink; do ip netns del "$NS-$n" 2>/dev/null || true; done
  rm -rf "$BUILD"
}
trap cleanup EXIT

echo "== build"
(cd "$ROOT" && mvn -B -q -o -pl perf -am package -DskipTests)
clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c "$ROOT/perf/bench/c/bench_xdp.bpf.c" -o "$BUILD/bench_xdp.bpf.o"
gcc -O2 -o "$BUILD/bench_tool" "$ROOT/perf/bench/c/bench_tool.c" -lbpf
gcc -O2 -o "$BUILD/xsk_fwd" "$ROOT/perf/bench/c/xsk_fwd.c" -lxdp -lbpf
export BENCH_XDP_OBJ="$BUILD/bench_xdp.bpf.o"

echo "== topology"
for n in gen dut sink; do ip netns add "$NS-$n"; done
ip -n "$NS-dut" link add a0 type veth peer name g0 netns "$NS-gen"
ip -n "$NS-dut" link add a1 type veth peer name s1 netns "$NS-sink"
for d in a0 a1; do ip -n "$NS-dut" link set "$d" addrgenmode none; ip -n "$NS-dut" link set "$d" up; done
ip -n "$NS-gen" link set g0 addrgenmode none; ip -n "$NS-gen" link set g0 up
ip -n "$NS-sink" link set s1 addrgenmode none; ip -n "$NS-sink" link set s1 up
mac() { ip -n "$1" -j link show "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
A0=$(mac "$NS-dut" a0); A1=$(mac "$NS-dut" a1); S1=$(mac "$NS-sink" s1)
# veth has NAPI (and so a NAPI thread to place) only while an XDP program is attached: switch to threaded NAPI
# and pin after the DUT and the sink attached theirs
pin_napi() {
  ip netns exec "$NS-dut" sh -c 'for d in a0 a1; do echo 1 > /sys/class/net/$d/threaded; done' 2>/dev/null || true
  ip netns exec "$NS-sink" sh -c 'echo 1 > /sys/class/net/s1/threaded' 2>/dev/null || true
  for pid in $(pgrep -f '^napi/(a0|a1|s1|g0)-' || true); do taskset -pc 0 "$pid" >/dev/null 2>&1 || true; done
}

# one run: $1 = label, $2.. = DUT command (prints "ready" when attached)
run_one() {
  local label=$1; shift
  local out="$BUILD/$label.$RANDOM.log"
  ip netns exec "$NS-dut" taskset -c 1 "$@" > "$out" 2>&1 &
  local dut=$!; PIDS+=("$dut")
  local t=0; until grep -q ready "$out" 2>/dev/null; do sleep 0.1; t=$((t+1)); [ $t -gt 300 ] && { cat "$out"; return 1; }; done
  local sinklog="$BUILD/sink.$RANDOM.log"
  ip netns exec "$NS-sink" taskset -c 0 "$BUILD/bench_tool" sink s1 "$((SECONDS_PER_RUN - 2))" > "$sinklog" 2>&1 &
  local sink=$!; PIDS+=("$sink")
  until grep -q ready "$sinklog" 2>/dev/null; do sleep 0.1; done
  pin_napi
  ip netns exec "$NS-gen" taskset -c 0 "$BUILD/bench_tool" gen g0 "$SECONDS_PER_RUN" "$A0" "02:00:00:00:00:01" > /dev/null 2>&1 &
  local gen=$!; PIDS+=("$gen")
  wait "$sink"; wait "$gen" || true; wait "$dut" || true
  grep -E 'pps' "$sinklog" | awk '{print $2}'
  grep -E 'java forwarded' "$out" >&2 || true
}

summarise() {
  python3 -c 'import sys,statistics; v=sorted(float(x) for x in sys.argv[2:]); print("%-28s min %.3f  median %.3f  max %.3f Mpps" % (sys.argv[1], v[0]/1e6, statistics.median(v)/1e6, v[-1]/1e6))' "$@"
}

declare -A RESULTS
JAVA=(java --enable-native-access=ALL-UNNAMED --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp "$ROOT/perf/target/benchmarks.jar" dev.sluice.perf.xsk.XskForwarderBench a0 a1 "$SECONDS_PER_RUN" 3 1 "$S1" "$A1")
"$JAVA_HOME/bin/java" -version 2>&1 | head -1
for r in $(seq "$RUNS"); do
  RESULTS[java]+="$(run_one java "$JAVA_HOME/bin/java" "${JAVA[@]:1}") "
  RESULTS[c]+="$(run_one c sh -c "mount -t bpf bpf /sys/fs/bpf 2>/dev/null; exec $BUILD/xsk_fwd a0 a1 $SECONDS_PER_RUN $S1 $A1")  "
done
echo "== results (64-byte UDP, $RUNS runs of ${SECONDS_PER_RUN}s)"
summarise "Java AF_XDP (XskWorkerAgent)" ${RESULTS[java]}
summarise "C AF_XDP (libxdp xsk_fwd)" ${RESULTS[c]}
python3 -c 'import sys,statistics; j=statistics.median(float(x) for x in sys.argv[1].split()); c=statistics.median(float(x) for x in sys.argv[2].split()); print("ratio Java/C (medians): %.2f" % (j/c))' "${RESULTS[java]}" "${RESULTS[c]}"
if ! command -v dpdk-testpmd >/dev/null; then echo "DPDK testpmd: skipped (dpdk-testpmd not installed: Debian ships it in dpdk-dev)"; fi
echo "kernel ip_forward / in-kernel XDP redirect: not run by this script yet"
