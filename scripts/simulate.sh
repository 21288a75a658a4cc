#!/usr/bin/env bash
# Runs N GossipFl daemons on this machine, waits for them, and summarises convergence across peers.
#
#   scripts/simulate.sh [N] [TOPOLOGY] [-- gossipfl start flags...]
#
# N (default 8) daemons; TOPOLOGY is a topology file (N is then its node count) or a generator name
# (default one-way-trust, drawn for N nodes). As root, each daemon runs on its own host: a network namespace
# on a private bridge, finding the others with real mDNS. Otherwise (or with GOSSIPFL_LOOPBACK=1) they run on
# loopback with static peers. Each gets its own data directory and its own part of the data (the partition in
# the topology's training section, or --partition). Results: runs/simulate-<time>/ with every daemon's log and
# metrics, and report.html (GOSSIPFL_RUNS_DIR puts runs elsewhere). Ctrl-C stops every daemon this script started
# and removes its namespaces.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
nodes=8
topology=one-way-trust
if [ $# -gt 0 ] && [ "$1" != "--" ]; then nodes=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then topology=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
extra=("$@")

case "$nodes" in ''|*[!0-9]*) echo "simulate.sh: N must be a whole number, got '$nodes'" >&2; exit 2 ;; esac
if [ "$nodes" -lt 2 ] || [ "$nodes" -gt 64 ]; then echo "simulate.sh: N must be between 2 and 64, got $nodes" >&2; exit 2; fi

"$root/scripts/setup.sh"
configuration=${GOSSIPFL_CONFIGURATION:-Release}
gossipfl=(dotnet "$root/artifacts/bin/GossipFl.Daemon/${configuration,,}/gossipfl.dll")
run="${GOSSIPFL_RUNS_DIR:-$root/runs}/simulate-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run"
say() { printf 'simulate: %s\n' "$*" >&2; }

# --- the topology -------------------------------------------------------------------------------------------
if [ -f "$topology" ]; then
  cp "$topology" "$run/topology.yaml"
else
  # Defaults for a run that finishes in a few minutes on a laptop-sized machine.
  { "${gossipfl[@]}" topology generate --generator "$topology" --nodes "$nodes" --seed 1
    printf 'training:\n  algorithm: push-sum\n  model: mlp\n  dataset: fashion-mnist\n  partition: dirichlet:0.5\n  rounds: 20\n  local_steps: 10\n  batch_size: 32\n  learning_rate: 0.05\n  seed: 1\n'; } >"$run/topology.yaml"
fi
"${gossipfl[@]}" topology check "$run/topology.yaml" >/dev/null
mapfile -t names < <("${gossipfl[@]}" topology show "$run/topology.yaml" --format names)
if [ -f "$topology" ] && [ "$nodes" -ne "${#names[@]}" ]; then
  say "$topology has ${#names[@]} nodes: running ${#names[@]} daemons, not the $nodes asked for"
