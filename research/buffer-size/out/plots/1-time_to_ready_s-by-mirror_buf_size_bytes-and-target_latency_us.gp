set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '1-time_to_ready_s-by-mirror_buf_size_bytes-and-target_latency_us.png'
set title "time_to_ready_s: mean and 95% interval over seeds"
set xlabel "mirror.buf_size_bytes"
set ylabel "time_to_ready_s"
set key outside right
set grid
set samples 1000
set logscale y
set logscale x 2
set xrange [209715.2:335544320]
set xtics ("256 KiB" 262144, "1 MiB" 1048576, "4 MiB" 4194304, "16 MiB" 16777216, "64 MiB" 67108864, "256 MiB" 268435456)
plot '1-time_to_ready_s-by-mirror_buf_size_bytes-and-target_latency_us.dat' index 0 using 1:2:3 with yerrorlines title "target.latency_us = 100", '1-time_to_ready_s-by-mirror_buf_size_bytes-and-target_latency_us.dat' index 1 using 1:2:3 with yerrorlines title "target.latency_us = 10000", '1-time_to_ready_s-by-mirror_buf_size_bytes-and-target_latency_us.dat' index 2 using 1:2:3 with yerrorlines title "target.latency_us = 50000", ((S = x < 1048576 ? x : (x < 16777216 ? 1048576 : x / 16), B = 1073741824 / 1e9, L = 1073741824 * (1e-4 + 0.0001 + 2 * S / 1e9) / x, B > L ? B : L)) with lines dashtype 2 linewidth 2 linecolor 1 title "model, target 100 us", ((S = x < 1048576 ? x : (x < 16777216 ? 1048576 : x / 16), B = 1073741824 / 1e9, L = 1073741824 * (1e-4 + 0.01 + 2 * S / 1e9) / x, B > L ? B : L)) with lines dashtype 2 linewidth 2 linecolor 2 title "model, target 10 ms", ((S = x < 1048576 ? x : (x < 16777216 ? 1048576 : x / 16), B = 1073741824 / 1e9, L = 1073741824 * (1e-4 + 0.05 + 2 * S / 1e9) / x, B > L ? B : L)) with lines dashtype 2 linewidth 2 linecolor 3 title "model, target 50 ms"
set terminal svg size 1000,700 noenhanced
set output '1-time_to_ready_s-by-mirror_buf_size_bytes-and-target_latency_us.svg'
replot
