#!/bin/sh
# The comparison table of FINDINGS.md from out/summary.csv: per locality,
# algorithm and guest rate, whether the job converged (READY) and pivoted,
# total migration time (start to pivot), downtime, passes, bytes written to
# the target and read from the source (as multiples of the 256 MiB disk:
# written counts io-mirror's mirrored guest writes, read counts snapshot's
# reads of old data aside), guest write p99 during the
# job and the write rate the guest achieved.
#   research/algorithms/compare.sh
cd "$(dirname "$0")" || exit 2
awk -F, -v D=268435456 '
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
{
  t = $c["time_to_completion_s_mean"]
  printf "%-8s %-10s rate %5d  converged %.2f  migration %8s s  downtime %8.2f ms  passes %5.1f  read %5.2f written %5.2f x disk  p99 %9.0f us  achieved %5.0f/s\n", $c["workload.locality"], $c["mirror.algorithm"], $c["workload.rate_iops"], $c["converged_share"], (t == "" ? "never" : sprintf("%.3f", t)), $c["downtime_ms_mean"], $c["bitmap_passes_mean"], $c["read_bytes_mean"] / D, $c["written_bytes_mean"] / D, $c["guest_write_during_p99_us_mean"], $c["guest_iops_mean"]
}' out/summary.csv | sort -s -k1,1r -k2,2 -k4,4n
