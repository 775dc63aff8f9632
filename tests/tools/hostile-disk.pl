#!/usr/bin/perl
# Hostile block-fs disks for the checker and the guest's replay
# (docs/blockfs-format.md): hostile-disk.pl MODE FILE
#   hugeino  a checkpoint naming an inode number near 2^63
#   nulname  an unlink record whose name has a NUL inside and runs on 60 KB
use strict;
use warnings;
use Compress::Zlib qw(crc32);

my ($mode, $path) = @ARGV;
die "usage: hostile-disk.pl hugeino|nulname FILE\n" unless $path;
my $SEC = 512;
my $volid = 0x1234;
my ($seq, $chain, $log) = (1, 0, '');

sub rec {
	my ($type, $payload) = @_;
	my $h = pack('Q<Q<q<S<S<L<', $volid, $seq, 0, $type, 0, length $payload);
	my $crc = crc32($h . $payload, $chain);
	my $r = pack('L<L<', 0x474c4354, $crc) . $h . $payload;
	$r .= "\0" x ((-length $r) % $SEC);
	($chain, $seq, $log) = ($crc, $seq + 1, $log . $r);
}

if ($mode eq 'hugeino') {
	my $big = (1 << 63) + 5;
	rec(8, pack('Q<', $big + 1));
	rec(9, pack('Q<Q<L<L<', 1, $big, 0100644, 1) . 'a');
	rec(10, '');
} elsif ($mode eq 'nulname') {
	rec(1, pack('Q<Q<L<L<', 1, 2, 0100644, 1) . 'a');
	rec(3, pack('Q<', 1) . "a" . ("\0" x 60000));
} else {
	die "hostile-disk.pl: unknown mode $mode\n";
}
my $sb = 'TINCANFS' . pack('L<L<Q<Q<q<Q<Q<Q<L<', 1, 512, 4096, $volid, 0, 1, 2, 1, 0);
$sb .= pack('L<', crc32($sb));
$sb .= "\0" x ($SEC - length $sb);
my $disk = $sb . ("\0" x $SEC) . $log;
$disk .= "\0" x (4096 * $SEC - length $disk);
open(my $fh, '>:raw', $path) or die "$path: $!\n";
print $fh $disk;
close $fh or die "$path: $!\n";
