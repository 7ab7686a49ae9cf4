# tests/integration/common.sh — helpers shared by the integration scripts
# (sourced). Each script runs the real moat binary ($MOAT, set by ctest) on
# real images built by tests/fixtures/build-all.sh (cached), counts checks
# with ok/not_ok and ends with it_done, which prints "N passed, M failed,
# K skipped" and exits 1 if anything failed, else 77 if anything was skipped
# (ctest's SKIP_RETURN_CODE: a skip is never reported as a pass), else 0.
# Checks that cannot run here (a missing tool, fixture or service) are
# counted with it_skip "why", never passed over in silence.
set -euo pipefail

# tests/CMakeLists.txt runs every integration/*.sh, this file too: run
# directly, it checks its own helper (pkgs.py) instead of sourcing.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
  here=$(dirname "$0")
  echo '{"packages":[{"type":"deb","name":"zlib1g","version":"1.2.13.dfsg-1","epoch":1,"arch":"amd64"},
    {"type":"deb","name":"bash","version":"5.2.15-2+b13","epoch":0,"arch":"amd64"},
    {"type":"apk","name":"musl","version":"1.2.5-r0","epoch":0,"arch":"x86_64"}]}' >"$d/m.json"
  printf 'bash\t5.2.15-2+b13\tamd64\nmusl\t1.2.5-r0\tx86_64\nzlib1g\t1:1.2.13.dfsg-1\tamd64\n' >"$d/want"
  echo '{"components":[{"name":"zlib1g","version":"1.2.13.dfsg-1","purl":"pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&epoch=1"},
    {"name":"debian","type":"operating-system"}]}' >"$d/t.json"
  python3 "$here/pkgs.py" moat "$d/m.json" | diff -u "$d/want" - || { echo "0 passed, 1 failed"; exit 1; }
  echo "ok   pkgs.py moat: epoch folded into the version, deb and apk kept"
  [[ $(python3 "$here/pkgs.py" trivy "$d/t.json") == $'zlib1g\t1:1.2.13.dfsg-1' ]] ||
    { echo "1 passed, 1 failed"; exit 1; }
  echo "ok   pkgs.py trivy: epoch taken from the purl, OS component skipped"
  echo "2 passed, 0 failed"
  exit 0
fi

