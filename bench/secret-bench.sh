#!/usr/bin/env bash
# bench/secret-bench.sh — cold `moat scan --scanners secret` against Trivy's
# secret scanner on the same ~300 MB docker-archive (the debian-big fixture) in
# the same run, then what each tool found and the other missed, on that image,
# on the planted-secrets image of tests/integration/secret_scan.sh and on a
# probe directory holding one freshly generated sample per rule. Not a test:
# it prints tables and exits 0 (1 only if a tool fails). "Cold" = a fresh
# process every run, and for Trivy a fresh empty --cache-dir every run; the
# page cache is not dropped (the image is read once beforehand so both tools
# see the same warm file). Neither tool's defaults are changed.
#
#   bench/secret-bench.sh [RUNS]       (default 3)
# env: MOAT (default build/moat), MOAT_FIXTURES, MOAT_BENCH_IMAGE (another
# docker-archive to time instead), MOAT_TRIVY (an installed trivy). Targets
# from the hardening issue: moat >= 50x faster than Trivy, peak RSS <= 128 MiB.
set -euo pipefail
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-3}
MOAT=${MOAT:-$src/build/moat}
TIME=/usr/bin/time
[[ -x $MOAT ]] || { echo "moat binary not found: $MOAT (build it or set MOAT=)" >&2; exit 1; }
[[ -x $TIME ]] || { echo "need /usr/bin/time (apt-get install time)" >&2; exit 1; }
# shellcheck source=tests/fixtures/lib.sh
source "$src/tests/fixtures/lib.sh" # FIXTURES, fx_build, fx_podman, ALPINE_TARBALL
export MOAT_FIXTURES=$FIXTURES

image=${MOAT_BENCH_IMAGE:-}
if [[ -z $image ]]; then
  bash "$src/tests/fixtures/build-all.sh" debian-big
  image=$FIXTURES/debian-big/docker-archive.tar
fi
trivy=$(bash "$src/tests/fixtures/install-trivy.sh")

