#!/bin/sh
# Distinct chunks (bytes copied / g) per N and g against the occupancy
# expectation E = C (1 - (1 - 1/C)^N), C = disk / g, and its spread
# Var = C (C-1) (1 - 2/C)^N + C (1 - 1/C)^N - C^2 (1 - 1/C)^2N, from out/summary.csv:
# z is the mean's distance from E in standard errors (sd / sqrt(runs)).
#   research/scattered-writes/compare.sh
cd "$(dirname "$0")" || exit 2
awk -F, -v D=1073741824 '
function pw(b, e) { return exp(e * log(b)) }
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
{
  n = $c["workload.max_requests"]; g = $c["mirror.granularity_bytes"]; runs = $c["runs"]
  C = D / g; e = C * (1 - pw(1 - 1 / C, n))
  v = C * (C - 1) * pw(1 - 2 / C, n) + C * pw(1 - 1 / C, n) - C * C * pw(1 - 1 / C, 2 * n)
  se = sqrt(v > 0 ? v : 0) / sqrt(runs)
  m = $c["written_bytes_mean"] / g
  d = (m / e - 1) * 100; a = d < 0 ? -d : d; if (a > worst) worst = a
  z = se > 0.05 ? (m - e) / se : 0; az = z < 0 ? -z : z; if (az > zmax) zmax = az; if (az > 2) out2++
  rows++
  printf "N %6d  g %8s  chunks %9.1f  expected %9.1f  %+6.2f%%  z %+5.2f\n", n, (g >= 1048576 ? g / 1048576 " MiB" : g / 1024 " KiB"), m, e, d, z
}
END { printf "%d cells: largest deviation %.2f%%, largest |z| %.2f, %d cells beyond 2 standard errors\n", rows, worst, zmax, out2 }' out/summary.csv
