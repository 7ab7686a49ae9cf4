#!/usr/bin/env bash
# bench/json-bench.sh — peak RSS and time of moat on big JSON inputs, at two sizes each,
# to show whether memory follows the document or stays flat:
#   - a CycloneDX 1.5 SBOM and an SPDX 2.3 SBOM of N components/packages, each a Debian
#     package with Trivy-style source properties (moat keeps them all, so the inventory
#     grows with N; above 200,000 packages moat refuses the document), read by `moat scan`;
#   - the same SBOMs with 500 Debian packages and N npm packages (which moat skips),
#     where nothing the reader keeps grows with N;
#   - an OSV zip holding ONE entry: an array of N Debian records (osv.dev API answer style);
#   - a Debian Security Tracker JSON dump of N/10 packages x 10 CVEs;
#   - an NVD CVE API 2.0 yearly feed (nvdcve-2.0-YYYY.json.gz) of N records, when moat
#     reads NVD feeds.
# Usage: bench/json-bench.sh [MOAT] [N]   (defaults: build/moat, 300000; the small size is N/10)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
MOAT=${1:-${MOAT:-$SRC/build/moat}}
N=${2:-300000}
W=$(mktemp -d "${TMPDIR:-/tmp}/moat-json-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
[[ -x $MOAT ]] || { echo "moat binary not found: $MOAT" >&2; exit 1; }

python3 - "$W" "$N" <<'EOF'
import gzip, json, os, sys, zipfile
w, n = sys.argv[1], int(sys.argv[2])

def deb(i):
    name = f"pkg{i}"
    return name, f"1.{i}-1", f"pkg:deb/debian/{name}@1.{i}-1?arch=amd64&distro=debian-12"

def cdx(path, n_deb, n_npm):
    with open(path, "w") as f:
        f.write('{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,'
                '"metadata":{"component":{"type":"container","name":"big"}},"components":[')
        f.write('{"type":"operating-system","name":"debian","version":"12.5"}')
        for i in range(n_deb):
            name, ver, purl = deb(i)
            f.write(',' + json.dumps({"bom-ref": purl, "type": "library", "name": name,
                "version": ver, "purl": purl, "licenses": [{"license": {"name": "GPL-2.0"}}],
                "properties": [{"name": "aquasecurity:trivy:SrcName", "value": name},
                               {"name": "aquasecurity:trivy:SrcVersion", "value": f"1.{i}"},
                               {"name": "aquasecurity:trivy:SrcRelease", "value": "1"}]}))
        for i in range(n_npm):
            purl = f"pkg:npm/lib{i}@{i % 50}.{i % 7}.0"
            f.write(',' + json.dumps({"bom-ref": purl, "type": "library", "name": f"lib{i}",
                "version": f"{i % 50}.{i % 7}.0", "purl": purl}))
        f.write('],"dependencies":[]}')

def spdx(path, n_deb, n_npm):
    with open(path, "w") as f:
        f.write('{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT",'
                '"name":"big","packages":[{"name":"debian","SPDXID":"SPDXRef-OS","versionInfo":'
                '"12","primaryPackagePurpose":"OPERATING_SYSTEM"}')
        for i in range(n_deb + n_npm):
            if i < n_deb:
                name, ver, purl = deb(i)
                info = f"built package from: {name} {ver}"
            else:
                name, ver = f"lib{i}", f"{i % 50}.0.0"
                purl, info = f"pkg:npm/{name}@{ver}", None
            p = {"name": name, "SPDXID": f"SPDXRef-p{i}", "versionInfo": ver,
                 "licenseDeclared": "NOASSERTION", "externalRefs": [{"referenceCategory":
                 "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]}
            if info:
                p["sourceInfo"] = info
            f.write(',' + json.dumps(p))
        f.write('],"relationships":[]}')

def osv(i):
    return {"schema_version": "1.6.0", "id": f"DEBIAN-CVE-2099-{i}",
            "modified": "2026-01-01T00:00:00Z", "upstream": [f"CVE-2099-{i}"],
            "details": "synthetic record " * 8,
            "affected": [{"package": {"ecosystem": "Debian:12", "name": f"pkg{i % 5000}"},
                          "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                                                                      {"fixed": f"1.{i}-2"}]}]}]}

def osv_zip(path, k):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("all.json", "w") as f:
            f.write(b"[")
            for i in range(k):
                f.write((b"," if i else b"") + json.dumps(osv(i)).encode())
            f.write(b"]")

def tracker(path, k):
    with open(path, "w") as f:
        f.write("{")
        for p in range(k // 10):
            cves = {f"CVE-2099-{p * 10 + c}": {"description": "synthetic " * 5, "scope": "local",
                    "releases": {"bookworm": {"status": "resolved", "repositories": {"bookworm":
                    "1.0-1"}, "fixed_version": f"1.{c}-1", "urgency": "low"},
                    "sid": {"status": "open", "repositories": {"sid": "1.0-1"}, "urgency":
                    "not yet assigned"}}} for c in range(10)}
            f.write(("," if p else "") + json.dumps(f"pkg{p}") + ":" + json.dumps(cves))
        f.write("}")

def nvd(path, k):
    with gzip.open(path, "wt") as f:
        f.write('{"resultsPerPage":%d,"startIndex":0,"totalResults":%d,"format":"NVD_CVE",'
                '"version":"2.0","timestamp":"2026-01-01T00:00:00.000","vulnerabilities":[' % (k, k))
        for i in range(k):
            cve = {"id": f"CVE-2099-{i}", "sourceIdentifier": "cve@mitre.org",
                   "published": "2026-01-01T00:00:00.000", "lastModified": "2026-01-02T00:00:00.000",
                   "vulnStatus": "Analyzed", "descriptions": [{"lang": "en", "value": "synthetic " * 10}],
                   "metrics": {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary",
                       "cvssData": {"version": "3.1", "vectorString":
                       "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "baseScore": 9.8,
                       "baseSeverity": "CRITICAL"}, "exploitabilityScore": 3.9, "impactScore": 5.9}]},
                   "references": [{"url": f"https://example.com/{i}", "source": "cve@mitre.org"}]}
            f.write(("," if i else "") + json.dumps({"cve": cve}))
        f.write("]}")

for label, k in (("small", n // 10), ("big", n)):
    cdx(f"{w}/{label}-deb.cdx.json", k, 0)
    spdx(f"{w}/{label}-deb.spdx.json", k, 0)
    cdx(f"{w}/{label}-npm.cdx.json", 500, k)
    spdx(f"{w}/{label}-npm.spdx.json", 500, k)
    osv_zip(f"{w}/{label}-osv.zip", k)
    tracker(f"{w}/{label}-tracker.json", k)
    nvd(f"{w}/nvdcve-2.0-{label}.json.gz", k)
EOF

# one record, so scans have a database
printf '{"id":"B-1","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"Debian:12","name":"pkg1"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}]}' >"$W/one.json"
"$MOAT" db import -q --db "$W/scan.db" "$W/one.json" >/dev/null

measure() { # label file command...
  local label=$1 file=$2 rc=0; shift 2
  /usr/bin/time -f '%e %M' -o "$W/time" "$@" >"$W/out" 2>"$W/err" || rc=$?
  read -r secs kb < <(tail -n 1 "$W/time") # after "Command exited with non-zero status"
  printf '%-22s %8.1f MiB file %7.2f s %8.1f MiB peak RSS  %s\n' "$label" \
    "$(echo "$(stat -c %s "$file")/1048576" | bc -l)" "$secs" "$(echo "$kb/1024" | bc -l)" \
    "$( ((rc == 0)) && echo ok || echo "exit $rc: $(head -c 120 "$W/err")")"
}

printf 'moat: %s   N = %d (small = N/10)\n' "$MOAT" "$N"
for label in small big; do
  for kind in deb npm; do
    for fmt in cdx spdx; do
      f=$W/$label-$kind.$fmt.json
      measure "$label $kind $fmt" "$f" "$MOAT" scan --db "$W/scan.db" -q -f json "$f"
    done
  done
done
for label in small big; do
  rm -f "$W/imp.db"
  measure "$label osv zip" "$W/$label-osv.zip" "$MOAT" db import -q --db "$W/imp.db" "$W/$label-osv.zip"
  rm -f "$W/imp.db"
  measure "$label tracker json" "$W/$label-tracker.json" "$MOAT" db import -q --db "$W/imp.db" \
    "$W/$label-tracker.json"
  rm -f "$W/imp.db"
  measure "$label nvd feed" "$W/nvdcve-2.0-$label.json.gz" "$MOAT" db import -q --db "$W/imp.db" \
    "$W/nvdcve-2.0-$label.json.gz"
done
