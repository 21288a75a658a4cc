#!/usr/bin/env bash
# One-command set-up for a fresh Debian 12 machine, and a quick no-op on a ready one:
#   1. installs the Debian packages building and running GossipFl need (only those missing; the test tools
#      are scripts/test.sh's business),
#   2. makes OpenBLAS the BLAS that libtorch uses (the reference BLAS is ~13x slower for Linear layers),
#   3. builds the native libtorch shim with CMake,
#   4. builds the .NET solution.
# Each step is skipped when its result is already up to date.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
configuration=${GOSSIPFL_CONFIGURATION:-Release}
stamp_dir="$root/artifacts/setup"
mkdir -p "$stamp_dir"

did_work=0
say() { did_work=1; printf 'setup: %s\n' "$*" >&2; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    say "not root and no sudo: install missing packages by hand if the next step fails"
  fi
fi

# --- 1. Debian packages -------------------------------------------------------------------------
# Run: libtorch (the engine), OpenBLAS with OpenMP (fast BLAS), Fashion-MNIST (the default data); iproute2 and
# procps (ip, sysctl: simulate.sh gives each daemon its own network namespace as root). Build: cmake, g++, make.
# shellcheck source=scripts/lib/packages.sh
. "$root/scripts/lib/packages.sh"
packages=(libtorch-dev libopenblas0-openmp dataset-fashion-mnist cmake g++ make iproute2 procps)
ensure_packages setup "${packages[@]}"
if [ "$packages_installed" -gt 0 ]; then did_work=1; fi

if ! command -v dotnet >/dev/null 2>&1; then
  say "the .NET 10 SDK is not on PATH; install it (https://learn.microsoft.com/dotnet/core/install/linux-debian) and run again"
  exit 1
fi

# --- 2. BLAS ------------------------------------------------------------------------------------
blas_link=libblas.so.3-x86_64-linux-gnu
openblas=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [ -e "$openblas" ]; then
  current=$(update-alternatives --query "$blas_link" 2>/dev/null | sed -n 's/^Value: //p')
  if [ "$current" != "$openblas" ]; then
    say "selecting OpenBLAS (OpenMP) as the system BLAS (was: ${current:-none})"
    "${sudo_cmd[@]}" update-alternatives --set "$blas_link" "$openblas"
  fi
else
  say "warning: $openblas not found; libtorch will use a slow BLAS"
fi

# --- 3. the native shim -------------------------------------------------------------------------
native_src="$root/native/gossipfl_torch"
native_build="$root/artifacts/native-build"
native_lib="$root/artifacts/native/libgossipfl_torch.so"
if [ ! -f "$native_lib" ] || [ -n "$(find "$native_src" -newer "$native_lib" -type f -print -quit)" ]; then
  say "building the native libtorch shim (CMake)"
  cmake -S "$native_src" -B "$native_build" -DCMAKE_BUILD_TYPE=Release \
    -DGOSSIPFL_OUTPUT_DIR="$root/artifacts/native" >"$stamp_dir/cmake-configure.log" 2>&1 \
    || { cat "$stamp_dir/cmake-configure.log" >&2; exit 1; }
  cmake --build "$native_build" -j "$(nproc)" 2>&1 | tail -n 20 >&2
  [ -f "$native_lib" ] || { say "native build produced no $native_lib"; exit 1; }
fi

# --- 4. the .NET solution -----------------------------------------------------------------------
build_stamp="$stamp_dir/dotnet-build.$configuration"
if [ ! -f "$build_stamp" ] \
  || [ -n "$(find src tests bench GossipFl.sln Directory.Build.props Directory.Packages.props global.json "$native_lib" \
        -newer "$build_stamp" \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.sln' -o -name '*.json' -o -name '*.so' -o -name '*.py' \) \
        -not -path '*/obj/*' -not -path '*/bin/*' -print -quit 2>/dev/null)" ]; then
  say "building the .NET solution ($configuration)"
  # To stderr: the launcher runs this before commands whose stdout users redirect (e.g. topology generate).
  dotnet build "$root/GossipFl.sln" -c "$configuration" -nologo -v quiet -clp:ErrorsOnly >&2
  touch "$build_stamp"
fi
if [ "$did_work" -eq 1 ]; then say "ready"; fi
