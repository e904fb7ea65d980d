set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '2-peak_in_flight-by-mirror_buf_size_bytes-and-target_latency_us.png'
set title "peak_in_flight: mean and 95% interval over seeds"
set xlabel "mirror.buf_size_bytes"
set ylabel "peak_in_flight"
set key outside right
set grid
set logscale x 2
set xrange [209715.2:335544320]
set xtics ("256 KiB" 262144, "1 MiB" 1048576, "4 MiB" 4194304, "16 MiB" 16777216, "64 MiB" 67108864, "256 MiB" 268435456)
plot '2-peak_in_flight-by-mirror_buf_size_bytes-and-target_latency_us.dat' index 0 using 1:2:3 with yerrorlines title "target.latency_us = 100", '2-peak_in_flight-by-mirror_buf_size_bytes-and-target_latency_us.dat' index 1 using 1:2:3 with yerrorlines title "target.latency_us = 10000", '2-peak_in_flight-by-mirror_buf_size_bytes-and-target_latency_us.dat' index 2 using 1:2:3 with yerrorlines title "target.latency_us = 50000"
set terminal svg size 1000,700 noenhanced
set output '2-peak_in_flight-by-mirror_buf_size_bytes-and-target_latency_us.svg'
replot
