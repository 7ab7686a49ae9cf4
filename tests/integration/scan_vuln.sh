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
# The Debian Security Tracker's own list files (CVE.list + DSA.list, imported together, one after
# the other in both orders, or as the tracker's data/ layout) give, on debian-min, debian-140 and
# debian-big, the same findings and bookworm fix versions as the OSV conversion of the same
# entries, and as vuln_reference.py --tracker computes from the lists with the tracker's rules;
# CVE.list alone warns that stable-release fixes cannot be known and never presents unstable's
# fix as bookworm's. Severities (with ../shared/data/nvd imported) are the advisory's own rating,
# else NVD's CVSS, as severity_reference.py computes from the raw data; no finding is UNKNOWN
# when NVD has metrics for its CVE; --severity HIGH,CRITICAL --exit-code 1 fails debian-140.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures alpine debian-min debian-140 debian-big

SHARED=${MOAT_SHARED:-$MOAT_SRC/../shared/data}
for d in osv/debian-bookworm-derived alpine-secdb ground-truth; do
  [[ -e $SHARED/$d ]] || it_skip_all "shared data missing: $SHARED/$d"
done
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

# --- the Debian Security Tracker's list files, decided per release --------------------------
TRK=$SHARED/debian-security-tracker-subset
mkdir -p "$WORK/data/CVE" "$WORK/data/DSA"
cp "$TRK/CVE.list" "$WORK/data/CVE/list"
cp "$TRK/DSA.list" "$WORK/data/DSA/list"
tdb() { # NAME ARGS... : a database from one or more `moat db import` runs (ARGS split on ';')
  local db=$WORK/$1.db; shift
  rm -f "$db"
  local IFS=';'
  for run in "$@"; do
    IFS=' ' read -r -a files <<<"$run"
    "$MOAT" db import --db "$db" -q "${files[@]}" >/dev/null 2>>"$WORK/$(basename "$db").err" ||
      not_ok "db import ${files[*]} failed: $(cat "$WORK/$(basename "$db").err")"
  done
}
tdb together "$TRK/CVE.list $TRK/DSA.list"
tdb cve-then-dsa "$TRK/CVE.list" "$TRK/DSA.list"
tdb dsa-then-cve "$TRK/DSA.list" "$TRK/CVE.list"
tdb data-layout "$WORK/data"
tdb cve-only "$TRK/CVE.list"
if grep -q "imported without its DSA list" "$WORK/cve-only.db.err"; then
  ok "CVE.list alone warns that DSA fixes cannot be known"
else
  not_ok "CVE.list alone did not warn: $(cat "$WORK/cve-only.db.err")"
fi
if grep -q "without its DSA list" "$WORK/together.db.err" "$WORK/dsa-then-cve.db.err" \
     "$WORK/data-layout.db.err"; then
  not_ok "a warning about the DSA list although it was imported"
else
  ok "no DSA warning once the DSA list is in the database"
fi
# debian-big keeps only its docker-archive: its dpkg database and os-release for the reference
big_root=$WORK/big-root
python3 - "$FIXTURES/debian-big/docker-archive.tar" "$big_root" <<'PY'
import io, json, os, sys, tarfile
outer = tarfile.open(sys.argv[1])
manifest = json.load(outer.extractfile("manifest.json"))
want = {"var/lib/dpkg/status": None, "etc/os-release": None, "usr/lib/os-release": None}
for layer in manifest[0]["Layers"]:
    with tarfile.open(fileobj=io.BytesIO(outer.extractfile(layer).read())) as t:
        for m in t.getmembers():
            name = m.name.lstrip("./")
            if name in want and m.isfile():
                want[name] = t.extractfile(m).read()
want["etc/os-release"] = want["etc/os-release"] or want["usr/lib/os-release"]
for name in ("var/lib/dpkg/status", "etc/os-release"):
    path = os.path.join(sys.argv[2], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "wb").write(want[name])
