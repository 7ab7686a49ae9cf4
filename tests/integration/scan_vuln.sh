#!/usr/bin/env bash
# tests/integration/scan_vuln.sh — `moat scan` on real Debian 12 images and the
# Alpine root finds exactly what an independent computation finds from the same
# advisory data: for Debian, tests/integration/vuln_reference.py walks the OSV
# records with dpkg itself as comparator on the image's own dpkg database; for
# Alpine, the expected results shipped in shared/data/ground-truth. Unfixed
# vulnerabilities included. Two synthetic records check the boundary: a fix
# exactly at the installed version is not reported, a fix one step above is.
# Also: the same findings from a stored SBOM (moat's and Trivy's), --ignore-unfixed, --severity and
# --exit-code gating, and that every output format is produced.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures alpine debian-min debian-140

SHARED=${MOAT_SHARED:-$MOAT_SRC/../shared/data}
DB=$WORK/vuln.db
EXTRA=$WORK/extra

# findings of a moat scan JSON report as NAME<TAB>ID<TAB>FIXED
findings_tsv() {
  jq -r '.findings[] | select(.kind == "vulnerability")
         | [.package.name, .rule_id, (.fix.fixed_version // "-")] | @tsv' "$1" | sort
}

compare() { # LABEL EXPECTED ACTUAL
  if diff -u "$2" "$3" >"$WORK/diff"; then
    ok "$1: $(wc -l <"$2") findings equal the independent computation"
  else
    not_ok "$1: findings differ from the independent computation"
    head -n 40 "$WORK/diff"
  fi
}

# Two synthetic Debian:12 records against the installed bash source version.
bash_src=$(dpkg-query --admindir "$FIXTURES/debian-min/root/var/lib/dpkg" -W -f '${source:Version}' bash)
mkdir -p "$EXTRA"
cat >"$EXTRA/MOAT-TEST-EXACT.json" <<JSON
{"schema_version":"1.6.0","id":"MOAT-TEST-EXACT","modified":"2026-01-01T00:00:00Z",
 "summary":"fixed exactly at the installed version",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"bash"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"$bash_src"}]}]}]}
JSON
cat >"$EXTRA/MOAT-TEST-ABOVE.json" <<JSON
{"schema_version":"1.6.0","id":"MOAT-TEST-ABOVE","modified":"2026-01-01T00:00:00Z",
 "summary":"fixed one revision above the installed version",
 "affected":[{"package":{"ecosystem":"Debian:12","name":"bash"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"${bash_src}+moat1"}]}]}]}
JSON

it_moat "$WORK/imp.out" "$WORK/imp.err" db import --db "$DB" \
  "$SHARED/osv/debian-bookworm-derived" "$EXTRA" "$SHARED/alpine-secdb/v3.20-main.subset.json" \
  || { not_ok "moat db import failed: $(cat "$WORK/imp.err")"; it_done; exit 1; }
ok "db import: $(head -c 200 "$WORK/imp.out" | tr '\n' ' ')"

for img in debian-min debian-140; do
  d=$FIXTURES/$img
  python3 "$MOAT_SRC/tests/integration/vuln_reference.py" "$d/root" \
    "$SHARED/osv/debian-bookworm-derived" "$EXTRA" >"$WORK/expected.tsv"
  for ref in "docker-archive:$d/docker-archive.tar" "oci:$d/oci-zstd:1" "dir:$d/root"; do
    if it_moat "$WORK/scan.json" "$WORK/err" scan --db "$DB" -q -f json "$ref"; then
      findings_tsv "$WORK/scan.json" >"$WORK/actual.tsv"
      compare "$img ${ref%%:*}" "$WORK/expected.tsv" "$WORK/actual.tsv"
    else
      not_ok "$img $ref: moat scan failed: $(head -c 300 "$WORK/err")"
    fi
  done
  if grep -q $'\tMOAT-TEST-EXACT\t' "$WORK/actual.tsv"; then
    not_ok "$img: a fix at exactly the installed version was reported"
  else
    ok "$img: a fix at exactly the installed version is not reported"
  fi
  if grep -q $'^bash\tMOAT-TEST-ABOVE\t' "$WORK/actual.tsv"; then
    ok "$img: a fix above the installed version is reported, with its version"
  else
    not_ok "$img: the fix above the installed version was not reported"
  fi
  # the same image through its stored SBOM, in each of moat's three formats, gives the same findings
  for fmt in cyclonedx spdx json; do
    it_moat "$WORK/sbom.$fmt.json" "$WORK/err" sbom -f $fmt "docker-archive:$d/docker-archive.tar"
    if it_moat "$WORK/scan2.json" "$WORK/err" scan --db "$DB" -q -f json "$WORK/sbom.$fmt.json"; then
      findings_tsv "$WORK/scan2.json" >"$WORK/actual2.tsv"
      compare "$img via its $fmt SBOM" "$WORK/expected.tsv" "$WORK/actual2.tsv"
    else
      not_ok "$img: scanning the stored $fmt SBOM failed: $(head -c 300 "$WORK/err")"
    fi
  done
done

