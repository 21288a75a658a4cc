# Sourced by the scripts: installs the Debian packages given that are not installed yet, with apt-get (through
# sudo when not root). Some packages (avahi, dbus, openssh-server) start system services on install; GossipFl's
# scripts and tests only ever run private instances inside network namespaces, so a policy-rc.d that refuses
# every start is put in place for the install (unless one exists already) and removed afterwards.
#   ensure_packages LABEL PACKAGE...     (sets packages_installed to how many it installed)
ensure_packages() {
  local label=$1; shift
  local sudo_cmd=()
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); fi
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  packages_installed=${#missing[@]}
  [ "${#missing[@]}" -gt 0 ] || return 0
  printf '%s: installing Debian packages: %s\n' "$label" "${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -q >&2
  local policy=/usr/sbin/policy-rc.d placed_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod +x "$policy"
    placed_policy=1
  fi
  local status=0
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || status=$?
  if [ "$placed_policy" -eq 1 ]; then "${sudo_cmd[@]}" rm -f "$policy"; fi
  return "$status"
}
