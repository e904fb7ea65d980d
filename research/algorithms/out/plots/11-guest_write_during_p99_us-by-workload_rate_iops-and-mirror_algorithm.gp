set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '11-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_algorithm.png'
set title "guest_write_during_p99_us: mean and 95% interval over seeds, where workload.locality = hotspot"
set xlabel "workload.rate_iops"
set ylabel "guest_write_during_p99_us"
set key outside right
set grid
plot '11-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_algorithm.dat' index 0 using 1:2:3 with yerrorlines title "mirror.algorithm = qemu", '11-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_algorithm.dat' index 1 using 1:2:3 with yerrorlines title "mirror.algorithm = snapshot", '11-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_algorithm.dat' index 2 using 1:2:3 with yerrorlines title "mirror.algorithm = precopy", '11-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_algorithm.dat' index 3 using 1:2:3 with yerrorlines title "mirror.algorithm = io-mirror"
set terminal svg size 1000,700 noenhanced
set output '11-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_algorithm.svg'
replot
