#!/usr/bin/env bash
# Installs the Debian packages hdflow needs, only those missing (Debian 12; run as root).
# Usage: scripts/ensure-deps.sh [build|plot|python]...   (default: build plot)
set -euo pipefail
want=()
for what in "${@:-build plot}"; do
  for w in $what; do
    case "$w" in
      build) want+=(g++ make cmake libeigen3-dev libgsl-dev libboost-dev nlohmann-json3-dev doctest-dev libcli11-dev) ;;
      plot)  want+=(python3-matplotlib python3-numpy) ;;
      python) want+=(pybind11-dev python3-dev) ;;
      *) echo "ensure-deps: unknown group '$w' (allowed: build, plot, python)" >&2; exit 2 ;;
    esac
  done
done
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
