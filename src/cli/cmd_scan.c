/*
 * cmd_scan.c - `moat scan REF`: inventory an image (or read a stored SBOM),
 * match it against the local vulnerability database, apply VEX statements,
 * filter by severity and write a report. --scanners adds the secret scanner
 * and the image and content checks (misconfig), all fed by the same single
 * pass over the layers. --exit-code turns findings into a failing status
 * for CI gates.
 */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/finding.h"
#include "catalog/catalog.h"
#include "check/misconfig.h"
#include "fs/fs.h"
#include "report/report.h"
#include "sbom/sbom_read.h"
#include "secret/scanner.h"
#include "secret/secret.h"
#include "source/image.h"
#include "vex/vex.h"
#include "vuln/match.h"
#include "vuln/vulndb.h"

static void scan_usage(FILE *f)
{
    fputs("Usage: moat scan [OPTIONS] REF\n"
          "\n"
          "Find known vulnerabilities in the OS packages of the image REF, or of a stored\n"
          "SBOM (CycloneDX or SPDX JSON from moat, Trivy or Syft), using the local\n"
          "vulnerability database (see 'moat db'). Debian and Alpine advisories are\n"
          "matched through each package's source package and version. With --scanners,\n"
          "also look for secrets in every layer and in the image config, and check the\n"
          "image's configuration and contents (docs/misconfig-checks.md): root user,\n"
          "remote-access and debugging tools, setuid files, world-writable paths, keys\n"
          "baked in, sudo, package caches, ADD of URLs and curl|sh in the history,\n"
          "secrets in ENV, no HEALTHCHECK, image age. One pass reads the layers for all.\n"
          "\n"
          "REF is docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG], dir:PATH, a bare\n"
          "PATH whose kind is detected, or an SBOM file (vuln only: an SBOM has no files\n"
          "or image config for the secret and misconfig scanners).\n"
          "\n"
          "Options:\n"
          "      --scanners LIST   what to look for, comma-separated: vuln (the default),\n"
          "                        secret, misconfig; e.g. vuln,secret,misconfig\n"
          "      --secret-max-size N  skip files larger than N bytes in the secret scan (64 MiB)\n"
          "      --secret-config FILE  YAML secret rules and allow-lists (docs/secret-rules.md)\n"
          "      --max-age DAYS    misconfig: report an image created more than DAYS days\n"
          "                        ago (default 365)\n"
          "      --setuid-allow PATH  misconfig: PATH (in the image) is a reviewed\n"
          "                        setuid/setgid file; no finding for it (repeatable)\n"
          "  -f, --format FORMAT   table, json, sarif, cyclonedx (1.5 with vulnerabilities)\n"
          "                        or junit. Default: table on a terminal, json otherwise.\n"
          "  -o, --output FILE     write to FILE (replaced atomically) instead of stdout\n"
          "  -s, --severity LIST   report only these severities, e.g. HIGH,CRITICAL\n"
          "                        (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL; default all)\n"
          "      --exit-code N     exit with N when anything is reported (default 0)\n"
          "      --ignore-unfixed  hide vulnerabilities that have no fixed version yet\n"
          "      --vex FILE        OpenVEX or CycloneDX VEX statements; findings marked\n"
          "                        not_affected or fixed are suppressed (repeatable)\n"
          "      --db PATH         vulnerability database (default $MOAT_DB, else\n"
          "                        ~/.cache/moat/vuln.db)\n"
          "      --platform P      os/arch[/variant] to pick from a multi-platform index\n"
          "  -q, --quiet           no progress or warnings on stderr\n"
          "  -h, --help            show this help\n"
          "\n"
          "Exit status: 0 (or N from --exit-code when findings remain), 1 on an error,\n"
          "2 on a usage error.\n"
          "\n"
          "Examples:\n"
          "  moat scan docker-archive:app.tar\n"
          "  moat scan --scanners misconfig,secret -f table oci:layout:1.0\n"
          "  moat scan --severity HIGH,CRITICAL --exit-code 1 oci:layout:1.0\n"
          "  moat scan -f sarif -o moat.sarif sbom.cdx.json\n",
          f);
}

