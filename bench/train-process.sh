#!/usr/bin/env bash
# Whole-process time of `gossipfl train --epochs 1` on its defaults (MLP 784-200-200-10, Fashion-MNIST, batch 64,
# SGD with momentum, all cores) against the same job in Debian's PyTorch (bench/train_process_reference.py), both
# started as a user starts them: process start, runtime and libtorch load, data load, one epoch, test evaluation.
# PyTorch runs twice a round: on its default thread count (1 with Debian's build) and on all cores; the ratio is
# against the faster of the two.
# They alternate ROUNDS times so drift in machine load hits both alike; the figures are medians and their ratio.
# Usage: bench/train-process.sh [ROUNDS]   (default 5)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/setup.sh"
rounds=${1:-5}
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null \
  || { echo "bench: needs Debian's python3-torch (scripts/test.sh installs it)" >&2; exit 1; }
gossipfl=(dotnet "$root/artifacts/bin/GossipFl.Daemon/release/gossipfl.dll" train --epochs 1)

# Seconds of wall time of one command, its output to stderr.
timed() { local start end; start=$(date +%s.%N); "$@" >&2; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }'; }

ours=(); theirs=(); theirs_all=()
for round in $(seq 1 "$rounds"); do
  echo "bench: round $round/$rounds" >&2
  ours+=("$(timed "${gossipfl[@]}")")
  theirs+=("$(timed /usr/bin/python3 "$root/bench/train_process_reference.py")")
  theirs_all+=("$(timed /usr/bin/python3 "$root/bench/train_process_reference.py" "$(nproc)")")
done

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
m_ours=$(median "${ours[@]}"); m_theirs=$(median "${theirs[@]}"); m_all=$(median "${theirs_all[@]}")
echo "gossipfl train ($(nproc) threads):    ${ours[*]} s (median $m_ours s)"
echo "pytorch (default threads): ${theirs[*]} s (median $m_theirs s)"
echo "pytorch ($(nproc) threads):         ${theirs_all[*]} s (median $m_all s)"
awk -v a="$m_ours" -v b="$m_theirs" -v c="$m_all" 'BEGIN { best = (b < c) ? b : c
  printf "ratio (gossipfl / faster pytorch time): %.2fx (at most 1.00x is the goal)\n", a / best }'
