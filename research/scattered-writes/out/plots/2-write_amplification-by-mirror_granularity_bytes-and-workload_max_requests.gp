set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '2-write_amplification-by-mirror_granularity_bytes-and-workload_max_requests.png'
set title "write_amplification: mean and 95% interval over seeds"
set xlabel "mirror.granularity_bytes"
set ylabel "write_amplification"
set key outside right
set grid
set logscale y
set logscale x 2
set xrange [3276.8:20971520]
set xtics ("4 KiB" 4096, "16 KiB" 16384, "64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576, "4 MiB" 4194304, "16 MiB" 16777216)
plot '2-write_amplification-by-mirror_granularity_bytes-and-workload_max_requests.dat' index 0 using 1:2:3 with yerrorlines title "workload.max_requests = 1000", '2-write_amplification-by-mirror_granularity_bytes-and-workload_max_requests.dat' index 1 using 1:2:3 with yerrorlines title "workload.max_requests = 10000", '2-write_amplification-by-mirror_granularity_bytes-and-workload_max_requests.dat' index 2 using 1:2:3 with yerrorlines title "workload.max_requests = 100000"
set terminal svg size 1000,700 noenhanced
set output '2-write_amplification-by-mirror_granularity_bytes-and-workload_max_requests.svg'
replot
