#!/usr/bin/env bash
# One command: install what is missing, build the release and the
# ASan+UBSan (clang) trees, and run the whole test suite in both.
set -euo pipefail
cd "$(dirname "$0")"
tools/deps.sh
for preset in release asan; do
  echo "== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j2
  echo "== $preset: test"
  ctest --preset "$preset"
done
