/*
 * version.h - version comparators, one per ecosystem.
 *
 * Every comparator is a pure function of two byte strings (not necessarily
 * NUL-terminated): no allocation, no global state, no locale. Each mirrors
 * one reference implementation and is tested differentially against it:
 *   dpkg    dpkg's verrevcmp (deb-version(7)): epoch:upstream-revision
 *   rpm     rpm's rpmvercmp applied to epoch, version, release like
 *           rpm.labelCompare (missing epoch = 0, missing release sorts first)
 *   apk     apk-tools' version.c (digits, letter, _suffix, ~hash, -rN)
 *   semver  npm semver.compare(a, b) with loose:false (npm, crates.io)
 *   go      golang.org/x/mod/semver (leading 'v', v1 = v1.0.0, build
 *           metadata such as +incompatible ignored)
 *   pep440  packaging.version.Version (PyPI)
 *   maven   maven-artifact's ComparableVersion (Maven 3.8)
 * Deliberate limits (inputs the references would accept): bytes >= 0x80 are
 * rejected by every scheme; Maven versions over 256 bytes are rejected.
 */
#ifndef MOAT_VERSION_VERSION_H
#define MOAT_VERSION_VERSION_H

#include <stddef.h>

enum moat_ecosystem_kind {
    MOAT_VER_DPKG = 1,
    MOAT_VER_RPM,
    MOAT_VER_APK,
    MOAT_VER_SEMVER,
    MOAT_VER_GO,
    MOAT_VER_PEP440,
    MOAT_VER_MAVEN,
};

/*
 * Compare a and b: *out = <0, 0, >0. Returns 0, or -MOAT_E_FORMAT when
 * either is not a valid version for that scheme (*out is then 0), or
 * -MOAT_E_ARG for an unknown kind or NULL out. No allocation.
 */
int moat_version_cmp(enum moat_ecosystem_kind k, const char *a, size_t alen, const char *b,
                     size_t blen, int *out);

/* 1 when v is a valid version for the scheme, 0 otherwise. */
int moat_version_valid(enum moat_ecosystem_kind k, const char *v, size_t len);

/*
 * Map an OSV ecosystem name ("Debian:12", "Alpine:v3.20", "npm", "PyPI", ...)
 * to its comparator: 0 and *out, or -MOAT_E_UNSUPPORTED when unknown.
 */
int moat_version_kind_for_ecosystem(const char *ecosystem, enum moat_ecosystem_kind *out);

/* Short lowercase name of a kind ("dpkg", "rpm", ...), or "?" */
const char *moat_version_kind_name(enum moat_ecosystem_kind k);

#endif
