set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '3-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_copy_mode.png'
set title "guest_write_during_p99_us: mean and 95% interval over seeds"
set xlabel "workload.rate_iops"
set ylabel "guest_write_during_p99_us"
set key outside right
set grid
set logscale y
set logscale x 2
set xrange [200:20000]
set xtics ("250" 250, "500" 500, "1000" 1000, "2000" 2000, "4000" 4000, "8000" 8000, "16000" 16000)
plot '3-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_copy_mode.dat' index 0 using 1:2:3 with yerrorlines title "mirror.copy_mode = background", '3-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_copy_mode.dat' index 1 using 1:2:3 with yerrorlines title "mirror.copy_mode = write-blocking"
set terminal svg size 1000,700 noenhanced
set output '3-guest_write_during_p99_us-by-workload_rate_iops-and-mirror_copy_mode.svg'
replot
