set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '4-guest_iops-by-workload_rate_iops-and-mirror_copy_mode.png'
set title "guest_iops: mean and 95% interval over seeds"
set xlabel "workload.rate_iops"
set ylabel "guest_iops"
set key outside right
set grid
set samples 1000
set logscale y
set logscale x 2
set xrange [200:20000]
set xtics ("250" 250, "500" 500, "1000" 1000, "2000" 2000, "4000" 4000, "8000" 8000, "16000" 16000)
plot '4-guest_iops-by-workload_rate_iops-and-mirror_copy_mode.dat' index 0 using 1:2:3 with yerrorlines title "mirror.copy_mode = background", '4-guest_iops-by-workload_rate_iops-and-mirror_copy_mode.dat' index 1 using 1:2:3 with yerrorlines title "mirror.copy_mode = write-blocking", (x) with lines dashtype 2 linewidth 2 linecolor 3 title "requested rate"
set terminal svg size 1000,700 noenhanced
set output '4-guest_iops-by-workload_rate_iops-and-mirror_copy_mode.svg'
replot
