#!/usr/bin/env bash
# Sets up the machine and the build (scripts/setup.sh), installs the test tools, builds the Debian package
# (scripts/package.sh; the deployment tests install it), then runs every test in the solution.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Idx").
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"

# Test tools: python3-torch (the PyTorch reference the engine is checked against); python3-numpy and python3-scipy
# (the privacy accountant's independent numerical integration); nftables (packet loss in
# private test networks); avahi, dbus and tshark (an independent mDNS implementation and a DNS decoder to check
# ours against); chromium (renders the HTML report headless); lintian, systemd (systemd-analyze), ansible and
# openssh-server (the package, its unit and the rollout playbook, tested against namespaces running sshd).
# shellcheck source=scripts/lib/packages.sh
. "$root/scripts/lib/packages.sh"
ensure_packages test python3-torch python3-numpy python3-scipy nftables avahi-daemon avahi-utils dbus tshark chromium \
  lintian systemd ansible openssh-server

GOSSIPFL_DEB=$("$root/scripts/package.sh")
export GOSSIPFL_DEB

configuration=${GOSSIPFL_CONFIGURATION:-Release}
results="$root/artifacts/test-results"
rm -rf "$results"
status=0
dotnet test "$root/GossipFl.sln" -c "$configuration" --no-build -nologo \
  --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@" || status=$?

# One closing line over all test assemblies, counted from the TRX files.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); passed=$((passed + ${p:-0}))
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); failed=$((failed + ${f:-0}))
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters"); skipped=$((skipped + ${n:-0}))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  status=1
fi
exit "$status"
