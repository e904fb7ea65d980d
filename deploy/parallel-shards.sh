#!/usr/bin/env bash
# Shards one campaign over the cores (or hosts, with --sshlogin) of GNU
# parallel, then merges: the merged summary equals one unsharded run of the
# same cases. Usage: deploy/parallel-shards.sh CASES SHARDS [OUT]
set -euo pipefail
cases=${1:?cases}
shards=${2:?shards}
out=${3:-mirrorsim-shards}
bin=${MIRRORSIM_BIN:-build/release/cli/mirrorsim}
mkdir -p "$out"
# --halt never: every shard finishes and writes its summary, even when
# another shard found a failure; merge then reports them all.
status=0
seq 0 $((shards - 1)) | parallel --will-cite --halt never --line-buffer \
  "$bin" check --no-progress --cases "$cases" --shard {}/"$shards" --jobs 1 \
  --out "$out/shard-{}" --junit "$out/shard-{}/junit.xml" || status=$?
"$bin" merge "$out"/shard-* --out "$out/merged" --junit "$out/merged/junit.xml" || status=$?
exit "$status"
