/* room: source */
/*
 * fuzz_manifest.c - bytes as every JSON document an image carries: docker
 * manifest.json (with and without a wanted tag), OCI index.json / image
 * index (then a platform choice), image manifest, and image config.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "source/source_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct moat_err err = MOAT_ERR_INIT;
    struct source_docker_image d;
    struct source_index ix;
    struct source_manifest man;
    struct moat_image *img;
    char **diff_ids = NULL;
    size_t n_diff_ids = 0, pick;

    if (source_docker_manifest_parse(text, size, "m", NULL, &d, &err) == 0)
        source_docker_image_free(&d);
    if (source_docker_manifest_parse(text, size, "m", "a:1", &d, &err) == 0)
        source_docker_image_free(&d);
    if (source_docker_manifest_parse(text, size, "m", "@1", &d, &err) == 0)
        source_docker_image_free(&d);
    if (source_oci_index_parse(text, size, "i", &ix, &err) == 0) {
        if (source_index_choose(&ix, NULL, NULL, "i", &pick, &err) == 0 && pick >= ix.n)
            abort();
        if (source_index_choose(&ix, "t", "linux/arm64/v8", "i", &pick, &err) == 0 && pick >= ix.n)
            abort();
        source_index_free(&ix);
    }
    if (source_oci_manifest_parse(text, size, "m", &man, &err) == 0)
        source_manifest_free(&man);
    img = calloc(1, sizeof(*img));
    if (img == NULL) {
        moat_err_clear(&err);
        return 0;
    }
    img->fd = -1;
    if (source_config_parse(text, size, "c", &img->meta, &diff_ids, &n_diff_ids, &err) == 0) {
        for (size_t i = 0; i < n_diff_ids; i++)
            if (!source_digest_valid(diff_ids[i]))
                abort();
    }
    source_strv_free(diff_ids, n_diff_ids);
    moat_image_free(img);
    moat_err_clear(&err);
    return 0;
}
