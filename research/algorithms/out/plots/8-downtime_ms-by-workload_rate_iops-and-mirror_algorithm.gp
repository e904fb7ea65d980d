set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '8-downtime_ms-by-workload_rate_iops-and-mirror_algorithm.png'
set title "downtime_ms: mean and 95% interval over seeds, where workload.locality = hotspot"
set xlabel "workload.rate_iops"
set ylabel "downtime_ms"
set key outside right
set grid
plot '8-downtime_ms-by-workload_rate_iops-and-mirror_algorithm.dat' index 0 using 1:2:3 with yerrorlines title "mirror.algorithm = qemu", '8-downtime_ms-by-workload_rate_iops-and-mirror_algorithm.dat' index 1 using 1:2:3 with yerrorlines title "mirror.algorithm = snapshot", '8-downtime_ms-by-workload_rate_iops-and-mirror_algorithm.dat' index 2 using 1:2:3 with yerrorlines title "mirror.algorithm = precopy", '8-downtime_ms-by-workload_rate_iops-and-mirror_algorithm.dat' index 3 using 1:2:3 with yerrorlines title "mirror.algorithm = io-mirror"
set terminal svg size 1000,700 noenhanced
set output '8-downtime_ms-by-workload_rate_iops-and-mirror_algorithm.svg'
replot
