#!/bin/sh
# Re-runs each study's compare.sh and pastes its output into the study's
# FINDINGS.md, between the lines "<!-- compare.sh -->" and "<!-- /compare.sh -->".
#   research/paste-compare.sh [study...]
cd "$(dirname "$0")" || exit 2
for study in ${@:-*/}; do
  study=${study%/}
  [ -x "$study/compare.sh" ] && [ -f "$study/FINDINGS.md" ] || continue
  out=$("$study/compare.sh") || { echo "$study/compare.sh failed" >&2; exit 1; }
  python3 - "$study/FINDINGS.md" "$out" <<'PY'
import sys
path, out = sys.argv[1], sys.argv[2]
text = open(path).read()
start, end = "<!-- compare.sh -->\n", "<!-- /compare.sh -->"
i, j = text.find(start), text.find(end)
if i < 0 or j < i:
    sys.exit(f"{path}: no {start.strip()} ... {end} block")
open(path, "w").write(text[: i + len(start)] + "```\n" + out + "\n```\n" + text[j:])
PY
  echo "$study/FINDINGS.md"
done
