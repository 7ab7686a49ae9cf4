/*
 * ecosystem.c - the OSV ecosystem name of an installed package, from its
 * type and the image's os-release: deb on Debian 12 -> "Debian:12", apk on
 * Alpine 3.20.3 -> "Alpine:v3.20", deb on Ubuntu 22.04 -> "Ubuntu:22.04:LTS".
 */
#include "moat/vuln/match.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *codename;
    const char *version;
} debian_codenames[] = {
    {"buster", "10"}, {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"}, {"forky", "14"},
};

/* Length of the first n dot-separated numeric components of v (0 if v does not start with a digit).
 */
static size_t leading_components(const char *v, int n)
{
    size_t i = 0;

    for (int part = 0; part < n; part++) {
        size_t start = i;

        while (v[i] >= '0' && v[i] <= '9')
            i++;
        if (i == start)
            return part == 0 ? 0 : start - 1;
        if (part + 1 < n) {
            if (v[i] != '.')
                return i;
            i++;
        }
    }
    return i;
}

/* buf = prefix + a[0..alen) + suffix */
static int put(char *buf, size_t cap, const char *prefix, const char *a, size_t alen,
               const char *suffix)
{
    int n = snprintf(buf, cap, "%s%.*s%s", prefix, (int)alen, a, suffix);

    return (n < 0 || (size_t)n >= cap) ? -MOAT_E_LIMIT : 0;
}

static int debian(const struct moat_os *os, char *buf, size_t cap)
{
    const char *v = os->version_id;
    size_t n;

    if (v != NULL && (n = leading_components(v, 1)) > 0)
        return put(buf, cap, "Debian:", v, n, "");
    if (os->codename != NULL)
        for (size_t i = 0; i < sizeof(debian_codenames) / sizeof(debian_codenames[0]); i++)
            if (strcmp(os->codename, debian_codenames[i].codename) == 0)
                return put(buf, cap, "Debian:", debian_codenames[i].version,
                           strlen(debian_codenames[i].version), "");
    return -MOAT_E_UNSUPPORTED;
}

static int ubuntu(const struct moat_os *os, char *buf, size_t cap)
{
    const char *v = os->version_id;
    size_t n;
    int year;

    if (v == NULL || (n = leading_components(v, 2)) < 4)
        return -MOAT_E_UNSUPPORTED;
    /* OSV marks LTS releases (even years, .04) as "Ubuntu:22.04:LTS" */
    year = (v[0] - '0') * 10 + (v[1] - '0');
    if (n == 5 && v[2] == '.' && strncmp(v + 3, "04", 2) == 0 && year % 2 == 0)
        return put(buf, cap, "Ubuntu:", v, n, ":LTS");
    return put(buf, cap, "Ubuntu:", v, n, "");
}

static int alpine(const struct moat_os *os, char *buf, size_t cap)
{
    const char *v = os->version_id;
    size_t n;

    if (v == NULL || (n = leading_components(v, 2)) == 0)
        return -MOAT_E_UNSUPPORTED;
    return put(buf, cap, "Alpine:v", v, n, "");
}

static int rpm_distro(const struct moat_os *os, char *buf, size_t cap)
{
    static const struct {
        const char *id, *name;
    } map[] = {{"rocky", "Rocky Linux"}, {"almalinux", "AlmaLinux"}, {"rhel", "Red Hat"}};
    const char *v = os->version_id;
    size_t n;

    if (v == NULL || (n = leading_components(v, 1)) == 0)
        return -MOAT_E_UNSUPPORTED;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcmp(os->id, map[i].id) == 0) {
            int r = snprintf(buf, cap, "%s:%.*s", map[i].name, (int)n, v);

            return (r < 0 || (size_t)r >= cap) ? -MOAT_E_LIMIT : 0;
        }
    }
    return -MOAT_E_UNSUPPORTED;
}

int moat_vuln_ecosystem(const struct moat_pkg *p, const struct moat_os *os, char *buf, size_t cap)
{
    if (os == NULL || os->id == NULL || cap == 0)
        return -MOAT_E_UNSUPPORTED;
    switch (p->type) {
    case MOAT_PKG_DEB:
        if (strcmp(os->id, "debian") == 0)
            return debian(os, buf, cap);
        if (strcmp(os->id, "ubuntu") == 0)
            return ubuntu(os, buf, cap);
        return -MOAT_E_UNSUPPORTED;
    case MOAT_PKG_APK:
        if (strcmp(os->id, "alpine") == 0)
            return alpine(os, buf, cap);
        if (strcmp(os->id, "wolfi") == 0)
            return put(buf, cap, "Wolfi", "", 0, "");
        if (strcmp(os->id, "chainguard") == 0)
            return put(buf, cap, "Chainguard", "", 0, "");
        return -MOAT_E_UNSUPPORTED;
    case MOAT_PKG_RPM:
        return rpm_distro(os, buf, cap);
    }
    return -MOAT_E_UNSUPPORTED;
}