struct scan_args {
    const char *ref, *format, *output, *db_path;
    const char *vex[16];
    size_t n_vex;
    int severity_mask, exit_code;
    bool ignore_unfixed, quiet;
    bool vuln, secret, misconfig;
    struct moat_secret_scanner_opts secret_opts;
    const char *setuid_allow[64];
    struct moat_misconfig_opts mc_opts;
    struct moat_open_opts open_opts;
};

/* "vuln,secret,misconfig" -> flags; -1 on an unknown scanner. */
static int parse_scanners(const char *list, struct scan_args *a)
{
    char *copy = strdup(list), *save = NULL, *tok;
    int rc = 0;

    if (copy == NULL)
        return -1;
    a->vuln = a->secret = a->misconfig = false;
    for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "vuln") == 0)
            a->vuln = true;
        else if (strcmp(tok, "secret") == 0)
            a->secret = true;
        else if (strcmp(tok, "misconfig") == 0)
            a->misconfig = true;
        else
            rc = -1;
    }
    free(copy);
    return rc == 0 && (a->vuln || a->secret || a->misconfig) ? 0 : -1;
}

/*
 * Inventory the target: an SBOM file as is, else the image's packages. With
 * --scanners secret, sc (non-NULL) visits every file in the same pass; with
 * misconfig, the checks run on the merged view (the package inventory tells
 * package files from build-added ones) and append to mc_out.
 */
static int inventory(const struct scan_args *a, struct moat_image **img, struct moat_inventory *inv,
                     struct moat_secret_scanner *sc, struct moat_findings *mc_out,
                     struct moat_err *err)
{
    struct moat_fs_opts fs_opts = {0};
    struct moat_fs_visitor visitors[2];
    struct moat_misconfig_sniffer *sniff = NULL;
    struct moat_misconfig_opts mc_opts = a->mc_opts;
    struct moat_fs *fs = NULL;
    struct stat st;
    bool packages = a->vuln || a->misconfig;
    int rc;

    if (stat(a->ref, &st) == 0 && S_ISREG(st.st_mode) && moat_sbom_sniff(a->ref)) {
        if (sc != NULL)
            return moat_err_set(err, MOAT_E_ARG, "%s: an SBOM has no files to scan for secrets",
                                a->ref);
        if (a->misconfig)
            return moat_err_set(err, MOAT_E_ARG,
                                "%s: an SBOM has no image config or files to check for "
                                "misconfigurations",
                                a->ref);
        return moat_sbom_read(a->ref, inv, NULL, err);
    }
    rc = moat_image_open(a->ref, &a->open_opts, img, err);
    if (rc < 0)
        return rc;
    if (packages)
        fs_opts.capture = moat_catalog_capture_patterns(&fs_opts.n_capture);
    if (sc != NULL)
        visitors[fs_opts.n_visitors++] = moat_secret_scanner_visitor(sc);
    if (a->misconfig) {
        if ((rc = moat_misconfig_sniffer_new(&sniff, err)) < 0)
            return rc;
        visitors[fs_opts.n_visitors++] = moat_misconfig_sniffer_visitor(sniff);
        mc_opts.sniffer = sniff;
    }
    fs_opts.visitors = visitors;
    rc = moat_fs_build(*img, &fs_opts, &fs, err);
    if (rc == 0 && packages && (rc = moat_catalog_run(fs, inv, err)) < 0)
        moat_err_prefix(err, "%s", a->ref);
    if (rc == 0 && sc != NULL && (rc = moat_secret_scan_config(sc, moat_image_meta(*img), err)) < 0)
        moat_err_prefix(err, "%s", a->ref);
    if (rc == 0 && a->misconfig &&
        (rc = moat_misconfig_run(moat_image_meta(*img), fs, inv, &mc_opts, mc_out, err)) < 0)
        moat_err_prefix(err, "%s", a->ref);
    moat_fs_free(fs);
    moat_misconfig_sniffer_free(sniff);
    return rc;
}

