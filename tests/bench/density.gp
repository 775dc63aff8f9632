# make bench-density's plots, from tests/bench/density.sh:
# gnuplot -e "dat='build/bench/density.dat'; dir='build/bench'; day='...'; rev='...'" tests/bench/density.gp
# reads DAT (one row per N and phase: N phase up rate up_s net_s mem_kib ...),
# writes DIR/density-memory.png (host memory per instance against N) and
# DIR/density-start.png (time until all were up, and the start rate, against N)
# for the three phases: bare idle KVM VMs, udpecho guests, udpecho as Linux processes.
set terminal pngcairo size 960,540 font ",11"
set logscale x
set xlabel "instances (N)"
set grid
set key top left
set datafile commentschars "#"
ph(p, col) = (strcol(2) eq p) ? column(col) : NaN
set output dir."/density-memory.png"
set title sprintf("host memory per idle instance (MemAvailable drop / N), %s, %s", day, rev)
set ylabel "KiB per instance"
set yrange [0:*]
plot dat using (ph("bare", 1)):(ph("bare", 7)) with linespoints lw 2 title "bare idle KVM VM", \
     dat using (ph("udpecho", 1)):(ph("udpecho", 7)) with linespoints lw 2 title "udpecho guest", \
     dat using (ph("linux", 1)):(ph("linux", 7)) with linespoints lw 2 title "udpecho Linux process"
set output dir."/density-start.png"
set multiplot layout 1,2 title sprintf("starting N idle instances, %s, %s", day, rev)
set title "time until all were up"
set ylabel "s"
plot dat using (ph("bare", 1)):(ph("bare", 5)) with linespoints lw 2 title "bare VM", \
     dat using (ph("udpecho", 1)):(ph("udpecho", 5)) with linespoints lw 2 title "udpecho guest", \
     dat using (ph("linux", 1)):(ph("linux", 5)) with linespoints lw 2 title "Linux process"
set title "start rate"
set ylabel "instances/s"
plot dat using (ph("bare", 1)):(ph("bare", 4)) with linespoints lw 2 title "bare VM", \
     dat using (ph("udpecho", 1)):(ph("udpecho", 4)) with linespoints lw 2 title "udpecho guest", \
     dat using (ph("linux", 1)):(ph("linux", 4)) with linespoints lw 2 title "Linux process"
unset multiplot
