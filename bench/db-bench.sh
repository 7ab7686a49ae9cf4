#!/usr/bin/env bash
# bench/db-bench.sh — import time, peak RSS and database size for `moat db import`:
#   1. all of ../shared/data/osv + the Debian tracker subset (list form) + Alpine secdb;
#   2. a synthetic "full Debian OSV" zip of N records (default 40000, about the size of
#      osv.dev's Debian/all.zip) generated from the Debian-derived records with varied ids,
#      packages and versions (half of them the source packages of the debian-140 image, so
#      scans hit real rows). The target is < 30 s for 2;
#   3. what matching adds to a scan: `moat scan` vs `moat sbom` of the ~140-package
#      debian-140 docker-archive (median of 5 runs each), against the shared-data database
#      of 1 (realistic: tens of findings) and against 1 + 2 (a stress case: half of the
#      synthetic records name the image's own source packages, so it yields thousands of
#      findings). The target is < 50 ms.
# Usage: bench/db-bench.sh [MOAT] [N]     (MOAT defaults to build/moat)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
MOAT=${1:-${MOAT:-$SRC/build/moat}}
N=${2:-40000}
SHARED=${MOAT_SHARED:-$SRC/../shared/data}
W=$(mktemp -d "${TMPDIR:-/tmp}/moat-db-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
[[ -x $MOAT ]] || { echo "moat binary not found: $MOAT" >&2; exit 1; }

run() { # label db args...
  local label=$1 db=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$W/time" "$MOAT" db import -q --db "$db" "$@" >"$W/out"
  read -r secs kb <"$W/time"
  printf '%-34s %8.2f s  %7.1f MiB peak RSS  %7.1f MiB db  %s\n' "$label" "$secs" \
    "$(echo "$kb/1024" | bc -l)" "$(echo "$(stat -c %s "$db")/1048576" | bc -l)" \
    "$(head -1 "$W/out" | sed 's/ from .*//')"
}

run "shared data (osv+tracker+secdb)" "$W/all.db" "$SHARED/osv" \
  "$SHARED/debian-security-tracker-subset" "$SHARED/alpine-secdb/v3.20-main.subset.json"

FIXTURES=${MOAT_FIXTURES:-$HOME/.cache/moat/fixtures}
bash "$SRC/tests/fixtures/build-all.sh" debian-140 >/dev/null
IMG=$FIXTURES/debian-140/docker-archive.tar
dpkg-query --admindir "$FIXTURES/debian-140/root/var/lib/dpkg" -W -f '${source:Package}\n' |
  sort -u >"$W/sources.txt"

python3 - "$SHARED/osv/debian-bookworm-derived" "$W/Debian-all.zip" "$N" "$W/sources.txt" <<'PY'
import glob, json, random, sys, zipfile
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
real = open(sys.argv[4]).read().split()
base = [json.load(open(p)) for p in sorted(glob.glob(src + "/*.json"))]
rels = ["Debian:10", "Debian:11", "Debian:12", "Debian:13"]
rnd = random.Random(1)
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(n):
        r = json.loads(json.dumps(base[i % len(base)]))
        year = 1999 + i % 27
        r["id"] = f"DEBIAN-CVE-{year}-{100000 + i}"
        r["upstream"] = [f"CVE-{year}-{100000 + i}"]
        affs = []
        for k in range(1 + i % 3):          # 1-3 packages x 2 releases per record
            pkg = rnd.choice(real) if rnd.random() < 0.5 else f"pkg{rnd.randrange(30000)}"
            for rel in rnd.sample(rels, 2):
                a = json.loads(json.dumps(r["affected"][0])) if r.get("affected") else {"ranges": []}
                a["package"] = {"ecosystem": rel, "name": pkg,
                                "purl": f"pkg:deb/debian/{pkg}?arch=source"}
                a["ranges"] = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"},
                               {"fixed": f"{rnd.randrange(10)}.{rnd.randrange(40)}-{rnd.randrange(9)}"}]}]
                affs.append(a)
        r["affected"] = affs
        z.writestr(r["id"] + ".json", json.dumps(r, indent=2))
PY
printf '%-34s %s records, %.1f MiB zip\n' "synthetic Debian zip" "$N" \
  "$(echo "$(stat -c %s "$W/Debian-all.zip")/1048576" | bc -l)"
run "synthetic full Debian OSV (zip)" "$W/debian.db" "$W/Debian-all.zip"
run "  again into the same db (replace)" "$W/debian.db" "$W/Debian-all.zip"

# 3. matching cost: the same image inventoried (sbom) and scanned (sbom + matching)
"$MOAT" db import -q --db "$W/debian.db" "$SHARED/osv" "$SHARED/alpine-secdb/v3.20-main.subset.json" >/dev/null
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
timeit() { # args... -> prints the median wall seconds of 5 runs (peak RSS KiB in $W/runs)
  local t0 t1
  for _ in 1 2 3 4 5; do
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$W/t" "$MOAT" "$@" >"$W/scan.out" 2>/dev/null || true
    t1=$EPOCHREALTIME
    echo "$(echo "$t1 - $t0" | bc -l) $(cat "$W/t")"
  done >"$W/runs"
  cut -d' ' -f1 "$W/runs" | median
}
"$MOAT" sbom -q -f json "docker-archive:$IMG" >/dev/null # warm the page cache for both
t_sbom=$(timeit sbom -q -f json "docker-archive:$IMG")
for db in all debian; do
  t_scan=$(timeit scan -q --db "$W/$db.db" -f json "docker-archive:$IMG")
  rss=$(cut -d' ' -f2 "$W/runs" | sort -n | tail -1)
  n_find=$(jq '.findings | length' "$W/scan.out")
  case $db in
    all) what="scan debian-140, shared-data db" ;;
    debian) what="scan debian-140, synthetic 40k db" ;;
  esac
  printf '%-34s sbom %.3f s, scan %.3f s: matching adds %.0f ms (%s findings, %.1f MiB peak RSS)\n' \
    "$what" "$t_sbom" "$t_scan" "$(echo "($t_scan - $t_sbom) * 1000" | bc -l)" "$n_find" \
    "$(echo "$rss/1024" | bc -l)"
done
