/*
 * patterns.c - the files the catalogers read, as capture patterns for
 * moat_fs_build (fnmatch with FNM_PATHNAME on normalised paths). Kept apart
 * from catalog.c so that tools needing only the list do not pull in fs/.
 */
#include "moat/catalog/catalog.h"

static const char *const patterns[] = {
    /* OS identification */
    "etc/os-release",
    "usr/lib/os-release",
    "etc/*-release",
    "etc/debian_version",
    "etc/alpine-release",
    /* dpkg */
    "var/lib/dpkg/status",
    "var/lib/dpkg/status.d/*",
    "var/lib/dpkg/info/*.list",
    "usr/share/doc/*/copyright",
    /* apk */
    "lib/apk/db/installed",
    /* rpm: sqlite (rpm >= 4.16), Berkeley DB (older), NDB (SUSE) */
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages",
    "usr/lib/sysimage/rpm/Packages",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages.db",
};

const char *const *moat_catalog_capture_patterns(size_t *n)
{
    *n = sizeof(patterns) / sizeof(patterns[0]);
    return patterns;
}
