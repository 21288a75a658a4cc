#!/usr/bin/env bash
# The simulator's accuracy experiments (docs/benchmarks.md, "Simulator"): every algorithm against centralized
# training on (1) Fashion-MNIST, 16 peers, Dirichlet(0.5), one-way-trust graph and (2) the OPS paper's online
# setting on the SUSY-like task, N = 128, 16 out-neighbours, T = 2000, beta = 0, time-varying graph.
# Usage: bench/experiments.sh [fashion|fashion-long|online|compress|all] [OUT_DIR]   (default: all, artifacts/experiments)
# fashion-long: OPS and DOL for 3000 rounds on the default and a denser one-way-trust graph (not part of all).
# compress: the Fashion-MNIST setting with each codec (none, fp16, int8, topk:0.01) for OPS (compressed push-sum),
# D-PSGD (CHOCO-SGD) and FedAvg (compressed client updates); COMPRESS_ROUNDS gossip rounds (default 300) for every
# codec of a row, so each row compares codecs at the same number of rounds (not part of all).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
which=${1:-all}
out=${2:-$root/artifacts/experiments}
mkdir -p "$out"
"$root/scripts/setup.sh" >/dev/null
# GOSSIPFL_DLL runs another build (e.g. a copy, so rebuilding the tree does not change a long run half-way).
gossipfl=(dotnet "${GOSSIPFL_DLL:-$root/artifacts/bin/GossipFl.Daemon/release/gossipfl.dll}" simulate)

run() { # name, then simulate arguments
  local name=$1; shift
  echo "== $name: gossipfl simulate $*" >&2
  /usr/bin/time -f "%e" -o "$out/$name.time" "${gossipfl[@]}" "$@" --out "$out/$name" >"$out/$name.log" 2>&1 \
    || { echo "$name failed; see $out/$name.log" >&2; return 1; }
}

table() { # names...
  printf '%-22s %8s %10s %10s %10s %10s %10s %8s\n' run rounds train_loss regret mean_acc min_acc consensus seconds
  for name in "$@"; do
    local csv="$out/$name/rounds.csv"
    [ -f "$csv" ] || continue
    # The final round; accuracies come from the last evaluated round (always the final one).
    tail -n 1 "$csv" | awk -F, -v n="$name" -v t="$(cat "$out/$name.time")" \
      '{ printf "%-22s %8d %10.4f %10.4f %10s %10s %10.3g %8s\n", n, $1 + 1, $4, $5, ($6 == "" ? "-" : sprintf("%.2f%%", 100 * $6)), ($7 == "" ? "-" : sprintf("%.2f%%", 100 * $7)), $9, t }'
  done
}

# compress_table ROW NAMES...: bytes per round per neighbour (the final round's, measured by the simulator), the
# reduction against the row's first (uncompressed) run, and accuracies.
compress_table() {
  printf '%-26s %8s %14s %9s %10s %10s %8s\n' run rounds bytes/neighbour reduction mean_acc min_acc seconds
  local base=""
  for name in "$@"; do
    local csv="$out/$name/rounds.csv"
    [ -f "$csv" ] || { printf '%-26s failed: see %s.log\n' "$name" "$out/$name"; continue; }
    local bytes; bytes=$(tail -n 1 "$csv" | awk -F, '{ print $12 }')
    [ -n "$base" ] || base=$bytes
    tail -n 1 "$csv" | awk -F, -v n="$name" -v t="$(cat "$out/$name.time")" -v b="$base" \
      '{ printf "%-26s %8d %14.0f %8.2fx %10s %10s %8s\n", n, $1 + 1, $12, b / $12, ($6 == "" ? "-" : sprintf("%.2f%%", 100 * $6)), ($7 == "" ? "-" : sprintf("%.2f%%", 100 * $7)), t }'
  done
}

