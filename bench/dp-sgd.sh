#!/usr/bin/env bash
# What sample-level DP-SGD costs against plain SGD in the engine: time per epoch on Fashion-MNIST (all 60,000
# training images, batch 64, SGD with momentum 0.9) for the MLP 784-200-200-10 and LeNet-5, each as plain SGD,
# DP-SGD with clipping only (σ = 0) and DP-SGD with noise (C = 1, σ = 1.1). Each configuration runs in its own
# process, one warm-up epoch and then REPEATS timed epochs (median); the three alternate within a round and their
# order rotates between rounds, so drift in machine load hits all alike. Ratios are taken within each round.
# Usage: bench/dp-sgd.sh [ROUNDS] [THREADS] [REPEATS]   (defaults: 3 rounds, 1 thread, 2 epochs)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"

rounds=${1:-3}
threads=${2:-1}
repeats=${3:-2}
samples=60000
batch=64
out="$root/artifacts/bench"
mkdir -p "$out"
dotnet build "$root/bench/GossipFl.Bench.Training" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
ours="$root/artifacts/bin/GossipFl.Bench.Training/release/GossipFl.Bench.Training.dll"

results="$out/dp-sgd.jsonl"
: >"$results"
echo "bench: load average at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
configurations=("plain" "clip 1.0 0" "noise 1.0 1.1")
for round in $(seq 1 "$rounds"); do
  for model in mlp:200,200 lenet; do
    for k in 0 1 2; do
      read -r name clip noise <<<"${configurations[$(((k + round - 1) % 3))]}"
      echo "bench: round $round/$rounds, $model, $name" >&2
      dp_args=()
      if [ "$name" != plain ]; then dp_args=("$clip" "$noise"); fi
      dotnet "$ours" "$model" "$threads" "$samples" "$batch" "$repeats" fashion-mnist "${dp_args[@]}" \
        | sed "s/^{/{\"round\":$round,\"configuration\":\"$name\",/" >>"$results"
    done
  done
done
echo "bench: load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["model"], {}).setdefault(r["configuration"], {})[r["round"]] = r["epoch_seconds_median"]
print(f"{'model':<12} {'configuration':<24} {'s/epoch (rounds)':<28} {'median':>7} {'vs plain (per round)':<26} {'median':>7}")
for model, configs in by.items():
    plain = configs["plain"]
    for name, label in (("plain", "plain SGD"), ("clip", "DP-SGD C=1, σ=0"), ("noise", "DP-SGD C=1, σ=1.1")):
        times = configs[name]
        ratios = [times[r] / plain[r] for r in sorted(times)]
        each = " ".join(f"{times[r]:.2f}" for r in sorted(times))
        each_ratio = " ".join(f"{x:.2f}x" for x in ratios)
        print(f"{model:<12} {label:<24} {each:<28} {statistics.median(times.values()):>7.2f} {each_ratio:<26} {statistics.median(ratios):>6.2f}x")
print(f"threads {rows[0]['threads']}, batch {rows[0]['batch']}, {rows[0]['samples']} samples per epoch, BLAS {rows[0]['blas']}")
PY
