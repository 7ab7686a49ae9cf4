#!/usr/bin/python3
"""ref_pep440.py - reference for the PEP 440 differential test: the
packaging.version module vendored in pip (pip._vendor.packaging), falling back
to a standalone packaging. Reads "a<TAB>b" lines, prints
"a<TAB>b<TAB>R<TAB>packaging-X" with R = -1, 0, 1 or E (InvalidVersion)."""
import sys

try:
    from pip._vendor.packaging import version as pv
    from pip._vendor import packaging as pkg
except ImportError:  # pragma: no cover
    from packaging import version as pv
    import packaging as pkg


def parse(s):
    try:
        return pv.Version(s)
    except pv.InvalidVersion:
        return None


src = "packaging-" + getattr(pkg, "__version__", "?")
for line in sys.stdin:
    a, b = line[:-1].split("\t") if line.endswith("\n") else line.split("\t")
    x, y = parse(a), parse(b)
    r = "E" if x is None or y is None else (x > y) - (x < y)
    sys.stdout.write("%s\t%s\t%s\t%s\n" % (a, b, r, src))
