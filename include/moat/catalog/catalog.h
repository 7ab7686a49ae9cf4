/*
 * catalog.h - package inventories read from an image's merged view.
 *
 * Each cataloger (dpkg, apk, rpm) names the files it needs (capture
 * patterns, handed to moat_fs_build) and turns their captured contents into
 * packages. This room knows nothing about vulnerabilities.
 */
#ifndef MOAT_CATALOG_CATALOG_H
#define MOAT_CATALOG_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "moat/base/error.h"
#include "moat/fs/fs.h"

enum moat_pkg_type {
    MOAT_PKG_DEB = 1,
    MOAT_PKG_APK,
    MOAT_PKG_RPM,
};

struct moat_pkg {
    enum moat_pkg_type type;
    char *name;
    char *version;  /* full version as the package manager prints it, epoch included ("1:2.3-4") */
    char *arch;     /* NULL when not recorded */
    char *src_name; /* source package (deb Source, rpm SOURCERPM name, apk origin); NULL = same as
                       name */
    char *src_version; /* source version; NULL = same as version */
    char *license;     /* as recorded (apk/rpm); NULL when the db has none */
    char *maintainer;  /* NULL when not recorded */
    char *description; /* first line only; NULL when not recorded */
    uint32_t epoch;    /* numeric epoch (0 when none), also part of version */
    int32_t layer;     /* layer index that introduced this version, -1 unknown */
    char *db_path;     /* normalised path of the database file it came from */
    char **files;      /* installed files, normalised paths, sorted; may be empty */
    size_t n_files;
};

struct moat_os {
    char *id;         /* os-release ID: "debian", "alpine", "rhel", ... NULL if unknown */
    char *version_id; /* "12", "3.20.3" */
    char *pretty_name;
    char *codename; /* VERSION_CODENAME, NULL if absent */
};

struct moat_inventory {
    struct moat_os os;
    struct moat_pkg *pkgs; /* sorted by type, name, version, arch */
    size_t n_pkgs;
};

/* The capture patterns every cataloger needs, for moat_fs_opts.capture. Static storage. */
const char *const *moat_catalog_capture_patterns(size_t *n);

/* Detect the OS and run all catalogers. On success *inv is filled; free with moat_inventory_free().
 */
int moat_catalog_run(const struct moat_fs *fs, struct moat_inventory *inv, struct moat_err *err);
void moat_inventory_free(struct moat_inventory *inv);

/* Helpers the catalogers share (pkg.c). */
void moat_pkg_free(struct moat_pkg *p);
/* Append a package (moved: *p is zeroed on success). */
int moat_inventory_add(struct moat_inventory *inv, struct moat_pkg *p, struct moat_err *err);
void moat_inventory_sort(struct moat_inventory *inv);

/* The individual catalogers: parse one database's bytes and append to inv. `where` names the file
 * in errors. */
int moat_dpkg_parse_status(const char *where, const unsigned char *data, size_t len,
                           struct moat_inventory *inv, struct moat_err *err);
int moat_apk_parse_installed(const char *where, const unsigned char *data, size_t len,
                             struct moat_inventory *inv, struct moat_err *err);
/* One rpm header blob (as stored in rpmdb.sqlite / Packages.db / BDB Packages). */
int moat_rpm_parse_header(const char *where, const unsigned char *blob, size_t len,
                          struct moat_pkg *out, struct moat_err *err);
int moat_rpm_parse_sqlite(const char *where, const unsigned char *data, size_t len,
                          struct moat_inventory *inv, struct moat_err *err);
int moat_rpm_parse_bdb(const char *where, const unsigned char *data, size_t len,
                       struct moat_inventory *inv, struct moat_err *err);
int moat_os_release_parse(const unsigned char *data, size_t len, struct moat_os *os,
                          struct moat_err *err);

/*
 * Additions used by moat_catalog_run (and testable on bytes):
 * - moat_os_release_fallback: a one-line release file named by `where`
 *   (".../debian_version", ".../alpine-release", ".../redhat-release",
 *   ".../centos-release", ".../system-release") into os; -MOAT_E_FORMAT when
 *   empty, -MOAT_E_UNSUPPORTED for another name.
 * - moat_os_free: free and zero the strings of os.
 * - moat_dpkg_parse_list / _md5sums: replace p->files with the paths of a
 *   dpkg info/<pkg>.list or distroless status.d/<pkg>.md5sums (normalised,
 *   sorted, unique; "/." skipped).
 * - moat_dpkg_parse_copyright: the distinct "License:" names of a DEP-5
 *   copyright file joined with " AND " (compound ones parenthesised) into a
 *   new string *license (caller frees), or NULL when there are none.
 */
int moat_os_release_fallback(const char *where, const unsigned char *data, size_t len,
                             struct moat_os *os, struct moat_err *err);
void moat_os_free(struct moat_os *os);
int moat_dpkg_parse_list(const char *where, const unsigned char *data, size_t len,
                         struct moat_pkg *p, struct moat_err *err);
int moat_dpkg_parse_md5sums(const char *where, const unsigned char *data, size_t len,
                            struct moat_pkg *p, struct moat_err *err);
int moat_dpkg_parse_copyright(const char *where, const unsigned char *data, size_t len,
                              char **license, struct moat_err *err);

#endif
