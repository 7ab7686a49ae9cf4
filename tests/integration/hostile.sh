#!/usr/bin/env bash
# tests/integration/hostile.sh — moat on the hostile-image corpus
# (tests/hostile/make-corpus.py, built by tests/fixtures/build-hostile.sh).
# For every case: no crash, no hang (timeout 60 s), bounded memory (ulimit -v
# 2 GiB unless built with ASan, and peak RSS from /usr/bin/time), no
# sanitizer report, nothing written outside (cwd, the corpus, /tmp), and
#   error/digest  exit 1 with exactly one stderr line "moat: <file>: <problem>"
#                 naming the input (digest: mentioning "digest")
#   safe          exit 0 with JSON on stdout
#   either        one of the two
# No output may show a line of the host's /etc/shadow or /etc/passwd (the
# cases tagged "nohost" are the ones that aim at them).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures hostile
H=$FIXTURES/hostile
LIMIT_S=${MOAT_HOSTILE_TIMEOUT:-60}
LIMIT_KB=$((2 * 1024 * 1024))
TIME=/usr/bin/time
[[ -x $TIME ]] || it_skip_all "need /usr/bin/time (apt-get install time)"

vlimit=$LIMIT_KB
if grep -q __asan_init "$MOAT" 2>/dev/null; then
  vlimit=unlimited # ASan reserves terabytes of address space; rely on peak RSS
  say "ASan build: no ulimit -v, peak RSS checked instead"
fi

# Host lines that must never leak into moat's output.
: >"$WORK/host-lines"
for f in /etc/shadow /etc/passwd; do
  if [[ -r $f ]]; then awk 'length($0) >= 12' "$f" >>"$WORK/host-lines"; fi
done

RUN=$WORK/cwd
mkdir -p "$RUN" "$WORK/tmp"
corpus_before=$(cd "$H" && find . -printf '%p %s %T@\n' | LC_ALL=C sort | sha256sum)
max_rss=0

while IFS=$'\t' read -r name ref expect desc; do
  case $ref in
    oci:*) rest=${ref#oci:}; input=${rest%%:*}; abs="oci:$H/$rest" ;;
    *:*) input=${ref#*:}; abs="${ref%%:*}:$H/$input" ;;
    *) input=$ref; abs=$H/$ref ;;
  esac
  base=$(basename "$input")
  rm -f /tmp/moat-hostile-pwned-*
  rc=0
  (
    cd "$RUN"
    ulimit -v "$vlimit"
    TMPDIR=$WORK/tmp exec "$TIME" -f '%e %M' -o "$WORK/time" \
      timeout -k 5 "$LIMIT_S" "$MOAT" sbom "$abs" --format json
  ) >"$WORK/out" 2>"$WORK/err" || rc=$?
  read -r secs rss <<<"$(tail -n 1 "$WORK/time" 2>/dev/null || echo '? 0')"
  [[ $rss =~ ^[0-9]+$ ]] || rss=0
  ((rss > max_rss)) && max_rss=$rss
  grep -v '^Command \(exited\|terminated\)' "$WORK/err" >"$WORK/err1" || true
  first=$(head -c 200 "$WORK/err1" | head -n 1)
  why=()
  case $rc in
    0 | 1) ;;
    124 | 137) why+=("timed out after ${LIMIT_S}s") ;;
    2) why+=("exit 2 (usage error)") ;;
    *) why+=("exit $rc (signal or abort)") ;;
  esac
  case $expect/$rc in
    error/0 | digest/0) why+=("exit 0, expected an error") ;;
    safe/1) why+=("exit 1, expected a safe result") ;;
  esac
  if ((rc == 1)); then
    n=$(wc -l <"$WORK/err1")
    ((n == 1)) || why+=("$n stderr lines, expected 1")
    grep -q '^moat: .*: .' "$WORK/err1" || why+=("stderr is not 'moat: <file>: <problem>'")
    if ! grep -qF -- "$base" "$WORK/err1"; then
      why+=("stderr does not name the input ($base)")
    elif ! sed 's/^moat: //; s/: .*//' "$WORK/err1" | grep -qF -- "$base"; then
      why+=("the input is not the <file> of 'moat: <file>: <problem>'")
    fi
    (($(wc -c <"$WORK/err1") <= 4096)) || why+=("stderr line longer than 4096 bytes")
    [[ $expect != digest ]] || grep -qi digest "$WORK/err1" || why+=("tampered input refused without the word 'digest'")
  elif ((rc == 0)); then
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/out" 2>/dev/null ||
      why+=("exit 0 but stdout is not JSON")
  fi
  if grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$WORK/err"; then
    why+=("sanitizer report")
  fi
  if [[ -s $WORK/host-lines ]] &&
    grep -qF -f "$WORK/host-lines" "$WORK/out" "$WORK/err"; then
    why+=("host file content in the output")
  fi
  ((rss <= LIMIT_KB)) || why+=("peak RSS $((rss / 1024)) MiB > 2 GiB")
  if compgen -G '/tmp/moat-hostile-pwned-*' >/dev/null; then
    why+=("wrote $(echo /tmp/moat-hostile-pwned-*)")
    rm -f /tmp/moat-hostile-pwned-*
  fi
  if [[ -n $(ls -A "$RUN") ]]; then
    why+=("created files in the cwd: $(ls -A "$RUN" | head -c 200)")
    rm -rf "${RUN:?}"/* "$RUN"/.[!.]* 2>/dev/null || true
  fi
  if [[ -n $(ls -A "$WORK/tmp") ]]; then
    why+=("left files in TMPDIR: $(ls -A "$WORK/tmp" | head -c 200)")
    rm -rf "${WORK:?}"/tmp/* 2>/dev/null || true
  fi
  info="exit $rc, ${secs}s, $((rss / 1024)) MiB${first:+: $first}"
  if ((${#why[@]} == 0)); then
    ok "$name ($expect): $info"
  else
    not_ok "$name ($expect) [$desc]: $(IFS=';'; echo "${why[*]}") — $info"
  fi
done <"$H/cases.tsv"

corpus_after=$(cd "$H" && find . -printf '%p %s %T@\n' | LC_ALL=C sort | sha256sum)
if [[ $corpus_before == "$corpus_after" ]]; then
  ok "the corpus directory is unchanged"
else
  not_ok "moat modified files in the corpus directory $H"
fi
say "max peak RSS over the corpus: $((max_rss / 1024)) MiB"
it_done
