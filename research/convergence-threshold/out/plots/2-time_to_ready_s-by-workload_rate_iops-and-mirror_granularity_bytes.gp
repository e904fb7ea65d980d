set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '2-time_to_ready_s-by-workload_rate_iops-and-mirror_granularity_bytes.png'
set title "time_to_ready_s: mean and 95% interval over seeds"
set xlabel "workload.rate_iops"
set ylabel "time_to_ready_s"
set key outside right
set grid
set samples 1000
set logscale y
set logscale x 2
set xrange [398.32:36529.625]
plot '2-time_to_ready_s-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 0 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 64 KiB", '2-time_to_ready_s-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 1 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 256 KiB", '2-time_to_ready_s-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 2 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 1 MiB", (x < 1e9 / 65536 ? 536870912 / (65536 * x) * log(1 / (1 - x * 65536 / 1e9)) : 1/0) with lines dashtype 2 linewidth 2 linecolor 1 title "model, 64 KiB", (x < 1e9 / 262144 ? 536870912 / (262144 * x) * log(1 / (1 - x * 262144 / 1e9)) : 1/0) with lines dashtype 2 linewidth 2 linecolor 2 title "model, 256 KiB", (x < 1e9 / 1048576 ? 536870912 / (1048576 * x) * log(1 / (1 - x * 1048576 / 1e9)) : 1/0) with lines dashtype 2 linewidth 2 linecolor 3 title "model, 1 MiB"
set terminal svg size 1000,700 noenhanced
set output '2-time_to_ready_s-by-workload_rate_iops-and-mirror_granularity_bytes.svg'
replot
