set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '10-read_bytes-by-workload_rate_iops-and-mirror_algorithm.png'
set title "read_bytes: mean and 95% interval over seeds, where workload.locality = hotspot"
set xlabel "workload.rate_iops"
set ylabel "read_bytes"
set key outside right
set grid
set format y "%.1s %cB"
plot '10-read_bytes-by-workload_rate_iops-and-mirror_algorithm.dat' index 0 using 1:2:3 with yerrorlines title "mirror.algorithm = qemu", '10-read_bytes-by-workload_rate_iops-and-mirror_algorithm.dat' index 1 using 1:2:3 with yerrorlines title "mirror.algorithm = snapshot", '10-read_bytes-by-workload_rate_iops-and-mirror_algorithm.dat' index 2 using 1:2:3 with yerrorlines title "mirror.algorithm = precopy", '10-read_bytes-by-workload_rate_iops-and-mirror_algorithm.dat' index 3 using 1:2:3 with yerrorlines title "mirror.algorithm = io-mirror"
set terminal svg size 1000,700 noenhanced
set output '10-read_bytes-by-workload_rate_iops-and-mirror_algorithm.svg'
replot
