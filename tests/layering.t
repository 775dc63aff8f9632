#!/usr/bin/perl
# The layers' include rules (docs/design.md): libos and mkimage include
# nothing of a platform's; no #include "…" climbs out of its top-level
# folder; and the compiler agrees (the dependency files of libos and mkimage
# objects name no file under platforms/, those of platform guest objects no
# libos file outside libos/include).
use strict;
use warnings;
use File::Spec;
use File::Basename;

chdir(dirname($0) . '/..') or die "chdir: $!";
my $B = $ENV{B} // 'build';
my $n = 0;
sub ok {
	my ($cond, $name, @diag) = @_;
	$n++;
	print(($cond ? 'ok' : 'not ok') . " $n - $name\n");
	print "# $_\n" for ($cond ? () : @diag);
}

my @files = grep { !m{^tests/} } split /\n/, `git ls-files --cached --others --exclude-standard '*.c' '*.h' '*.S'`;
my (@platform_inc, @climbers);
for my $f (@files) {
	open(my $fh, '<', $f) or die "$f: $!";
	my ($top) = $f =~ m{^([^/]+)/};
	while (my $line = <$fh>) {
		next unless $line =~ /^\s*#\s*include\s*([<"])([^>"]+)[>"]/;
		my ($kind, $inc) = ($1, $2);
		push @platform_inc, "$f: $inc" if $f =~ m{^(libos|mkimage)/} && $inc =~ m{platforms/|kvm/|abi\.h$};
		next unless $inc =~ m{\.\./};
		if ($kind eq '<') {
			push @climbers, "$f: <$inc> climbs through a search path";
			next;
		}
		# Resolve against the file's folder, without touching the disk.
		my @parts = split m{/}, dirname($f) . "/$inc";
		my @out;
		for (@parts) {
			if ($_ eq '..') { pop @out } elsif ($_ ne '.' && $_ ne '') { push @out, $_ }
		}
		push @climbers, "$f: \"$inc\" leaves $top/" unless @out && $out[0] eq $top;
	}
}
ok(!@platform_inc, 'libos and mkimage include no platform header', @platform_inc);
ok(!@climbers, 'no #include "…" climbs out of its top-level folder', @climbers);

# What the compiler actually read, from the dependency files of the last build.
my @deps = (glob("$B/guest/*/libos/*.d"), glob("$B/guest/*/libos/*/*.d"), glob("$B/guest/*/libos/*/*/*.d"),
	    glob("$B/musl/mkimage/*.d"));
my @bad;
for my $d (@deps) {
	open(my $fh, '<', $d) or die "$d: $!";
	local $/;
	my $text = <$fh>;
	push @bad, "$d: $1" while $text =~ m{(\S*platforms/\S*)}g;
}
ok(@deps > 10, 'dependency files of libos and mkimage objects exist (' . scalar(@deps) . ')',
   "run make first: no .d files under $B/guest or $B/musl/mkimage");
ok(!@bad, 'libos and mkimage objects were compiled from no file under platforms/', @bad[0 .. ($#bad < 9 ? $#bad : 9)]);

# A platform reaches libos only through its public headers (tincan/platform.h
# and the C library's): never libos's internals.
my @pdeps = map { glob("$B/guest/*/platforms/$_") } ('*/*/*.d', '*/*/*/*.d', '*/*.d');
my @inner;
for my $d (@pdeps) {
	open(my $fh, '<', $d) or die "$d: $!";
	local $/;
	my $text = <$fh>;
	push @inner, "$d: $1" while $text =~ m{(?:^|\s)((?:\S*/)?libos/(?!include/)\S+)}g;
}
ok(@pdeps > 3, 'dependency files of platform guest objects exist (' . scalar(@pdeps) . ')');
ok(!@inner, 'platform guest code reads no libos internals, only libos/include', @inner[0 .. ($#inner < 9 ? $#inner : 9)]);
print "1..$n\n";
