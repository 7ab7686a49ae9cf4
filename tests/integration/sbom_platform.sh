#!/usr/bin/env bash
# tests/integration/sbom_platform.sh — a multi-platform OCI layout (amd64:
# debian-min, arm64: the Alpine root labelled arm64): by default moat picks
# linux/amd64, --platform linux/arm64 picks the other, an absent platform is
# a one-line error. Both the nested index `podman manifest push` writes and
# a flat index.json are checked.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures multi
M=$FIXTURES/multi

check_arch() { # LABEL WANT REF [args]
  local label=$1 want=$2 ref=$3 got; shift 3
  if it_moat "$WORK/a.json" "$WORK/err" sbom "$ref" --format json "$@" &&
    got=$($PKGS moat-arch "$WORK/a.json") && [[ $got == "$want" ]]; then
    ok "$label: image platform $want"
  else
    not_ok "$label: image platform '${got:-?}', want $want: $(head -c 300 "$WORK/err")"
  fi
}

for layout in oci oci-flat; do
  ref=oci:$M/$layout
  [[ $layout == oci ]] && ref=$ref:multi
  check_pkgs "$layout default" "$M/amd64.tsv" "$ref"
  check_arch "$layout default" linux/amd64 "$ref"
  check_pkgs "$layout linux/amd64" "$M/amd64.tsv" "$ref" --platform linux/amd64
  check_pkgs "$layout linux/arm64" "$M/arm64.tsv" "$ref" --platform linux/arm64
  check_arch "$layout linux/arm64" linux/arm64 "$ref" --platform linux/arm64
  rc=0
  it_moat "$WORK/o" "$WORK/err" sbom "$ref" --format json --platform linux/s390x || rc=$?
  if ((rc == 1)) && [[ $(wc -l <"$WORK/err") -eq 1 ]] && grep -q '^moat: ' "$WORK/err"; then
    ok "$layout linux/s390x: one-line error: $(cat "$WORK/err")"
  else
    not_ok "$layout linux/s390x: exit $rc, stderr: $(head -c 300 "$WORK/err")"
  fi
done

it_done
