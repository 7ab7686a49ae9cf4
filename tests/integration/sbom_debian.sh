#!/usr/bin/env bash
# tests/integration/sbom_debian.sh — `moat sbom` on real Debian 12 images
# (debootstrap minbase, 88 packages, and minbase+extras, ~143) finds exactly
# the packages dpkg-query finds on the same root, through every transport:
# docker-archive, oci-archive, oci (gzip and zstd layers), dir, a bare path;
# and for the multi-layer variant (a purged package, whiteouts, an opaque
# var/lib/dpkg). CycloneDX and SPDX output list the same number of packages.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

it_fixtures debian-min debian-140

for img in debian-min debian-140; do
  for v in "" ml; do
    d=$FIXTURES/$img${v:+/$v}
    name=$img${v:+-$v}
    truth=$d/ground-truth.tsv
    say "$name: ground truth $(wc -l <"$truth") packages (dpkg-query on $d/root)"
    check_pkgs "$name docker-archive" "$truth" "docker-archive:$d/docker-archive.tar"
    check_pkgs "$name oci-archive" "$truth" "oci-archive:$d/oci-archive.tar"
    check_pkgs "$name oci gzip" "$truth" "oci:$d/oci:1"
    check_pkgs "$name oci zstd" "$truth" "oci:$d/oci-zstd:1"
    check_pkgs "$name dir" "$truth" "dir:$d/root"
  done
  d=$FIXTURES/$img
  check_pkgs "$img bare path" "$d/ground-truth.tsv" "$d/docker-archive.tar"
  check_pkgs "$img oci without tag" "$d/ground-truth.tsv" "oci:$d/oci"
  check_count "$img" cyclonedx "$d/ground-truth.tsv" "docker-archive:$d/docker-archive.tar"
  check_count "$img" spdx "$d/ground-truth.tsv" "docker-archive:$d/docker-archive.tar"
  check_count "$img-ml" cyclonedx "$d/ml/ground-truth.tsv" "oci:$d/ml/oci-zstd:1"
  check_count "$img-ml" spdx "$d/ml/ground-truth.tsv" "oci:$d/ml/oci:1"
done

it_done
