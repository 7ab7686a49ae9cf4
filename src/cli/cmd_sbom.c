/*
 * cmd_sbom.c - `moat sbom REF`: the scan pipeline with no scanners (the
 * inventory only), written as an SBOM. The output file is replaced only
 * when everything succeeded.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat/sbom/sbom.h"
#include "moat/scan/scan.h"

static void sbom_usage(FILE *f)
{
    fputs("Usage: moat sbom [OPTIONS] REF\n"
          "\n"
          "Inventory the OS packages (dpkg, apk, rpm) of the image REF and write a\n"
          "software bill of materials. Every layer is verified against its digest while\n"
          "it streams; nothing is extracted to disk. A tampered or malformed image is an\n"
          "error, never a partial SBOM.\n"
          "\n"
          "REF is docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG], dir:PATH or a\n"
          "bare PATH whose kind is detected.\n"
          "\n"
          "Options:\n"
          "  -f, --format FORMAT   table, json, cyclonedx (1.5 JSON) or spdx (2.3 JSON).\n"
          "                        Default: table on a terminal, json otherwise.\n"
          "  -o, --output FILE     write to FILE (replaced atomically) instead of stdout\n"
          "      --platform P      os/arch[/variant] to pick from a multi-platform index\n"
          "                        (default linux/amd64)\n"
          "      --files           list each package's installed files (json, spdx)\n"
          "  -q, --quiet           no progress on stderr\n"
          "  -h, --help            show this help\n"
          "\n"
          "Examples:\n"
          "  moat sbom docker-archive:debian.tar\n"
          "  moat sbom -f cyclonedx -o sbom.cdx.json oci:./layout:1.0\n"
          "  moat sbom -f spdx dir:/srv/rootfs\n",
          f);
}

int moat_cmd_sbom(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"platform", required_argument, NULL, 'P'},
        {"files", no_argument, NULL, 'F'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_scan_opts so = {0}; /* no scanners: the inventory only */
    struct moat_scan_result r = {0};
    struct moat_sbom_opts sbom_opts = {0};
    struct cli_output out = {0};
    enum moat_sbom_format fmt = 0;
    const char *format = NULL, *output = NULL;
    bool quiet = false;
    int c, rc = MOAT_EXIT_FAIL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'P':
            so.open.platform = optarg;
            break;
        case 'F':
            sbom_opts.with_files = 1;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            sbom_usage(stdout);
            return MOAT_EXIT_OK;
        default:
            return cli_usage_error(argv[0]);
        }
    }
    if (optind != argc - 1) {
        cli_error("sbom: expected exactly one image reference (see 'moat sbom --help')");
        return MOAT_EXIT_USAGE;
    }
    if (format == NULL)
        fmt = (output == NULL && isatty(STDOUT_FILENO)) ? MOAT_SBOM_TABLE : MOAT_SBOM_JSON;
    else if (moat_sbom_format_parse(format, &fmt) < 0) {
        cli_error("sbom: unknown format '%s' (table, json, cyclonedx, spdx)", format);
        return MOAT_EXIT_USAGE;
    }
    sbom_opts.tool_version = MOAT_VERSION;

    so.ref = argv[optind];
    if (cli_progress_enabled(quiet))
        so.progress = cli_show_progress;
    if (cli_output_check(output, &err) < 0 || moat_scan_run(&so, &r, &err) < 0)
        goto out;
    cli_print_warnings(&r.warnings, quiet);
    if (cli_output_open(&out, output, &err) < 0)
        goto out;
    if (moat_sbom_write(out.f, fmt, r.meta, &r.inv, &sbom_opts, &err) < 0) {
        cli_output_abort(&out);
        goto out;
    }
    if (cli_output_commit(&out, &err) < 0)
        goto out;
    rc = MOAT_EXIT_OK;
out:
    if (rc != MOAT_EXIT_OK)
        cli_fail(&err);
    moat_scan_result_free(&r);
    moat_err_clear(&err);
    return rc;
}
