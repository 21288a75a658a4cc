#!/usr/bin/env bash
# Simulator speed (docs/benchmarks.md, "Simulator"):
#  1. the OPS paper's online setting on the SUSY-like task, OPS, T = 2000, time-varying one-way-trust graph with
#     16 out-neighbours, for N = 128, 1024 and 4096 (issue #16: under 30 s): wall and CPU time and peak RSS of the whole process;
#  2. mixing: 16 x 10M-float weighted sum against memcpy of the same bytes, in one process;
#  3. libtorch learners: one engine shared by all peers against one engine per peer, same run otherwise.
# Usage: bench/simulate.sh [ROUNDS]   (default 2000)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rounds=${1:-2000}
out="$root/artifacts/bench"
mkdir -p "$out"
"$root/scripts/setup.sh" >/dev/null
dotnet build "$root/bench/GossipFl.Bench.Mixing" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
gossipfl=(dotnet "$root/artifacts/bin/GossipFl.Daemon/release/gossipfl.dll" simulate)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2

measure() { # label, then simulate arguments; prints label, wall and CPU (user + sys) seconds, simulator seconds, peak RSS MB, load
  local label=$1; shift
  local log="$out/simulate-$label"
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -v "${gossipfl[@]}" "$@" >"$log.out" 2>"$log.time"
  local wall cpu rss inner
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log.time" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$log.time")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log.time")
  inner=$(grep -a '│ time' "$log.out" | sed 's/[^0-9.]*\([0-9.]*\) s.*/\1/')
  printf '%-28s wall %7.2f s   CPU %7.2f s   simulator %7.2f s   peak RSS %6.1f MB   load before %s\n' \
    "$label" "$wall" "$cpu" "$inner" "$(echo "$rss / 1024" | bc -l)" "$load"
}

online=(--online --algorithm ops --generator one-way-trust --param base_degree=8 --param out_degree=8 --time-varying
        --rounds "$rounds" --beta 0 --batch-size 1 --lr 0.05 --seed 1 --eval-every 500)
echo "== online OPS, T = $rounds"
measure "online-ops-n128" "${online[@]}" --nodes 128
measure "online-ops-n1024" "${online[@]}" --nodes 1024
measure "online-ops-n4096" "${online[@]}" --nodes 4096

echo "== mixing: 16 x 10M floats"
dotnet "$root/artifacts/bin/GossipFl.Bench.Mixing/release/GossipFl.Bench.Mixing.dll" 16 10000000 7 | tee "$out/mixing.jsonl"

echo "== libtorch learners: shared engine vs one per peer (Fashion-MNIST MLP, 16 peers, 10 rounds x 10 steps)"
engines=(--algorithm ops --dataset fashion-mnist --model mlp --nodes 16 --rounds 10 --local-steps 10 --batch-size 32 --eval-every 0 --seed 1)
for round in 1 2 3; do
  measure "engine-shared-$round" "${engines[@]}" --engine shared
  measure "engine-per-peer-$round" "${engines[@]}" --engine per-peer
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
