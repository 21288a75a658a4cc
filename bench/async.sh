#!/usr/bin/env bash
# Synchronous against asynchronous daemons, 3 on loopback (a triangle: everyone trusts everyone), push-sum,
# logistic regression on the synthetic task. Two scenarios, each run in both modes:
#   equal      all three daemons train the same amount per round: final test accuracy of sync and async;
#   straggler  daemon c does SLOW_STEPS local steps per round, a and b do 2: how long a and b take to finish,
#              and how many rounds c had done by then (async should leave c behind, sync waits for it).
#   bench/async.sh [ROUNDS] [SLOW_STEPS]    (defaults: 40 rounds, 100000 slow steps: seconds per round, beyond the 1 s deadline)
# Prints one line per run; the ratios to quote are async/sync times in the straggler scenario.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-40}
slow_steps=${2:-100000}
dll="$root/artifacts/bin/GossipFl.Daemon/release/gossipfl.dll"
[ -f "$dll" ] || { echo "bench: build first (scripts/setup.sh)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_ports() {
  /usr/bin/python3 -c 'import socket
s=[socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(3)]
[x.bind(("127.0.0.1", 0)) for x in s]
print(" ".join(str(x.getsockname()[1]) for x in s))'
}

# run MODE SCENARIO: starts a, b, c; waits for a and b; prints seconds, c's rounds, final accuracies.
run() {
  local mode=$1 scenario=$2 dir="$work/$1-$2"
  mkdir -p "$dir"
  read -r pa pb pc < <(free_ports)
  cat >"$dir/topology.yaml" <<EOF
version: 1
nodes:
  - { name: a, trusts: [b, c], address: "127.0.0.1:$pa" }
  - { name: b, trusts: [a, c], address: "127.0.0.1:$pb" }
  - { name: c, trusts: [a, b], address: "127.0.0.1:$pc" }
EOF
  local common=(--topology "$dir/topology.yaml" --no-mdns --status-port -1 --threads 1 --model logreg --dataset synthetic
    --partition iid --batch-size 16 --seed 5 --rounds "$rounds" --eval-every "$rounds" --round-deadline 1 --peer-wait 30 --mode "$mode")
  local c_steps=2
  [ "$scenario" = straggler ] && c_steps=$slow_steps
  local start; start=$(date +%s.%N)
  local node port steps
  pids=()
  for node in a b c; do
    case $node in a) port=$pa; steps=2 ;; b) port=$pb; steps=2 ;; c) port=$pc; steps=$c_steps ;; esac
    dotnet "$dll" start "${common[@]}" --node "$node" --port "$port" --local-steps "$steps" --data-dir "$dir/$node" >"$dir/$node.log" 2>&1 &
    pids+=($!)
  done
  wait "${pids[0]}" "${pids[1]}"
  local end; end=$(date +%s.%N)
  local c_rounds; c_rounds=$(grep -c ' done: ' "$dir/c.log" || true)
  # c is not waited for: its final accuracy is not the question, and in the straggler runs it is far from done.
  kill "${pids[2]}" 2>/dev/null || true
  wait "${pids[2]}" 2>/dev/null || true
  pids=()
  accuracy() { grep -o 'test accuracy [0-9.]*%' "$dir/$1.log" | tail -n 1 | grep -o '[0-9.]*%' || echo "n/a"; }
  printf 'bench: %-9s %-5s a,b finished %d rounds in %6.2f s; c had done %3d rounds then; final accuracy a %s b %s c %s\n' \
    "$scenario" "$mode" "$rounds" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$c_rounds" "$(accuracy a)" "$(accuracy b)" "$(accuracy c)"
}

echo "bench: 3 daemons on loopback, $rounds rounds, straggler does $slow_steps local steps; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for scenario in equal straggler; do
  for mode in sync async; do
    run "$mode" "$scenario"
  done
done
