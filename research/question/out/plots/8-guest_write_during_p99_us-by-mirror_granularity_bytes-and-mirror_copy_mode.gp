set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '8-guest_write_during_p99_us-by-mirror_granularity_bytes-and-mirror_copy_mode.png'
set title "guest_write_during_p99_us: mean and 95% interval over seeds, where mirror.buf_size_bytes = 16 MiB, workload.locality = uniform"
set xlabel "mirror.granularity_bytes"
set ylabel "guest_write_during_p99_us"
set key outside right
set grid
set logscale y
set logscale x 2
set xrange [3276.8:20971520]
set xtics ("4 KiB" 4096, "16 KiB" 16384, "64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576, "4 MiB" 4194304, "16 MiB" 16777216)
plot '8-guest_write_during_p99_us-by-mirror_granularity_bytes-and-mirror_copy_mode.dat' index 0 using 1:2:3 with yerrorlines title "mirror.copy_mode = background", '8-guest_write_during_p99_us-by-mirror_granularity_bytes-and-mirror_copy_mode.dat' index 1 using 1:2:3 with yerrorlines title "mirror.copy_mode = write-blocking"
set terminal svg size 1000,700 noenhanced
set output '8-guest_write_during_p99_us-by-mirror_granularity_bytes-and-mirror_copy_mode.svg'
replot
