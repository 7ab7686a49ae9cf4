#!/usr/bin/env bash
# bench/scale-bench.sh — moat sbom against Trivy on a docker-archive of a
# million small files in 2 layers (~1 GB: nested directories, whiteouts,
# opaque directories, the host's real dpkg status), in the same run, plus
# how moat's time and peak RSS grow from 100k to 1M files and what
# `moat scan --scanners vuln,secret,misconfig` costs on the 1M image. Not a
# test: it prints tables and exits 0 (1 only if a tool fails).
#
#   bench/scale-bench.sh [RUNS]       (default 3 runs of each tool on the 1M image)
# env: MOAT (default build/moat), MOAT_BENCH_DIR (image cache, default
# ~/.cache/moat/bench), MOAT_SCALE_SIZES (default "100000 250000 500000
# 1000000"; the last is the one compared with Trivy), MOAT_TRIVY, MOAT_SHARED
# (../shared/data, for the scan's vulnerability database). Targets from
# issue 11: moat >= 8x faster than Trivy, moat peak RSS <= 64 MiB.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
MOAT=${MOAT:-$src/build/moat}
BENCH_DIR=${MOAT_BENCH_DIR:-$HOME/.cache/moat/bench}
SIZES=${MOAT_SCALE_SIZES:-100000 250000 500000 1000000}
SHARED=${MOAT_SHARED:-$src/../shared/data}
TIME=/usr/bin/time
[[ -x $MOAT ]] || { echo "moat binary not found: $MOAT (build it or set MOAT=)" >&2; exit 1; }
[[ -x $TIME ]] || { echo "need /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "need python3" >&2; exit 1; }

# ---- images: generated once, cached under a key of the generator's source ----
mkdir -p "$BENCH_DIR"
key=$(sha256sum "$src/bench/scale-gen.py" | cut -c1-12)
image_for() { echo "$BENCH_DIR/scale-$1-$key.tar"; }
exec {lock}>"$BENCH_DIR/.scale.lock"
flock "$lock"
for n in $SIZES; do
  img=$(image_for "$n")
  [[ -f $img ]] && continue
  rm -f "$BENCH_DIR"/scale-"$n"-*.tar # an older generator's
  echo "generating $img (a few minutes for 1M files)" >&2
  python3 "$src/bench/scale-gen.py" "$n" "$img"
done
flock -u "$lock"
largest=${SIZES##* }
image=$(image_for "$largest")

trivy=$(bash "$src/tests/fixtures/install-trivy.sh")
work=$(mktemp -d "${TMPDIR:-/tmp}/moat-scale-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# measure TAG CMD... — runs CMD under /usr/bin/time -v; appends
# "wall_s rss_kib user_s sys_s" to $work/TAG.times, output in $work/TAG.out
measure() {
  local tag=$1; shift
  if ! "$TIME" -v -o "$work/t" "$@" >"$work/$tag.out" 2>"$work/$tag.err"; then
    echo "$tag failed:" >&2
    tail -n 5 "$work/$tag.err" >&2
    exit 1
  fi
  python3 - "$work/t" >>"$work/$tag.times" <<'PY'
import sys
v = {}
for line in open(sys.argv[1]):
    k, _, val = line.strip().rpartition(": ")
    v[k] = val
wall = 0.0
for part in v["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"):
    wall = wall * 60 + float(part)
print(wall, v["Maximum resident set size (kbytes)"], v["User time (seconds)"],
      v["System time (seconds)"])
PY
}

echo "moat: $MOAT; trivy: $trivy; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- growth: moat sbom at each size (one run each, page cache warm) ----
for n in $SIZES; do
  img=$(image_for "$n")
  cat "$img" >/dev/null
  measure "grow-$n" "$MOAT" sbom "docker-archive:$img" --format json
done

# ---- the largest image: moat and Trivy alternately, then the full scan ----
cat "$image" >/dev/null # same page-cache state for both tools
for ((i = 1; i <= runs; i++)); do
  measure moat "$MOAT" sbom "docker-archive:$image" --format json
  cp "$work/moat.out" "$work/moat.json"
  cache=$(mktemp -d "$work/trivy-cache.XXXXXX")
  measure trivy "$trivy" image --input "$image" --format cyclonedx --cache-dir "$cache" \
    --skip-db-update --skip-java-db-update --offline-scan --quiet --output /dev/stdout
  cp "$work/trivy.out" "$work/trivy.json"
  rm -rf "$cache"
done
echo "load average after the comparison: $(cut -d' ' -f1-3 /proc/loadavg)"
# the scan matches against the Debian tracker subset of the shared data (small, real records)
scanners=secret,misconfig db_note="no vulnerability database: $SHARED missing"
if [[ -d $SHARED/debian-security-tracker-subset ]]; then
  "$MOAT" db import -q --db "$work/vuln.db" "$SHARED/debian-security-tracker-subset" >/dev/null
  scanners=vuln,secret,misconfig db_note="Debian tracker subset"
fi
measure scan "$MOAT" scan --scanners "$scanners" --db "$work/vuln.db" --format json \
  "docker-archive:$image"

moat_pkgs=$(python3 "$src/tests/integration/pkgs.py" moat "$work/moat.json" | wc -l)
trivy_pkgs=$(python3 "$src/tests/integration/pkgs.py" trivy "$work/trivy.json" | wc -l)

python3 - "$work" "$runs" "$SIZES" "$(image_for N)" "$moat_pkgs" "$trivy_pkgs" "$scanners" \
  "$db_note" <<'PY'
import json, os, statistics, sys
work, runs, sizes, pattern, mp, tp, scanners, db_note = sys.argv[1:]
sizes = [int(s) for s in sizes.split()]
image = pattern.replace("-N-", f"-{sizes[-1]}-")

def rows(tag):
    return [[float(x) for x in l.split()] for l in open(f"{work}/{tag}.times")]

print(f"\nmoat sbom as the file count grows (one run each):")
print(f"{'files':>9} {'image MB':>9} {'wall s':>7} {'CPU s':>6} {'peak RSS MiB':>13}")
grow = []
for n in sizes:
    w, rss, u, s = rows(f"grow-{n}")[0]
    mb = os.path.getsize(pattern.replace("-N-", f"-{n}-"))
    grow.append((n, rss / 1024))
    print(f"{n:>9} {mb / 1e6:>9.0f} {w:>7.2f} {u + s:>6.2f} {rss / 1024:>13.1f}")
if len(grow) > 1:
    (n0, r0), (n1, r1) = grow[0], grow[-1]
    per = (r1 - r0) * 1048576 / (n1 - n0)
    print(f"RSS growth {n0} -> {n1} files: {r1 - r0:+.1f} MiB, {per:.0f} bytes per file "
          f"(peak {r1:.1f} MiB at {n1}, {r1 / r0:.2f}x the {n0}-file peak)")

print(f"\n{os.path.basename(image)}: {os.path.getsize(image) / 1e6:.0f} MB, {runs} runs each, "
      f"alternating (Trivy with a fresh empty cache every run)")
print(f"{'tool':<6} {'median wall s':>14} {'median CPU s':>13} {'max peak RSS MiB':>17} "
      f"{'packages':>9}")
res = {}
for tool, pk in (("moat", mp), ("trivy", tp)):
    r = rows(tool)
    wall = statistics.median(x[0] for x in r)
    cpu = statistics.median(x[2] + x[3] for x in r)
    rss = max(x[1] for x in r) / 1024
    res[tool] = (wall, cpu, rss)
    print(f"{tool:<6} {wall:>14.2f} {cpu:>13.2f} {rss:>17.1f} {pk:>9}")
ratio = res["trivy"][0] / res["moat"][0] if res["moat"][0] > 0 else float("inf")
cratio = res["trivy"][1] / res["moat"][1] if res["moat"][1] > 0 else float("inf")
print(f"wall per run, moat: {' '.join(f'{x[0]:.2f}' for x in rows('moat'))}; "
      f"trivy: {' '.join(f'{x[0]:.2f}' for x in rows('trivy'))}")
print(f"speedup: {ratio:.1f}x wall, {cratio:.1f}x CPU")
print(f"targets: >= 8x faster than Trivy: {'met' if ratio >= 8 else 'NOT met'} ({ratio:.1f}x); "
      f"moat peak RSS <= 64 MiB: {'met' if res['moat'][2] <= 64 else 'NOT met'} "
      f"({res['moat'][2]:.1f} MiB)")
w, rss, u, s = rows("scan")[0]
try:
    rep = json.load(open(f"{work}/scan.out"))
    kinds = {}
    for f in rep.get("findings", []):
        kinds[f.get("kind", "?")] = kinds.get(f.get("kind", "?"), 0) + 1
    found = ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) or "no findings"
except (OSError, ValueError):
    found = "report unreadable"
print(f"\nmoat scan --scanners {scanners} ({db_note}): {w:.2f} s wall, "
      f"{u + s:.2f} s CPU, peak RSS {rss / 1024:.1f} MiB; {found}")
PY
