#!/usr/bin/env bash
# Builds and runs the topology benchmarks in Release, then times numpy (LAPACK) on the same 2,000-node
# mixing matrices as a reference for the managed eigen-decomposition. Figures go to docs/benchmarks.md.
# Usage: bench/topology.sh [--quick]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dotnet build bench/GossipFl.Bench.Topology -c Release -nologo -v quiet -clp:ErrorsOnly
matrices="$root/artifacts/bench/topology"
mkdir -p "$matrices"
dotnet "$root/artifacts/bin/GossipFl.Bench.Topology/release/GossipFl.Bench.Topology.dll" --matrix-dir "$matrices" "$@"

if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  echo
  echo "reference: numpy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)') on the same matrices (median of 3):"
  /usr/bin/python3 - "$matrices" <<'PY'
import sys, time, numpy as np
d = sys.argv[1]
for name, fn in (("mh-smallworld-2000.f64", np.linalg.eigvalsh), ("pushsum-smallworld-2000.f64", np.linalg.eigvals),
                 ("pushsum-onewaytrust-2000.f64", np.linalg.eigvals)):
    a = np.fromfile(f"{d}/{name}", dtype="<f8").reshape(2000, 2000)
    times = []
    for _ in range(3):
        t = time.perf_counter(); ev = fn(a); times.append(time.perf_counter() - t)
    m = np.sort(np.abs(ev))[::-1]
    print(f"  {fn.__name__:11s} {name:30s} {sorted(times)[1]*1000:8.1f} ms   SLEM {m[1]:.6f}")
PY
else
  echo "numpy not found: no LAPACK reference"
fi
