/*
 * cmd_sbom.c - `moat sbom REF`: open the image, build the merged view with
 * the catalogers' files captured, inventory the packages and write the SBOM.
 * The output file is replaced only when everything succeeded.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "fs/fs.h"
#include "sbom/sbom.h"
#include "source/image.h"

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

static void show_progress(void *ctx, size_t layer, size_t n_layers, uint64_t bytes)
{
    (void)ctx;
    fprintf(stderr, "\rmoat: reading layer %zu/%zu (%.1f MiB)", layer + 1, n_layers,
            (double)bytes / (1024.0 * 1024.0));
    if (layer + 1 == n_layers)
        fputs("\r\033[K", stderr);
    fflush(stderr);
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
    struct moat_open_opts open_opts = {0};
    struct moat_fs_opts fs_opts = {0};
    struct moat_sbom_opts sbom_opts = {0};
    struct moat_inventory inv = {0};
    struct moat_image *img = NULL;
    struct moat_fs *fs = NULL;
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
            open_opts.platform = optarg;
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
            sbom_usage(stderr);
            return MOAT_EXIT_USAGE;
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

    if (moat_image_open(argv[optind], &open_opts, &img, &err) < 0)
        goto out;
    fs_opts.capture = moat_catalog_capture_patterns(&fs_opts.n_capture);
    if (cli_progress_enabled(quiet))
        fs_opts.progress = show_progress;
    if (moat_fs_build(img, &fs_opts, &fs, &err) < 0)
        goto out;
    if (moat_catalog_run(fs, &inv, &err) < 0) {
        /* catalog/ names the file inside the image; say which image */
        moat_err_prefix(&err, "%s", argv[optind]);
        goto out;
    }
    if (cli_output_open(&out, output, &err) < 0)
        goto out;
    if (moat_sbom_write(out.f, fmt, moat_image_meta(img), &inv, &sbom_opts, &err) < 0) {
        cli_output_abort(&out);
        goto out;
    }
    if (cli_output_commit(&out, &err) < 0)
        goto out;
    rc = MOAT_EXIT_OK;
out:
    if (rc != MOAT_EXIT_OK)
        cli_fail(&err);
    moat_inventory_free(&inv);
    moat_fs_free(fs);
    moat_image_free(img);
    moat_err_clear(&err);
    return rc;
}