PY
for img in debian-min debian-140 debian-big; do
  if [[ $img == debian-big ]]; then
    root=$big_root ref="docker-archive:$FIXTURES/debian-big/docker-archive.tar"
  else
    root=$FIXTURES/$img/root ref="dir:$FIXTURES/$img/root"
  fi
  python3 "$MOAT_SRC/tests/integration/vuln_reference.py" "$root" \
    "$SHARED/osv/debian-bookworm-derived" >"$WORK/osv-ref.tsv"
  python3 "$MOAT_SRC/tests/integration/vuln_reference.py" --tracker "$root" \
    "$TRK/CVE.list" "$TRK/DSA.list" >"$WORK/trk-ref.tsv"
  compare "$img: the tracker rules on the lists vs the OSV conversion" "$WORK/osv-ref.tsv" \
    "$WORK/trk-ref.tsv"
  for db in together cve-then-dsa dsa-then-cve data-layout; do
    if it_moat "$WORK/t.json" "$WORK/err" scan --db "$WORK/$db.db" -q -f json "$ref"; then
      findings_tsv "$WORK/t.json" >"$WORK/t.tsv"
      compare "$img, tracker lists ($db)" "$WORK/trk-ref.tsv" "$WORK/t.tsv"
    else
      not_ok "$img: moat scan with the $db database failed: $(head -c 300 "$WORK/err")"
    fi
  done
  python3 "$MOAT_SRC/tests/integration/vuln_reference.py" --tracker "$root" \
    "$TRK/CVE.list" >"$WORK/cve-ref.tsv"
  if it_moat "$WORK/t.json" "$WORK/err" scan --db "$WORK/cve-only.db" -q -f json "$ref"; then
    findings_tsv "$WORK/t.json" >"$WORK/t.tsv"
    compare "$img, CVE.list alone (no unstable fix shown as bookworm's)" "$WORK/cve-ref.tsv" \
      "$WORK/t.tsv"
  else
    not_ok "$img: moat scan with the CVE-only database failed: $(head -c 300 "$WORK/err")"
  fi
done

# --- severities: the advisory's own rating, else NVD's CVSS, else UNKNOWN ------------------
NVD=$SHARED/nvd
SDB=$WORK/sev.db
"$MOAT" db import --db "$SDB" -q "$SHARED/osv/debian-bookworm-derived" "$EXTRA" \
  "$SHARED/alpine-secdb/v3.20-main.subset.json" "$NVD" >/dev/null
tdb sev-tracker "$TRK/CVE.list $TRK/DSA.list $NVD $SHARED/alpine-secdb/v3.20-main.subset.json"
# ids with NVD metrics, to check that none of their findings is UNKNOWN
python3 - "$NVD" >"$WORK/nvd-ids.txt" <<'PY'
import glob, json, sys
for p in glob.glob(sys.argv[1] + "/CVE-*.json"):
    d = json.load(open(p))
    if any(k.startswith("cvssMetric") and v for k, v in d.get("metrics", {}).items()):
        print(d["id"])
