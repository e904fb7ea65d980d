#!/usr/bin/env bash
# Installs the Debian packages mirrorsim builds with, only those missing.
# Safe to run again: it asks dpkg first and calls apt-get only when needed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build clang libclang-rt-14-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  libboost-dev libboost-context-dev libfccp-dev
  libcli11-dev libtomlplusplus-dev libfmt-dev nlohmann-json3-dev
  gnuplot-nox parallel qemu-system-x86 qemu-utils python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
