#!/bin/sh
# cvss-install-refs.sh - install the independent CVSS implementation that
# test_cvss's differential test compares moat against: the npm package
# ae-cvss-calculator ({metaeffekt} universal CVSS calculator, Apache-2.0;
# CVSS 2.0, 3.0, 3.1 and 4.0), pinned, into ~/.cache/moat/tools/npm.
# Needs node and npm (Debian: nodejs npm). Idempotent.
set -eu
ver=1.0.13
dir="${MOAT_TOOLS_DIR:-$HOME/.cache/moat/tools}/npm"
pkg="$dir/node_modules/ae-cvss-calculator/package.json"
if [ -f "$pkg" ] && grep -q "\"version\": \"$ver\"" "$pkg"; then
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "cvss-install-refs: npm not found (apt-get install nodejs npm)" >&2; exit 1; }
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "ae-cvss-calculator@$ver" >&2
