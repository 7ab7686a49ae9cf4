/*
 * version.c - dispatch to the per-ecosystem comparators and map OSV
 * ecosystem names to them. Each comparator lives in its own file
 * (dpkg.c, rpm.c, apk.c, semver.c, go.c, pep440.c, maven.c); this file
 * holds only the table and the shared digit-string helpers.
 */
#include <string.h>

#include "moat/base/error.h"
#include "moat/version/version.h"
#include "version/version_int.h"

struct scheme {
    const char *name;
    int (*valid)(const char *, size_t);
    int (*cmp)(const char *, size_t, const char *, size_t);
};

static const struct scheme *scheme_for(enum moat_ecosystem_kind k)
{
    static const struct scheme schemes[] = {
        [MOAT_VER_DPKG] = {"dpkg", ver_dpkg_valid, ver_dpkg_cmp},
        [MOAT_VER_RPM] = {"rpm", ver_rpm_valid, ver_rpm_cmp},
        [MOAT_VER_APK] = {"apk", ver_apk_valid, ver_apk_cmp},
        [MOAT_VER_SEMVER] = {"semver", ver_semver_valid, ver_semver_cmp},
        [MOAT_VER_GO] = {"go", ver_go_valid, ver_go_cmp},
        [MOAT_VER_PEP440] = {"pep440", ver_pep440_valid, ver_pep440_cmp},
        [MOAT_VER_MAVEN] = {"maven", ver_maven_valid, ver_maven_cmp},
    };

    if ((int)k < MOAT_VER_DPKG || (int)k > MOAT_VER_MAVEN)
        return NULL;
    return &schemes[k];
}

int moat_version_valid(enum moat_ecosystem_kind k, const char *v, size_t len)
{
    const struct scheme *s = scheme_for(k);

    if (s == NULL || (v == NULL && len > 0))
        return 0;
    return s->valid(v ? v : "", len);
}

int moat_version_cmp(enum moat_ecosystem_kind k, const char *a, size_t alen, const char *b,
                     size_t blen, int *out)
{
    const struct scheme *s = scheme_for(k);

    if (out == NULL || s == NULL)
        return -MOAT_E_ARG;
    *out = 0;
    if ((a == NULL && alen > 0) || (b == NULL && blen > 0))
        return -MOAT_E_ARG;
    if (a == NULL)
        a = "";
    if (b == NULL)
        b = "";
    if (!s->valid(a, alen) || !s->valid(b, blen))
        return -MOAT_E_FORMAT;
    *out = ver_sign(s->cmp(a, alen, b, blen));
    return 0;
}

const char *moat_version_kind_name(enum moat_ecosystem_kind k)
{
    const struct scheme *s = scheme_for(k);

    return s ? s->name : "?";
}

/* "Debian" matches "Debian" and "Debian:<anything>". */
static int eco_is(const char *eco, const char *family)
{
    size_t n = strlen(family);

    return strncmp(eco, family, n) == 0 && (eco[n] == '\0' || eco[n] == ':');
}

int moat_version_kind_for_ecosystem(const char *ecosystem, enum moat_ecosystem_kind *out)
{
    static const struct {
        const char *family;
        enum moat_ecosystem_kind kind;
    } map[] = {
        {"Debian", MOAT_VER_DPKG},      {"Ubuntu", MOAT_VER_DPKG},    {"Alpine", MOAT_VER_APK},
        {"Wolfi", MOAT_VER_APK},        {"Chainguard", MOAT_VER_APK}, {"Alpaquita", MOAT_VER_APK},
        {"Red Hat", MOAT_VER_RPM},      {"AlmaLinux", MOAT_VER_RPM},  {"Rocky Linux", MOAT_VER_RPM},
        {"openSUSE", MOAT_VER_RPM},     {"SUSE", MOAT_VER_RPM},       {"Mageia", MOAT_VER_RPM},
        {"openEuler", MOAT_VER_RPM},    {"Photon OS", MOAT_VER_RPM},  {"npm", MOAT_VER_SEMVER},
        {"crates.io", MOAT_VER_SEMVER}, {"Go", MOAT_VER_GO},          {"PyPI", MOAT_VER_PEP440},
        {"Maven", MOAT_VER_MAVEN},
    };

    if (ecosystem == NULL || out == NULL)
        return -MOAT_E_ARG;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (eco_is(ecosystem, map[i].family)) {
            *out = map[i].kind;
            return 0;
        }
    }
    return -MOAT_E_UNSUPPORTED;
}

int ver_numcmp(const char *a, size_t an, const char *b, size_t bn)
{
    while (an > 0 && *a == '0')
        a++, an--;
    while (bn > 0 && *b == '0')
        b++, bn--;
    if (an != bn)
        return an < bn ? -1 : 1;
    return ver_sign(memcmp(a, b, an));
}

int ver_bytecmp(const char *a, size_t an, const char *b, size_t bn)
{
    int r = memcmp(a, b, an < bn ? an : bn);

    if (r != 0)
        return ver_sign(r);
    return an == bn ? 0 : (an < bn ? -1 : 1);
}
