#!/usr/bin/env bash
# run-ctest.sh BUILD_DIR [CTEST_ARGS...] - run the test suite of BUILD_DIR with
# ctest, then name every test that skipped (exit 77: its data, a reference
# tool or a service is missing) with the reasons it printed ("SKIP ..." lines).
# Locally a skip is allowed and listed. In CI (CI=true, or MOAT_REQUIRE_ALL=1;
# MOAT_REQUIRE_ALL=0 overrides) a skip fails the run: there every
# prerequisite must be present, so nothing is left untested in silence.
set -euo pipefail
build=$(cd "${1:?usage: run-ctest.sh BUILD_DIR [CTEST_ARGS...]}" && pwd)
shift
junit=$build/ctest-junit.xml
require=${MOAT_REQUIRE_ALL:-}
if [[ -z $require ]]; then
  case ${CI:-} in true | 1 | yes) require=1 ;; *) require=0 ;; esac
fi

rm -f "$junit"
rc=0
(cd "$build" && ctest --output-on-failure --output-junit "$junit" "$@") || rc=$?
[[ -f $junit ]] || { echo "run-ctest: ctest wrote no $junit" >&2; exit 1; }

report=$(python3 - "$junit" <<'PY'
import sys
import xml.etree.ElementTree as ET

for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    if case.get("status") != "notrun":
        continue
    out = case.findtext("system-out") or ""
    why = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("SKIP") and line not in why:
            why.append(line)
    if not why:
        s = case.find("skipped")
        why.append("no SKIP line printed (%s)" % (s.get("message") if s is not None else "not run"))
    more = " (+%d more)" % (len(why) - 5) if len(why) > 5 else ""
    print("SKIPPED %s: %s%s" % (case.get("name"), " | ".join(why[:5]), more))
PY
)
skipped=0
if [[ -n $report ]]; then
  printf '%s\n' "$report"
  skipped=$(grep -c '^SKIPPED ' <<<"$report")
fi
if ((skipped > 0)); then
  if ((require)); then
    echo "run-ctest: $skipped test(s) skipped in CI, where every prerequisite must be present" >&2
    rc=1
  else
    echo "run-ctest: $skipped test(s) skipped (allowed outside CI; CI=true or MOAT_REQUIRE_ALL=1 fails)"
  fi
fi
exit "$rc"
