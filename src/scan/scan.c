/*
 * scan.c - moat_scan_run(): the pipeline (scan.h). Opens the target, runs
 * one pass over the layers with every scanner that was asked for attached,
 * matches the inventory, applies VEX, filters and sorts, and says in
 * warnings what limited the answer. The database side (opening, age,
 * coverage) is in scan_db.c, the rule tables and filters in scan_rules.c.
 */
#include "moat/scan/scan.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "moat/base/glob.h"
#include "moat/base/time.h"
#include "moat/fs/fs.h"
#include "moat/vex/vex.h"
#include "moat/sbom/sbom_read.h"
#include "moat/scan/ignore.h"
#include "scan/scan_int.h"

/* Everything the one pass over the layers produces. */
struct pass {
    struct moat_secret_scanner *secret;
    struct moat_misconfig_sniffer *sniff;
};

static bool has(const struct moat_scan_opts *o, unsigned scanner)
{
    return (o->scanners & scanner) != 0;
}

/* An image without a config (dir:) has no user, ports, Env or history to check. */
static bool has_config(const struct moat_image_meta *m)
{
    return m != NULL && m->config_digest != NULL;
}

/* A stored SBOM as the target: the inventory as written, nothing else to look at. */
static int read_sbom(const struct moat_scan_opts *o, struct moat_scan_result *r,
                     struct moat_err *err)
{
    if (has(o, MOAT_SCANNER_SECRET))
        return moat_err_set(err, MOAT_E_ARG, "%s: an SBOM has no files to scan for secrets",
                            o->ref);
    if (has(o, MOAT_SCANNER_MISCONFIG))
        return moat_err_set(err, MOAT_E_ARG,
                            "%s: an SBOM has no image config or files to check for "
                            "misconfigurations",
                            o->ref);
    r->sbom_input = true;
    return moat_sbom_read(o->ref, &r->inv, NULL, err);
}

static bool is_sbom_file(const char *ref)
{
    struct stat st;

    return stat(ref, &st) == 0 && S_ISREG(st.st_mode) && moat_sbom_sniff(ref);
}

/* One pass over the layers: packages captured, secrets and key files seen as they stream. */
static int read_layers(const struct moat_scan_opts *o, struct moat_scan_result *r, struct pass *p,
                       struct moat_err *err)
{
    bool packages = o->scanners == 0 || has(o, MOAT_SCANNER_VULN) || has(o, MOAT_SCANNER_MISCONFIG);
    struct moat_fs_opts fo = {0};
    struct moat_fs_visitor visitors[2];
    struct moat_misconfig_opts mo = o->misconfig;
    struct moat_fs *fs = NULL;
    int rc;

    if (packages)
        fo.capture = moat_catalog_capture_patterns(&fo.n_capture);
    if (has(o, MOAT_SCANNER_SECRET)) {
        if ((rc = moat_secret_scanner_new(&o->secret, &p->secret, err)) < 0)
            return rc;
        visitors[fo.n_visitors++] = moat_secret_scanner_visitor(p->secret);
    }
    if (has(o, MOAT_SCANNER_MISCONFIG)) {
        if ((rc = moat_misconfig_sniffer_new(&p->sniff, err)) < 0)
            return rc;
        visitors[fo.n_visitors++] = moat_misconfig_sniffer_visitor(p->sniff);
        mo.sniffer = p->sniff;
    }
    fo.visitors = visitors;
    fo.progress = o->progress;
    fo.progress_ctx = o->progress_ctx;
    if ((rc = moat_fs_build(r->image != NULL ? r->image : o->image, &fo, &fs, err)) < 0)
        return rc; /* the source names the image, the layer and the entry */
    /* catalog/, secret/ and check/ name the file inside the image; say which image */
    if (packages && (rc = moat_catalog_run(fs, &r->inv, err)) < 0)
        goto out;
    if (p->secret != NULL && has_config(r->meta) &&
        (rc = moat_secret_scan_config(p->secret, r->meta, err)) < 0)
        goto out;
    if (p->secret != NULL && (rc = moat_secret_scanner_take(p->secret, &r->findings, err)) < 0)
        goto out;
    if (has(o, MOAT_SCANNER_MISCONFIG))
        rc = moat_misconfig_run(has_config(r->meta) ? r->meta : NULL, fs, &r->inv, &mo,
                                &r->findings, err);
out:
    if (rc < 0)
        moat_err_prefix(err, "%s", o->ref);
    moat_fs_free(fs);
    return rc;
}

