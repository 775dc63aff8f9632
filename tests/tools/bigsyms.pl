#!/usr/bin/perl
# bigsyms.pl IN OUT NSYMS STRBYTES: a copy of the image IN whose symbol table
# is NSYMS function symbols all named by one STRBYTES-long string: the fault
# report's copy of the symbols must stay small anyway (tests/kvm/images.bats).
use strict;
use warnings;
my ($in, $out, $nsyms, $strbytes) = @ARGV;
open(my $f, '<:raw', $in) or die "$in: $!";
my $img = do { local $/; <$f> };
close $f;
my ($shoff) = unpack('Q<', substr($img, 0x28, 8));
my ($shentsize, $shnum) = unpack('v v', substr($img, 0x3a, 4));
my ($sym, $str);
for my $i (0 .. $shnum - 1) {
	my $at = $shoff + $i * $shentsize;
	my ($type) = unpack('V', substr($img, $at + 4, 4));
	if ($type == 2) {
		$sym = $at;
		($str) = unpack('V', substr($img, $at + 40, 4));
	}
}
defined $sym or die "$in: no symbol table";
$str = $shoff + $str * $shentsize;
my $symat = length($img) + (-length($img) % 8);
$img .= "\0" x ($symat - length($img));
$img .= pack('V C C v Q< Q<', 1, 0x12, 0, 1, 0x10000, 0) x $nsyms;
my $strat = length($img);
$img .= "\0" . ('A' x ($strbytes - 2)) . "\0";
substr($img, $sym + 24, 16) = pack('Q< Q<', $symat, 24 * $nsyms);
substr($img, $str + 24, 16) = pack('Q< Q<', $strat, $strbytes);
open(my $o, '>:raw', $out) or die "$out: $!";
print $o $img;
close $o;
