#!/usr/bin/env bash
# scripts/demo.sh BUILD_DIR — moat's main job on a real sample, for
# `./bootstrap demo`: build a minimal Debian 12 image (debootstrap + podman,
# cached), print its SBOM, then scan it for vulnerabilities (with
# severities), secrets and misconfigurations. The vulnerability data comes
# from ../shared/data when it is there (OSV records for Debian 12, the NVD
# records that give their severities, Alpine secdb), else from
# `moat db update` (the OSV zips of Debian and Alpine). The database is the
# default one ($MOAT_DB, else ~/.cache/moat/vuln.db), so `moat scan` works
# afterwards too.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
MOAT=$BUILD/moat
FIXTURES=${MOAT_FIXTURES:-$HOME/.cache/moat/fixtures}
SHARED=${MOAT_SHARED:-../shared/data}
IMAGE=docker-archive:$FIXTURES/debian-min/docker-archive.tar

tests/fixtures/build-all.sh debian-min
echo
echo "== moat sbom $IMAGE"
"$MOAT" sbom --format table "$IMAGE"

echo
if [[ -d $SHARED/osv/debian-bookworm-derived && -d $SHARED/nvd ]]; then
  echo "== moat db import (vulnerability data from $SHARED)"
  "$MOAT" db import "$SHARED/osv/debian-bookworm-derived" "$SHARED/nvd" \
    "$SHARED/alpine-secdb/v3.20-main.subset.json"
else
  echo "== moat db update (no shared data at $SHARED: downloading the Debian and Alpine OSV zips)"
  "$MOAT" db update -e Debian -e Alpine
fi

echo
echo "== moat scan --scanners vuln,secret,misconfig $IMAGE"
# findings are the point of the demo, not a failure
"$MOAT" scan --scanners vuln,secret,misconfig --format table "$IMAGE"
