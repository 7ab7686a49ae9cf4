#!/usr/bin/env bash
# tests/integration/db_import.sh — `moat db import|info|update` through the CLI on
# the shared OSV / tracker / secdb data, and `db update` against a local HTTP
# server (python3 -m http.server on 127.0.0.1) serving zips built from the
# shared OSV data: a good update, a truncated zip, a 404, and a server killed
# in the middle of a transfer. NVD records import the same one by one and as
# a gzip-compressed yearly feed. After each failure the old database must still
# answer `db info` and lookups, and no temporary file may be left beside it.
set -euo pipefail
MOAT_SRC=${MOAT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MOAT=${MOAT:-$MOAT_SRC/build/moat}
SHARED=${MOAT_SHARED:-$MOAT_SRC/../shared/data}
[[ -x $MOAT ]] || { echo "moat binary not found: $MOAT" >&2; exit 1; }
for d in osv debian-security-tracker-subset alpine-secdb; do
  [[ -d $SHARED/$d ]] || { echo "SKIP shared data missing: $SHARED/$d"; exit 77; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/moat-db-it.XXXXXX")
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
not_ok() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
DB=$WORK/vuln.db
export MOAT_DB=$WORK/default.db

# --- import everything ---------------------------------------------------------
out=$("$MOAT" db import --db "$DB" -q "$SHARED/osv" "$SHARED/debian-security-tracker-subset" \
  "$SHARED/alpine-secdb/v3.20-main.subset.json" "$MOAT_SRC/tests/data/vuln/debian-tracker-subset.json")
echo "$out"
want_osv=$(python3 - "$SHARED/osv" <<'EOF'
import json, os, sys
n = 0
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith('.json'):
            d = json.load(open(os.path.join(root, f)))
            n += len(d['vulns']) if 'vulns' in d and 'id' not in d else 1
print(n)
EOF
)
info=$("$MOAT" db info --db "$DB" -f json)
got_osv=$(jq '[.sources[] | select(.kind == "osv") | .records] | add' <<<"$info")
check "osv records in db ($got_osv) = independent count ($want_osv)" [ "$got_osv" = "$want_osv" ]
check "secdb feed has 268 records" [ "$(jq '.sources[] | select(.name == "alpine-secdb:v3.20/main") | .records' <<<"$info")" = 268 ]
check "tracker feed present" jq -e '.sources[] | select(.name == "debian-tracker")' <<<"$info" >/dev/null
check "info table runs" "$MOAT" db info --db "$DB" >/dev/null
check "default path from MOAT_DB" bash -c "'$MOAT' db import -q '$SHARED/osv/crates-rustsec' >/dev/null && test -s '$MOAT_DB'"

# --- NVD: records one per file, and the same records as a yearly feed (gzip) ---------
python3 - "$SHARED/nvd" "$WORK/nvdcve-2.0-2026.json.gz" <<'EOF'
import glob, gzip, json, sys
recs = [json.load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/CVE-*.json"))]
with gzip.open(sys.argv[2], "wt") as f:
    json.dump({"resultsPerPage": len(recs), "startIndex": 0, "totalResults": len(recs),
               "format": "NVD_CVE", "version": "2.0", "timestamp": "2026-12-07T00:00:00.000",
               "vulnerabilities": [{"cve": r} for r in recs]}, f)
EOF
"$MOAT" db import --db "$WORK/nvd-dir.db" -q "$SHARED/nvd" >/dev/null
mkdir -p "$WORK/feeds"
mv "$WORK/nvdcve-2.0-2026.json.gz" "$WORK/feeds/"
"$MOAT" db import --db "$WORK/nvd-feed.db" -q "$WORK/feeds" >/dev/null # a directory of feeds
nvd_records=$("$MOAT" db info --db "$WORK/nvd-feed.db" -f json | jq '.sources[] | select(.name == "nvd") | .records')
check "NVD yearly feed: 303 records in the nvd feed" [ "$nvd_records" = 303 ]
metrics() { # every CVSS metric of a database, one per line
  python3 -c 'import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute("SELECT v.id, m.rank, m.type, m.scorer,"
        " m.primary_, m.vector, m.score FROM vulns v JOIN metrics m ON m.vid = v.vid ORDER BY 1, 2"):
    print(*r)' "$1"
}
metrics "$WORK/nvd-dir.db" >"$WORK/m1"
metrics "$WORK/nvd-feed.db" >"$WORK/m2"
check "feed and records one by one: the same $(wc -l <"$WORK/m1") CVSS metrics" \
  bash -c "[ -s '$WORK/m1' ] && cmp -s '$WORK/m1' '$WORK/m2'"

# --- hostile inputs through the CLI ---------------------------------------------
mkdir -p "$WORK/bad"
printf '{"id":"B-1","affected":{}}' >"$WORK/bad/b1.json"
printf '{"id":' >"$WORK/bad/b2.json"
ln -s /etc/passwd "$WORK/bad/passwd.json"
set +e
out=$("$MOAT" db import --db "$DB" -q "$WORK/bad" 2>"$WORK/err"); rc=$?
set -e
check "malformed records are skipped, exit 0" [ $rc = 0 ]
check "skip reasons name file and field" grep -q 'b1.json: B-1: affected: expected array' <<<"$out"
head -c 3000 "$MOAT_SRC/../shared/data/osv/go-vulndb/GO-2020-0001.json" >/dev/null
python3 -c "import zipfile;z=zipfile.ZipFile('$WORK/g.zip','w');[z.write(p) for p in __import__('glob').glob('$SHARED/osv/go-vulndb/GO-2022-*.json')];z.close()"
head -c 20000 "$WORK/g.zip" >"$WORK/trunc.zip"
set +e
"$MOAT" db import --db "$DB" -q "$WORK/trunc.zip" >/dev/null 2>"$WORK/err"; rc=$?
set -e
check "truncated zip refused with exit 1" [ $rc = 1 ]
check "one-line error names the zip" bash -c "[ \$(wc -l <'$WORK/err') = 1 ] && grep -q 'trunc.zip' '$WORK/err'"
check "db still opens after a refused zip" "$MOAT" db info --db "$DB" -q >/dev/null
set +e
"$MOAT" db info --db "$WORK/nope.db" 2>"$WORK/err"; rc=$?
set -e
check "missing database: exit 1, one line" bash -c "[ $rc = 1 ] && [ \$(wc -l <'$WORK/err') = 1 ]"
printf 'garbage garbage garbage' >"$WORK/garbage.db"
set +e
"$MOAT" db info --db "$WORK/garbage.db" 2>"$WORK/err"; rc=$?
set -e
check "not a database: exit 1" bash -c "[ $rc = 1 ] && grep -q 'garbage.db' '$WORK/err'"
set +e
"$MOAT" db bogus 2>/dev/null; rc=$?
set -e
check "unknown subcommand: usage error" [ $rc = 2 ]

# --- update over HTTP -------------------------------------------------------------
SRV=$WORK/srv
mkdir -p "$SRV/Debian" "$SRV/Go" "$SRV/Broken"
python3 - "$SHARED/osv" "$SRV" <<'EOF'
import glob, os, sys, zipfile
src, srv = sys.argv[1], sys.argv[2]
for eco, d in (("Debian", "debian-bookworm-derived"), ("Go", "go-vulndb")):
    with zipfile.ZipFile(f"{srv}/{eco}/all.zip", "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(glob.glob(f"{src}/{d}/*.json")):
            z.write(p, os.path.basename(p))
data = open(f"{srv}/Go/all.zip", "rb").read()
open(f"{srv}/Broken/all.zip", "wb").write(data[: len(data) // 2])
EOF
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
(cd "$SRV" && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
PIDS+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
UDB=$WORK/update.db
check "update builds a new db" "$MOAT" db update -q --db "$UDB" --url-base "http://127.0.0.1:$port" -e Debian -e Go
"$MOAT" db import -q --db "$UDB" "$SHARED/alpine-secdb/v3.20-main.subset.json" >/dev/null
before=$("$MOAT" db info --db "$UDB" -f json | jq -c '[.vulnerabilities, .affected]')
check "update with feeds in use" "$MOAT" db update -q --db "$UDB" --url-base "http://127.0.0.1:$port"
after=$("$MOAT" db info --db "$UDB" -f json | jq -c '[.vulnerabilities, .affected]')
check "re-update keeps the same content ($before = $after)" [ "$before" = "$after" ]
leftovers() { find "$WORK" -maxdepth 1 -name 'update.db.*' | wc -l; }
set +e
"$MOAT" db update -q --db "$UDB" --url-base "http://127.0.0.1:$port" -e Broken 2>"$WORK/err"; rc=$?
set -e
check "truncated zip download fails" [ $rc = 1 ]
cat "$WORK/err"
check "old db intact after truncated download" [ "$("$MOAT" db info --db "$UDB" -f json | jq -c '[.vulnerabilities, .affected]')" = "$after" ]
set +e
"$MOAT" db update -q --db "$UDB" --url-base "http://127.0.0.1:$port" -e Nope 2>"$WORK/err"; rc=$?
set -e
check "404 fails" bash -c "[ $rc = 1 ] && grep -q '404' '$WORK/err'"
check "no temporary files left" [ "$(leftovers)" = 0 ]

# a server that sends headers and half the body, then dies
port2=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
python3 - "$port2" "$SRV/Go/all.zip" <<'EOF' &
import socket, sys, time
port, path = int(sys.argv[1]), sys.argv[2]
data = open(path, "rb").read()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(1)
c, _ = s.accept(); c.recv(65536)
c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: %d\r\n\r\n" % len(data))
c.sendall(data[: len(data) // 3]); time.sleep(0.2)
import os; os._exit(0)  # killed mid-transfer
EOF
PIDS+=($!)
sleep 0.5
set +e
"$MOAT" db update -q --db "$UDB" --url-base "http://127.0.0.1:$port2" -e Go 2>"$WORK/err"; rc=$?
set -e
check "server killed mid-transfer: update fails" [ $rc = 1 ]
cat "$WORK/err"
check "old db answers after the killed transfer" [ "$("$MOAT" db info --db "$UDB" -f json | jq -c '[.vulnerabilities, .affected]')" = "$after" ]
check "no temporary files left after the killed transfer" [ "$(leftovers)" = 0 ]

# an update process killed (SIGKILL) while importing: the old db stays
"$MOAT" db update -q --db "$UDB" --url-base "http://127.0.0.1:$port" -e Go -e Debian >/dev/null 2>&1 &
upid=$!
sleep 0.3; kill -9 "$upid" 2>/dev/null || true; wait "$upid" 2>/dev/null || true
check "old db answers after a killed update" [ "$("$MOAT" db info --db "$UDB" -f json | jq -c '[.vulnerabilities, .affected]')" = "$after" ]

echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
