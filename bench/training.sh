#!/usr/bin/env bash
# Training throughput of the GossipFl engine against PyTorch on the same libtorch, same machine, same run.
# Also runs the engine once with Debian's reference BLAS preloaded, to show what the OpenBLAS set-up buys.
# Each implementation runs in its own process, alternating, ROUNDS times; the figure is the median over rounds,
# so drift in machine load hits both sides alike.
# Usage: bench/training.sh [SAMPLES] [REPEATS] [ROUNDS]   (defaults: 10000 samples per epoch, 3 epochs, 3 rounds)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"

samples=${1:-10000}
repeats=${2:-3}
rounds=${3:-3}
batch=64
threads=$(nproc)
out="$root/artifacts/bench"
mkdir -p "$out"
dotnet build "$root/bench/GossipFl.Bench.Training" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
ours="$root/artifacts/bin/GossipFl.Bench.Training/release/GossipFl.Bench.Training.dll"
reference_blas=/usr/lib/x86_64-linux-gnu/blas/libblas.so.3

results="$out/training.jsonl"
: >"$results"
for round in $(seq 1 "$rounds"); do
  for model in mlp:200,200 lenet; do
    echo "bench: round $round/$rounds, $model: GossipFl, then PyTorch" >&2
    dotnet "$ours" "$model" "$threads" "$samples" "$batch" "$repeats" >>"$results"
    /usr/bin/python3 "$root/bench/training_reference.py" "$model" "$threads" "$samples" "$batch" "$repeats" >>"$results"
  done
done
if [ -e "$reference_blas" ]; then
  # Once, on fewer samples: it is an order of magnitude slower.
  echo "bench: mlp:200,200, GossipFl with the reference BLAS preloaded" >&2
  LD_PRELOAD="$reference_blas" dotnet "$ours" mlp:200,200 "$threads" $((samples / 5)) "$batch" "$repeats" \
    | sed 's/"implementation":"gossipfl"/"implementation":"gossipfl-reference-blas"/' >>"$results"
fi

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
groups = {}
for r in rows:
    groups.setdefault((r["model"], r["implementation"]), []).append(r)
median = lambda rs, key: statistics.median(r[key] for r in rs)
print(f"{'model':<12} {'implementation':<24} {'samples/s':>10} {'vs PyTorch':>10}  runs  blas")
for (model, impl), rs in groups.items():
    ref = median(groups[(model, "pytorch")], "samples_per_second")
    sps = median(rs, "samples_per_second")
    print(f"{model:<12} {impl:<24} {sps:>10.0f} {sps / ref:>9.2f}x  {len(rs):>4}  {rs[0]['blas']}")
for (model, impl), rs in groups.items():
    if impl == "gossipfl":
        get, put, copy = (median(rs, k) for k in ("get_parameters_us", "set_parameters_us", "memcpy_us"))
        print(f"{model}: {rs[0]['parameters']} parameters; get {get:.0f} us, set {put:.0f} us, "
              f"plain copy {copy:.0f} us (get {get / copy:.1f}x, set {put / copy:.1f}x a copy)")
PY
