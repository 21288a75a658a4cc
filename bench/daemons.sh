#!/usr/bin/env bash
# Many daemons on this machine: wall time and peak memory per daemon (scripts/simulate.sh measures both).
#   bench/daemons.sh [N] [ROUNDS]     (defaults: 32 daemons, 10 rounds of online-sized logistic regression)
# As root the daemons run in namespaces with mDNS discovery, otherwise on loopback.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
nodes=${1:-32}
rounds=${2:-10}
echo "bench: $nodes daemons, $rounds rounds, logistic regression on the synthetic SUSY-like task; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
start=$(date +%s)
"$root/scripts/simulate.sh" "$nodes" one-way-trust -- --rounds "$rounds" --model logreg --dataset synthetic --partition iid \
  --local-steps 10 --batch-size 32 --eval-every "$rounds" --round-deadline 120 --peer-wait 120
echo "bench: total wall time $(( $(date +%s) - start )) s including set-up and the report" >&2
