#!/usr/bin/env python3
"""Read a JUnit XML report with junitparser (the library CI tools use to merge
and inspect JUnit results) and print what a consumer sees:

    tests=N failures=N skipped=N errors=N suites=N cases=N

Counts are recomputed from the test cases themselves, not copied from the
attributes, so a report whose attributes disagree with its content fails.
Exit status: 0 read fine and attributes agree, 1 otherwise.
"""
import sys

from junitparser import Failure, JUnitXml, Skipped, Error


def main(path):
    xml = JUnitXml.fromfile(path)
    suites = list(xml) if hasattr(xml, "__iter__") else [xml]
    cases = failures = skipped = errors = 0
    for suite in suites:
        s_cases = s_fail = s_skip = 0
        for case in suite:
            s_cases += 1
            for r in case.result:
                if isinstance(r, Failure):
                    s_fail += 1
                    if not (r.message or "").strip():
                        print("case %r: failure without a message" % case.name, file=sys.stderr)
                        return 1
                elif isinstance(r, Skipped):
                    s_skip += 1
                elif isinstance(r, Error):
                    errors += 1
        if (suite.tests, suite.failures, suite.skipped) != (s_cases, s_fail, s_skip):
            print("suite %r: attributes %s disagree with cases %s" %
                  (suite.name, (suite.tests, suite.failures, suite.skipped),
                   (s_cases, s_fail, s_skip)), file=sys.stderr)
            return 1
        cases += s_cases
        failures += s_fail
        skipped += s_skip
    xml.update_statistics()
    print("tests=%d failures=%d skipped=%d errors=%d suites=%d cases=%d" %
          (xml.tests, failures, skipped, errors, len(suites), cases))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
