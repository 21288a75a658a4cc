#!/usr/bin/env bash
# Throughput of the GossipFl transport against TCP on the same path, in the same run (docs/benchmarks.md).
# Paths: loopback, and a veth pair between two network namespaces this script creates and removes.
# Usage (root): bench/transport.sh [SIZE_MB] [ROUNDS] [LOOPBACK_DATAGRAMS] [VETH_DATAGRAMS]
#   defaults: 50 MB, 3 rounds, loopback datagrams 1200,8192,65507, veth datagrams 1200,1472
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
size=${1:-50}
rounds=${2:-3}
loopback_datagrams=${3:-1200,8192,65507}
veth_datagrams=${4:-1200,1472}
dotnet build "$root/bench/GossipFl.Bench.Transport" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
bench="$root/artifacts/bin/GossipFl.Bench.Transport/release/GossipFl.Bench.Transport.dll"

tag="gfb$$"
cleanup() {
  ip netns del "${tag}a" 2>/dev/null || true
  ip netns del "${tag}b" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "${tag}a"
ip netns add "${tag}b"
ip -n "${tag}a" link set lo up
ip -n "${tag}b" link set lo up
ip -n "${tag}a" link add veth0 type veth peer name veth0 netns "${tag}b"
ip -n "${tag}a" addr add 10.78.0.1/24 dev veth0
ip -n "${tag}b" addr add 10.78.0.2/24 dev veth0
ip -n "${tag}a" link set veth0 up
ip -n "${tag}b" link set veth0 up

echo "bench: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
dotnet "$bench" loopback "$size" "$rounds" "$loopback_datagrams"
dotnet "$bench" veth "$size" "$rounds" "$veth_datagrams" "${tag}a" 10.78.0.1 "${tag}b" 10.78.0.2
echo "bench: load after $(cut -d' ' -f1-3 /proc/loadavg)" >&2