static void warn_if_stale(struct moat_vulndb *db, const char *path, bool quiet)
{
    struct moat_vulndb_stats st = {0};
    time_t now = time(NULL);

    if (quiet || moat_vulndb_info(db, &st, NULL) < 0)
        return;
    if (st.newest_import == 0)
        fprintf(stderr,
                "moat: warning: %s holds no advisories (run 'moat db import' or "
                "'moat db update')\n",
                path);
    else if (now - st.newest_import > MOAT_VULNDB_STALE_SECS)
        fprintf(stderr,
                "moat: warning: %s was last updated %lld days ago (run 'moat db "
                "update')\n",
                path, (long long)((now - st.newest_import) / 86400));
    moat_vulndb_stats_free(&st);
}

/* Open the vulnerability database (--db or the default) and warn when it is stale. */
static int open_db(const struct scan_args *a, struct moat_vulndb **db, struct moat_err *err)
{
    char dbpath[4096];

    if (a->db_path != NULL) {
        if (strlen(a->db_path) >= sizeof(dbpath)) {
            moat_err_set(err, MOAT_E_ARG, "--db: path too long");
            return -err->code;
        }
        memcpy(dbpath, a->db_path, strlen(a->db_path) + 1);
    } else if (moat_vulndb_default_path_buf(dbpath, sizeof(dbpath)) < 0) {
        moat_err_set(err, MOAT_E_NOTFOUND, "no default database path (set MOAT_DB or use --db)");
        return -err->code;
    }
    if (moat_vulndb_open(dbpath, 0, db, err) < 0) {
        if (err->code == MOAT_E_NOTFOUND)
            moat_err_set(err, MOAT_E_NOTFOUND,
                         "%s: no vulnerability database (run 'moat db import PATH' or 'moat db "
                         "update')",
                         dbpath);
        return -err->code;
    }
    warn_if_stale(*db, dbpath, a->quiet);
    return 0;
}

/* Rule-level SARIF text from the misconfig and secret rule tables (report/ knows neither). */
static bool scan_rule_info(void *arg, const struct moat_finding *f, struct moat_report_rule *out)
{
    const struct moat_misconfig_rule *mr;
    const struct moat_secret_rule *sr;
    size_t n;

    (void)arg;
    if (f->kind == MOAT_FINDING_MISCONFIG && (mr = moat_misconfig_rule_find(f->rule_id)) != NULL) {
        out->title = mr->title;
        out->description = mr->description;
        out->remediation = mr->remediation;
        out->cis = mr->cis;
        return true;
    }
    n = f->kind == MOAT_FINDING_SECRET ? moat_secret_builtin_rules(&sr) : 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(sr[i].id, f->rule_id) == 0) {
            out->title = sr[i].title;
            out->description = sr[i].description;
            out->remediation = sr[i].remediation;
            return true;
        }
    }
    return false;
}

