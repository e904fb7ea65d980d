set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '1-converged-by-workload_rate_iops-and-mirror_granularity_bytes.png'
set title "converged: mean and 95% interval over seeds"
set xlabel "workload.rate_iops"
set ylabel "converged"
set key outside right
set grid
set samples 1000
set yrange [-0.05:1.05]
set logscale x 2
set xrange [398.32:36529.625]
plot '1-converged-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 0 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 64 KiB", '1-converged-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 1 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 256 KiB", '1-converged-by-workload_rate_iops-and-mirror_granularity_bytes.dat' index 2 using 1:2:3 with yerrorlines title "mirror.granularity_bytes = 1 MiB", (x < 1e9 / 65536 ? 1 : 0) with lines dashtype 2 linewidth 2 linecolor 1 title "R/g = 15259/s (64 KiB)", (x < 1e9 / 262144 ? 1 : 0) with lines dashtype 2 linewidth 2 linecolor 2 title "R/g = 3815/s (256 KiB)", (x < 1e9 / 1048576 ? 1 : 0) with lines dashtype 2 linewidth 2 linecolor 3 title "R/g = 954/s (1 MiB)"
set terminal svg size 1000,700 noenhanced
set output '1-converged-by-workload_rate_iops-and-mirror_granularity_bytes.svg'
replot
