#!/usr/bin/env bash
# tests/integration/sbom_trivy.sh — Trivy (installed from npm by
# tests/fixtures/install-trivy.sh) lists no OS package that moat misses, on
# the same docker-archive files: Debian min/140 and Alpine, one-layer and
# multi-layer. Trivy runs offline: with --format cyclonedx it does no
# vulnerability scan, so it needs no database.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures alpine debian-min debian-140
it_trivy || it_done
say "trivy: $TRIVY"

for name in debian-min debian-min/ml debian-140 debian-140/ml alpine alpine/ml; do
  tar=$FIXTURES/$name/docker-archive.tar
  cache=$(mktemp -d "$WORK/trivy-cache.XXXXXX")
  if ! "$TRIVY" image --input "$tar" --format cyclonedx --cache-dir "$cache" \
      --skip-db-update --skip-java-db-update --offline-scan --quiet \
      --output "$WORK/trivy.json" 2>"$WORK/trivy.err"; then
    not_ok "$name: trivy failed: $(tail -c 300 "$WORK/trivy.err")"
    continue
  fi
  $PKGS trivy "$WORK/trivy.json" >"$WORK/trivy.tsv"
  rc=0
  it_moat "$WORK/moat.json" "$WORK/err" sbom "docker-archive:$tar" --format json || rc=$?
  if ((rc != 0)); then
    not_ok "$name: moat exited $rc: $(head -c 300 "$WORK/err")"
    continue
  fi
  $PKGS moat "$WORK/moat.json" | cut -f1,2 | LC_ALL=C sort -u >"$WORK/moat.tsv"
  missed=$(LC_ALL=C comm -23 "$WORK/trivy.tsv" "$WORK/moat.tsv")
  if [[ -z $missed ]]; then
    ok "$name: trivy $(wc -l <"$WORK/trivy.tsv") OS packages, moat $(wc -l <"$WORK/moat.tsv"), none missed"
  else
    not_ok "$name: packages trivy lists and moat misses (name, version):"
    printf '%s\n' "$missed" | head -n 40
  fi
done

it_done