static int run_scan(const struct scan_args *a, enum moat_report_format fmt)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_inventory inv = {0};
    struct moat_findings findings = {0};
    struct moat_match_opts mopts = {a->ignore_unfixed};
    struct moat_report_ctx ctx = {0};
    struct moat_image *img = NULL;
    struct moat_vulndb *db = NULL;
    struct moat_secret_scanner *sc = NULL;
    struct cli_output out = {0};
    const char *scanners[3];
    size_t n_scanners = 0;
    int rc = MOAT_EXIT_FAIL;

    if (a->secret && moat_secret_scanner_new(&a->secret_opts, &sc, &err) < 0)
        goto out;
    if (a->vuln && open_db(a, &db, &err) < 0)
        goto out;
    if (inventory(a, &img, &inv, sc, &findings, &err) < 0)
        goto out;
    if (a->vuln && moat_vuln_match(db, &inv, &mopts, &findings, NULL, &err) < 0)
        goto out;
    if (sc != NULL) {
        if (moat_secret_scanner_take(sc, &findings, &err) < 0)
            goto out;
        if (!a->quiet && moat_secret_scanner_skipped_large(sc) > 0)
            fprintf(stderr, "moat: secret scan skipped %llu files larger than %llu bytes\n",
                    (unsigned long long)moat_secret_scanner_skipped_large(sc),
                    (unsigned long long)(a->secret_opts.max_file_size
                                             ? a->secret_opts.max_file_size
                                             : MOAT_SECRET_DEFAULT_MAX_FILE));
        if (!a->quiet && moat_secret_scanner_skipped_compressed(sc) > 0)
            fprintf(stderr,
                    "moat: secret scan stopped in %llu compressed files at the size or ratio "
                    "bound (what came out before it was scanned)\n",
                    (unsigned long long)moat_secret_scanner_skipped_compressed(sc));
        if (!a->quiet && moat_secret_scanner_corrupt_compressed(sc) > 0)
            fprintf(stderr,
                    "moat: secret scan found %llu truncated or corrupt compressed files "
                    "(scanned up to the damage)\n",
                    (unsigned long long)moat_secret_scanner_corrupt_compressed(sc));
    }
    for (size_t i = 0; i < a->n_vex; i++) {
        struct moat_vex *vex = NULL;

        if (moat_vex_load(a->vex[i], &vex, &err) < 0)
            goto out;
        if (moat_vex_apply(vex, &findings, &err) < 0) {
            moat_vex_free(vex);
            goto out;
        }
        moat_vex_free(vex);
    }
    cli_filter_findings(&findings, a->severity_mask);
    moat_findings_sort(&findings);
    ctx.tool_version = MOAT_VERSION;
    ctx.target = a->ref;
    ctx.meta = img != NULL ? moat_image_meta(img) : NULL;
    ctx.inv = &inv;
    ctx.rule_info = scan_rule_info;
    /* what ran, so "0 secrets" from a vuln-only scan is not read as "no secrets" */
    if (a->vuln)
        scanners[n_scanners++] = "vuln";
    if (a->secret)
        scanners[n_scanners++] = "secret";
    if (a->misconfig)
        scanners[n_scanners++] = "misconfig";
    ctx.scanners = scanners;
    ctx.n_scanners = n_scanners;
    if (cli_output_open(&out, a->output, &err) < 0)
        goto out;
    if (moat_report_write(out.f, fmt, &ctx, &findings, &err) < 0) {
        cli_output_abort(&out);
        goto out;
    }
    if (cli_output_commit(&out, &err) < 0)
        goto out;
    if (fmt == MOAT_REPORT_CYCLONEDX && !a->quiet) {
        size_t other = 0;

        for (size_t i = 0; i < findings.n; i++)
            other += findings.v[i].kind != MOAT_FINDING_VULN;
        if (other > 0)
            fprintf(stderr,
                    "moat: cyclonedx carries vulnerabilities only; %zu secret and "
                    "misconfiguration findings are in the json, sarif, junit and table formats\n",
                    other);
    }
    rc = findings.n > 0 ? a->exit_code : MOAT_EXIT_OK;
out:
    if (err.code != 0)
        cli_fail(&err);
    moat_findings_free(&findings);
    moat_inventory_free(&inv);
    moat_image_free(img);
    moat_vulndb_close(db);
    moat_secret_scanner_free(sc);
    moat_err_clear(&err);
    return rc;
}