# A CycloneDX SBOM written by Trivy for the same image gives the same findings
# (source packages come from Trivy's aquasecurity:trivy:Src* properties).
TRIVY=$(bash "$MOAT_SRC/tests/fixtures/install-trivy.sh")
python3 "$MOAT_SRC/tests/integration/vuln_reference.py" "$FIXTURES/debian-140/root" \
  "$SHARED/osv/debian-bookworm-derived" "$EXTRA" >"$WORK/expected.tsv"
"$TRIVY" image --input "$FIXTURES/debian-140/docker-archive.tar" --format cyclonedx \
  --cache-dir "$(mktemp -d "$WORK/trivy.XXXXXX")" --skip-db-update --skip-java-db-update \
  --offline-scan --quiet -o "$WORK/trivy.cdx.json"
if it_moat "$WORK/scan3.json" "$WORK/err" scan --db "$DB" -q -f json "$WORK/trivy.cdx.json"; then
  findings_tsv "$WORK/scan3.json" >"$WORK/actual3.tsv"
  compare "debian-140 via Trivy's CycloneDX SBOM" "$WORK/expected.tsv" "$WORK/actual3.tsv"
else
  not_ok "scanning Trivy's SBOM failed: $(head -c 300 "$WORK/err")"
fi

# --ignore-unfixed keeps only findings with a fix
it_moat "$WORK/fixed.json" "$WORK/err" scan --db "$DB" -q -f json --ignore-unfixed \
  "docker-archive:$FIXTURES/debian-min/docker-archive.tar" || true
findings_tsv "$WORK/fixed.json" >"$WORK/fixed.tsv"
if [[ -s $WORK/fixed.tsv ]] && ! awk -F'\t' '$3 == "-" {exit 1}' "$WORK/fixed.tsv"; then
  not_ok "--ignore-unfixed still reports findings without a fix"
elif grep -q MOAT-TEST-ABOVE "$WORK/fixed.tsv"; then
  ok "--ignore-unfixed keeps only fixable findings ($(wc -l <"$WORK/fixed.tsv"))"
else
  not_ok "--ignore-unfixed dropped a fixable finding"
fi

# Alpine: the ground truth derived from the same secdb subset
jq -r '.results[] | .package as $p | .expected_vulns[] | [$p, .id, .fixed_in] | @tsv' \
  "$SHARED/ground-truth/alpine-minirootfs-3.20.3-expected-vs-secdb-subset.json" | sort >"$WORK/alpine.tsv"
if it_moat "$WORK/alpine.json" "$WORK/err" scan --db "$DB" -q -f json \
     "docker-archive:$FIXTURES/alpine/docker-archive.tar"; then
  findings_tsv "$WORK/alpine.json" >"$WORK/alpine-actual.tsv"
  compare "alpine 3.20.3" "$WORK/alpine.tsv" "$WORK/alpine-actual.tsv"
else
  not_ok "alpine: moat scan failed: $(head -c 300 "$WORK/err")"
fi

# Gating: --exit-code fires when findings remain, not when the filter leaves none.
rc=0
"$MOAT" scan --db "$DB" -q -f json --exit-code 3 "dir:$FIXTURES/debian-min/root" >/dev/null 2>&1 || rc=$?
[[ $rc == 3 ]] && ok "--exit-code 3 with findings exits 3" || not_ok "--exit-code 3 exited $rc"
rc=0
"$MOAT" scan --db "$DB" -q -f json --exit-code 3 --severity CRITICAL "dir:$FIXTURES/debian-min/root" \
  >"$WORK/crit.json" 2>&1 || rc=$?
n=$(jq '[.findings[]] | length' "$WORK/crit.json")
if [[ $n == 0 && $rc == 0 ]] || [[ $n != 0 && $rc == 3 ]]; then
  ok "--severity CRITICAL: $n findings, exit $rc"
else
  not_ok "--severity CRITICAL: $n findings but exit $rc"
fi

# Every format is produced and parses.
for fmt in sarif cyclonedx junit table; do
  if it_moat "$WORK/out.$fmt" "$WORK/err" scan --db "$DB" -q -f "$fmt" "dir:$FIXTURES/debian-min/root" \
     && [[ -s $WORK/out.$fmt ]]; then
    ok "--format $fmt writes a report"
  else
    not_ok "--format $fmt failed: $(head -c 300 "$WORK/err")"
  fi
done
if python3 "$MOAT_SRC/tests/sbom/validate-schema.py" "$MOAT_SRC/tests/data/schemas" \
     sarif-schema-2.1.0.json "$WORK/out.sarif" 2>"$WORK/verr"; then
  ok "the SARIF report validates against the SARIF 2.1.0 schema"
else
  not_ok "SARIF does not validate: $(head -c 300 "$WORK/verr")"
fi
if python3 "$MOAT_SRC/tests/sbom/validate-schema.py" "$MOAT_SRC/tests/data/schemas" \
     bom-1.5.SNAPSHOT.schema.json "$WORK/out.cyclonedx" 2>"$WORK/verr"; then
  ok "the CycloneDX report validates against the CycloneDX 1.5 schema"
else
  not_ok "CycloneDX does not validate: $(head -c 300 "$WORK/verr")"
fi

it_done