# The planted-secrets image of tests/integration/secret_scan.sh, built the same
# way into a bench-owned cache folder ($FIXTURES/secret-bench), under its own tags.
rnd() { tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1" || true; }
build_planted() { # OUTDIR
  local out=$1 ctx
  fx_need podman:podman gzip:gzip zstd:zstd
  ctx=$(mktemp -d)
  cp -r "$src/tests/secret/image" "$src/tests/secret/Containerfile.secrets" "$ctx/"
  # as secret_scan.sh does: compressed files with secrets inside, a truncated
  # .gz and a 512 MiB gzip bomb (about 500 KiB); tokens random, same shapes
  # (its acme.conf is left out: only its --secret-config user rule finds it)
  mkdir -p "$ctx/image/archive"
  local gz_tok zst_tok arg_tok
  gz_tok=ghp_$(rnd 36) zst_tok=sk_live_$(rnd 25) arg_tok=ghp_$(rnd 36)
  printf '%s\n' "$gz_tok" "$zst_tok" "$arg_tok" >"$out/generated-secrets.txt"
  printf '# old settings\nDEPLOY=%s\n' "$gz_tok" | gzip -9 >"$ctx/image/archive/old.env.gz"
  printf 'billing:\n  key: %s\n' "$zst_tok" | zstd -q >"$ctx/image/archive/billing.yml.zst"
  { printf 'x=1\n'; head -c 30000 /dev/urandom | base64; } | gzip | head -c 2000 >"$ctx/image/archive/cut.log.gz"
  head -c 512M /dev/zero | gzip -9 >"$ctx/image/archive/bomb.gz"
  # and a tar.gz backup with a secret in one member and a binary beside it
  local tar_tok
  tar_tok=glpat-$(rnd 20)
  echo "$tar_tok" >>"$out/generated-secrets.txt"
  mkdir -p "$ctx/tarsrc/home/ci"
  printf '[ci]\nGITLAB=%s\n' "$tar_tok" >"$ctx/tarsrc/home/ci/.ci.conf"
  head -c 4096 /dev/urandom >"$ctx/tarsrc/home/ci/blob"
  tar -C "$ctx/tarsrc" -czf "$ctx/image/archive/backup.tar.gz" home
  fx_podman import "$ALPINE_TARBALL" moat-bench/secrets-base:1 >/dev/null
  fx_podman build --network none -q -f "$ctx/Containerfile.secrets" \
    --build-arg BASE=moat-bench/secrets-base:1 \
    --build-arg DEPLOY_TOKEN="$arg_tok" \
    -t moat-bench/secrets:1 "$ctx" >/dev/null
  fx_podman save -q --format docker-archive -o "$out/docker-archive.tar" moat-bench/secrets:1
  fx_podman rmi -f moat-bench/secrets:1 moat-bench/secrets-base:1 >/dev/null 2>&1 || true
  rm -rf "$ctx"
}
mapfile -t planted_src < <(find "$src/tests/secret/image" -type f | LC_ALL=C sort)
key=$(fx_key "$src/tests/secret/Containerfile.secrets" "${BASH_SOURCE[0]}" "${planted_src[@]}")
fx_build secret-bench "$key" build_planted
planted=$FIXTURES/secret-bench/docker-archive.tar

work=$(mktemp -d "${TMPDIR:-/tmp}/moat-secret-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat "$image" >/dev/null # same page-cache state for both tools
size_mb=$(($(stat -c %s "$image") / 1000000))
echo "image: $image (${size_mb} MB), $runs cold runs each, $(nproc) CPUs," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"

# measure TOOL RUN CMD... — appends "wall_s rss_kb cpu_user_s cpu_sys_s" to $work/TOOL.times
measure() {
  local tool=$1 run=$2; shift 2
  if ! "$TIME" -f '%e %M %U %S' -o "$work/t" "$@" >"$work/$tool.stdout" 2>"$work/$tool.err"; then
    echo "$tool failed (run $run):" >&2
    tail -n 5 "$work/$tool.err" >&2
    exit 1
  fi
  tail -n 1 "$work/t" >>"$work/$tool.times"
}
# trivy_cmd IMAGE OUT CACHE [ARGS...] — sets tcmd to one cold Trivy secret scan
trivy_cmd() {
  tcmd=("$trivy" image --input "$1" --scanners secret --format json --cache-dir "$3"
    --skip-db-update --skip-java-db-update --offline-scan --quiet -o "$2" "${@:4}")
}
newcache() { mktemp -d "$work/trivy-cache.XXXXXX"; }

for ((i = 1; i <= runs; i++)); do
  measure moat "$i" "$MOAT" scan --scanners secret --format json -o "$work/moat.$i.json" \
    "docker-archive:$image"
  cache=$(newcache)
  trivy_cmd "$image" "$work/trivy.$i.json" "$cache"
  measure trivy "$i" "${tcmd[@]}"
  rm -rf "$cache"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# findings of every run, to show they do not vary between runs
count() { # TOOL FILE -> number of secret findings
  if [[ $1 == moat ]]; then jq '[.findings[] | select(.kind == "secret")] | length' "$2"
  else jq '[.Results[]?.Secrets[]?] | length' "$2"; fi
}
for tool in moat trivy; do
  for ((i = 1; i <= runs; i++)); do count "$tool" "$work/$tool.$i.json"; done | sort -u >"$work/$tool.counts"
done

python3 - "$work" "$runs" "$(paste -sd/ "$work/moat.counts")" "$(paste -sd/ "$work/trivy.counts")" <<'PY'
import statistics, sys
work, runs = sys.argv[1], sys.argv[2]
found = {"moat": sys.argv[3], "trivy": sys.argv[4]}
res = {}
for tool in ("moat", "trivy"):
    rows = [l.split() for l in open(f"{work}/{tool}.times")]
    walls = [float(r[0]) for r in rows]
    cpus = [float(r[2]) + float(r[3]) for r in rows]
    res[tool] = (statistics.median(walls), max(int(r[1]) for r in rows) / 1024, walls,
                 statistics.median(cpus))
t_trivy, c_trivy = res["trivy"][0], res["trivy"][3]
print(f"{'tool':<6} {'runs':>4} {'median wall s':>14} {'max peak RSS MiB':>17} {'findings':>9} "
      f"{'speedup':>8} {'median CPU s':>13} {'CPU ratio':>10}   wall s of each run")
for tool, (wall, rss, walls, cpu) in res.items():
    speed = t_trivy / wall if wall > 0 else float("inf")
    cspeed = c_trivy / cpu if cpu > 0 else float("inf")
    print(f"{tool:<6} {runs:>4} {wall:>14.2f} {rss:>17.1f} {found[tool]:>9} {speed:>7.1f}x "
          f"{cpu:>13.2f} {cspeed:>9.1f}x   " + " ".join(f"{w:.2f}" for w in walls))
wall, rss, _, _ = res["moat"]
ratio = t_trivy / wall if wall > 0 else float("inf")
print(f"targets: speedup >= 50x: {'met' if ratio >= 50 else 'NOT met'} ({ratio:.1f}x); "
      f"moat peak RSS <= 128 MiB: {'met' if rss <= 128 else 'NOT met'} ({rss:.1f} MiB)")
print("(CPU = user + system seconds of the process and its threads: less moved by other load "
      "than wall time)")
if "/" in found["moat"] or "/" in found["trivy"]:
    print("warning: the number of findings varied between runs (see the findings column)")
PY

cmp="$src/bench/secret-compare.py"
# The rule probe: one well-formed, freshly generated sample per rule in a plain
# directory (moat dir:, trivy fs), to tell "no rule for it" from "rule did not
# match this text" when explaining the misses below.
probe=$work/probe
python3 "$cmp" probe "$probe"
"$MOAT" scan -q --scanners secret --format json -o "$work/probe.moat.json" "dir:$probe"
"$trivy" fs --scanners secret --format json --cache-dir "$(newcache)" --skip-db-update \
  --skip-java-db-update --offline-scan --quiet -o "$work/probe.trivy.json" "$probe"
probe_args=(--trivy-probe "$work/probe.trivy.json" --probe-dir "$probe")

echo
echo "== findings on the timed image (run 1 of each tool)"
python3 "$cmp" --label "$(basename "$(dirname "$image")")" --image "$image" \
  --moat "$work/moat.1.json" --trivy "$work/trivy.1.json" "${probe_args[@]}"

echo
echo "== findings on the planted-secrets image ($planted, one cold run each, not in the table)"
"$TIME" -f '%e %M' -o "$work/t.moat" "$MOAT" scan -q --scanners secret --format json \
  -o "$work/planted.moat.json" "docker-archive:$planted"
trivy_cmd "$planted" "$work/planted.trivy.json" "$(newcache)"
"$TIME" -f '%e %M' -o "$work/t.trivy" "${tcmd[@]}"
trivy_cmd "$planted" "$work/planted.trivy-cfg.json" "$(newcache)" --image-config-scanners secret
"${tcmd[@]}"
read -r mw mr <"$work/t.moat"
read -r tw tr <"$work/t.trivy"
echo "  moat $mw s, $((mr / 1024)) MiB; Trivy $tw s, $((tr / 1024)) MiB"
# every planted value, to check that neither report holds one (moat redacts all)
{ python3 "$cmp" values "$src/tests/secret/image" "$src/tests/secret/Containerfile.secrets"
  cat "$FIXTURES/secret-bench/generated-secrets.txt"; } >"$work/planted-secrets.txt"
python3 "$cmp" --label planted --image "$planted" --moat "$work/planted.moat.json" \
  --trivy "$work/planted.trivy.json" --trivy-config "$work/planted.trivy-cfg.json" "${probe_args[@]}" \
  --secrets "$work/planted-secrets.txt"

echo
echo "== findings on the rule probe (one fresh sample per rule; moat dir:, trivy fs)"
python3 "$cmp" --label probe --moat "$work/probe.moat.json" --trivy "$work/probe.trivy.json" \
  "${probe_args[@]}"
