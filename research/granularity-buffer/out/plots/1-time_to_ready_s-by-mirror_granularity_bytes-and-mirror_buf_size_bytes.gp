set terminal pngcairo size 1000,700 noenhanced font ",10"
set output '1-time_to_ready_s-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.png'
set title "time_to_ready_s: mean over seeds and other axes"
set xlabel "mirror.granularity_bytes"
set ylabel "mirror.buf_size_bytes"
set cblabel "time_to_ready_s"
set xtics ("4 KiB" 0, "16 KiB" 1, "64 KiB" 2, "256 KiB" 3, "1 MiB" 4)
set ytics ("1 MiB" 0, "4 MiB" 1, "16 MiB" 2)
set xrange [-0.5:4.5]
set yrange [-0.5:2.5]
set palette rgbformulae 33,13,10
set tics out nomirror
plot '1-time_to_ready_s-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.dat' using 1:2:3 with image notitle, '' using 1:2:(strcol(3) eq "NaN" ? "none" : sprintf("%.3g", $3)) with labels notitle
set terminal svg size 1000,700 noenhanced
set output '1-time_to_ready_s-by-mirror_granularity_bytes-and-mirror_buf_size_bytes.svg'
replot