PY
sev_check() { # LABEL DB REF REFERENCE-ARGS...
  local label=$1 db=$2 ref=$3; shift 3
  if ! it_moat "$WORK/sev.json" "$WORK/err" scan --db "$db" -q -f json "$ref"; then
    not_ok "$label: moat scan failed: $(head -c 300 "$WORK/err")"
    return
  fi
  jq -r '.findings[] | select(.kind == "vulnerability")
         | [.package.name, .rule_id, .severity, (.severity_source // "-")] | @tsv' \
    "$WORK/sev.json" | sort >"$WORK/sev-actual.tsv"
  python3 "$MOAT_SRC/tests/integration/severity_reference.py" "$WORK/sev.json" "$NVD" "$@" \
    2>/dev/null | sort >"$WORK/sev-expected.tsv"
  compare "$label: severity and its source" "$WORK/sev-expected.tsv" "$WORK/sev-actual.tsv"
  local unknown
  unknown=$(jq -r --rawfile ids "$WORK/nvd-ids.txt" '($ids | split("\n")) as $n
      | [.findings[] | select(.kind == "vulnerability" and .severity == "UNKNOWN")
         | select(([.rule_id] + .aliases) as $a | any($a[]; . as $x | $n | index($x)))] | length' \
    "$WORK/sev.json")
  if [[ $unknown == 0 ]]; then
    ok "$label: no UNKNOWN finding whose CVE has NVD metrics ($(grep -c UNKNOWN "$WORK/sev-actual.tsv" || true) UNKNOWN without)"
  else
    not_ok "$label: $unknown UNKNOWN findings although NVD has metrics for their CVE"
  fi
}
for img in debian-min debian-140 debian-big; do
  if [[ $img == debian-big ]]; then
    ref="docker-archive:$FIXTURES/debian-big/docker-archive.tar"
  else
    ref="dir:$FIXTURES/$img/root"
  fi
  sev_check "$img (OSV + NVD)" "$SDB" "$ref" --osv "$SHARED/osv/debian-bookworm-derived" \
    --osv "$EXTRA"
  sev_check "$img (tracker lists + NVD)" "$WORK/sev-tracker.db" "$ref" --tracker "$TRK/CVE.list"
done
sev_check "alpine 3.20.3 (secdb + NVD)" "$SDB" "docker-archive:$FIXTURES/alpine/docker-archive.tar"
# the gate: with NVD's severities an image with a CRITICAL finding fails; without, nothing is HIGH
for db in "$SDB" "$DB"; do
  rc=0
  "$MOAT" scan --db "$db" -q -f json --severity HIGH,CRITICAL --exit-code 1 \
    "dir:$FIXTURES/debian-140/root" >"$WORK/gate.json" 2>"$WORK/gate.err" || rc=$?
  n=$(jq '[.findings[] | select(.kind == "vulnerability")] | length' "$WORK/gate.json")
  if [[ $db == "$SDB" ]]; then
    if [[ $rc == 1 && $n -gt 0 ]] && ! jq -e '.findings[] | select(.severity != "HIGH" and .severity != "CRITICAL")' "$WORK/gate.json" >/dev/null; then
      ok "--severity HIGH,CRITICAL --exit-code 1 fails debian-140 with NVD imported ($n findings)"
    else
      not_ok "--severity HIGH,CRITICAL --exit-code 1 with NVD: exit $rc, $n findings"
    fi
  elif [[ $rc == 0 && $n == 0 ]]; then
    ok "without NVD, the same gate passes (nothing rated HIGH: why NVD is needed)"
  else
    not_ok "without NVD: exit $rc, $n findings"
  fi
done

# A CycloneDX SBOM written by Trivy for the same image gives the same findings
# (source packages come from Trivy's aquasecurity:trivy:Src* properties).
if it_trivy; then
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

# Every format is produced and parses (with NVD's severities: sources, vectors, two ratings).
for fmt in sarif cyclonedx junit table; do
  if it_moat "$WORK/out.$fmt" "$WORK/err" scan --db "$SDB" -q -f "$fmt" "dir:$FIXTURES/debian-140/root" \
     && [[ -s $WORK/out.$fmt ]]; then
    ok "--format $fmt writes a report"
  else
    not_ok "--format $fmt failed: $(head -c 300 "$WORK/err")"
  fi
done
# the SOURCE column beside SEVERITY names who rated it
if grep -Eq ' CRITICAL +nvd' "$WORK/out.table" && grep -Eq ' LOW +debian ' "$WORK/out.table" &&
  grep -q 'SEVERITY  SOURCE' "$WORK/out.table"; then
  ok "the table names who rated each severity"
else
  not_ok "the table does not name the severity's source: $(grep -m3 CVE- "$WORK/out.table")"
fi
if jq -e '[.vulnerabilities[].ratings[] | select(.source.name == "NVD" and .vector != null)]
          | length > 0' "$WORK/out.cyclonedx" >/dev/null &&
   jq -e '[.runs[0].results[].properties | select(.severitySource == "debian")] | length > 0' \
     "$WORK/out.sarif" >/dev/null; then
  ok "CycloneDX ratings and SARIF properties carry the severity's source"
else
  not_ok "CycloneDX ratings or SARIF properties lack the severity's source"
fi
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
