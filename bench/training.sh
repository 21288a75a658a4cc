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
out="$root/artifacts/bench"
mkdir -p "$out"
dotnet build "$root/bench/GossipFl.Bench.Training" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
ours="$root/artifacts/bin/GossipFl.Bench.Training/release/GossipFl.Bench.Training.dll"
reference_blas=/usr/lib/x86_64-linux-gnu/blas/libblas.so.3

results="$out/training.jsonl"
: >"$results"
# One thread and all cores: the two behave differently (docs/benchmarks.md), so both are reported.
for round in $(seq 1 "$rounds"); do
  for threads in 1 "$(nproc)"; do
    for model in mlp:200,200 lenet; do
      echo "bench: round $round/$rounds, $model, $threads thread(s): GossipFl, then PyTorch" >&2
      dotnet "$ours" "$model" "$threads" "$samples" "$batch" "$repeats" >>"$results"
      /usr/bin/python3 "$root/bench/training_reference.py" "$model" "$threads" "$samples" "$batch" "$repeats" >>"$results"
    done
  done
done
if [ -e "$reference_blas" ]; then
  # Once, on fewer samples: it is an order of magnitude slower.
  echo "bench: mlp:200,200, GossipFl with the reference BLAS preloaded" >&2
  LD_PRELOAD="$reference_blas" dotnet "$ours" mlp:200,200 1 $((samples / 5)) "$batch" "$repeats" \
    | sed 's/"implementation":"gossipfl"/"implementation":"gossipfl-reference-blas"/' >>"$results"
fi

/usr/bin/python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
groups = {}
for r in rows:
    groups.setdefault((r["model"], r["threads"], r["implementation"]), []).append(r)
median = lambda rs, key: statistics.median(r[key] for r in rs)
print(f"{'model':<12} {'threads':>7} {'implementation':<24} {'samples/s':>10} {'vs PyTorch':>10}  runs  blas")
for (model, threads, impl), rs in groups.items():
    ref = median(groups[(model, threads, "pytorch")], "samples_per_second") if (model, threads, "pytorch") in groups else None
    sps = median(rs, "samples_per_second")
    ratio = f"{sps / ref:>9.2f}x" if ref else "        -"
    print(f"{model:<12} {threads:>7} {impl:<24} {sps:>10.0f} {ratio}  {len(rs):>4}  {rs[0]['blas']}")
reference = [(k, rs) for k, rs in groups.items() if k[2] == "gossipfl-reference-blas"]
for (model, threads, _), rs in reference:
    fast = median(groups[(model, threads, "gossipfl")], "samples_per_second")
    print(f"OpenBLAS vs Debian's reference BLAS, {model}, {threads} thread(s): {fast / median(rs, 'samples_per_second'):.1f}x faster")
for (model, threads, impl), rs in groups.items():
    if impl == "gossipfl" and threads == 1:
        get, put, copy = (median(rs, k) for k in ("get_parameters_us", "set_parameters_us", "memcpy_us"))
        print(f"{model}: {rs[0]['parameters']} parameters; get {get:.0f} us, set {put:.0f} us, "
              f"plain copy {copy:.0f} us (get {get / copy:.1f}x, set {put / copy:.1f}x a copy)")
PY
