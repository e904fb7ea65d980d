#!/bin/sh
# Time to READY per copy mode and guest rate against the models, and the
# guest's write latency in both modes, from out/summary.csv.
#   research/write-blocking/compare.sh
cd "$(dirname "$0")" || exit 2
awk -F, -v D=536870912 -v R=1e9 -v G=1048576 '
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; hascap = ("guest_cap_hits_mean" in c); next }
{
  mode = $c["mirror.copy_mode"]; r = $c["workload.rate_iops"]; t = $c["time_to_ready_s_mean"]
  if (mode == "write-blocking") m = D / (R - 4096 * r)
  else m = r * G < R ? D / (G * r) * log(1 / (1 - r * G / R)) : -1
  dev = (t != "" && m > 0) ? sprintf("%+6.1f%%", (t / m - 1) * 100) : "   -"
  printf "%-14s rate %5d  converged %.2f  READY %7s s  model %7s s %s  p50 %7.0f us  p99 %7.0f us  achieved %5.0f IOPS  cap hits %4.0f  copied %6.0f MiB\n", mode, r, $c["converged_share"], (t == "" ? "never" : sprintf("%.3f", t)), (m > 0 ? sprintf("%.3f", m) : "never"), dev, $c["guest_write_during_p50_us_mean"], $c["guest_write_during_p99_us_mean"], $c["guest_iops_mean"], hascap ? $c["guest_cap_hits_mean"] : 0, $c["written_bytes_mean"] / 1048576
}' out/summary.csv
