#!/usr/bin/env bash
# The simulator's accuracy experiments (docs/benchmarks.md, "Simulator"): every algorithm against centralized
# training on (1) Fashion-MNIST, 16 peers, Dirichlet(0.5), one-way-trust graph and (2) the OPS paper's online
# setting on the SUSY-like task, N = 128, 16 out-neighbours, T = 2000, beta = 0, time-varying graph.
# Usage: bench/experiments.sh [fashion|fashion-long|online|robust|robust-fedavg|robust-gossip|compress|privacy|privacy-sample|all] [OUT_DIR]
#   (default: all, artifacts/experiments)
# fashion-long: OPS and DOL for 3000 rounds on the default and a denser one-way-trust graph (not part of all).
# robust: Byzantine attacks (2 of 16 peers) against the plain mean and the robust rules on Fashion-MNIST, FedAvg
# (30 rounds), D-PSGD on a symmetric graph and OPS on the one-way-trust graph (200 rounds each, fewer than the
# fashion target's 1000: the machine is shared); robust-fedavg and robust-gossip run one half (not part of all).
# compress: the Fashion-MNIST setting with each codec (none, fp16, int8, sign, topk:0.01) for OPS (compressed push-sum),
# D-PSGD (CHOCO-SGD) and FedAvg (compressed client updates); COMPRESS_ROUNDS gossip rounds (default 300) for every
# codec of a row, so each row compares codecs at the same number of rounds (not part of all).
# privacy: the Fashion-MNIST setting without DP and with peer-level DP calibrated to ε = 8 and ε = 2 (δ = 1e-5,
# --dp-epsilon-target) for OPS (PRIVACY_ROUNDS rounds, default 100) and FedAvg (30 rounds); clip norms PRIVACY_CLIP_OPS
# (default 0.05) and PRIVACY_CLIP_FEDAVG (default 0.5) (not part of all).
# privacy-sample: the same OPS and FedAvg runs with sample-level DP-SGD (per-sample clip 1, δ = 1e-5) at σ calibrated
# for ε = 8 and ε = 2 at the peer with the fewest samples (the largest q = B/n): see docs/benchmarks.md for the
# `gossipfl privacy` lines that give them (not part of all).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
which=${1:-all}
out=${2:-$root/artifacts/experiments}
mkdir -p "$out"
# GOSSIPFL_DLL runs a copy of the build instead (so rebuilding the checkout does not change a long run midway).
if [ -z "${GOSSIPFL_DLL:-}" ]; then
  "$root/scripts/setup.sh" >/dev/null
fi
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

# EXPERIMENT_SEED (default 1) draws another partition, initial model and attackers; give each seed its own OUT_DIR,
# since finished runs in OUT_DIR are reused.
fashion_common=(--dataset fashion-mnist --model mlp --partition dirichlet:0.5 --nodes 16 --batch-size 32 --lr 0.05 --seed "${EXPERIMENT_SEED:-1}" --threads 2)
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
  codecs=(none fp16 int8 sign topk:0.01)
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
  compress_table compress-ops-none compress-ops-fp16 compress-ops-int8 compress-ops-sign compress-ops-topk0.01
  compress_table compress-dsgd-none compress-dsgd-fp16 compress-dsgd-int8 compress-dsgd-sign compress-dsgd-topk0.01
  compress_table compress-fedavg-none compress-fedavg-fp16 compress-fedavg-int8 compress-fedavg-sign compress-fedavg-topk0.01
fi

if [ "$which" = privacy-sample ]; then
  # σ from `gossipfl privacy --sample-rate 0.0254 --delta 1e-5 --epsilon 8|2` with --rounds 200 (OPS: 100 rounds x
  # 2 steps) and --rounds 1200 (FedAvg: 30 rounds x 40 steps, one epoch of the smallest peer's ~1,260 samples).
  for pair in 8:0.657 2:1.1604; do
    run "privacy-sample-ops-${pair%%:*}" --algorithm ops --generator one-way-trust "${fashion_common[@]}" --rounds 100 --local-steps 2 --eval-every 100 \
      --dp-sample-clip 1 --dp-sample-noise "${pair#*:}" --dp-delta 1e-5 || true
  done
  for pair in 8:0.8835 2:2.068; do
    run "privacy-sample-fedavg-${pair%%:*}" --algorithm fedavg --generator one-way-trust "${fashion_common[@]}" --rounds 30 --local-epochs 1 --client-fraction 0.5 --eval-every 30 \
      --dp-sample-clip 1 --dp-sample-noise "${pair#*:}" --dp-delta 1e-5 || true
  done
  table privacy-sample-ops-8 privacy-sample-ops-2 privacy-sample-fedavg-8 privacy-sample-fedavg-2
fi

