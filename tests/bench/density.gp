# make bench-density's plots, from tests/bench/density.sh:
# gnuplot -e "dat='build/bench/density.dat'; dir='build/bench'; day='...'; rev='...'" tests/bench/density.gp
# reads DAT (one row per N and phase: N phase up rate up_s net_s mem_kib ...;
# column 25 the memory cgroup's charge per instance), writes
# DIR/density-memory.png (host memory per instance against N) and
# DIR/density-start.png (time until all were up, and the start rate, against N)
# for the phases: bare idle KVM VMs (real mode, and 64-bit with paging), udpecho guests
# (booted, and restored from one snapshot), udpecho as Linux processes.
set terminal pngcairo size 960,540 font ",11"
set logscale x
set xlabel "instances (N)"
set grid
set key top left
rows(p) = sprintf("< awk '$2 == \"%s\"' %s", p, dat)
set output dir."/density-memory.png"
set title sprintf("host memory per idle instance, %s, %s\nsolid: memory cgroup charge / N; dashed: MemAvailable drop / N (moved by other work)", day, rev)
set ylabel "KiB per instance"
set yrange [0:*]
plot rows("bare") using 1:25 with linespoints lw 2 lc 1 title "bare idle KVM VM", \
     rows("paged") using 1:25 with linespoints lw 2 lc 4 title "bare idle KVM VM, 64-bit, paging on", \
     rows("udpecho") using 1:25 with linespoints lw 2 lc 2 title "udpecho guest", \
     rows("restored") using 1:25 with linespoints lw 2 lc 6 title "udpecho guest, restored", \
     rows("linux") using 1:25 with linespoints lw 2 lc 3 title "udpecho Linux process", \
     rows("bare") using 1:7 with linespoints dt 2 lc 1 notitle, \
     rows("paged") using 1:7 with linespoints dt 2 lc 4 notitle, \
     rows("udpecho") using 1:7 with linespoints dt 2 lc 2 notitle, \
     rows("restored") using 1:7 with linespoints dt 2 lc 6 notitle, \
     rows("linux") using 1:7 with linespoints dt 2 lc 3 notitle
set output dir."/density-start.png"
set multiplot layout 1,2 title sprintf("starting N idle instances, %s, %s", day, rev)
set title "time until all were up"
set ylabel "s"
plot rows("bare") using 1:5 with linespoints lw 2 lc 1 title "bare VM", \
     rows("paged") using 1:5 with linespoints lw 2 lc 4 title "bare VM, paging on", \
     rows("udpecho") using 1:5 with linespoints lw 2 lc 2 title "udpecho guest", \
     rows("restored") using 1:5 with linespoints lw 2 lc 6 title "restored", \
     rows("linux") using 1:5 with linespoints lw 2 lc 3 title "Linux process"
set title "start rate"
set ylabel "instances/s"
plot rows("bare") using 1:4 with linespoints lw 2 lc 1 title "bare VM", \
     rows("paged") using 1:4 with linespoints lw 2 lc 4 title "bare VM, paging on", \
     rows("udpecho") using 1:4 with linespoints lw 2 lc 2 title "udpecho guest", \
     rows("restored") using 1:4 with linespoints lw 2 lc 6 title "restored", \
     rows("linux") using 1:4 with linespoints lw 2 lc 3 title "Linux process"
unset multiplot