fashion_common=(--dataset fashion-mnist --model mlp --partition dirichlet:0.5 --nodes 16 --batch-size 32 --lr 0.05 --seed 1 --threads 2)
if [ "$which" = fashion ] || [ "$which" = all ]; then
  [ -f "$out/fashion-centralized/rounds.csv" ] || run fashion-centralized --algorithm centralized "${fashion_common[@]}" --rounds 10 --eval-every 1
  run fashion-ops --algorithm ops --generator one-way-trust "${fashion_common[@]}" --rounds 1000 --local-steps 2 --eval-every 100
  run fashion-dol --algorithm dol --generator one-way-trust "${fashion_common[@]}" --rounds 1000 --local-steps 2 --eval-every 100
  run fashion-dsgd --algorithm dsgd --generator one-way-trust --param base_degree=4 --param out_degree=0 "${fashion_common[@]}" --rounds 1000 --local-steps 2 --eval-every 100
  run fashion-fedavg --algorithm fedavg --generator one-way-trust "${fashion_common[@]}" --rounds 30 --local-epochs 1 --client-fraction 0.5 --eval-every 3
  echo "Fashion-MNIST, 16 peers, Dirichlet(0.5):"
  table fashion-centralized fashion-ops fashion-dol fashion-dsgd fashion-fedavg
fi

if [ "$which" = compress ]; then
  rounds=${COMPRESS_ROUNDS:-300}
  codecs=(none fp16 int8 topk:0.01)
  for codec in "${codecs[@]}"; do
    run "compress-ops-${codec/:/}" --algorithm ops --generator one-way-trust "${fashion_common[@]}" --rounds "$rounds" --local-steps 2 --eval-every 100 --compress "$codec" || true
  done
  for codec in "${codecs[@]}"; do
    run "compress-dsgd-${codec/:/}" --algorithm dsgd --generator one-way-trust --param base_degree=4 --param out_degree=0 "${fashion_common[@]}" --rounds "$rounds" --local-steps 2 --eval-every 100 --compress "$codec" || true
  done
  for codec in "${codecs[@]}"; do
    run "compress-fedavg-${codec/:/}" --algorithm fedavg --generator one-way-trust "${fashion_common[@]}" --rounds 30 --local-epochs 1 --client-fraction 0.5 --eval-every 3 --compress "$codec" || true
  done
  echo "Fashion-MNIST, 16 peers, compressed messages ($rounds gossip rounds, 30 FedAvg rounds):"
  compress_table compress-ops-none compress-ops-fp16 compress-ops-int8 compress-ops-topk0.01
  compress_table compress-dsgd-none compress-dsgd-fp16 compress-dsgd-int8 compress-dsgd-topk0.01
  compress_table compress-fedavg-none compress-fedavg-fp16 compress-fedavg-int8 compress-fedavg-topk0.01
fi

if [ "$which" = fashion-long ]; then
  run fashion-long-ops --algorithm ops --generator one-way-trust "${fashion_common[@]}" --rounds 3000 --local-steps 2 --eval-every 500
  run fashion-long-dol --algorithm dol --generator one-way-trust "${fashion_common[@]}" --rounds 3000 --local-steps 2 --eval-every 500
  # A denser one-way-trust graph (4 + 4 instead of 2 + 2 out-neighbours) mixes faster.
  dense=(--generator one-way-trust --param base_degree=4 --param out_degree=4)
  run fashion-dense-ops --algorithm ops "${dense[@]}" "${fashion_common[@]}" --rounds 3000 --local-steps 2 --eval-every 500
  run fashion-dense-dol --algorithm dol "${dense[@]}" "${fashion_common[@]}" --rounds 3000 --local-steps 2 --eval-every 500
  echo "Fashion-MNIST, 16 peers, Dirichlet(0.5), 3000 rounds:"
  table fashion-centralized fashion-long-ops fashion-long-dol fashion-dense-ops fashion-dense-dol
fi

online_common=(--online --dataset synthetic --model logreg --beta 0 --nodes 128 --rounds 2000 --batch-size 1 --lr 0.05 --seed 1 --threads 2 --eval-every 200)
if [ "$which" = online ] || [ "$which" = all ]; then
  run online-centralized --algorithm centralized --generator one-way-trust "${online_common[@]}"
  run online-ops --algorithm ops --generator one-way-trust --param base_degree=8 --param out_degree=8 --time-varying "${online_common[@]}"
  run online-dol --algorithm dol --generator one-way-trust --param base_degree=8 --param out_degree=8 --time-varying "${online_common[@]}"
  run online-dsgd --algorithm dsgd --generator one-way-trust --param base_degree=16 --param out_degree=0 --time-varying "${online_common[@]}"
  echo "Online SUSY-like, N = 128, T = 2000, beta = 0:"
  table online-centralized online-ops online-dol online-dsgd
fi
