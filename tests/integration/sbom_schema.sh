#!/usr/bin/env bash
# tests/integration/sbom_schema.sh — the CycloneDX 1.5 and SPDX 2.3 documents
# moat writes for real images validate against the official JSON schemas
# (tests/data/schemas, checked offline by python3-jsonschema), and a
# deliberately broken copy is rejected, so the check itself can fail.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures alpine debian-140

SCHEMAS=$MOAT_SRC/tests/data/schemas
VALIDATE=$MOAT_SRC/tests/sbom/validate-schema.py

validate() { # LABEL SCHEMA DOC
  local label=$1 schema=$2 doc=$3
  if python3 "$VALIDATE" "$SCHEMAS" "$schema" "$doc" 2>"$WORK/verr"; then
    ok "$label validates against $schema"
  else
    not_ok "$label does not validate against $schema: $(head -c 400 "$WORK/verr")"
  fi
}

for ref in "docker-archive:$FIXTURES/alpine/docker-archive.tar" \
           "oci:$FIXTURES/debian-140/ml/oci-zstd:1" \
           "dir:$FIXTURES/debian-140/root"; do
  for fmt in cyclonedx spdx; do
    out=$WORK/doc.$fmt.json
    if ! it_moat "$out" "$WORK/err" sbom "$ref" --format "$fmt"; then
      not_ok "$ref $fmt: moat failed: $(head -c 300 "$WORK/err")"
      continue
    fi
    case $fmt in
      cyclonedx) schema=bom-1.5.SNAPSHOT.schema.json ;;
      spdx) schema=spdx-schema-2.3.json ;;
    esac
    validate "$ref ($fmt)" "$schema" "$out"
  done
done

# The validator must reject a document the schema forbids.
jq '.components[0].type = "not-a-type"' "$WORK/doc.cyclonedx.json" >"$WORK/bad.cdx.json"
if python3 "$VALIDATE" "$SCHEMAS" bom-1.5.SNAPSHOT.schema.json "$WORK/bad.cdx.json" 2>/dev/null; then
  not_ok "a CycloneDX document with an invalid component type was accepted"
else
  ok "a CycloneDX document with an invalid component type is rejected"
fi
jq '.packages[0].filesAnalyzed = "no"' "$WORK/doc.spdx.json" >"$WORK/bad.spdx.json"
if python3 "$VALIDATE" "$SCHEMAS" spdx-schema-2.3.json "$WORK/bad.spdx.json" 2>/dev/null; then
  not_ok "an SPDX document with a string filesAnalyzed was accepted"
else
  ok "an SPDX document with a string filesAnalyzed is rejected"
fi

it_done
