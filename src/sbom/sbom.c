/*
 * sbom.c - the sbom/ room's front door: format names and dispatch to the
 * writers (cyclonedx.c, spdx.c, json.c, table.c). Writers only format what
 * the catalog found; they never decide what is in the image.
 */
#include "sbom_int.h"

#include <string.h>

#include "moat/base/error.h"

int moat_sbom_format_parse(const char *s, enum moat_sbom_format *out)
{
    static const struct {
        const char *name;
        enum moat_sbom_format fmt;
    } names[] = {
        {"table", MOAT_SBOM_TABLE},         {"json", MOAT_SBOM_JSON},
        {"cyclonedx", MOAT_SBOM_CYCLONEDX}, {"cyclonedx-json", MOAT_SBOM_CYCLONEDX},
        {"spdx", MOAT_SBOM_SPDX},           {"spdx-json", MOAT_SBOM_SPDX},
    };
    size_t i;

    if (s == NULL || out == NULL)
        return -MOAT_E_ARG;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].fmt;
            return 0;
        }
    }
    return -MOAT_E_ARG;
}

int moat_sbom_write(FILE *f, enum moat_sbom_format fmt, const struct moat_image_meta *meta,
                    const struct moat_inventory *inv, const struct moat_sbom_opts *opts,
                    struct moat_err *err)
{
    struct sbom_ctx ctx;
    int r;

    if (f == NULL || meta == NULL || inv == NULL || (inv->n_pkgs > 0 && inv->pkgs == NULL))
        return moat_err_set(err, MOAT_E_ARG, "sbom: missing image, inventory or output");
    if (fmt == MOAT_SBOM_TABLE)
        return sbom_write_table(f, meta, inv, err);
    r = sbom_ctx_init(&ctx, opts, err);
    if (r < 0)
        return r;
    switch (fmt) {
    case MOAT_SBOM_JSON:
        return sbom_write_json(f, meta, inv, &ctx, err);
    case MOAT_SBOM_CYCLONEDX:
        return sbom_write_cyclonedx(f, meta, inv, &ctx, err);
    case MOAT_SBOM_SPDX:
        return sbom_write_spdx(f, meta, inv, &ctx, err);
    default:
        break;
    }
    return moat_err_set(err, MOAT_E_ARG, "sbom: unknown format %d", (int)fmt);
}
