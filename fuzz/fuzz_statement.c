/* room: custody */
/*
 * fuzz_statement.c - libFuzzer target for the in-toto statement parser and
 * the scan-predicate builder: the input is parsed as a statement, and (when
 * it is JSON) as a `moat scan --format json` report to summarise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/base/json.h"
#include "moat/custody/custody.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_statement st;
    struct moat_image_meta meta = {0};
    json_t *root = NULL, *pred = NULL;

    if (moat_statement_parse("fuzz.json", data, size, &st, &err) == 0) {
        for (size_t i = 0; i < st.n_subjects; i++)
            if (strlen(st.subject_sha256[i]) != 64)
                abort();
        moat_statement_free(&st);
    }
    if (moat_json_parse((const char *)data, size, MOAT_MAX_ENVELOPE, "fuzz.json", &root, &err) ==
        0) {
        meta.manifest_digest =
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        if (moat_predicate_scan("fuzz.json", root, &meta, &pred, &err) == 0)
            json_decref(pred);
        if (moat_predicate_scan("fuzz.json", root, NULL, &pred, &err) == 0)
            json_decref(pred);
        json_decref(root);
    }
    moat_err_clear(&err);
    return 0;
}
