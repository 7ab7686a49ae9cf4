#!/usr/bin/env bash
# fuzz-smoke.sh BUILD_DIR SECONDS - replay each libFuzzer target over its
# seed corpus and its fixed-crash regressions (tests/data/regress/<name>/),
# then fuzz it for SECONDS. Any crash, leak or sanitizer report fails.
set -euo pipefail
build=$(cd "${1:?build dir}" && pwd)
seconds=${2:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
pass=0 fail=0
for bin in "$build"/fuzz/fuzz_*; do
  [[ -x $bin && ! -d $bin ]] || continue
  name=$(basename "$bin"); name=${name#fuzz_}
  corpus=$src/fuzz/corpus/$name
  regress=$src/tests/data/regress/$name
  if [[ ! -d $corpus ]]; then
    # every parser has a seed corpus: fuzzing from nothing would pass while testing little
    fail=$((fail + 1))
    echo "fuzz-smoke: $name FAILED: no seed corpus at $corpus"
    continue
  fi
  work=$(mktemp -d)
  dirs=("$work")
  cp -r "$corpus"/. "$work"/
  [[ -d $regress ]] && dirs+=("$regress")
  echo "fuzz-smoke: $name (${seconds}s)"
  if (cd "$work" && "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=0 "${dirs[@]}" >"$work.log" 2>&1); then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    tail -n 40 "$work.log"
    echo "fuzz-smoke: $name FAILED (inputs in $work)"
    continue
  fi
  rm -rf "$work" "$work.log"
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 && $pass -gt 0 ]]
