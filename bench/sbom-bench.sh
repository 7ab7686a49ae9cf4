#!/usr/bin/env bash
# bench/sbom-bench.sh — cold `moat sbom` against Trivy on the same ~300 MB
# docker-archive (the debian-big fixture: Debian 12 minbase + python3, perl,
# binutils, make), in the same run. Not a test: it prints a table and exits 0
# (1 only if a tool fails). "Cold" = a fresh process every run, and for Trivy
# a fresh empty --cache-dir every run; the page cache is not dropped (the
# image is read once beforehand so both tools see the same warm file).
#
#   bench/sbom-bench.sh [RUNS]       (default 3)
# env: MOAT (default build/moat), MOAT_FIXTURES, MOAT_BENCH_IMAGE (another
# docker-archive to measure instead). Targets from the image-foundation issue:
# moat >= 10x faster than Trivy, moat peak RSS <= 64 MiB.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
MOAT=${MOAT:-$src/build/moat}
FIXTURES=${MOAT_FIXTURES:-$HOME/.cache/moat/fixtures}
export MOAT_FIXTURES=$FIXTURES
TIME=/usr/bin/time
[[ -x $MOAT ]] || { echo "moat binary not found: $MOAT (build it or set MOAT=)" >&2; exit 1; }
[[ -x $TIME ]] || { echo "need /usr/bin/time (apt-get install time)" >&2; exit 1; }

image=${MOAT_BENCH_IMAGE:-}
if [[ -z $image ]]; then
  bash "$src/tests/fixtures/build-all.sh" debian-big
  image=$FIXTURES/debian-big/docker-archive.tar
fi
trivy=$(bash "$src/tests/fixtures/install-trivy.sh")
work=$(mktemp -d "${TMPDIR:-/tmp}/moat-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat "$image" >/dev/null # same page-cache state for both tools
size_mb=$(($(stat -c %s "$image") / 1000000))
echo "image: $image (${size_mb} MB), $runs cold runs each, $(nproc) CPUs"

# measure TOOL RUN CMD... — appends "wall_s rss_kb" to $work/TOOL.times
measure() {
  local tool=$1 run=$2; shift 2
  if ! "$TIME" -f '%e %M' -o "$work/t" "$@" >"$work/$tool.out.$run" 2>"$work/$tool.err"; then
    echo "$tool failed (run $run):" >&2
    tail -n 5 "$work/$tool.err" >&2
    exit 1
  fi
  tail -n 1 "$work/t" >>"$work/$tool.times"
}

for ((i = 1; i <= runs; i++)); do
  measure moat "$i" "$MOAT" sbom "docker-archive:$image" --format json
  cache=$(mktemp -d "$work/trivy-cache.XXXXXX")
  measure trivy "$i" "$trivy" image --input "$image" --format cyclonedx --cache-dir "$cache" \
    --skip-db-update --skip-java-db-update --offline-scan --quiet --output /dev/stdout
  rm -rf "$cache"
done

moat_pkgs=$(python3 "$src/tests/integration/pkgs.py" moat "$work/moat.out.1" | wc -l)
trivy_pkgs=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(1 for c in d.get("components", []) if str(c.get("purl", "")).startswith(("pkg:deb/", "pkg:apk/"))))' \
  "$work/trivy.out.1")

python3 - "$work" "$runs" "$moat_pkgs" "$trivy_pkgs" <<'PY'
import statistics, sys
work, runs, pk = sys.argv[1], sys.argv[2], {"moat": sys.argv[3], "trivy": sys.argv[4]}
res = {}
for tool in ("moat", "trivy"):
    rows = [l.split() for l in open(f"{work}/{tool}.times")]
    res[tool] = (statistics.median(float(r[0]) for r in rows), max(int(r[1]) for r in rows) / 1024)
t_trivy = res["trivy"][0]
print(f"{'tool':<6} {'runs':>4} {'median wall s':>14} {'max peak RSS MiB':>17} {'packages':>9} {'speedup':>8}")
for tool, (wall, rss) in res.items():
    speed = t_trivy / wall if wall > 0 else float("inf")
    print(f"{tool:<6} {runs:>4} {wall:>14.2f} {rss:>17.1f} {pk[tool]:>9} {speed:>7.1f}x")
wall, rss = res["moat"]
ratio = t_trivy / wall if wall > 0 else float("inf")
print(f"targets: speedup >= 10x: {'met' if ratio >= 10 else 'NOT met'} ({ratio:.1f}x); "
      f"moat peak RSS <= 64 MiB: {'met' if rss <= 64 else 'NOT met'} ({rss:.1f} MiB)")
PY