fi
nodes=${#names[@]}

mode=namespaces
if [ "$(id -u)" -ne 0 ] || [ "${GOSSIPFL_LOOPBACK:-0}" = 1 ]; then mode=loopback; fi
say "$nodes daemons on $mode; run directory $run"

pids=()
namespaces=()
tag="gfs$$"
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'say "stopping every daemon"; cleanup; exit 130' INT TERM

if [ "$mode" = namespaces ]; then
  hub="${tag}hub"
  ip netns add "$hub"; namespaces+=("$hub")
  ip netns exec "$hub" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n "$hub" link add br0 type bridge
  ip -n "$hub" link set br0 up
fi

for k in $(seq 0 $((nodes - 1))); do
  name=${names[$k]}
  data="$run/$name"
  mkdir -p "$data"
  if [ "$mode" = namespaces ]; then
    ns="${tag}h$k"
    ip netns add "$ns"; namespaces+=("$ns")
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
    ip -n "$hub" link add "h$k" type veth peer name gl0 netns "$ns"
    ip -n "$hub" link set "h$k" master br0 up
    ip -n "$ns" addr add "10.77.$((k / 250)).$((k % 250 + 1))/16" dev gl0
    ip -n "$ns" link set gl0 up
    ip netns exec "$ns" "${gossipfl[@]}" start --topology "$run/topology.yaml" --node "$name" --interface gl0 \
      --port 7070 --data-dir "$data" --threads 1 "${extra[@]}" >"$run/$name.log" 2>&1 &
  else
    peers=()
    for j in $(seq 0 $((nodes - 1))); do
      [ "$j" -eq "$k" ] || peers+=(--peer "${names[$j]}@127.0.0.1:$((17070 + j))")
    done
    "${gossipfl[@]}" start --topology "$run/topology.yaml" --node "$name" --no-mdns --bind 127.0.0.1 \
      --port $((17070 + k)) "${peers[@]}" --data-dir "$data" --threads 1 "${extra[@]}" >"$run/$name.log" 2>&1 &
  fi
  pids+=($!)
done

say "started ${#pids[@]} daemons (logs: $run/NODE.log); following them until they finish"
# A live view of the run (a table refreshed in place on a terminal, plain lines otherwise), read from the files the
# daemons write; --rounds from the flags given to the daemons, else the topology's training section.
watch_rounds=()
for k in "${!extra[@]}"; do
  if [ "${extra[$k]}" = --rounds ] && [ $((k + 1)) -lt ${#extra[@]} ]; then watch_rounds=(--rounds "${extra[$((k + 1))]}"); fi
done
"${gossipfl[@]}" watch "$run" "${watch_rounds[@]}" &
watcher=$!
# Peak resident memory of each daemon (VmHWM), sampled once a second while it runs. A pid is only read while it
# is the process this script started (its start time, field 22 of /proc/PID/stat, unchanged): on a busy machine a
# finished daemon's pid was soon another process's, whose smaller peak then replaced the daemon's (64 daemons).
(
  declare -A started_at=()
  while :; do
    alive=0
    for k in "${!pids[@]}"; do
      stat=$(cat "/proc/${pids[$k]}/stat" 2>/dev/null || true)
      [ -n "$stat" ] || continue
      start_time=$(awk '{ sub(/^.*\) /, ""); print $20 }' <<<"$stat")
      if [ -z "${started_at[$k]:-}" ]; then started_at[$k]=$start_time; fi
      [ "${started_at[$k]}" = "$start_time" ] || continue
      peak=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/${pids[$k]}/status" 2>/dev/null || true)
      if [ -n "$peak" ]; then alive=1; echo "$peak" >"$run/${names[$k]}.peak-rss-kb"; fi
    done
    [ "$alive" -eq 1 ] || break
    sleep 1
  done
) &
sampler=$!
started=$(date +%s)
failed=0
# Report each daemon as it ends, in the order they end: one that fails early is named at once, not after the others.
declare -A name_of=()
for k in "${!pids[@]}"; do name_of[${pids[$k]}]=${names[$k]}; done
running=("${pids[@]}")
while [ ${#running[@]} -gt 0 ]; do
  ended=
  code=0
  wait -n -p ended "${running[@]}" || code=$?
  [ -n "$ended" ] || break
  still=()
  for pid in "${running[@]}"; do [ "$pid" = "$ended" ] || still+=("$pid"); done
  running=("${still[@]}")
  if [ "$code" -ne 0 ]; then
    failed=$((failed + 1))
    log="$run/${name_of[$ended]}.log"
    # A refused command line prints its error first and the usage after it; a crash ends with its cause.
    if grep -q -m1 -iE '^(error|unrecognized|required)' "$log"; then
      say "${name_of[$ended]} exited with an error (code $code); from its log ($log):"
      grep -m3 -iE '^(error|unrecognized|required)' "$log" >&2
    else
      say "${name_of[$ended]} exited with an error (code $code); last lines of its log ($log):"
      tail -n 5 "$log" >&2
    fi
  fi
done
pids=()
# The watcher ends by itself when every peer is done; one that failed stops it here.
kill "$watcher" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
elapsed=$(( $(date +%s) - started ))
wait "$sampler" 2>/dev/null || true
cat "$run"/*.peak-rss-kb 2>/dev/null | awk -v n="$nodes" -v s="$elapsed" '
  { sum += $1; if ($1 > max) max = $1 } END { if (NR) printf "simulate: %d daemons ran for %d s; peak memory per daemon: mean %.0f MiB, max %.0f MiB\n", n, s, sum / NR / 1024, max / 1024 }' >&2 || true

if [ "$failed" -eq "$nodes" ]; then
  say "all $nodes daemons failed before training; nothing to report (the first error is above)"
  exit 1
fi

"${gossipfl[@]}" report "$run" -o "$run/report.html" --topology "$run/topology.yaml"
say "report: $run/report.html"
finals=("$run"/*/final.safetensors)
if [ -f "${finals[0]}" ]; then
  "${gossipfl[@]}" average -o "$run/mean.safetensors" "${finals[@]}" >/dev/null
  say "trained models: $run/NODE/final.safetensors, their mean: $run/mean.safetensors (gossipfl evaluate --model FILE --data PATH; in PyTorch: docs/models.md)"
fi
[ "$failed" -eq 0 ] || { say "$failed daemon(s) failed"; exit 1; }