/* What the secret scanner could not read to the end: one warning a file, named. */
static int secret_warnings(struct moat_secret_scanner *sc, struct moat_scan_result *r,
                           struct moat_err *err)
{
    uint64_t dropped = 0;
    size_t n = 0;
    const char *const *w = moat_secret_scanner_warnings(sc, &n, &dropped);
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++)
        rc = moat_warnings_add(&r->warnings, err, "secret-file-unread", "secret scan: %s", w[i]);
    if (rc == 0 && dropped > 0)
        rc = moat_warnings_add(&r->warnings, err, "secret-file-unread",
                               "secret scan: %llu more files could not be read whole",
                               (unsigned long long)dropped);
    return rc;
}

/* What the inventory says about the answer: no OS, no packages, no config. */
static int inventory_warnings(const struct moat_scan_opts *o, struct moat_scan_result *r,
                              struct moat_err *err)
{
    bool packages = o->scanners == 0 || has(o, MOAT_SCANNER_VULN);
    int rc = 0;

    if (packages && r->inv.os.id == NULL)
        rc = moat_warnings_add(&r->warnings, err, "os-not-detected",
                               "%s: no operating system detected (no os-release); OS packages "
                               "cannot be matched to a distribution's advisories",
                               o->ref);
    if (rc == 0 && packages && r->inv.n_pkgs == 0)
        rc = moat_warnings_add(&r->warnings, err, "no-packages",
                               "%s: no packages found; nothing was matched against advisories",
                               o->ref);
    if (rc == 0 && has(o, MOAT_SCANNER_MISCONFIG) && !r->sbom_input && !has_config(r->meta))
        rc = moat_warnings_add(&r->warnings, err, "no-image-config",
                               "%s has no image config: user, ports, healthcheck, Env and history "
                               "checks were not run",
                               o->ref);
    return rc;
}

static void name_scanners(struct moat_scan_result *r)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{MOAT_SCANNER_VULN, "vuln"},
                 {MOAT_SCANNER_SECRET, "secret"},
                 {MOAT_SCANNER_MISCONFIG, "misconfig"}};

    r->n_scanner_names = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (r->scanners & names[i].bit)
            r->scanner_names[r->n_scanner_names++] = names[i].name;
}

/* Drop the findings located in image files the skip patterns name. */
static void drop_skipped(const struct moat_scan_opts *o, struct moat_scan_result *r)
{
    struct moat_findings *fs = &r->findings;
    size_t keep = 0;

    for (size_t i = 0; i < fs->n; i++) {
        struct moat_finding *f = &fs->v[i];
        bool skip = false;

        /* only files of the image: not the config (layer -1) nor a package */
        for (size_t k = 0; f->path != NULL && f->layer >= 0 && !skip && k < o->n_skip_files; k++)
            skip = moat_glob_match(o->skip_files[k], f->path);
        for (size_t k = 0; f->path != NULL && f->layer >= 0 && !skip && k < o->n_skip_dirs; k++)
            skip = moat_glob_match_dir(o->skip_dirs[k], f->path);
        if (skip) {
            moat_finding_free(f);
            r->skipped++;
        } else {
            fs->v[keep++] = *f;
        }
    }
    fs->n = keep;
}

/* Drop what the ignore file accepts; say which of its entries expired but still named one. */
static int drop_ignored(const struct moat_ignore *ig, int64_t now, struct moat_scan_result *r,
                        struct moat_err *err)
{
    struct moat_findings *fs = &r->findings;
    const struct moat_ignore_entry *last_expired = NULL;
    size_t keep = 0;
    int rc = 0;

