/*
 * catalog.c - run the catalogers over an image's merged view: detect the
 * OS, then read the dpkg, apk and rpm databases the fs captured, and fill
 * in what only the view knows: the database path, installed files
 * (dpkg .list / .md5sums files), licences (dpkg copyright files) and the
 * layer that introduced each package.
 *
 * Layer: dpkg uses the layer of the package's .list file (or status.d
 * file, or the status file when there is no .list); apk and rpm the layer most of the package's
 * files come from, else the database file's layer.
 */
#include "catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/limits.h"

/* The captured regular file at path: 1 with node/data, 0 when absent or not captured. */
static int captured(const struct moat_fs *fs, const char *path, const struct moat_fs_node **node,
                    const unsigned char **data, size_t *len)
{
    struct moat_err e = MOAT_ERR_INIT;
    const struct moat_fs_node *nd = NULL;
    int r = moat_fs_lookup(fs, path, true, &nd, &e);

    moat_err_clear(&e);
    if (r < 0 || nd == NULL || nd->type != MOAT_FT_REG)
        return 0;
    *data = moat_fs_content(nd, len);
    if (*data == NULL)
        return 0;
    *node = nd;
    return 1;
}

static int node_path(const struct moat_fs_node *node, char *buf, size_t cap, struct moat_err *err)
{
    if (moat_fs_node_path(node, buf, cap) < 0)
        return moat_err_set(err, MOAT_E_LIMIT, "catalog: path too long");
    return 0;
}

static int set_db_path(struct moat_inventory *inv, size_t from, const char *path,
                       struct moat_err *err)
{
    for (size_t i = from; i < inv->n_pkgs; i++) {
        int r = cat_dup(path, 0, path, strlen(path), &inv->pkgs[i].db_path, err);

        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- OS ---------------------------------------------------------------- */

static int detect_os(const struct moat_fs *fs, struct moat_os *os, struct moat_err *err)
{
    static const char *const release[] = {"etc/os-release", "usr/lib/os-release"};
    static const char *const fallback[] = {"etc/alpine-release", "etc/debian_version",
                                           "etc/redhat-release", "etc/centos-release",
                                           "etc/system-release"};
    const struct moat_fs_node *node;
    const unsigned char *data;
    size_t len;
    int r;

    for (size_t i = 0; i < 2 && os->id == NULL; i++) {
        if (captured(fs, release[i], &node, &data, &len) &&
            (r = moat_os_release_parse(data, len, os, err)) < 0)
            return moat_err_prefix(err, "%s", release[i]);
    }
    if (os->id != NULL && os->version_id == NULL && strcmp(os->id, "debian") == 0 &&
        captured(fs, "etc/debian_version", &node, &data, &len)) {
        /* Debian testing/sid has no VERSION_ID; debian_version says "trixie/sid". */
        struct moat_os tmp = {0};

        if (moat_os_release_fallback("etc/debian_version", data, len, &tmp, NULL) == 0) {
            os->version_id = tmp.version_id;
            tmp.version_id = NULL;
        }
        moat_os_free(&tmp);
    }
    for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]) && os->id == NULL; i++) {
        if (captured(fs, fallback[i], &node, &data, &len) &&
            (r = moat_os_release_fallback(fallback[i], data, len, os, err)) < 0 &&
            r != -MOAT_E_FORMAT)
            return r;
    }
    return 0;
}

/* ---- layers -------------------------------------------------------------- */

struct layer_count {
    uint32_t *count;   /* per layer */
    uint32_t *touched; /* layers with a non-zero count */
    size_t n_layers;
};

/* The layer most of p's files come from (ties: the later layer), else fallback. */
static int32_t files_layer(const struct moat_fs *fs, struct layer_count *lc,
                           const struct moat_pkg *p, int32_t fallback)
{
    size_t nt = 0;
    int32_t best = fallback;
    uint32_t best_n = 0;

    for (size_t i = 0; i < p->n_files; i++) {
        struct moat_err e = MOAT_ERR_INIT;
        const struct moat_fs_node *nd = NULL;

        if (moat_fs_lookup(fs, p->files[i], false, &nd, &e) < 0 || nd == NULL ||
            nd->layer >= lc->n_layers) {
            moat_err_clear(&e);
            continue;
        }
        if (lc->count[nd->layer]++ == 0)
            lc->touched[nt++] = nd->layer;
    }
    for (size_t i = 0; i < nt; i++) {
        uint32_t l = lc->touched[i];

        if (lc->count[l] > best_n || (lc->count[l] == best_n && (int32_t)l > best)) {
            best_n = lc->count[l];
            best = (int32_t)l;
        }
        lc->count[l] = 0;
    }
    return best;
}

