set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '7-converged-by-mirror_granularity_bytes-and-workload_locality.png'
set title "converged: mean and 95% interval over seeds, where mirror.copy_mode = background"
set xlabel "mirror.granularity_bytes"
set ylabel "converged"
set key outside right
set grid
set yrange [-0.05:1.05]
set logscale x 2
set xrange [3276.8:20971520]
set xtics ("4 KiB" 4096, "16 KiB" 16384, "64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576, "4 MiB" 4194304, "16 MiB" 16777216)
plot '7-converged-by-mirror_granularity_bytes-and-workload_locality.dat' index 0 using 1:2:3 with yerrorlines title "workload.locality = uniform", '7-converged-by-mirror_granularity_bytes-and-workload_locality.dat' index 1 using 1:2:3 with yerrorlines title "workload.locality = zipf"
set terminal svg size 1000,700 noenhanced
set output '7-converged-by-mirror_granularity_bytes-and-workload_locality.svg'
replot