int moat_cmd_scan(int argc, char **argv)
{
    enum {
        OPT_SCANNERS = 256,
        OPT_EXIT,
        OPT_UNFIXED,
        OPT_VEX,
        OPT_DB,
        OPT_PLATFORM,
        OPT_SECRET_MAX,
        OPT_SECRET_CONFIG,
        OPT_MAX_AGE,
        OPT_SETUID_ALLOW
    };
    static const struct option longopts[] = {
        {"scanners", required_argument, NULL, OPT_SCANNERS},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"severity", required_argument, NULL, 's'},
        {"exit-code", required_argument, NULL, OPT_EXIT},
        {"ignore-unfixed", no_argument, NULL, OPT_UNFIXED},
        {"vex", required_argument, NULL, OPT_VEX},
        {"db", required_argument, NULL, OPT_DB},
        {"platform", required_argument, NULL, OPT_PLATFORM},
        {"secret-max-size", required_argument, NULL, OPT_SECRET_MAX},
        {"secret-config", required_argument, NULL, OPT_SECRET_CONFIG},
        {"max-age", required_argument, NULL, OPT_MAX_AGE},
        {"setuid-allow", required_argument, NULL, OPT_SETUID_ALLOW},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct scan_args a = {0};
    enum moat_report_format fmt;
    unsigned long long days;
    char *end;
    int c;

    a.vuln = true;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:s:qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SCANNERS:
            if (parse_scanners(optarg, &a) < 0) {
                cli_error("scan: --scanners: expected a list of vuln, secret, misconfig, got '%s'",
                          optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case OPT_SECRET_MAX:
            errno = 0;
            a.secret_opts.max_file_size = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *optarg == '-' || *end != '\0' || errno != 0 ||
                a.secret_opts.max_file_size == 0) {
                cli_error("scan: --secret-max-size: expected a positive byte count, got '%s'",
                          optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case OPT_SECRET_CONFIG:
            a.secret_opts.config_path = optarg;
            break;
        case OPT_MAX_AGE:
            errno = 0;
            days = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *optarg == '-' || *end != '\0' || errno != 0 || days == 0 ||
                days > 100000) {
                cli_error("scan: --max-age: expected a number of days from 1 to 100000, got '%s'",
                          optarg);
                return MOAT_EXIT_USAGE;
            }
            a.mc_opts.max_age_days = (uint32_t)days;
            break;
        case OPT_SETUID_ALLOW:
            if (a.mc_opts.n_setuid_allow == sizeof(a.setuid_allow) / sizeof(a.setuid_allow[0])) {
                cli_error("scan: --setuid-allow: at most %zu paths",
                          sizeof(a.setuid_allow) / sizeof(a.setuid_allow[0]));
                return MOAT_EXIT_USAGE;
            }
            if (optarg[0] == '\0') {
                cli_error("scan: --setuid-allow: expected a path in the image");
                return MOAT_EXIT_USAGE;
            }
            a.setuid_allow[a.mc_opts.n_setuid_allow++] = optarg;
            break;
        case 'f':
            a.format = optarg;
            break;
        case 'o':
            a.output = optarg;
            break;
        case 's':
            if ((a.severity_mask = cli_parse_severities(optarg)) <= 0) {
                cli_error("scan: --severity: expected a list of UNKNOWN, LOW, MEDIUM, HIGH, "
                          "CRITICAL, got '%s'",
                          optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case OPT_EXIT:
            if (cli_parse_exit_code(optarg, &a.exit_code) < 0) {
                cli_error("scan: --exit-code: expected 0-255, got '%s'", optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case OPT_UNFIXED:
            a.ignore_unfixed = true;
            break;
        case OPT_VEX:
            if (a.n_vex == sizeof(a.vex) / sizeof(a.vex[0])) {
                cli_error("scan: --vex: at most %zu files", sizeof(a.vex) / sizeof(a.vex[0]));
                return MOAT_EXIT_USAGE;
            }
            a.vex[a.n_vex++] = optarg;
            break;
        case OPT_DB:
            a.db_path = optarg;
            break;
        case OPT_PLATFORM:
            a.open_opts.platform = optarg;
            break;
        case 'q':
            a.quiet = true;
            break;
        case 'h':
            scan_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            scan_usage(stderr);
            return MOAT_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("scan: expected exactly one image reference or SBOM file (see 'moat scan "
                  "--help')");
        return MOAT_EXIT_USAGE;
    }
    a.ref = argv[optind];
    a.mc_opts.setuid_allow = a.setuid_allow;
    if (a.format == NULL)
        fmt = (a.output == NULL && isatty(STDOUT_FILENO)) ? MOAT_REPORT_TABLE : MOAT_REPORT_JSON;
    else if (moat_report_format_parse(a.format, &fmt) < 0) {
        cli_error("scan: unknown format '%s' (table, json, sarif, cyclonedx, junit)", a.format);
        return MOAT_EXIT_USAGE;
    }
    return run_scan(&a, fmt);
}