if [ "$which" = privacy ]; then
  rounds=${PRIVACY_ROUNDS:-100}
  for target in none 8 2; do
    dp=(); [ "$target" = none ] || dp=(--dp-clip "${PRIVACY_CLIP_OPS:-0.05}" --dp-epsilon-target "$target" --dp-delta 1e-5)
    run "privacy-ops-$target" --algorithm ops --generator one-way-trust "${fashion_common[@]}" --rounds "$rounds" --local-steps 2 --eval-every "$rounds" "${dp[@]}" || true
  done
  for target in none 8 2; do
    dp=(); [ "$target" = none ] || dp=(--dp-clip "${PRIVACY_CLIP_FEDAVG:-0.5}" --dp-epsilon-target "$target" --dp-delta 1e-5)
    run "privacy-fedavg-$target" --algorithm fedavg --generator one-way-trust "${fashion_common[@]}" --rounds 30 --local-epochs 1 --client-fraction 0.5 --eval-every 30 "${dp[@]}" || true
  done
  table privacy-ops-none privacy-ops-8 privacy-ops-2 privacy-fedavg-none privacy-fedavg-8 privacy-fedavg-2
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

robust_table() { # names...: honest accuracy (all peers' when the run had no attack and no robust rule), counts, attackers, most penalized peer
  printf '%-34s %10s %10s %10s  %-18s %s\n' run honest_acc clipped discarded attackers most_clipped_or_discarded
  for name in "$@"; do
    [ -f "$out/$name/rounds.csv" ] || continue
    python3 - "$out/$name" "$name" <<'PY'
import csv, json, sys
directory, name = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(directory + "/rounds.csv")))
last = rows[-1]
acc = last.get("mean_honest_test_accuracy") or last["mean_test_accuracy"]
clipped = sum(int(r.get("clipped") or 0) for r in rows)
discarded = sum(int(r.get("discarded") or 0) for r in rows)
peers = [json.loads(l) for l in open(directory + "/metrics.jsonl") if '"kind":"peer"' in l]
attackers = ",".join(p["node"] for p in peers if p["attacker"]) or "-"
top = max(peers, key=lambda p: (p["clipped"] + p["discarded"], p["node"]), default=None)
most = "-" if top is None or top["clipped"] + top["discarded"] == 0 else "%s (%d)%s" % (top["node"], top["clipped"] + top["discarded"], " attacker" if top["attacker"] else "")
print("%-34s %9.2f%% %10d %10d  %-18s %s" % (name, 100 * float(acc), clipped, discarded, attackers, most))
PY
  done
}

robust_attacks=(sign-flip:0.125 gaussian:0.125 label-flip:0.125 alie:0.125)
if [ "$which" = robust ] || [ "$which" = robust-fedavg ]; then
  names=()
  for rule in mean trimmed:2 krum:2; do
    for attack in none "${robust_attacks[@]}"; do
      name="robust-fedavg-${rule/:/}-${attack%%:*}"
      args=(--algorithm fedavg --generator one-way-trust "${fashion_common[@]}" --rounds 30 --local-epochs 1 --client-fraction 0.5 --eval-every 30 --aggregation "$rule")
      [ "$attack" = none ] || args+=(--attack "$attack")
      [ -f "$out/$name/metrics.jsonl" ] || run "$name" "${args[@]}"
      names+=("$name")
    done
  done
  # The same on an IID split: is what the robust rules lose under attack the attackers' (non-IID) data?
  for setup in "mean|none" "krum:2|sign-flip:0.125" "trimmed:2|sign-flip:0.125"; do
    rule=${setup%%|*}; attack=${setup#*|}
    name="robust-fedavg-iid-${rule/:/}-${attack%%:*}"
    fashion_iid=("${fashion_common[@]/dirichlet:0.5/iid}")
    args=(--algorithm fedavg --generator one-way-trust "${fashion_iid[@]}" --rounds 30 --local-epochs 1 --client-fraction 0.5 --eval-every 30 --aggregation "$rule")
    [ "$attack" = none ] || args+=(--attack "$attack")
    [ -f "$out/$name/metrics.jsonl" ] || run "$name" "${args[@]}"
    names+=("$name")
  done
  echo "Fashion-MNIST, 16 peers, FedAvg 30 rounds, 2 of 16 attackers:"
  robust_table "${names[@]}"
fi

if [ "$which" = robust ] || [ "$which" = robust-gossip ]; then
  names=()
  for setup in "dsgd|--param base_degree=4 --param out_degree=0" "ops|"; do
    algorithm=${setup%%|*}
    read -r -a graph <<<"${setup#*|}"
    for rule in mean clipped:auto; do
      for attack in none "${robust_attacks[@]}"; do
        name="robust-$algorithm-${rule/:/}-${attack%%:*}"
        args=(--algorithm "$algorithm" --generator one-way-trust "${graph[@]}" "${fashion_common[@]}" --rounds 200 --local-steps 2 --eval-every 200 --aggregation "$rule")
        [ "$attack" = none ] || args+=(--attack "$attack")
        [ -f "$out/$name/metrics.jsonl" ] || run "$name" "${args[@]}"
        names+=("$name")
      done
    done
  done
  echo "Fashion-MNIST, 16 peers, gossip 200 rounds x 2 local steps, 2 of 16 attackers:"
  robust_table "${names[@]}"
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
