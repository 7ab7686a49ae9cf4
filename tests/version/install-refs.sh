#!/bin/sh
# install-refs.sh - make the reference implementations of the version
# differential tests available. npm's semver goes to ~/.cache/moat/tools/npm
# (or $MOAT_NPM_TOOLS); the Debian ones are only checked, and named when
# missing (scripts/install-deps.sh installs them). Exit 1 when one is missing.
set -u
tools=${MOAT_NPM_TOOLS:-$HOME/.cache/moat/tools/npm}
missing=""
if [ ! -f "$tools/node_modules/semver/package.json" ]; then
    mkdir -p "$tools" && npm install --silent --no-audit --no-fund --prefix "$tools" semver@7 >&2 ||
        missing="$missing npm:semver@7"
fi
command -v node >/dev/null 2>&1 || missing="$missing nodejs"
/usr/bin/python3 -c 'import rpm' 2>/dev/null || missing="$missing python3-rpm"
/usr/bin/python3 -c 'from pip._vendor.packaging.version import Version' 2>/dev/null ||
    /usr/bin/python3 -c 'from packaging.version import Version' 2>/dev/null || missing="$missing python3-pip"
perl -MDpkg::Version -e 1 2>/dev/null || missing="$missing libdpkg-perl"
command -v dpkg >/dev/null 2>&1 || missing="$missing dpkg"
ls /usr/share/maven/lib/maven-artifact-*.jar >/dev/null 2>&1 || missing="$missing maven"
command -v java >/dev/null 2>&1 || missing="$missing default-jdk-headless"
if [ -n "$missing" ]; then
    echo "install-refs.sh: missing reference implementations:$missing" >&2
    exit 1
fi
exit 0
