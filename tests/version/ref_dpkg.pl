#!/usr/bin/perl
# ref_dpkg.pl - reference for the dpkg differential test. Reads "a<TAB>b"
# lines, prints "a<TAB>b<TAB>R<TAB>SRC" with R = -1, 0, 1 or E (invalid).
# SRC "perl": Dpkg::Version (libdpkg-perl, dpkg's own Perl implementation);
# SRC "dpkg": every 10th pair (and every pair with a digit run too long for
# Perl's numbers) is decided by the dpkg binary itself, dpkg --compare-versions.
use strict;
use warnings;
use Dpkg::Version;

my $n = 0;
while (my $line = <STDIN>) {
    chomp $line;
    my ($a, $b) = split /\t/, $line, -1;
    my ($va, $vb) = (Dpkg::Version->new($a), Dpkg::Version->new($b));
    my $r;
    my $src = "perl";
    if (!$va->is_valid() || !$vb->is_valid() || $a =~ /:$/ || $b =~ /:$/) {
        $r = "E";
    } elsif ($n++ % 10 == 0 || "$a$b" =~ /\d{16}/) {
        $src = "dpkg";
        if (system("dpkg", "--compare-versions", $a, "lt", $b) == 0) {
            $r = -1;
        } elsif (system("dpkg", "--compare-versions", $a, "eq", $b) == 0) {
            $r = 0;
        } else {
            $r = 1;
        }
    } else {
        $r = version_compare($a, $b);
    }
    print "$a\t$b\t$r\t$src\n";
}