MOAT_SRC=${MOAT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MOAT_BUILD=${MOAT_BUILD:-$MOAT_SRC/build}
MOAT=${MOAT:-$MOAT_BUILD/moat}
FIXTURES=${MOAT_FIXTURES:-$HOME/.cache/moat/fixtures}
export MOAT_FIXTURES=$FIXTURES
IT_DIR=$MOAT_SRC/tests/integration
PKGS="python3 $IT_DIR/pkgs.py"
PASS=0
FAIL=0
SKIP=0
IT_SKIPPED=77
# the script's own stdout: SKIP lines reach the log even where a caller
# redirects the output of the function that skips
exec {IT_OUT}>&1

if [[ ! -x $MOAT ]]; then
  echo "moat binary not found or not executable: $MOAT (set MOAT=/path/to/moat)" >&2
  exit 1
fi
MOAT=$(realpath "$MOAT")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/moat-it.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ok() { PASS=$((PASS + 1)); printf 'ok   %s\n' "$*"; }
not_ok() { FAIL=$((FAIL + 1)); printf 'FAIL %s\n' "$*"; }
say() { printf '# %s\n' "$*"; }
# it_skip WHY — some checks cannot run here; the script ends as a skip.
it_skip() { SKIP=$((SKIP + 1)); printf 'SKIP %s\n' "$*" >&"$IT_OUT"; }
# it_skip_all WHY — nothing more can run here: end the script now.
it_skip_all() { it_skip "$@"; it_done; }

# it_need CMD[:DEBIAN_PACKAGE]... — end the script as a skip unless each command exists.
it_need() {
  local spec missing=()
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null 2>&1 || missing+=("${spec%%:*} (apt-get install ${spec#*:})")
  done
  ((${#missing[@]} == 0)) || it_skip_all "not installed: ${missing[*]}"
}

# it_prereq_missing LOG — print what a fixture builder's stderr (LOG) says
# is missing here (a tool: fx_need; its input data: "... not found: PATH"),
# or return 1 if it failed for another reason.
it_prereq_missing() {
  local why
  why=$(grep -m1 -E '^fixtures: ERROR: (missing tools: |.* not found: )' "$1") || return 1
  printf '%s\n' "${why#fixtures: ERROR: }"
}

# it_fixtures NAME... — build or reuse the fixtures this script needs. A
# builder that lacks a tool or its input data ends the script as a skip;
# any other builder failure is returned.
it_fixtures() {
  local log=$WORK/fixtures.log why rc=0
  say "fixtures: $* (cache $FIXTURES)"
  { bash "$MOAT_SRC/tests/fixtures/build-all.sh" "$@" 2>&1 1>&3 3>&- | tee "$log" >&2; } 3>&1 || rc=$?
  ((rc == 0)) && return 0
  why=$(it_prereq_missing "$log") && it_skip_all "fixtures $*: $why"
  return "$rc"
}

# it_trivy — set TRIVY to the reference scanner (tests/fixtures/install-trivy.sh),
# or count a skip saying why and return 1.
it_trivy() {
  local log=$WORK/trivy-install.log
  TRIVY=$(bash "$MOAT_SRC/tests/fixtures/install-trivy.sh" 2>"$log") && return 0
  it_skip "Trivy unavailable: $(grep -m1 'ERROR' "$log" || tail -n 1 "$log")"
  return 1
}

# it_moat OUT ERR ARGS... — run moat, stdout to OUT, stderr to ERR; returns its status.
it_moat() {
  local o=$1 e=$2; shift 2
  local rc=0
  "$MOAT" "$@" >"$o" 2>"$e" || rc=$?
  return $rc
}

# check_pkgs LABEL TRUTH REF [moat args...] — the name/version/arch set that
# `moat sbom REF --format json` reports equals TRUTH (a ground-truth.tsv).
check_pkgs() {
  local label=$1 truth=$2 ref=$3; shift 3
  local o=$WORK/out.json e=$WORK/err got=$WORK/got.tsv rc=0
  it_moat "$o" "$e" sbom "$ref" --format json "$@" || rc=$?
  if ((rc != 0)); then
    not_ok "$label: moat sbom $ref exited $rc: $(head -c 300 "$e")"
    return 0
  fi
  if ! $PKGS moat "$o" >"$got" 2>"$e"; then
    not_ok "$label: output is not moat JSON: $(head -c 300 "$e")"
    return 0
  fi
  if diff -u "$truth" "$got" >"$WORK/diff"; then
    ok "$label: $(wc -l <"$got") packages = ground truth"
  else
    not_ok "$label: package set differs from ground truth ($truth, - expected, + moat):"
    head -n 60 "$WORK/diff"
  fi
}

# check_count LABEL FORMAT TRUTH REF — the cyclonedx/spdx output lists as
# many OS packages as TRUTH has lines.
check_count() {
  local label=$1 fmt=$2 truth=$3 ref=$4 o=$WORK/out.$2 e=$WORK/err rc=0 n want
  want=$(wc -l <"$truth")
  it_moat "$o" "$e" sbom "$ref" --format "$fmt" || rc=$?
  if ((rc != 0)); then
    not_ok "$label: moat sbom --format $fmt exited $rc: $(head -c 300 "$e")"
    return 0
  fi
  case $fmt in
    cyclonedx) n=$($PKGS cdx-count "$o" 2>&1 || true) ;;
    spdx) n=$($PKGS spdx-count "$o" 2>&1 || true) ;;
  esac
  if [[ $n == "$want" ]]; then
    ok "$label: --format $fmt lists $n packages"
  else
    not_ok "$label: --format $fmt lists '$n' packages, ground truth has $want"
  fi
}

it_done() {
  printf '%d passed, %d failed, %d skipped\n' "$PASS" "$FAIL" "$SKIP" >&"$IT_OUT"
  ((FAIL == 0)) || exit 1
  ((SKIP == 0)) || exit "$IT_SKIPPED"
  exit 0
}
