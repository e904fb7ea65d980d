set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '3-written_bytes-by-workload_rate_iops-and-mirror_granularity_bytes.png'
set title "written_bytes: mean and 95% interval over seeds"
set xlabel "workload.rate_iops"
set ylabel "written_bytes"
set key outside right
set grid
set format y "%.1s %cB"
set logscale y
set logscale x 2
set xrange [398.32:36529.625]
plot '3-written_bytes-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 0 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 64 KiB", '3-written_bytes-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 1 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 256 KiB", '3-written_bytes-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 2 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 1 MiB"
set terminal svg size 1000,700 noenhanced
set output '3-written_bytes-by-workload_rate_iops-and-mirror_granularity_bytes.svg'
replot
