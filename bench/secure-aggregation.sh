#!/usr/bin/env bash
# FedAvg with and without --secure-aggregation on N daemons on loopback: the coordinator's time per round (from
# sampling to the new global model, before publishing) and the bytes each client sends per round.
#   bench/secure-aggregation.sh [N] [ROUNDS] [MODEL] [DATASET]   (defaults: 8 daemons, 5 rounds, mlp, fashion-mnist)
# Every client is sampled every round (client_fraction 1), so a client's bytes sent / rounds is its cost per round.
# Runs after scripts/setup.sh; only loopback traffic; every daemon is stopped by its PID.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
nodes=${1:-8}
rounds=${2:-5}
model=${3:-mlp}
dataset=${4:-fashion-mnist}
dll="$root/artifacts/bin/GossipFl.Daemon/release/gossipfl.dll"
[ -f "$dll" ] || { echo "bench: build first (scripts/setup.sh)" >&2; exit 1; }
work=$(mktemp -d /tmp/gossipfl-secagg-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
echo "bench: $nodes daemons, $rounds rounds, $model on $dataset, every client every round; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

run() {
  local label=$1 secure=$2 base=$(( 40000 + RANDOM % 20000 ))
  local dir="$work/$label" topology="$work/$label/cluster.yaml"
  mkdir -p "$dir"
  # Every member's identity is pinned (secure aggregation refuses to start otherwise); made as a rollout would.
  local fingerprints=()
  for k in $(seq 1 "$nodes"); do
    fingerprints[$k]=$(dotnet "$dll" identity --data-dir "$dir/n$k" 2>/dev/null)
  done
  {
    echo "version: 1"; echo "nodes:"
    for k in $(seq 1 "$nodes"); do
      others=$(seq 1 "$nodes" | grep -vx "$k" | sed 's/^/n/' | paste -sd, - | sed 's/,/, /g')
      echo "  - { name: n$k, trusts: [$others], address: \"127.0.0.1:$(( base + k ))\", fingerprint: \"${fingerprints[$k]}\" }"
    done
    printf 'training:\n  algorithm: fedavg\n  model: %s\n  dataset: %s\n  partition: iid\n  rounds: %s\n  local_epochs: 1\n  client_fraction: 1\n  seed: 3\n' \
      "$model" "$dataset" "$rounds"
    if [ "$secure" = 1 ]; then echo "  secure_aggregation: true"; fi
  } > "$topology"
  pids=()
  for k in $(seq 1 "$nodes"); do
    timeout=1; [ "$k" = 1 ] && timeout=0.5   # n1 is the likely coordinator in both runs
    dotnet "$dll" start --topology "$topology" --node "n$k" --no-mdns --status-port -1 --threads 1 --data-dir "$dir/n$k" \
      --port $(( base + k )) --eval-every "$rounds" --round-deadline 300 --peer-wait 120 --election-timeout "$timeout" \
      > "$dir/n$k.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  pids=()
  local coordinator
  coordinator=$(grep -l "elected coordinator" "$dir"/n*.log | tail -1 | xargs basename | sed 's/\.log$//')
  local per_round
  per_round=$(grep -hoE "(averaged|aggregated) .* in [0-9]+ ms" "$dir"/n*.log | sed 's/.* in \([0-9]*\) ms/\1/' \
    | awk '{ s += $1; n++ } END { if (n) printf "%.0f ms over %d rounds", s / n, n }')
  local bytes
  bytes=$(for k in $(seq 1 "$nodes"); do if [ "n$k" != "$coordinator" ]; then python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['bytes_sent'])" "$dir/n$k/status.json"; fi; done \
    | awk -v r="$rounds" '{ s += $1; n++ } END { printf "%.0f", s / n / r }')
  local accuracy
  accuracy=$(python3 -c "import json,sys; print([json.loads(l) for l in open(sys.argv[1])][-1].get('test_accuracy'))" "$dir/$coordinator/metrics.jsonl")
  echo "$label: coordinator $coordinator; mean time per round $per_round; bytes sent per client per round $bytes; final test accuracy $accuracy"
}

run plain 0
run secure 1
