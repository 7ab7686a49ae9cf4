#!/usr/bin/env bash
# tests/integration/sbom_alpine.sh — `moat sbom` on the official Alpine
# 3.20.3 minirootfs, imported with podman, finds exactly the packages of its
# lib/apk/db/installed (parsed independently with awk), through every
# transport, for the one-layer image and a multi-layer variant (a removed
# package, whiteouts, an opaque lib/apk/db).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures alpine

for v in "" ml; do
  d=$FIXTURES/alpine${v:+/$v}
  name=alpine${v:+-$v}
  truth=$d/ground-truth.tsv
  say "$name: ground truth $(wc -l <"$truth") packages (awk over $d/root/lib/apk/db/installed)"
  check_pkgs "$name docker-archive" "$truth" "docker-archive:$d/docker-archive.tar"
  check_pkgs "$name oci-archive" "$truth" "oci-archive:$d/oci-archive.tar"
  check_pkgs "$name oci gzip" "$truth" "oci:$d/oci:1"
  check_pkgs "$name oci zstd" "$truth" "oci:$d/oci-zstd:1"
  check_pkgs "$name dir" "$truth" "dir:$d/root"
  check_count "$name" cyclonedx "$truth" "docker-archive:$d/docker-archive.tar"
  check_count "$name" spdx "$truth" "oci:$d/oci:1"
done

it_done
