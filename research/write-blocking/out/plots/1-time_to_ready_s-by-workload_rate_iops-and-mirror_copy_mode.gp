set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '1-time_to_ready_s-by-workload_rate_iops-and-mirror_copy_mode.png'
set title "time_to_ready_s: mean and 95% interval over seeds"
set xlabel "workload.rate_iops"
set ylabel "time_to_ready_s"
set key outside right
set grid
set samples 1000
set logscale y
set logscale x 2
set xrange [200:20000]
set xtics ("250" 250, "500" 500, "1000" 1000, "2000" 2000, "4000" 4000, "8000" 8000, "16000" 16000)
plot '1-time_to_ready_s-by-workload_rate_iops-and-mirror_copy_mode.dat' index 0 using 1:2:3 with yerrorlines title "mirror.copy_mode = background", '1-time_to_ready_s-by-workload_rate_iops-and-mirror_copy_mode.dat' index 1 using 1:2:3 with yerrorlines title "mirror.copy_mode = write-blocking", (x < 1e9 / 1048576 ? 536870912 / (1048576 * x) * log(1 / (1 - x * 1048576 / 1e9)) : 1/0) with lines dashtype 2 linewidth 2 linecolor 1 title "model: background", (536870912 / (1e9 - 4096 * x)) with lines dashtype 2 linewidth 2 linecolor 2 title "model: write-blocking, disk / (R - 4 KiB x rate)"
set terminal svg size 1000,700 noenhanced
set output '1-time_to_ready_s-by-workload_rate_iops-and-mirror_copy_mode.svg'
replot
