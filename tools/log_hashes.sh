#!/bin/sh
# Prints "scenario event-log-hash" for every library and regression scenario,
# so a refactor can show that it changed no run: diff the output before and
# after. Usage: tools/log_hashes.sh [path/to/mirrorsim]
set -eu
bin=${1:-build/release/cli/mirrorsim}
root=$(dirname "$0")/..
for f in "$root"/scenarios/library/*.toml "$root"/scenarios/regressions/*.toml; do
  hash=$("$bin" run "$f" 2>&1 | sed -n 's/.*event-log hash \([0-9a-f]*\).*/\1/p')
  echo "$(basename "$f") ${hash:-none}"
done
