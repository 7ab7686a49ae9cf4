/*
 * cmd_scan.c - `moat scan REF`: the options of a scan, handed to the
 * pipeline (scan/scan.h), its warnings on stderr and its findings as a
 * report. --exit-code turns findings into a failing status for CI gates.
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

#include "moat/scan/scan.h"

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
          "      --skip-files GLOB no secret or misconfig findings in these image files\n"
          "                        (repeatable or comma-separated; \"**\" spans directories)\n"
          "      --skip-dirs GLOB  nor in files under these directories, e.g. usr/share/doc\n"
          "      --ignorefile FILE accepted findings, one id a line (.trivyignore format:\n"
          "                        'CVE-2024-1234 exp:2025-06-30', '#' comments); default\n"
          "                        .moatignore in the current directory when it exists\n"
          "      --db PATH         vulnerability database (default $MOAT_DB, else\n"
          "                        ~/.cache/moat/vuln.db)\n"
          "      --platform P      os/arch[/variant] to pick from a multi-platform index\n"
          "      --color WHEN      colour severities in the table: auto (a terminal, unless\n"
          "                        NO_COLOR is set), always, never\n"
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
    const char *format, *output, *color;
    const char *vex[16];
    const char *setuid_allow[64];
    const char *skip_files[64], *skip_dirs[64];
    int exit_code;
    bool quiet;
    struct moat_scan_opts o;
};

/* "a,b" (cut in place in argv) appended to v (64 entries), as Trivy reads its list flags. */
static int add_patterns(char *arg, const char **v, size_t *n, const char *opt)
{
    char *save = NULL;

    for (char *t = strtok_r(arg, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (*n == 64) {
            cli_error("scan: %s: at most 64 patterns", opt);
            return -1;
        }
        v[(*n)++] = t;
    }
    return 0;
}

static int run_scan(struct scan_args *a, enum moat_report_format fmt)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_scan_result r = {0};
    struct moat_report_ctx ctx;
    struct cli_output out = {0};
    int rc = MOAT_EXIT_FAIL;

    if (cli_progress_enabled(a->quiet))
        a->o.progress = cli_show_progress;
    if (cli_output_check(a->output, &err) < 0 || moat_scan_run(&a->o, &r, &err) < 0)
        goto out;
    cli_print_warnings(&r.warnings, a->quiet);
    moat_scan_report_ctx(&r, a->o.ref, &ctx);
    ctx.width = cli_term_width(a->output);
    (void)cli_color_parse(a->color, &ctx.color); /* checked with the options */
    ctx.color = ctx.color && cli_output_is_stdout(a->output);
    if (cli_output_open(&out, a->output, &err) < 0)
        goto out;
    if (moat_report_write(out.f, fmt, &ctx, &r.findings, &err) < 0) {
        cli_output_abort(&out);
        goto out;
    }
    if (cli_output_commit(&out, &err) < 0)
        goto out;
    if (fmt == MOAT_REPORT_CYCLONEDX && !a->quiet) {
        size_t other = 0;

        for (size_t i = 0; i < r.findings.n; i++)
            other += r.findings.v[i].kind != MOAT_FINDING_VULN;
        if (other > 0)
            fprintf(stderr,
                    "moat: cyclonedx carries vulnerabilities only; %zu secret and "
                    "misconfiguration findings are in the json, sarif, junit and table formats\n",
                    other);
    }
    if (r.dropped.filtered_unknown > 0 && !a->quiet)
        fprintf(stderr,
                "moat: --severity left out %zu findings whose severity is unknown (add UNKNOWN "
                "to see them)\n",
                r.dropped.filtered_unknown);
    rc = r.findings.n > 0 ? a->exit_code : MOAT_EXIT_OK;
out:
    if (err.code != 0)
        cli_fail(&err);
    moat_scan_result_free(&r);
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
        OPT_SETUID_ALLOW,
        OPT_SKIP_FILES,
        OPT_SKIP_DIRS,
        OPT_IGNOREFILE,
        OPT_COLOR
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
        {"skip-files", required_argument, NULL, OPT_SKIP_FILES},
        {"skip-dirs", required_argument, NULL, OPT_SKIP_DIRS},
        {"ignorefile", required_argument, NULL, OPT_IGNOREFILE},
        {"color", required_argument, NULL, OPT_COLOR},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct scan_args a = {0};
    struct moat_scan_opts *o = &a.o;
    enum moat_report_format fmt;
    bool color;
    unsigned long long days;
    char *end;
    int c;

    o->scanners = MOAT_SCANNER_VULN;
    o->allow_sbom = true;
    o->ignorefile = ".moatignore"; /* when it exists, as Trivy reads .trivyignore */
    o->ignorefile_optional = true;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:s:qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SCANNERS:
            if (moat_scan_scanners_parse(optarg, &o->scanners) < 0) {
                cli_error("scan: --scanners: expected a list of vuln, secret, misconfig, got '%s'",
                          optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case OPT_SECRET_MAX:
            errno = 0;
            o->secret.max_file_size = strtoull(optarg, &end, 10);
            if (*optarg == '\0' || *optarg == '-' || *end != '\0' || errno != 0 ||
                o->secret.max_file_size == 0) {
                cli_error("scan: --secret-max-size: expected a positive byte count, got '%s'",
                          optarg);
                return MOAT_EXIT_USAGE;
            }
            break;
        case OPT_SECRET_CONFIG:
            o->secret.config_path = optarg;
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
            o->misconfig.max_age_days = (uint32_t)days;
            break;
        case OPT_SETUID_ALLOW:
            if (o->misconfig.n_setuid_allow == sizeof(a.setuid_allow) / sizeof(a.setuid_allow[0])) {
                cli_error("scan: --setuid-allow: at most %zu paths",
                          sizeof(a.setuid_allow) / sizeof(a.setuid_allow[0]));
                return MOAT_EXIT_USAGE;
            }
            if (optarg[0] == '\0') {
                cli_error("scan: --setuid-allow: expected a path in the image");
                return MOAT_EXIT_USAGE;
            }
            a.setuid_allow[o->misconfig.n_setuid_allow++] = optarg;
            break;
        case 'f':
            a.format = optarg;
            break;
        case 'o':
            a.output = optarg;
            break;
        case 's':
            if ((o->severity_mask = cli_parse_severities(optarg)) <= 0) {
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
            o->match.ignore_unfixed = true;
            break;
        case OPT_COLOR:
            a.color = optarg;
            break;
        case OPT_IGNOREFILE:
            o->ignorefile = optarg;
            o->ignorefile_optional = false;
            break;
        case OPT_SKIP_FILES:
            if (add_patterns(optarg, a.skip_files, &o->n_skip_files, "--skip-files") < 0)
                return MOAT_EXIT_USAGE;
            break;
        case OPT_SKIP_DIRS:
            if (add_patterns(optarg, a.skip_dirs, &o->n_skip_dirs, "--skip-dirs") < 0)
                return MOAT_EXIT_USAGE;
            break;
        case OPT_VEX:
            if (o->n_vex == sizeof(a.vex) / sizeof(a.vex[0])) {
                cli_error("scan: --vex: at most %zu files", sizeof(a.vex) / sizeof(a.vex[0]));
                return MOAT_EXIT_USAGE;
            }
            a.vex[o->n_vex++] = optarg;
            break;
        case OPT_DB:
            o->db_path = optarg;
            break;
        case OPT_PLATFORM:
            o->open.platform = optarg;
            break;
        case 'q':
            a.quiet = true;
            break;
        case 'h':
            scan_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            return cli_usage_error(argv[0]);
        }
    }
    if (cli_color_parse(a.color, &color) < 0) {
        cli_error("scan: --color: expected auto, always or never, got '%s'", a.color);
        return MOAT_EXIT_USAGE;
    }
    if (optind != argc - 1) {
        cli_error("scan: expected exactly one image reference or SBOM file (see 'moat scan "
                  "--help')");
        return MOAT_EXIT_USAGE;
    }
    o->ref = argv[optind];
    o->vex = a.vex;
    o->skip_files = a.skip_files;
    o->skip_dirs = a.skip_dirs;
    o->misconfig.setuid_allow = a.setuid_allow;
    if (a.format == NULL)
        fmt = (a.output == NULL && isatty(STDOUT_FILENO)) ? MOAT_REPORT_TABLE : MOAT_REPORT_JSON;
    else if (moat_report_format_parse(a.format, &fmt) < 0) {
        cli_error("scan: unknown format '%s' (table, json, sarif, cyclonedx, junit)", a.format);
        return MOAT_EXIT_USAGE;
    }
    return run_scan(&a, fmt);
}
