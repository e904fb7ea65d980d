#!/bin/sh
# The 112 cells as tables (time to READY, GiB copied) and the uniform cells
# against the models of the library studies, from out/summary.csv:
#   R(buf) = min(1 GB/s - 5,000 x 4 KiB, buf / (2 x 100 us + 2 S / 1 GB/s))  (buffer-size;
#            buf rounded up to a multiple of g, ops of S = max(g, min(buf, max(buf/16, 1 MiB))))
#   background: READY at (C/r) ln(1/(1 - r g/R)) if r < R/g, else never         (convergence-threshold)
#   write-blocking: READY at disk / R                                              (write-blocking)
#   background above R/g: dirty n settles where r (1 - n/C) = R/g, n = C (1 - R/(g r))
#   research/question/compare.sh [out-dir]
cd "$(dirname "$0")" || exit 2
awk -F, -v D=68719476736 -v BW=1e9 -v L=1e-4 -v RATE=5000 -v LIMIT=300 '
function size(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; hascap = ("guest_cap_hits_mean" in c); next }
{
  g = $c["mirror.granularity_bytes"]; b = $c["mirror.buf_size_bytes"]
  loc = $c["workload.locality"]; mode = $c["mirror.copy_mode"]
  k = mode "/" loc; keys[k] = 1; gs[g] = 1; bs[b] = 1
  t[k, g, b] = $c["time_to_ready_s_mean"]; w[k, g, b] = $c["written_bytes_mean"] / 1073741824
  conv[k, g, b] = $c["converged_share"]
  hits = hascap ? $c["guest_cap_hits_mean"] : 0
  if (hits > 0 || $c["guest_iops_mean"] < 0.97 * RATE)
    capped = capped sprintf("  %s g %s buf %s: achieved %.0f writes/s, %.0f arrivals held by the cap, p99 %.0f ms\n", k, size(g), size(b), $c["guest_iops_mean"], hits, $c["guest_write_during_p99_us_mean"] / 1000)
  if (loc != "uniform") next
  bb = b < g ? g : b                      # buf-size is rounded up to a multiple of g
  S = bb / 16 > 1048576 ? bb / 16 : 1048576; if (S > bb) S = bb; if (S < g) S = g
  R = bb / (2 * L + 2 * S / BW); if (R > BW - RATE * 4096) R = BW - RATE * 4096
  if (mode == "background") {
    f = RATE * g / R; m = f < 1 ? D / (g * RATE) * log(1 / (1 - f)) : -1
  } else m = D / R
  if (mode == "background" && f >= 1) {   # outrun: the dirty set settles at D (1 - R/(g r))
    eq = D * (1 - 1 / f); de = $c["dirty_bytes_at_end_mean"]
    stat = stat sprintf("  g %4s buf %3s: dirty at the end %5.1f GiB, model %5.1f GiB (%+.0f%%); guest achieved %.0f writes/s\n", size(g), size(b), de / 1073741824, eq / 1073741824, (de / eq - 1) * 100, $c["guest_iops_mean"])
  }
  pm = m < 0 || m > LIMIT ? "never" : sprintf("%.1f", m)
  meas = t[k, g, b] == "" ? "never" : sprintf("%.1f", t[k, g, b])
  agree = (pm == "never") == (meas == "never")
  total++; agreed += agree
  if (pm != "never" && meas != "never") {
    d = (t[k, g, b] / m - 1) * 100; a = d < 0 ? -d : d; n[mode]++; s[mode] += a; if (a > mx[mode]) mx[mode] = a
    if (a > 10) far = far sprintf("  %s g %s buf %s: measured %.1f s, model %.1f s (%+.1f%%)\n", mode, size(g), size(b), t[k, g, b], m, d)
  }
  if (!agree) miss = miss sprintf("  %s g %s buf %s: measured %s, model %s\n", mode, size(g), size(b), meas, pm)
}
END {
  ng = 0; for (g in gs) og[++ng] = g + 0
  for (i = 1; i <= ng; i++) for (j = i + 1; j <= ng; j++) if (og[j] < og[i]) { x = og[i]; og[i] = og[j]; og[j] = x }
  nb = 0; for (b in bs) ob[++nb] = b + 0
  for (i = 1; i <= nb; i++) for (j = i + 1; j <= nb; j++) if (ob[j] < ob[i]) { x = ob[i]; ob[i] = ob[j]; ob[j] = x }
  split("background/uniform background/zipf write-blocking/uniform write-blocking/zipf", order, " ")
  for (o = 1; o <= 4; o++) {
    k = order[o]
    printf "%s: time to READY in s (never = not within %d s) | GiB copied\n%6s", k, LIMIT, "g\\buf"
    for (j = 1; j <= nb; j++) printf "%8s", size(ob[j])
    printf "  |"; for (j = 1; j <= nb; j++) printf "%7s", size(ob[j]); printf "\n"
    for (i = 1; i <= ng; i++) {
      printf "%6s", size(og[i])
      for (j = 1; j <= nb; j++) { v = t[k, og[i], ob[j]]; printf "%8s", v == "" ? "never" : sprintf("%.1f", v) }
      printf "  |"; for (j = 1; j <= nb; j++) printf "%7.0f", w[k, og[i], ob[j]]
      printf "\n"
    }
    printf "\n"
  }
  printf "cells where the guest did not get its 5,000 writes/s (cap of outstanding requests hit, or under 97%%):\n%s", capped == "" ? "  none\n" : capped
  printf "uniform cells: converged or not as the models say in %d of %d\n", agreed, total
  printf "%s", miss
  printf "cells more than 10%% off the model:\n%s", far
  printf "background, uniform, outrun: the dirty set against its stationary level C (1 - R/(g r)) chunks:\n%s", stat
  for (mode in n) printf "  %s: time to READY within %.1f%% on average of the model, at most %.1f%% (%d cells)\n", mode, s[mode] / n[mode], mx[mode], n[mode]
}' "${1:-out}/summary.csv"
