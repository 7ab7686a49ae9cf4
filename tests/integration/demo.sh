#!/usr/bin/env bash
# tests/integration/demo.sh — `./bootstrap demo` shows moat's main job: the
# demo script (scripts/demo.sh, what `make demo` runs) builds the real Debian
# image, prints its SBOM, imports the vulnerability data and ends with a full
# scan: vulnerabilities (with severities from the advisories and NVD),
# secrets and misconfigurations, in one table. Run against a database of its
# own, so the user's is not touched.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SHARED=${MOAT_SHARED:-$MOAT_SRC/../shared/data}
[[ -d $SHARED/osv/debian-bookworm-derived && -d $SHARED/nvd ]] ||
  it_skip_all "no shared OSV and NVD data at $SHARED (the demo would download instead)"
it_fixtures debian-min

export MOAT_DB=$WORK/demo.db
rc=0
MOAT_SHARED=$SHARED bash "$MOAT_SRC/scripts/demo.sh" "$(dirname "$MOAT")" >"$WORK/out" 2>"$WORK/err" || rc=$?
((rc == 0)) && ok "the demo runs to its end (exit 0)" || not_ok "demo exit $rc: $(tail -c 400 "$WORK/err")"
grep -q "^== moat sbom" "$WORK/out" && grep -q "^bash " "$WORK/out" &&
  ok "it prints the SBOM of the real image (bash among its packages)" || not_ok "no SBOM in the demo"
last=$(sed -n '/^== moat scan/,$p' "$WORK/out")
grep -q "^Scanned for: vuln, secret, misconfig$" <<<"$last" &&
  ok "it ends with a scan for vulnerabilities, secrets and misconfigurations" ||
  not_ok "the last step is not the full scan: $(head -c 300 <<<"$last")"
grep -q "^Vulnerabilities ([1-9]" <<<"$last" && grep -q "^Misconfigurations ([1-9]" <<<"$last" &&
  ok "the scan shows vulnerabilities and misconfigurations" || not_ok "sections missing"
grep -q "^Total: [1-9][0-9]* (CRITICAL" <<<"$last" && ok "one total line" || not_ok "no total line"
[[ -s $MOAT_DB ]] && ok "the vulnerability data went into MOAT_DB ($MOAT_DB)" || not_ok "no database written"
it_done
