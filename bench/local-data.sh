#!/usr/bin/env bash
# Peak memory of loading a node's own CSV (LocalData.Load) against the file's size and the float array it makes.
# Generates a CSV of ROWS rows (28 features with 7 decimals and a 0/1 label, ~300 bytes a row: the default
# 3,500,000 rows make ~1 GB) in a temporary directory, loads it with LocalData.Load and, as the reference, with
# CsvDataset.Load, each in a separate process, and deletes the file afterwards.
# Usage: bench/local-data.sh [ROWS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
rows=${1:-3500000}

dotnet build "$root/bench/GossipFl.Bench.Data" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
bench="$root/artifacts/bin/GossipFl.Bench.Data/release/GossipFl.Bench.Data.dll"
work=$(mktemp -d /tmp/gossipfl-bench-data.XXXXXX)
trap 'rm -rf "$work"' EXIT
csv="$work/local.csv"

echo "bench: writing $rows rows to $csv" >&2
dotnet "$bench" generate "$csv" "$rows"
echo "bench: $(du -h "$csv" | cut -f1) written; loading (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
# Each reader in its own process; /usr/bin/time -v reports the same peak (maximum resident set size) from outside,
# as a cross-check. "legacy" is CsvDataset.Load (--dataset x.csv), which grows a List<float>: the reference.
for reader in load legacy; do
  /usr/bin/time -v dotnet "$bench" "$reader" "$csv" 2>"$work/time.txt"
  grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$work/time.txt" | sed "s/^/$reader: /" >&2
done
