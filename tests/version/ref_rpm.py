#!/usr/bin/python3
"""ref_rpm.py - reference for the rpm differential test: rpm's own Python
bindings (python3-rpm). Each EVR is split by rpm.ver() (rpm's parser) and
compared with rpm.labelCompare((epoch or "0", version, release)). Reads
"a<TAB>b" lines, prints "a<TAB>b<TAB>R<TAB>rpm" with R = -1, 0, 1 or E
(empty version part or a byte outside printable ASCII: moat's validity rule)."""
import sys
import rpm


def evr(s):
    if not s or any(not (0x21 <= ord(c) <= 0x7E) for c in s):
        return None
    v = rpm.ver(s)
    if not v.v:
        return None
    return (v.e if v.e is not None else "0", v.v, v.r)


for line in sys.stdin:
    a, b = line.rstrip("\n").split("\t")
    x, y = evr(a), evr(b)
    r = "E" if x is None or y is None else rpm.labelCompare(x, y)
    sys.stdout.write("%s\t%s\t%s\trpm\n" % (a, b, r))
