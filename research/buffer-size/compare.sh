#!/bin/sh
# Time to READY per target latency and buf-size against
# disk / min(bandwidth, buf / (Ls + Lt + 2 S / bandwidth)), from out/summary.csv.
#   research/buffer-size/compare.sh
cd "$(dirname "$0")" || exit 2
awk -F, -v D=1073741824 -v BW=1e9 -v LS=1e-4 '
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
{
  lt = $c["target.latency_us"] / 1e6; b = $c["mirror.buf_size_bytes"]
  S = b < 1048576 ? b : (b < 16777216 ? 1048576 : b / 16)
  lat = D * (LS + lt + 2 * S / BW) / b; bw = D / BW
  m = lat > bw ? lat : bw; bind = lat > bw ? (b >= 16777216 ? "16 ops" : "buffer") : "bandwidth"
  t = $c["time_to_ready_s_mean"]; d = (t / m - 1) * 100; a = d < 0 ? -d : d
  if (a > worst) worst = a
  printf "target %6s us  buf %8s  ops %2d  READY %8.3f s  model %8.3f s (%-9s binds)  %+6.2f%%\n", lt * 1e6, (b >= 1048576 ? b / 1048576 " MiB" : b / 1024 " KiB"), $c["peak_in_flight_mean"], t, m, bind, d
}
END { printf "largest deviation %.2f%%\n", worst }' out/summary.csv
