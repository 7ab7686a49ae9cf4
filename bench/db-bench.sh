#!/usr/bin/env bash
# bench/db-bench.sh — import time, peak RSS and database size for `moat db import`:
#   1. all of ../shared/data/osv + the Debian tracker subset (list form) + Alpine secdb;
#   2. a synthetic "full Debian OSV" zip of N records (default 40000, about the size of
#      osv.dev's Debian/all.zip) generated from the Debian-derived records with varied ids,
#      packages and versions. The target is < 30 s for 2.
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

python3 - "$SHARED/osv/debian-bookworm-derived" "$W/Debian-all.zip" "$N" <<'PY'
import glob, json, random, sys, zipfile
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
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
            pkg = f"pkg{rnd.randrange(30000)}"
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
