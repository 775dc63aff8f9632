# The boot-time distribution of hello vs the floor, from tests/bench/run.sh:
# gnuplot -e "floor_ms=...; hello_ms=...; runs=...; rounds=...; per=...; xmax=...;
# day='...'; rev='...'; dir='build/bench'" tests/bench/boot.gp
# reads DIR/boot-times0.txt (kvm-floor-static) and DIR/boot-times1.txt
# (tincan-run hello), one exec -> exit time in ms a line, writes DIR/boot.png.
# Runs slower than xmax ms are counted in the last bin.
set terminal pngcairo size 960,540 font ",11"
set output dir."/boot.png"
set title sprintf("exec -> exit, %d runs of each (%d rounds of %d), %s, %s\nruns slower than %.2f ms counted at the right edge", runs, rounds, per, day, rev, xmax)
set xlabel "ms"
set ylabel "runs per 0.02 ms bin"
set xrange [0:xmax]
set grid ytics
set style fill transparent solid 0.5 noborder
w = 0.02
bin(x) = w * floor((x < xmax ? x : xmax - w / 2) / w) + w / 2
set boxwidth w
plot dir."/boot-times0.txt" using (bin($1)):(1.0) smooth frequency with boxes lc rgb "#3060c0" \
	title sprintf("kvm-floor-static (median %.2f ms)", floor_ms), \
     dir."/boot-times1.txt" using (bin($1)):(1.0) smooth frequency with boxes lc rgb "#d05020" \
	title sprintf("tincan-run hello (median %.2f ms)", hello_ms)
