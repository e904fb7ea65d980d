set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '2-written_bytes-by-mirror_granularity_bytes-and-workload_locality.png'
set title "written_bytes: mean and 95% interval over seeds"
set xlabel "mirror.granularity_bytes"
set ylabel "written_bytes"
set key outside right
set grid
set format y "%.1s %cB"
set logscale x 2
set xrange [3276.8:1310720]
set xtics ("4 KiB" 4096, "16 KiB" 16384, "64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576)
plot '2-written_bytes-by-mirror_granularity_bytes-and-workload_locality.dat' index 0 using 1:2:3 with yerrorlines title "workload.locality = uniform", '2-written_bytes-by-mirror_granularity_bytes-and-workload_locality.dat' index 1 using 1:2:3 with yerrorlines title "workload.locality = hotspot"
set terminal svg size 1000,700 noenhanced
set output '2-written_bytes-by-mirror_granularity_bytes-and-workload_locality.svg'
replot