    for (size_t i = 0; i < fs->n; i++) {
        struct moat_finding *f = &fs->v[i];
        const struct moat_ignore_entry *expired;

        if (moat_ignore_match(ig, f, now, &expired) != NULL) {
            moat_finding_free(f);
            r->ignored++;
            continue;
        }
        fs->v[keep++] = *f;
        /* findings of one id sit together once sorted; one warning an entry is enough */
        if (rc == 0 && expired != NULL && expired != last_expired) {
            char day[MOAT_TIME_LEN];

            moat_time_format(expired->expires, day);
            rc = moat_warnings_add(&r->warnings, err, "ignore-expired",
                                   "%s:%u: the entry for %s expired on %.10s; its findings are "
                                   "reported again",
                                   ig->path, expired->line, expired->id, day);
            last_expired = expired;
        }
    }
    fs->n = keep;
    return rc;
}

static int apply_vex(const struct moat_scan_opts *o, struct moat_findings *fs, struct moat_err *err)
{
    if (o->n_vex > MOAT_SCAN_MAX_VEX)
        return moat_err_set(err, MOAT_E_LIMIT, "at most %u VEX documents", MOAT_SCAN_MAX_VEX);
    for (size_t i = 0; i < o->n_vex; i++) {
        struct moat_vex *vex = NULL;
        int rc = moat_vex_load(o->vex[i], &vex, err);

        if (rc == 0)
            rc = moat_vex_apply(vex, fs, err);
        moat_vex_free(vex);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int moat_scan_run(const struct moat_scan_opts *o, struct moat_scan_result *r, struct moat_err *err)
{
    struct pass p = {NULL, NULL};
    struct moat_ignore *ig = NULL;
    struct moat_vulndb *db = NULL;
    int64_t now = o->now != 0 ? o->now : (int64_t)time(NULL);
    int rc;

    memset(r, 0, sizeof(*r));
    if (o->ref == NULL)
        return moat_err_set(err, MOAT_E_ARG, "scan: no target");
    /* a bad ignore file fails before the scan, a missing default one is none */
    if (o->ignorefile != NULL && (rc = moat_ignore_load(o->ignorefile, &ig, err)) < 0) {
        if (!(rc == -MOAT_E_NOTFOUND && o->ignorefile_optional))
            return rc;
        moat_err_clear(err);
    }
    /* the database first: a missing one fails before minutes of reading layers */
    if (has(o, MOAT_SCANNER_VULN) && (rc = scan_db_open(o, now, &db, r, err)) < 0)
        goto out;
    if (o->image == NULL && o->allow_sbom && is_sbom_file(o->ref)) {
        rc = read_sbom(o, r, err);
    } else {
        if (o->image == NULL && (rc = moat_image_open(o->ref, &o->open, &r->image, err)) < 0)
            goto out;
        r->meta = moat_image_meta(r->image != NULL ? r->image : o->image);
        rc = read_layers(o, r, &p, err);
    }
    if (rc < 0)
        goto out;
    r->scanners = o->scanners;
    name_scanners(r);
    if ((rc = inventory_warnings(o, r, err)) < 0)
        goto out;
    if (p.secret != NULL && (rc = secret_warnings(p.secret, r, err)) < 0)
        goto out;
    if (db != NULL && (rc = scan_db_match(o, db, r, err)) < 0)
        goto out;
    drop_skipped(o, r);
    if ((rc = apply_vex(o, &r->findings, err)) < 0)
        goto out;
    moat_findings_filter(&r->findings, o->severity_mask, &r->dropped);
    moat_findings_sort(&r->findings);
    rc = drop_ignored(ig, now, r, err);
out:
    moat_secret_scanner_free(p.secret);
    moat_misconfig_sniffer_free(p.sniff);
    moat_vulndb_close(db);
    moat_ignore_free(ig);
    return rc;
}

void moat_scan_result_free(struct moat_scan_result *r)
{
    moat_findings_free(&r->findings);
    moat_inventory_free(&r->inv);
    moat_warnings_free(&r->warnings);
    moat_image_free(r->image);
    free(r->db_path);
    memset(r, 0, sizeof(*r));
}
