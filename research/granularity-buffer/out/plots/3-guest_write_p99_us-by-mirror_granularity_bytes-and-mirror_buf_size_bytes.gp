set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '3-guest_write_p99_us-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.png'
set title "guest_write_p99_us: mean and 95% interval over seeds"
set xlabel "mirror.granularity_bytes"
set ylabel "guest_write_p99_us"
set key outside right
set grid
set logscale x 2
set xrange [3276.8:1310720]
set xtics ("4 KiB" 4096, "16 KiB" 16384, "64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576)
plot '3-guest_write_p99_us-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.dat' index 0 using 1:2:3 with yerrorlines title "mirror.buf_size_bytes = 1 MiB", '3-guest_write_p99_us-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.dat' index 1 using 1:2:3 with yerrorlines title "mirror.buf_size_bytes = 4 MiB", '3-guest_write_p99_us-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.dat' index 2 using 1:2:3 with yerrorlines title "mirror.buf_size_bytes = 16 MiB"
set terminal svg size 1000,700 noenhanced
set output '3-guest_write_p99_us-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.svg'
replot
