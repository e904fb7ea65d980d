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
# The merged summary decides the exit code (README "Exit codes": 1
# correctness, 5 liveness, 6 crash, 7 determinism, the most severe over all
# shards), not whichever shard parallel saw fail; parallel's own status
# stands only if merge passed.
merge_status=0
"$bin" merge "$out"/shard-* --out "$out/merged" --junit "$out/merged/junit.xml" || merge_status=$?
if [ "$merge_status" -ne 0 ]; then status=$merge_status; fi
exit "$status"
