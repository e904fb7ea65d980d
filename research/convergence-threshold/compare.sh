#!/bin/sh
# The measured threshold per granularity against R/g, and time to READY
# against the model, from out/summary.csv.
#   research/convergence-threshold/compare.sh
cd "$(dirname "$0")" || exit 2
awk -F, -v R=1e9 -v D=536870912 '
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
{
  g = $c["mirror.granularity_bytes"]; r = $c["workload.rate_iops"]
  ok = $c["converged_share"] + 0; t = $c["time_to_ready_s_mean"]
  gs[g] = 1
  if (ok == 1 && (!(g in lastok) || r > lastok[g])) lastok[g] = r
  if (ok == 0 && (!(g in firstno) || r < firstno[g])) firstno[g] = r
  # completed: the job also pivoted (READY held until the complete 10 ms later)
  done = $c["time_to_end_s_mean"] != ""
  if (done && (!(g in lastdone) || r > lastdone[g])) lastdone[g] = r
  if (!done && (!(g in firstnot) || r < firstnot[g])) firstnot[g] = r
  if (ok == 1 && r * g >= R) above[g] = above[g] " " r
  if (ok == 0 && r * g < R) below[g] = below[g] " " r
  if (ok == 1 && r * g < R) {
    f = r * g / R; m = D / (g * r) * log(1 / (1 - f)); d = (t / m - 1) * 100
    band = f <= 0.9 ? "le90" : "gt90"
    n[g, band]++; s[g, band] += (d < 0 ? -d : d); if ((d < 0 ? -d : d) > mx[g, band]) mx[g, band] = (d < 0 ? -d : d)
  }
}
END {
  for (g in gs) order[++k] = g + 0
  for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
  print "the threshold: the last rate that converged and the first that did not, as multiples of R/g"
  for (i = 1; i <= k; i++) {
    g = order[i]; model = R / g
    printf "  g %4d KiB  R/g %5.0f/s  READY: up to %7.1f (%.3f), not from %7.1f (%.3f)  pivoted: up to %7.1f (%.3f), not from %7.1f (%.3f)\n", g / 1024, model, lastok[g], lastok[g] / model, firstno[g], firstno[g] / model, lastdone[g], lastdone[g] / model, firstnot[g], firstnot[g] / model
    if (above[g] != "") printf "    READY above R/g at:%s\n", above[g]
    if (below[g] != "") printf "    no READY below R/g at:%s\n", below[g]
  }
  print ""
  print "time to READY against (C/rate) ln(1/(1 - rate g/R)), converged runs:"
  for (i = 1; i <= k; i++) {
    g = order[i]
    printf "  g %s: rate <= 0.9 R/g: %d runs, mean |dev| %.1f%%, max %.1f%%; 0.9..1 R/g: %d runs, mean |dev| %.1f%%, max %.1f%%\n", g / 1024 " KiB", n[g, "le90"], n[g, "le90"] ? s[g, "le90"] / n[g, "le90"] : 0, mx[g, "le90"], n[g, "gt90"], n[g, "gt90"] ? s[g, "gt90"] / n[g, "gt90"] : 0, mx[g, "gt90"]
  }
}' out/summary.csv
