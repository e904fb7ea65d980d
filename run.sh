#!/usr/bin/env bash
# One command: install what is missing, build the release binary, run the main
# job on its built-in default. Extra arguments go to `mirrorsim`.
set -euo pipefail
cd "$(dirname "$0")"
tools/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j2
if (($# == 0)); then set -- check; fi
exec build/release/cli/mirrorsim "$@"