/* ---- dpkg ---------------------------------------------------------------- */

/* Installed files from info/<name>:<arch>.list or info/<name>.list; layer of that file. */
static int dpkg_list(const struct moat_fs *fs, struct moat_pkg *p, struct moat_err *err)
{
    char path[MOAT_MAX_PATH_LEN];
    const struct moat_fs_node *node;
    const unsigned char *data;
    size_t len;

    if (strchr(p->name, '/') != NULL)
        return 0;
    for (int with_arch = p->arch != NULL ? 1 : 0; with_arch >= 0; with_arch--) {
        int n = with_arch
                    ? snprintf(path, sizeof(path), "var/lib/dpkg/info/%s:%s.list", p->name, p->arch)
                    : snprintf(path, sizeof(path), "var/lib/dpkg/info/%s.list", p->name);

        if (n < 0 || (size_t)n >= sizeof(path) || !captured(fs, path, &node, &data, &len))
            continue;
        p->layer = (int32_t)node->layer;
        return moat_dpkg_parse_list(path, data, len, p, err);
    }
    return 0;
}

static int dpkg_license(const struct moat_fs *fs, struct moat_pkg *p, struct moat_err *err)
{
    char path[MOAT_MAX_PATH_LEN];
    const struct moat_fs_node *node;
    const unsigned char *data;
    size_t len;
    int n;

    if (p->license != NULL || strchr(p->name, '/') != NULL)
        return 0;
    n = snprintf(path, sizeof(path), "usr/share/doc/%s/copyright", p->name);
    if (n < 0 || (size_t)n >= sizeof(path) || !captured(fs, path, &node, &data, &len))
        return 0;
    return moat_dpkg_parse_copyright(path, data, len, &p->license, err);
}

static int dpkg_status_d(const struct moat_fs *fs, struct moat_inventory *inv, struct moat_err *err)
{
    struct moat_err e = MOAT_ERR_INIT;
    const struct moat_fs_node *dir = NULL, *c;
    char path[MOAT_MAX_PATH_LEN];
    int r = 0;

    if (moat_fs_lookup(fs, "var/lib/dpkg/status.d", true, &dir, &e) < 0 || dir->type != MOAT_FT_DIR)
        goto out;
    for (c = moat_fs_first_child(dir); c != NULL; c = moat_fs_next_sibling(c)) {
        size_t nl = strlen(c->name), from = inv->n_pkgs, len;
        const unsigned char *data;
        int n;

        if (c->deleted_in >= 0 || c->type != MOAT_FT_REG || c->name[0] == '.' ||
            (nl > 8 && strcmp(c->name + nl - 8, ".md5sums") == 0))
            continue;
        data = moat_fs_content(c, &len);
        if (data == NULL)
            continue;
        if ((r = node_path(c, path, sizeof(path), err)) < 0 ||
            (r = moat_dpkg_parse_status(path, data, len, inv, err)) < 0 ||
            (r = set_db_path(inv, from, path, err)) < 0)
            goto out;
        for (size_t i = from; i < inv->n_pkgs; i++)
            inv->pkgs[i].layer = (int32_t)c->layer;
        /* Newer distroless images list each package's files in <name>.md5sums. */
        n = snprintf(path, sizeof(path), "var/lib/dpkg/status.d/%s.md5sums", c->name);
        if (from + 1 == inv->n_pkgs && n > 0 && (size_t)n < sizeof(path)) {
            const struct moat_fs_node *m;

            if (captured(fs, path, &m, &data, &len) &&
                (r = moat_dpkg_parse_md5sums(path, data, len, &inv->pkgs[from], err)) < 0)
                goto out;
        }
    }
out:
    moat_err_clear(&e);
    return r;
}

