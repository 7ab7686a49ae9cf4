#!/usr/bin/env bash
# install-deps.sh - install the Debian 12 packages moat needs to build, test
# and benchmark, and only those that are missing. Runs apt-get as root (or
# through sudo). Safe to run again; prints what it installs.
set -euo pipefail

PKGS=(
  # build (python3, below, also writes the man pages: man/help2roff.py)
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libarchive-dev libjansson-dev libyajl-dev libssl-dev libsqlite3-dev zlib1g-dev libzstd-dev
  libcurl4-openssl-dev libhyperscan-dev libyaml-dev libmicrohttpd-dev
  # tests
  libcmocka-dev python3 python3-jsonschema jq zstd time dpkg-dev man-db
  # reference implementations the tests compare against
  rpm db5.3-util python3-rpm python3-packaging python3-junitparser libxml2-utils
  libdpkg-perl maven default-jdk-headless
  # real images for tests: container engine and image tools
  podman skopeo umoci runc debootstrap uidmap fuse-overlayfs slirp4netns
  ca-certificates curl
  # a real Docker engine and a registry on loopback for the AuthZ plugin tests
  # (their services are not used: the tests start their own dockerd and registry)
  docker.io docker-registry
  # peer tools for comparison (Trivy comes from npm)
  nodejs npm
)

missing=()
for p in "${PKGS[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done
# npm may come from NodeSource instead of Debian; accept any working npm.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/npm}")
  missing=("${missing[@]/nodejs}")
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sed '/^$/d')

if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  SUDO=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