static int run_dpkg(const struct moat_fs *fs, struct moat_inventory *inv, struct moat_err *err)
{
    const struct moat_fs_node *node;
    const unsigned char *data;
    char path[MOAT_MAX_PATH_LEN];
    size_t len, from = inv->n_pkgs;
    int r;

    if (captured(fs, "var/lib/dpkg/status", &node, &data, &len)) {
        if ((r = node_path(node, path, sizeof(path), err)) < 0 ||
            (r = moat_dpkg_parse_status(path, data, len, inv, err)) < 0 ||
            (r = set_db_path(inv, from, path, err)) < 0)
            return r;
        for (size_t i = from; i < inv->n_pkgs; i++) {
            if ((r = dpkg_list(fs, &inv->pkgs[i], err)) < 0)
                return r;
            /* no .list file (trimmed images): the status file's layer is the best we know */
            if (inv->pkgs[i].layer < 0)
                inv->pkgs[i].layer = (int32_t)node->layer;
        }
    }
    if ((r = dpkg_status_d(fs, inv, err)) < 0)
        return r;
    for (size_t i = from; i < inv->n_pkgs; i++) {
        if ((r = dpkg_license(fs, &inv->pkgs[i], err)) < 0)
            return r;
    }
    return 0;
}

/* ---- apk and rpm ----------------------------------------------------------- */

static int run_apk(const struct moat_fs *fs, struct layer_count *lc, struct moat_inventory *inv,
                   struct moat_err *err)
{
    const struct moat_fs_node *node;
    const unsigned char *data;
    char path[MOAT_MAX_PATH_LEN];
    size_t len, from = inv->n_pkgs;
    int r;

    if (!captured(fs, "lib/apk/db/installed", &node, &data, &len))
        return 0;
    if ((r = node_path(node, path, sizeof(path), err)) < 0 ||
        (r = moat_apk_parse_installed(path, data, len, inv, err)) < 0 ||
        (r = set_db_path(inv, from, path, err)) < 0)
        return r;
    for (size_t i = from; i < inv->n_pkgs; i++)
        inv->pkgs[i].layer = files_layer(fs, lc, &inv->pkgs[i], (int32_t)node->layer);
    return 0;
}

static int run_rpm(const struct moat_fs *fs, struct layer_count *lc, struct moat_inventory *inv,
                   struct moat_err *err)
{
    static const struct {
        const char *path;
        int kind; /* 0 sqlite, 1 bdb, 2 ndb */
    } dbs[] = {
        {"usr/lib/sysimage/rpm/rpmdb.sqlite", 0}, {"var/lib/rpm/rpmdb.sqlite", 0},
        {"usr/lib/sysimage/rpm/Packages", 1},     {"var/lib/rpm/Packages", 1},
        {"usr/lib/sysimage/rpm/Packages.db", 2},  {"var/lib/rpm/Packages.db", 2},
    };
    const struct moat_fs_node *node;
    const unsigned char *data;
    char path[MOAT_MAX_PATH_LEN];
    size_t len, from = inv->n_pkgs;
    int r;

    for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
        if (!captured(fs, dbs[i].path, &node, &data, &len))
            continue;
        if ((r = node_path(node, path, sizeof(path), err)) < 0)
            return r;
        if (dbs[i].kind == 0)
            r = moat_rpm_parse_sqlite(path, data, len, inv, err);
        else if (dbs[i].kind == 1)
            r = moat_rpm_parse_bdb(path, data, len, inv, err);
        else
            r = moat_err_set(err, MOAT_E_UNSUPPORTED, "%s: rpm NDB database not supported", path);
        if (r < 0 || (r = set_db_path(inv, from, path, err)) < 0)
            return r;
        for (size_t k = from; k < inv->n_pkgs; k++)
            inv->pkgs[k].layer = files_layer(fs, lc, &inv->pkgs[k], (int32_t)node->layer);
        return 0; /* one rpm database per image, the newest format first */
    }
    return 0;
}

int moat_catalog_run(const struct moat_fs *fs, struct moat_inventory *inv, struct moat_err *err)
{
    struct layer_count lc = {0};
    int r;

    memset(inv, 0, sizeof(*inv));
    lc.n_layers = moat_fs_layer_count(fs);
    if (lc.n_layers > MOAT_MAX_LAYERS) {
        r = moat_err_set(err, MOAT_E_LIMIT, "catalog: too many layers");
        goto out;
    }
    lc.count = calloc(lc.n_layers + 1, sizeof(*lc.count));
    lc.touched = calloc(lc.n_layers + 1, sizeof(*lc.touched));
    if (lc.count == NULL || lc.touched == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "catalog: out of memory");
        goto out;
    }
    if ((r = detect_os(fs, &inv->os, err)) < 0 || (r = run_dpkg(fs, inv, err)) < 0 ||
        (r = run_apk(fs, &lc, inv, err)) < 0 || (r = run_rpm(fs, &lc, inv, err)) < 0)
        goto out;
    moat_inventory_sort(inv);
out:
    if (r < 0)
        moat_inventory_free(inv);
    free(lc.count);
    free(lc.touched);
    return r;
}
